"""`ndw check`: lint the scaffold on disk, show drift from its answers, spot a newer template.

Drift is what differs between the files on disk and what the recorded answers render to
with the current template version: hand edits show up here on purpose. It is reported as
information; lint findings and an outdated template are what make the check fail.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wizard.disk.paths import ANSWERS_FILE
from wizard.disk.scaffolds import locate_scaffold, read_answers_file
from wizard.template_repo import TemplateRepo, parse_version
from wizard.update import fresh_files, stored_problems


@dataclass(frozen=True)
class Drift:
    """One generated file that is not what the answers render to."""

    path: str
    status: str  # "edited" or "missing"
    diff: str


@dataclass
class CheckReport:
    """Everything `ndw check` found."""

    path: str
    recorded_version: str
    current_version: str
    lint: list[dict[str, Any]] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    render_error: str = ""
    repair: str = ""  # the command that repairs invalid stored answers

    @property
    def outdated(self) -> bool:
        """Whether a newer template version than the scaffold's exists."""
        recorded = parse_version(self.recorded_version)
        current = parse_version(self.current_version)
        if recorded is None or current is None:
            return self.recorded_version != self.current_version
        return current > recorded

    @property
    def failed(self) -> bool:
        """Lint findings, a newer template, or answers that no longer render."""
        return bool(self.lint) or self.outdated or bool(self.render_error)

    def as_json(self) -> dict[str, Any]:
        """The report for CI (`--format json`)."""
        return {
            "path": self.path,
            "ok": not self.failed,
            "template": {
                "recorded": self.recorded_version,
                "current": self.current_version,
                "outdated": self.outdated,
            },
            "lint": self.lint,
            "drift": [asdict(item) for item in self.drift],
            "render_error": self.render_error or None,
            "repair": self.repair or None,
        }


def run_check(path: Path, repo: TemplateRepo, service: str | None = None) -> CheckReport:
    """Lint, compare with a fresh render, compare versions (of one service in a monorepo)."""
    root, answers_file = locate_scaffold(path, service)
    data = read_answers_file(root, answers_file)
    report = CheckReport(str(path), str(data.get("_commit") or "(none)"), repo.ref)
    service_dir = root / str(data.get("app_dir") or ".")
    answers = {key: value for key, value in data.items() if not str(key).startswith("_")}
    report.lint = [_finding_dict(finding, root) for finding in _lint(service_dir, root, answers)]
    problems = stored_problems(answers, root.name)
    if problems:
        report.render_error = f"invalid in {answers_file}: " + "; ".join(str(p) for p in problems)
        sets = " ".join(f"--set {problem.field}=VALUE" for problem in problems)
        report.repair = f"ndw update {sets}"
        return report
    try:
        report.drift = drift(root, answers, repo, answers_file)
    except Exception as error:  # a copier error
        report.render_error = str(getattr(error, "message", error))
    return report


def _lint(service_dir: Path, root: Path, answers: dict[str, Any]) -> list[Any]:
    """The service folder's files, and its deploy outputs elsewhere in the repository (#16)."""
    from wizard.lint import lint_scaffold  # noqa: PLC0415
    from wizard.lint_deploy import lint_deploy  # noqa: PLC0415

    return [*lint_scaffold(service_dir), *lint_deploy(root, answers)]


def _finding_dict(finding: Any, root: Path) -> dict[str, Any]:
    data = asdict(finding)
    found = Path(data["path"])
    if found.is_absolute() and found.is_relative_to(root):
        data["path"] = found.relative_to(root).as_posix()
    return data


def drift(
    root: Path, answers: dict[str, Any], repo: TemplateRepo, answers_file: str = ANSWERS_FILE
) -> list[Drift]:
    """Files on disk that differ from (or miss) what the answers render to now."""
    found = []
    for relative, expected in sorted(fresh_files(answers, repo).items()):
        if relative == answers_file:
            continue  # its _commit line is the version check's business
        on_disk = root / relative
        if not on_disk.is_file():
            found.append(Drift(relative, "missing", ""))
            continue
        actual = on_disk.read_bytes()
        if expected != actual:
            found.append(Drift(relative, "edited", _diff(relative, expected, actual)))
    return found


def _diff(name: str, expected: bytes, actual: bytes) -> str:
    old = expected.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = actual.decode("utf-8", errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"generated/{name}", f"disk/{name}"))
