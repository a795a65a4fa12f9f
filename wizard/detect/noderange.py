"""Which Node.js majors an npm-style version range (`engines.node`, `.nvmrc`) allows.

Only the major-level question matters here, so each range becomes half-open intervals of
(major, minor, patch) tuples; prerelease tags are ignored.
"""

from __future__ import annotations

import re

Version = tuple[int, int, int]
Interval = tuple[Version, Version]
TOP: Version = (10**6, 0, 0)
_PART = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$")


def _partial(text: str) -> list[int] | None:
    """'22.1' -> [22, 1]; '22.x' -> [22]; '*' -> []; None when not a version."""
    match = _PART.match(text)
    if not match:
        return None
    parts: list[int] = []
    for group in match.groups():
        if group is None or not group.isdigit():
            break
        parts.append(int(group))
    return parts


def _floor(parts: list[int]) -> Version:
    padded = [*parts, 0, 0, 0]
    return (padded[0], padded[1], padded[2])


def _next(parts: list[int]) -> Version:
    """The first version above every version matching the partial `parts`."""
    if not parts:
        return TOP
    bumped = [*parts[:-1], parts[-1] + 1]
    return _floor(bumped)


def _comparator(token: str) -> Interval | None:
    match = re.match(r"^(>=|<=|>|<|=|\^|~>?)?\s*(.+)$", token)
    if not match:
        return None
    operator, version = match.group(1) or "", match.group(2)
    parts = _partial(version)
    if parts is None:
        return None
    if operator in ("", "="):
        return (_floor(parts), _next(parts))
    if operator == ">=":
        return (_floor(parts), TOP)
    if operator == ">":
        return (_next(parts), TOP)
    if operator == "<":
        return ((0, 0, 0), _floor(parts))
    if operator == "<=":
        return ((0, 0, 0), _next(parts))
    if operator == "^":
        first = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
        return (_floor(parts), _next(parts[: max(first, 0) + 1]))
    # ~ and ~>: patch-level changes when a minor is given, else minor-level.
    return (_floor(parts), _next(parts[:2] if len(parts) > 1 else parts))


def _intersect(intervals: list[Interval]) -> Interval:
    low = max((i[0] for i in intervals), default=(0, 0, 0))
    high = min((i[1] for i in intervals), default=TOP)
    return (low, high)


def parse_range(text: str) -> list[Interval] | None:
    """The union of intervals `text` allows, or None when it cannot be read."""
    union: list[Interval] = []
    for raw in text.split("||"):
        alternative = raw.strip()
        hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", alternative)
        if hyphen:
            low, high = _partial(hyphen.group(1)), _partial(hyphen.group(2))
            if low is None or high is None:
                return None
            union.append((_floor(low), _next(high)))
            continue
        tokens = re.findall(r"(?:>=|<=|>|<|=|\^|~>?)?\s*[^\s<>=^~]+", alternative) or ["*"]
        intervals = [_comparator(token.replace(" ", "")) for token in tokens]
        if any(interval is None for interval in intervals):
            return None
        union.append(_intersect([i for i in intervals if i is not None]))
    return union


def allows_major(text: str, major: int) -> bool | None:
    """Does the range allow some release of Node `major`? None when the range is unreadable."""
    union = parse_range(text)
    if union is None:
        return None
    line = ((major, 0, 0), (major + 1, 0, 0))
    return any(low < line[1] and line[0] < high and low < high for low, high in union)
