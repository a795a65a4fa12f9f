"""#16: the `dev` stage of a workspace service and of a NestJS monorepo app, built and run for real.

As in test_dev_target.py (the compose tier cannot build), buildah builds the `dev` target of the
generated Dockerfile from the repository root, and podman runs it with the service's source
folder and its shared package's source folder bind-mounted (what compose.dev.yaml's `sync`
does by copying). An edit of the service, then one of the shared package, is served:

- nest-monorepo `orders` (`sync`): `nest start orders --watch` recompiles the app and the
  library it imports, with no restart of the container;
- pnpm-workspace `api` (a TypeScript build, `sync+restart`): compose restarts the container
  after a sync, which reruns `pnpm --filter @acme/api... run build` (the shared package first);
  here `podman restart` does what compose does.

The default target of the same Dockerfile builds the production image layer for layer, as the
Dockerfile without the answer does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.containers import Containers, assert_port_free, wait_for_body, wait_for_http
from tests.support.rootfs import SUITE_FOR_MAJOR, node_base_image

MONOREPOS = Path(__file__).parents[1] / "fixtures" / "monorepos"


@dataclass(frozen=True)
class Edit:
    """Replace OLD with NEW in FILE (repository-relative); then GET PATH answers with MARKER in it."""

    file: str
    old: str
    new: str
    path: str
    marker: str


@dataclass(frozen=True)
class Case:
    repo: str
    folder: str
    restarts: bool  # compose.dev.yaml's action is sync+restart
    mounts: tuple[str, ...]  # source folders bind-mounted, repository-relative
    edits: tuple[Edit, Edit]  # the service's own source, then the shared package's


CASES = {
    "nest-monorepo-orders": Case(
        "nest-monorepo",
        "apps/orders",
        restarts=False,
        mounts=("apps/orders/src", "libs/common/src"),
        edits=(
            Edit(
                "apps/orders/src/app.controller.ts",
                "return this.appService.getHello();",
                "return 'app-edited';",
                "/",
                "app-edited",
            ),
            Edit(
                "libs/common/src/common.service.ts",
                "return { status: 'ok', service };",
                "return { status: 'ok', service: `${service}-lib-edited` };",
                "/health",
                "orders-lib-edited",
            ),
        ),
    ),
    "pnpm-workspace-api": Case(
        "pnpm-workspace",
        "apps/api",
        restarts=True,
        mounts=("apps/api/src", "packages/shared/src"),
        edits=(
            Edit(
                "apps/api/src/index.ts",
                "res.json(healthPayload('api'));",
                "res.json(healthPayload('api-app-edited'));",
                "/health",
                "api-app-edited",
            ),
            Edit(
                "packages/shared/src/index.ts",
                "return { status: 'ok', service };",
                "return { status: 'ok', service: `${service}-shared-edited` };",
                "/health",
                "api-app-edited-shared-edited",
            ),
        ),
    ),
}


def _scaffold(source: Path, dest: Path, *sets: str) -> Path:
    repo = Path(shutil.copytree(source, dest))
    args = [a for s in sets for a in ("--set", s)]
    done = subprocess.run(
        [sys.executable, "-m", "wizard", "init", str(repo), "--all-services", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


@pytest.mark.parametrize("name", sorted(CASES))
def test_dev_stage_reloads_service_and_shared_package_edits(
    name: str, engine: Containers, tmp_path: Path
) -> None:
    case = CASES[name]
    repo = _scaffold(MONOREPOS / case.repo, tmp_path / "dev" / case.repo, "dev_target=true")
    answers = yaml.safe_load((repo / case.folder / ".copier-answers.yml").read_text())
    major = int(answers["node_version"])
    base = node_base_image(major, SUITE_FOR_MAJOR[major], engine)
    dockerfile = repo / case.folder / "Dockerfile"
    dev = engine.build(
        repo,
        f"localhost/ndw-e2e/{name}-dev:latest",
        {"NODE_IMAGE": base},
        dockerfile=dockerfile,
        target="dev",
    )
    print(f"dev target of {name} built in {dev.seconds:.1f} s")

    # Production: the default target is the image the Dockerfile without the answer builds.
    with_dev = engine.build(
        repo, f"localhost/ndw-e2e/{name}-with-dev:latest", {"NODE_IMAGE": base}, dockerfile=dockerfile
    )
    plain_repo = _scaffold(MONOREPOS / case.repo, tmp_path / "plain" / case.repo)
    plain = engine.build(
        plain_repo, f"localhost/ndw-e2e/{name}-plain:latest", {"NODE_IMAGE": base},
        dockerfile=plain_repo / case.folder / "Dockerfile",
    )  # fmt: skip
    assert (plain_repo / case.folder / "Dockerfile").read_text() != dockerfile.read_text()
    assert engine.image_layers(with_dev.tag) == engine.image_layers(plain.tag)

    container = f"ndw-e2e-dev-{name}"
    port = int(answers["port"])
    assert_port_free(port)
    mounts = [a for folder in case.mounts for a in ("-v", f"{repo / folder}:/app/{folder}:ro")]
    engine.start(dev.tag, container, extra=mounts)
    try:
        status, body = wait_for_http(f"http://127.0.0.1:{port}/health", timeout=120)
        assert status == 200, body + engine.logs(container)
        assert engine.podman("exec", container, "id", "-u").stdout.strip() == str(answers["uid"])
        for edit in case.edits:
            source = repo / edit.file
            text = source.read_text()
            assert edit.old in text, f"{edit.file} no longer holds {edit.old!r}"
            source.write_text(text.replace(edit.old, edit.new))
            edited = time.monotonic()
            if case.restarts:
                # compose.dev.yaml's sync+restart: the synced container restarts and builds again.
                engine.podman("restart", "--time", "10", container)
            url = f"http://127.0.0.1:{port}{edit.path}"
            seconds, answer = wait_for_body(url, edit.marker, edited, timeout=120)
            print(f"{name}: {edit.file} served {seconds:.1f} s after saving")
            assert answer[0] == 200 and edit.marker in answer[1], f"{answer}\n{engine.logs(container)}"
        if not case.restarts:
            assert engine.inspect(container, "{{.RestartCount}}") in ("0", "")
    finally:
        engine.remove_container(container)
