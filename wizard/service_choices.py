"""How services are shown when a person picks one: shared by the plain prompt and the TUI list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.detect.services import ServiceCandidate

KIND_WORDS = {
    "workspace": "workspace package",
    "independent": "own lockfile",
    "nest-app": "Nest monorepo app",
}
ALL = "__all__"


def kind_words(candidate: ServiceCandidate) -> str:
    """How the service was found, in a few words."""
    if candidate.kind == "independent" and candidate.lockfile is None:
        return "own package.json, no lockfile"
    return KIND_WORDS.get(candidate.kind, candidate.kind)


def describe(candidate: ServiceCandidate, separator: str = ", ") -> str:
    """Framework, how it was found and the shared packages it uses, for one service."""
    parts = [candidate.framework or "unknown framework", kind_words(candidate)]
    if candidate.shared_names:
        parts.append("uses " + ", ".join(candidate.shared_names))
    return separator.join(parts)


def all_label(count: int) -> str:
    """The last choice: every service at once."""
    return f"All {count} services"


def in_path_order(candidates: Sequence[ServiceCandidate]) -> list[ServiceCandidate]:
    """Services sorted by folder, the repository root ('.') first."""
    return sorted(candidates, key=lambda c: (c.path != ".", c.path))


def plain_choices(services: Sequence[ServiceCandidate]) -> list[tuple[str, str]]:
    """(title, value) for each questionary choice: aligned columns, then "All N services"."""
    path_width = max(len(s.path) for s in services)
    name_width = max(len(s.name) for s in services)
    rows = [(f"{s.path:<{path_width}}  {s.name:<{name_width}}  ({describe(s)})", s.path) for s in services]
    return [*rows, (all_label(len(services)), ALL)]
