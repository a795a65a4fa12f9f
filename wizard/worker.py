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
from wizard.template import seed_patterns


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
    _detections: dict[str, Detection] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.target.is_dir():
            raise UsageError(f"{self.target} is not a directory")

    @cached_property
    def detection(self) -> Detection:
        """What the repository says about itself (read once)."""
        return detect(self.target)

    def detection_for(self, app_dir: object) -> Detection:
        """Detection of the app in `app_dir` when the user names a folder detection didn't pick."""
        detected_dir = self.detection.values().get("app_dir", ".")
        if not isinstance(app_dir, str) or app_dir in ("", detected_dir):
            return self.detection
        if app_dir not in self._detections:
            self._detections[app_dir] = detect(self.target, app_dir)
        return self._detections[app_dir]

    def resolve(self, given: Mapping[str, Any] | None = None) -> Resolution:
        """Given answers over detected values over template defaults."""
        detection = self.detection_for((given or {}).get("app_dir"))
        return self.questions.resolve(
            given,
            detection.values(),
            detection.sources(),
            folder_name=self.target.resolve().name,
        )

    def plan(self, answers: Mapping[str, Any]) -> Plan:
        """Render to a temporary tree and compare it with the target."""
        with rendered_scaffold(answers) as rendered:
            return Plan.compare(rendered, self.target, seeds=seed_patterns())

    def write(self, answers: Mapping[str, Any], *, force: bool = False, dry_run: bool = False) -> Outcome:
        """Write the scaffold; refuse to replace differing files unless forced."""
        plan = self.plan(answers)
        if dry_run:
            return Outcome(plan, (), dry_run=True)
        if plan.replaced and not force:
            raise UnmanagedFilesError([change.path for change in plan.replaced], plan.diff())
        return Outcome(plan, tuple(plan.apply(self.target)), dry_run=False)
