"""The one engine behind every front end: detect, resolve, render, compare, write."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.detect import Detection, ServiceCandidate, detect, detect_service, detect_services
from wizard.disk.changes import compare
from wizard.disk.compose_root import ROOT_COMPOSE, root_compose_change
from wizard.disk.paths import normalize_dir
from wizard.disk.plan import FileChange, Plan
from wizard.disk.transaction import resolve_inside
from wizard.errors import NotNodeProjectError, UnmanagedFilesError, UsageError, show_value
from wizard.questions import QuestionSet, Resolution

if TYPE_CHECKING:
    from wizard.engine.render import Renderer


@dataclass(frozen=True)
class Outcome:
    """What a write did (or, for a dry run, would do)."""

    plan: Plan
    written: tuple[FileChange, ...]
    dry_run: bool
    held_signals: tuple[int, ...] = ()  # received during the swap; the write was completed first


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

    @cached_property
    def services(self) -> list[ServiceCandidate]:
        """Every service of the repository (workspace packages, service folders, Nest apps)."""
        return detect_services(self.target)

    def service_at(self, app_dir: str) -> ServiceCandidate | None:
        """The detected service in folder `app_dir`, if there is one."""
        folder = normalize_dir(app_dir)
        return next((service for service in self.services if service.path == folder), None)

    def detection_for(self, app_dir: object) -> Detection:
        """Detection of the service in `app_dir` (a detected service, or any folder the user names)."""
        if not isinstance(app_dir, str) or not app_dir:
            return self.detection
        if app_dir not in self._detections:
            service = self.service_at(app_dir)
            if service is not None and service.path != ".":
                found = detect_service(self.target, service)
            elif app_dir == self.detection.values().get("app_dir", "."):
                found = self.detection
            else:
                found = detect(self.target, app_dir)
            self._detections[app_dir] = found
        return self._detections[app_dir]

    def resolve(self, given: Mapping[str, Any] | None = None) -> Resolution:
        """Given answers over detected values over template defaults."""
        if given and isinstance(given.get("app_dir"), str) and given["app_dir"]:
            given = {**given, "app_dir": normalize_dir(given["app_dir"])}  # './apps/api/' -> 'apps/api'
        detection = self.detection_for((given or {}).get("app_dir"))
        detected, sources = detection.values(), detection.sources()
        chosen = (given or {}).get("package_manager")
        if chosen is not None and chosen != detected.get("package_manager"):
            # The detected version pins the detected manager, not the one the user chose instead.
            detected = {k: v for k, v in detected.items() if k != "package_manager_version"}
        folder_name = self.target.resolve().name
        while True:
            resolution = self.questions.resolve(given, detected, sources, folder_name=folder_name)
            # A detected value that the given answers make invalid (db_driver 'pg' once
            # database is mysql) gives way to the template's default, as copier does.
            stale = {q.name for q in resolution.questions if q.error and q.origin == "detected"}
            if not stale or not given:
                return resolution
            detected = {key: value for key, value in detected.items() if key not in stale}

    def plan(
        self, answers: Mapping[str, Any], root_compose: str | None = None, renderer: Renderer | None = None
    ) -> Plan:
        """Render in memory and compare with the target (`wizard.disk.changes.compare`).

        A service in a subfolder shares the root .dockerignore with the repository's other
        services (an existing one is kept) and is added to the root compose.yaml's includes
        (`root_compose` stands in for that file when several services are planned at once).
        `renderer` defaults to the process's renderer of the shipped template.
        """
        if renderer is None:
            from wizard.engine.render import renderer as shared_renderer  # noqa: PLC0415 (imports copier)

            renderer = shared_renderer()
        return compare(
            renderer.render(answers),
            self.target,
            seeds=renderer.seeds,
            app_dir=answers.get("app_dir", "."),
            root_compose=root_compose,
        )

    def plan_services(self, answer_sets: Sequence[Mapping[str, Any]]) -> Plan:
        """One plan for several services: each adds its files, the root compose.yaml gets every include."""
        combined = Plan(())
        root_compose: FileChange | None = None
        for answers in answer_sets:
            plan = self.plan(answers, root_compose.rendered.decode() if root_compose else None)
            if answers.get("app_dir", ".") != ".":
                root_compose = next(c for c in plan.changes if c.path == ROOT_COMPOSE)
                plan = Plan(tuple(c for c in plan.changes if c.path != ROOT_COMPOSE))
            combined = combined.plus(*plan.changes)
        if root_compose is None:
            return combined
        return combined.plus(root_compose_change(self.target, root_compose.rendered.decode()))

    def write(
        self,
        answers: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        force: bool = False,
        dry_run: bool = False,
        plan: Plan | None = None,
    ) -> Outcome:
        """Write the scaffold of one service (or several); refuse to replace differing files unless forced.

        `plan` is the plan already made for these answers (a front end showed it): it is
        written as it is, not rendered again.
        """
        answer_sets = [answers] if isinstance(answers, Mapping) else list(answers)
        for one in answer_sets:
            require_node_project(self.target, one)
        if plan is None:
            plan = self.plan(answers) if isinstance(answers, Mapping) else self.plan_services(answers)
        for change in plan.changes:  # even --force never writes (or reads) outside the repository
            resolve_inside(self.target, change.path)
        if dry_run:
            return Outcome(plan, (), dry_run=True)
        if plan.replaced and not force:
            raise UnmanagedFilesError([change.path for change in plan.replaced], plan.refusal_diff())
        written, held = plan.apply(self.target)
        return Outcome(plan, tuple(written), dry_run=False, held_signals=held)


def require_node_project(root: Path, answers: Mapping[str, Any]) -> None:
    """A service needs a package.json holding a JSON object (a Nest monorepo app: the root's).

    Raises NotNodeProjectError naming what is missing; --force does not override it.
    """
    app_dir = str(answers.get("app_dir") or ".")
    folder = "." if answers.get("layout") == "nest-monorepo" else app_dir
    manifest = root / folder / "package.json" if folder != "." else root / "package.json"
    shown = manifest.relative_to(root).as_posix()
    if not manifest.is_file():
        where = "the repository root" if folder == "." else folder
        raise NotNodeProjectError(f"no package.json in {where} ({root}): this is not a Node.js project")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise NotNodeProjectError(f"cannot read {shown}: {error}") from error
    except json.JSONDecodeError as error:
        raise NotNodeProjectError(
            f"{shown} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    if not isinstance(data, dict):
        raise NotNodeProjectError(f"{shown} must hold a JSON object ({{...}}), not {show_value(data)}")
