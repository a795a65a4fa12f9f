"""The one engine behind every front end: detect, resolve, render, compare, write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from wizard.detect import Detection, detect
from wizard.errors import UnmanagedFilesError, UsageError
from wizard.plan import FileChange, Plan
from wizard.questions import QuestionSet, Resolution
from wizard.render import rendered_scaffold


@dataclass(frozen=True)
class Outcome:
    """What a write did (or, for a dry run, would do)."""

    plan: Plan
    written: tuple[FileChange, ...]
    dry_run: bool


@dataclass
class Worker:
    """Scaffold one service into `target`."""

    target: Path
    questions: QuestionSet = field(default_factory=QuestionSet)

    def __post_init__(self) -> None:
        if not self.target.is_dir():
            raise UsageError(f"{self.target} is not a directory")

    @cached_property
    def detection(self) -> Detection:
        """What the repository says about itself (read once)."""
        return detect(self.target)

    def resolve(self, given: Mapping[str, Any] | None = None) -> Resolution:
        """Given answers over detected values over template defaults."""
        return self.questions.resolve(
            given,
            self.detection.values(),
            self.detection.sources(),
            folder_name=self.target.resolve().name,
        )

    def plan(self, answers: Mapping[str, Any]) -> Plan:
        """Render to a temporary tree and compare it with the target."""
        with rendered_scaffold(answers) as rendered:
            return Plan.compare(rendered, self.target)

    def write(self, answers: Mapping[str, Any], *, force: bool = False, dry_run: bool = False) -> Outcome:
        """Write the scaffold; refuse to replace differing files unless forced."""
        plan = self.plan(answers)
        if dry_run:
            return Outcome(plan, (), dry_run=True)
        if plan.replaced and not force:
            raise UnmanagedFilesError([change.path for change in plan.replaced], plan.diff())
        return Outcome(plan, tuple(plan.apply(self.target)), dry_run=False)
