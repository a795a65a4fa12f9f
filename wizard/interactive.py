"""Interactive front ends: the Textual app, or questionary prompts in plain mode.

Both edit a `Session`: the answers the person changed over the ones given, re-resolved
through `Worker.resolve()` after every change so defaults, `when:` and validation follow
copier.yml exactly. Textual and questionary are imported only when asking starts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.questions import Resolution, ResolvedQuestion
    from wizard.worker import Worker

# Smaller than this, the full-screen app cannot show a form beside a preview.
MIN_COLUMNS = 60
MIN_LINES = 16


@dataclass(frozen=True)
class Settled:
    """Answers confirmed by a person, and whether they agreed to replace differing files."""

    answers: dict[str, Any]
    force: bool = False


@dataclass
class Session:
    """The answers being edited: given ones, then the person's edits, re-resolved on change."""

    worker: Worker
    given: dict[str, Any] = field(default_factory=dict)
    edits: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.resolution: Resolution = self.worker.resolve(self.given)

    def set(self, name: str, value: Any) -> Resolution:
        """Record one answer and re-resolve every question."""
        self.edits[name] = value
        self.resolution = self.worker.resolve(self.combined())
        return self.resolution

    def combined(self) -> dict[str, Any]:
        """Given answers overridden by the person's edits."""
        return {**self.given, **self.edits}

    def is_edited(self, name: str) -> bool:
        """Whether the person changed this answer in this session."""
        return name in self.edits


def origin_text(question: ResolvedQuestion, edited: bool) -> str:
    """Where the shown value comes from, in words."""
    if edited:
        return "your answer"
    if question.origin == "detected":
        return f"detected: {question.source}" if question.source else "detected"
    if question.origin == "answer":
        return "from the given answers"
    if question.origin == "missing":
        return "required"
    return "default"


def can_run_full_screen(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal can host the full-screen app (a real TERM, big enough)."""
    environ = os.environ if environ is None else environ
    if environ.get("TERM", "") in {"", "dumb"}:
        return False
    size = shutil.get_terminal_size(fallback=(0, 0))
    return size.columns >= MIN_COLUMNS and size.lines >= MIN_LINES


def ask(worker: Worker, given: dict[str, Any], *, plain: bool) -> Settled:
    """Ask for the answers in a terminal: the Textual app, or prompts when plain or unable."""
    session = Session(worker, dict(given))
    if plain or not can_run_full_screen():
        from wizard.prompts import ask_plain  # noqa: PLC0415

        return ask_plain(session)
    from wizard.tui.app import run_app  # noqa: PLC0415

    return run_app(session)
