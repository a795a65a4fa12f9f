"""Compare a rendered tree with the target: what is new, unchanged or would be replaced."""

from __future__ import annotations

import difflib
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Status(Enum):
    """What writing would do to one file."""

    NEW = "new"
    SAME = "unchanged"
    REPLACE = "replace"


@dataclass(frozen=True)
class FileChange:
    """One rendered file and what is on disk at its place."""

    path: str
    status: Status
    rendered: bytes
    existing: bytes | None
    mode: int

    def diff(self) -> str:
        """Unified diff from what is on disk to what would be written."""
        if self.status is Status.SAME:
            return ""
        old = _text_lines(self.existing) if self.existing is not None else []
        new = _text_lines(self.rendered)
        before = f"a/{self.path}" if self.existing is not None else "/dev/null"
        return "".join(difflib.unified_diff(old, new, before, f"b/{self.path}"))


def _text_lines(data: bytes) -> list[str]:
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


@dataclass(frozen=True)
class Plan:
    """Every file the scaffold would write, in path order."""

    changes: tuple[FileChange, ...]

    @classmethod
    def compare(cls, rendered: Path, target: Path) -> Plan:
        """Walk the rendered tree and look at the same paths under the target."""
        changes = []
        for source in sorted(p for p in rendered.rglob("*") if p.is_file()):
            relative = source.relative_to(rendered).as_posix()
            content = source.read_bytes()
            destination = target / relative
            existing = destination.read_bytes() if destination.is_file() else None
            if existing is None:
                status = Status.NEW
            elif existing == content:
                status = Status.SAME
            else:
                status = Status.REPLACE
            changes.append(FileChange(relative, status, content, existing, source.stat().st_mode & 0o777))
        return cls(tuple(changes))

    @property
    def replaced(self) -> list[FileChange]:
        """Files that exist and would be overwritten."""
        return [change for change in self.changes if change.status is Status.REPLACE]

    def diff(self) -> str:
        """One unified diff for every file that would change."""
        return "".join(change.diff() for change in self.changes)

    def apply(self, target: Path) -> list[FileChange]:
        """Move the rendered files in; each file is replaced atomically, Ctrl-C is held off."""
        written = []
        with _sigint_deferred():
            for change in self.changes:
                if change.status is Status.SAME:
                    continue
                destination = target / change.path
                destination.parent.mkdir(parents=True, exist_ok=True)
                staging = destination.with_name(f".{destination.name}.ndw-tmp")
                staging.write_bytes(change.rendered)
                staging.chmod(change.mode)
                staging.replace(destination)
                written.append(change)
        return written


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C until the move-in is done, then deliver it."""
    received: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt
