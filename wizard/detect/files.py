"""Careful file reading for detection: bounded, tolerant, never inside dependency or build folders."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Folders detection never enters: dependencies, VCS data, build output and caches.
IGNORED_DIRS = frozenset(
    {
        "node_modules",
        ".git",
        "dist",
        "build",
        "out",
        "coverage",
        ".next",
        ".nuxt",
        ".turbo",
        ".cache",
        ".yarn",
        ".pnpm-store",
        ".nx",
        ".idea",
        ".vscode",
        "tmp",
        "vendor",
        "bower_components",
    }
)
SOURCE_SUFFIXES = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs")
MAX_TEXT_BYTES = 512_000
MAX_WALK_ENTRIES = 4_000

_STRING = r'"(?:\\.|[^"\\])*"'
_JSONC_COMMENTS = re.compile(_STRING + r"|//[^\n]*|/\*.*?\*/", re.DOTALL)
_JSONC_TRAILING_COMMAS = re.compile(_STRING + r"|,(?=\s*[}\]])")


def read_text(path: Path, limit: int = MAX_TEXT_BYTES) -> str | None:
    """The file's text (at most `limit` bytes), or None when it is missing or unreadable."""
    try:
        with path.open("rb") as handle:
            return handle.read(limit).decode("utf-8-sig", errors="replace")
    except OSError:
        return None


def loads_jsonc(text: str) -> Any:
    """Parse JSON that may carry comments and trailing commas (tsconfig.json, nest-cli.json)."""

    def keep_strings(match: re.Match[str]) -> str:
        return match.group(0) if match.group(0).startswith('"') else ""

    without_comments = _JSONC_COMMENTS.sub(keep_strings, text)
    return json.loads(_JSONC_TRAILING_COMMAS.sub(keep_strings, without_comments))


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON (or JSONC) object from `path`, or None when missing, malformed or not an object."""
    text = read_text(path)
    if text is None:
        return None
    try:
        data = loads_jsonc(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def walk_files(
    root: Path, suffixes: tuple[str, ...] = SOURCE_SUFFIXES, skip: frozenset[str] = frozenset()
) -> Iterator[Path]:
    """Files under `root` with one of `suffixes`, skipping ignored folders, dot folders and `skip`.

    Bounded by MAX_WALK_ENTRIES directory entries so a huge repository cannot stall detection.
    """
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and d not in skip and not d.startswith("."))
        for name in sorted(files):
            seen += 1
            if seen > MAX_WALK_ENTRIES:
                return
            if name.endswith(suffixes) and not name.endswith((".d.ts", ".d.mts", ".d.cts")):
                yield Path(folder) / name
        seen += len(dirs)


def rel(path: Path, root: Path) -> str:
    """`path` relative to `root`, POSIX style."""
    return Path(os.path.relpath(path, root)).as_posix()


def clean_rel(value: str) -> str:
    """A relative path as written in config ('./drizzle/' -> 'drizzle'); '' for the folder itself."""
    parts = [part for part in value.replace("\\", "/").split("/") if part not in ("", ".")]
    return "/".join(parts)
