"""What an interactive session edits, shared by every front end (prompts, the Textual app).

A `Session` holds the answers the person changed over the ones given, re-resolved through
`Worker.resolve()` after every change so defaults, `when:` and validation follow
copier.yml exactly. A front end ends with `Settled`: the answers, whether replacing
differing files was agreed to, and the plan it showed (written as it is, not rendered again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.disk.plan import Plan
    from wizard.questions import Resolution, ResolvedQuestion
    from wizard.worker import Worker


@dataclass(frozen=True)
class Settled:
    """Answers confirmed by a person, whether they agreed to replace differing files, and the plan shown."""

    answers: dict[str, Any]
    force: bool = False
    plan: Plan | None = None


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


def value_text(question: ResolvedQuestion, value: Any) -> str:
    """A value as people read it: its choice's title in copier.yml, yes/no, or the text."""
    for choice in question.choices:
        if choice.value == value and type(choice.value) is type(value):
            return choice.label
    if question.type == "bool":
        return "yes" if value else "no"
    return "(empty)" if value is None or value == "" else str(value)


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
