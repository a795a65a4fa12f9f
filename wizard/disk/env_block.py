"""A kept `.env.example` still gets what compose reads: a marked block of the missing variables.

The user's own `.env.example` is a seed (never replaced). When it lacks variables that
compose.yaml interpolates or that the app requires, `cp .env.example .env` would give a
stack that refuses to start; so the missing lines (with their comments) are appended in one
block between markers. Planning again finds the block, drops it, and rebuilds it from what is
still missing, so `ndw init` and `ndw update` never duplicate it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from wizard.disk.plan import FileChange, Status, env_keys

BEGIN = "# >>> node-docker-wizard: variables docker compose reads (fill in the empty ones) >>>"
END = "# <<< node-docker-wizard <<<"
_BLOCK = re.compile(rf"\n*^{re.escape(BEGIN)}$.*?^{re.escape(END)}$\n?", re.MULTILINE | re.DOTALL)


def without_block(text: str) -> str:
    """The user's text, without ndw's block."""
    return _BLOCK.sub("\n", text).rstrip("\n") + "\n" if BEGIN in text else text


def missing_lines(rendered: str, have: set[str]) -> tuple[list[str], list[str]]:
    """(the scaffold's lines for variables not in `have`, with their comments; those names)."""
    lines: list[str] = []
    names: list[str] = []
    comments: list[str] = []
    for line in rendered.splitlines():
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=", line)
        if line.startswith("#"):
            comments.append(line)
        elif match and match.group(1) not in have:
            lines.extend([*comments, line])
            names.append(match.group(1))
            comments = []
        else:
            comments = []
    return lines, names


def extend_kept_env(change: FileChange) -> FileChange:
    """A kept `.env.example` with ndw's block (re)built from what it lacks; other changes as they are."""
    if (
        change.status is not Status.KEEP
        or change.existing is None
        or not change.path.endswith(".env.example")
    ):
        return change
    existing = change.existing.decode("utf-8", errors="replace")
    body = without_block(existing)
    lines, _ = missing_lines(change.rendered.decode("utf-8", errors="replace"), set(env_keys(body)))
    text = body if not lines else body.rstrip("\n") + "\n\n" + "\n".join([BEGIN, *lines, END]) + "\n"
    if text == existing:
        return change
    return replace(change, status=Status.EXTEND, rendered=text.encode())


def added_keys(change: FileChange) -> list[str]:
    """For an extended `.env.example`: the variables ndw's block holds."""
    if change.status is not Status.EXTEND or not change.path.endswith(".env.example"):
        return []
    text = change.rendered.decode("utf-8", errors="replace")
    start, end = text.find(BEGIN), text.find(END)
    return sorted(set(env_keys(text[start:end]))) if start >= 0 else []
