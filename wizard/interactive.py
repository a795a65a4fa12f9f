"""Interactive front ends (Textual TUI, questionary prompts): to be built (issue 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.errors import NotInteractiveError

if TYPE_CHECKING:
    from wizard.worker import Worker


@dataclass(frozen=True)
class Settled:
    """Answers confirmed by a person, and whether they agreed to replace differing files."""

    answers: dict[str, Any]
    force: bool = False


def ask(worker: Worker, given: dict[str, Any], *, plain: bool) -> Settled:
    """Ask for the answers in a terminal."""
    raise NotInteractiveError(
        "interactive mode is not available yet",
        hint="Pass --answers FILE (see `ndw detect`) or --defaults to take the detected values.",
    )
