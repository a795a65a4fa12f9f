"""Write a set of files all or nothing: check every destination, stage, swap, roll back on error.

1. Check: each destination resolves inside the root (a symlink leading out is refused),
   every existing parent is a folder, the destination is a regular file or absent, and the
   folder that will hold it is writable.
2. Stage: each new file is written beside its destination (`.NAME.ndw-tmp`) and each file
   it replaces is copied beside it (`.NAME.ndw-old`). An error here removes what was staged.
3. Swap: each staged file is renamed over its destination (atomic per file), with SIGINT,
   SIGTERM and SIGHUP held. An error here puts every replaced file back from its copy and
   removes the new ones, and the folders that were created.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import Interrupted, OutsideRootError, WriteError

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class FileWrite:
    """One file to write: its path relative to the root, its bytes and mode."""

    path: str
    content: bytes
    mode: int


@dataclass
class _Slot:
    """A destination during the transaction."""

    write: FileWrite
    destination: Path
    staged: Path
    backup: Path | None = None
    swapped: bool = False


def resolve_inside(root: Path, relative: str) -> Path:
    """Where `relative` lands below `root` once symlinks are followed; OutsideRootError if outside it."""
    base = root.resolve()
    landing = (base / relative).resolve()
    if landing != base and not landing.is_relative_to(base):
        raise OutsideRootError(relative, landing, base)
    return landing


def check_destinations(root: Path, paths: Sequence[str]) -> None:
    """Refuse before writing anything: symlinks out of `root`, wrong file types, read-only folders."""
    for relative in paths:
        destination = resolve_inside(root, relative)
        _check_parents(root, relative)
        if destination.exists() and not destination.is_file():
            kind = "a folder" if destination.is_dir() else "not a regular file"
            raise WriteError(relative, f"{kind} is in the way of the file to be written")
        holder = _nearest_existing(destination.parent)
        if not os.access(holder, os.W_OK | os.X_OK):
            raise WriteError(relative, f"folder {_shown(root, holder)} is not writable")


def _check_parents(root: Path, relative: str) -> None:
    current = root
    for part in Path(relative).parts[:-1]:
        current = current / part
        if current.exists() and not current.is_dir():
            raise WriteError(relative, f"{_shown(root, current)} is a file where a folder is needed")


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _shown(root: Path, path: Path) -> str:
    with suppress(ValueError):
        return path.relative_to(root.resolve()).as_posix() or "."
    with suppress(ValueError):
        return path.relative_to(root).as_posix() or "."
    return str(path)


def write_all(root: Path, writes: Sequence[FileWrite]) -> tuple[int, ...]:
    """Write every file or none; returns the signals received (and held) during the swap."""
    check_destinations(root, [write.path for write in writes])
    slots = [_slot(root, write) for write in writes]
    created: list[Path] = []
    with _signals_held() as received:
        try:
            for slot in slots:
                _stage(slot, created)
        except OSError as error:
            _discard(slots, created)
            raise _write_error(root, error, slots) from error
        if received:  # asked to stop before anything was swapped in: nothing is written
            _discard(slots, created)
            raise Interrupted("interrupted", hint="Nothing was written.")
        try:
            for slot in slots:
                slot.staged.replace(slot.destination)
                slot.swapped = True
        except OSError as error:
            left = _roll_back(slots, created)
            raise _write_error(root, error, slots, left) from error
        for slot in slots:
            if slot.backup is not None:
                slot.backup.unlink(missing_ok=True)
        return tuple(received)


def _slot(root: Path, write: FileWrite) -> _Slot:
    destination = resolve_inside(root, write.path)
    return _Slot(write, destination, destination.with_name(f".{destination.name}.ndw-tmp"))


def _stage(slot: _Slot, created: list[Path]) -> None:
    missing = []
    folder = slot.destination.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir()
        created.append(folder)
    if slot.destination.exists():
        backup = slot.destination.with_name(f".{slot.destination.name}.ndw-old")
        slot.backup = backup
        shutil.copy2(slot.destination, backup)
    slot.staged.write_bytes(slot.write.content)
    slot.staged.chmod(slot.write.mode)


def _discard(slots: Sequence[_Slot], created: list[Path]) -> None:
    """Remove staged files and backups, and the folders made for them (nothing was swapped)."""
    for slot in slots:
        slot.staged.unlink(missing_ok=True)
        if slot.backup is not None:
            slot.backup.unlink(missing_ok=True)
    _remove_folders(created)


def _roll_back(slots: Sequence[_Slot], created: list[Path]) -> list[str]:
    """Undo the swapped files; returns what could not be put back."""
    left = []
    for slot in reversed(slots):
        try:
            if slot.swapped and slot.backup is not None:
                slot.backup.replace(slot.destination)
            elif slot.swapped:
                slot.destination.unlink()
            slot.staged.unlink(missing_ok=True)
            if slot.backup is not None:
                slot.backup.unlink(missing_ok=True)
        except OSError:
            left.append(slot.write.path)
    _remove_folders(created)
    return left


def _remove_folders(created: list[Path]) -> None:
    for folder in reversed(created):
        with suppress(OSError):
            folder.rmdir()


def _write_error(root: Path, error: OSError, slots: Sequence[_Slot], left: Sequence[str] = ()) -> WriteError:
    """One line: the file, the cause; which path of ours the error was about."""
    culprit = Path(error.filename) if error.filename else None
    path = next(
        (
            slot.write.path
            for slot in slots
            if culprit in (slot.destination, slot.staged, slot.backup, slot.destination.parent)
        ),
        _shown(root, culprit) if culprit else "?",
    )
    cause = error.strerror or errno.errorcode.get(error.errno or 0, str(error))
    return WriteError(path, cause, left=tuple(left))


@contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Hold SIGINT, SIGTERM and SIGHUP; yield the list of those received meanwhile."""
    received: list[int] = []
    previous: dict[int, object] = {}
    try:
        for signum in HELD_SIGNALS:
            previous[signum] = signal.signal(signum, lambda number, _frame: received.append(number))
    except ValueError:  # not the main thread: signals cannot be caught here
        pass
    try:
        yield received
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)  # type: ignore[arg-type]
