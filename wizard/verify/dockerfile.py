"""Which image the runtime stage starts from, read from the Dockerfile's FROM and ARG lines."""

from __future__ import annotations

import re
from collections.abc import Mapping

_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE)
_ARG = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$", re.IGNORECASE)
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _lines(text: str) -> list[str]:
    """Logical lines: continuations joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def runtime_base(text: str, build_args: Mapping[str, str], target: str | None = None) -> str | None:
    """The external image the last stage (or TARGET) is built on, ARGs resolved; None if unknown."""
    defaults: dict[str, str] = {}
    stages: list[tuple[str, str | None]] = []  # (image, stage name)
    for line in _lines(text):
        if not stages and (arg := _ARG.match(line)):
            defaults[arg.group(1)] = (arg.group(2) or "").strip("\"'")
        elif found := _FROM.match(line):
            stages.append((found.group(1), found.group(2)))
    if not stages:
        return None
    values = {**defaults, **build_args}

    def resolve(image: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(3)
            return values.get(name) or (match.group(2) or "")

        return _VARIABLE.sub(value, image)

    names = {name.lower(): index for index, (_, name) in enumerate(stages) if name}
    index = names.get(target.lower(), len(stages) - 1) if target else len(stages) - 1
    seen: set[int] = set()
    while index not in seen:
        seen.add(index)
        image = resolve(stages[index][0])
        if image.lower() not in names:
            return None if image.lower() == "scratch" or not image else image
        index = names[image.lower()]
    return None
