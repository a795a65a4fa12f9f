"""Compare a rendered tree with the target: what is new, unchanged or would be replaced."""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from wizard.disk.transaction import FileWrite, write_all


class Status(Enum):
    """What writing would do to one file."""

    NEW = "new"
    SAME = "unchanged"
    REPLACE = "replace"
    KEEP = "kept"  # a seed file (copier's `_skip_if_exists`) the user already has
    EXTEND = "extended"  # a shared file ndw adds this service to, leaving the rest as it is

    @property
    def description(self) -> str:
        """What this status means to the user, in a few words (the preview's status line)."""
        return _STATUS_DESCRIPTIONS[self]


_STATUS_DESCRIPTIONS = {
    Status.NEW: "new file",
    Status.SAME: "same as on disk",
    Status.REPLACE: "differs from the file on disk",
    Status.KEEP: "yours, kept as it is",
    Status.EXTEND: "shared file, this service is added to it",
}


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
        if self.status in (Status.SAME, Status.KEEP):
            return ""
        return self.content_diff()

    def content_diff(self) -> str:
        """Unified diff from the file on disk to the rendered bytes, whatever writing would do."""
        old = _text_lines(self.existing) if self.existing is not None else []
        new = _text_lines(self.rendered)
        before = f"a/{self.path}" if self.existing is not None else "/dev/null"
        return "".join(difflib.unified_diff(old, new, before, f"b/{self.path}"))

    @property
    def missing_env_keys(self) -> list[str]:
        """For a kept env file: the variables the scaffold lists that the user's file lacks."""
        if self.status is not Status.KEEP or self.existing is None:
            return []
        have = set(env_keys(self.existing.decode("utf-8", errors="replace")))
        return [key for key in env_keys(self.rendered.decode("utf-8", errors="replace")) if key not in have]


def _text_lines(data: bytes) -> list[str]:
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def env_keys(text: str) -> list[str]:
    """Variable names assigned in a dotenv text, in order (commented-out examples count too)."""
    return [match.group(1) for line in text.splitlines() if (match := _ENV_ASSIGNMENT.match(line))]


_ENV_ASSIGNMENT = re.compile(r"^\s*#?\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=")


def seed_matches(path: str, pattern: str) -> bool:
    """gitignore-style, as copier matches `_skip_if_exists`: a pattern without '/' matches any folder."""
    anchored = pattern.startswith("/")
    pattern = pattern.lstrip("/")
    if not anchored and "/" not in pattern:
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    return fnmatch.fnmatchcase(path, pattern)


def classify(path: str, rendered: bytes, existing: bytes | None, seeds: Sequence[str] = ()) -> Status:
    """What writing `rendered` at `path` would do, given what is on disk there."""
    if existing is None:
        return Status.NEW
    if existing == rendered:
        return Status.SAME
    if any(seed_matches(path, pattern) for pattern in seeds):
        return Status.KEEP
    return Status.REPLACE


@dataclass(frozen=True)
class Plan:
    """Every file the scaffold would write, in path order."""

    changes: tuple[FileChange, ...]

    def plus(self, *changes: FileChange) -> Plan:
        """This plan with more files (a file already in it, with the same bytes, is not repeated)."""
        known = {change.path: change for change in self.changes}
        extra = []
        for change in changes:
            if change.path in known and known[change.path].rendered == change.rendered:
                continue
            if change.path in known:
                raise ValueError(f"two different renders of {change.path}")
            known[change.path] = change
            extra.append(change)
        return Plan(tuple(sorted((*self.changes, *extra), key=lambda change: change.path)))

    @property
    def replaced(self) -> list[FileChange]:
        """Files that exist and would be overwritten."""
        return [change for change in self.changes if change.status is Status.REPLACE]

    def diff(self) -> str:
        """One unified diff for every file that would change."""
        return "".join(change.diff() for change in self.changes)

    def refusal_diff(self, max_lines: int = 200) -> str:
        """The diffs of the files that would be replaced only, cut to `max_lines` lines."""
        lines = "".join(change.diff() for change in self.replaced).splitlines(keepends=True)
        if len(lines) <= max_lines:
            return "".join(lines)
        more = len(lines) - max_lines
        return "".join(lines[:max_lines]) + f"# ... {more} more diff lines; --dry-run shows everything\n"

    def to_write(self) -> list[FileChange]:
        """The files writing changes on disk (new, replaced, extended)."""
        return [change for change in self.changes if change.status not in (Status.SAME, Status.KEEP)]

    def apply(self, target: Path) -> tuple[list[FileChange], tuple[int, ...]]:
        """Write every changed file or none (`wizard.disk.transaction`).

        Returns the files written and the signals received, and held off, while they were
        swapped in.
        """
        changed = self.to_write()
        received = write_all(target, [FileWrite(c.path, c.rendered, c.mode) for c in changed])
        return changed, received
