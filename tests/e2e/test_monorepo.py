"""Monorepos for real (issue #7): one image per service, holding that service only.

Four repositories from tests/fixtures/monorepos are scaffolded with `ndw init --all-services`:
a pnpm, an npm and a yarn 4 workspace (each: a TypeScript Express `api` and a plain-JS
Fastify `worker`, both on the TypeScript package `@acme/shared`), and a folder of two
independent services (`orders` on npm, `billing` on pnpm). Each service's generated
Dockerfile is built unchanged from the repository root, run, and looked into.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.containers import BuildResult, Containers, assert_port_free, wait_for_http
from tests.support.rootfs import SUITE_FOR_MAJOR, node_base_image

MONOREPOS = Path(__file__).parents[1] / "fixtures" / "monorepos"


@dataclass(frozen=True)
class Service:
    repo: str
    folder: str
    own_deps: tuple[str, ...]  # production dependencies the image must have
    foreign_deps: tuple[str, ...]  # other services' dependencies it must not have


SERVICES = {
    "api": Service("pnpm-workspace", "apps/api", ("express", "@acme/shared"), ("fastify", "typescript")),
    "worker": Service(
        "pnpm-workspace", "apps/worker", ("fastify", "@acme/shared"), ("express", "typescript")
    ),
    "npm-api": Service("npm-workspace", "apps/api", ("express", "@acme/shared"), ("fastify", "typescript")),
    "npm-worker": Service(
        "npm-workspace", "apps/worker", ("fastify", "@acme/shared"), ("express", "typescript")
    ),
    "yarn-api": Service("yarn-workspace", "apps/api", ("express", "@acme/shared"), ("fastify", "typescript")),
    "yarn-worker": Service(
        "yarn-workspace", "apps/worker", ("fastify", "@acme/shared"), ("express", "typescript")
    ),
    "orders": Service("independent-services", "services/orders", ("express",), ("fastify",)),
    "billing": Service("independent-services", "services/billing", ("fastify",), ("express",)),
}


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The repositories, copied and scaffolded with `ndw init --all-services`."""
    root = tmp_path_factory.mktemp("monorepos")
    scaffolded = {}
    for name in ("pnpm-workspace", "npm-workspace", "yarn-workspace", "independent-services"):
        dest = Path(shutil.copytree(MONOREPOS / name, root / name))
        done = subprocess.run(
            [sys.executable, "-m", "wizard", "init", str(dest), "--all-services"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        scaffolded[name] = dest
    return scaffolded


@dataclass(frozen=True)
class BuiltService:
    service: Service
    repo: Path
    answers: dict[str, object]
    build: BuildResult


_built: dict[str, BuiltService] = {}


@pytest.fixture(scope="module", params=sorted(SERVICES))
def built(request: pytest.FixtureRequest, repos: dict[str, Path], engine: Containers) -> BuiltService:
    """One service's image, built from the repository root with its own Dockerfile."""
    name = str(request.param)
    if name not in _built:
        service = SERVICES[name]
        repo = repos[service.repo]
        answers = yaml.safe_load((repo / service.folder / ".copier-answers.yml").read_text())
        major = int(answers["node_version"])
        base = node_base_image(major, SUITE_FOR_MAJOR[major], engine)
        result = engine.build(
            repo, f"localhost/ndw-e2e/monorepo-{name}:latest", {"NODE_IMAGE": base},
            dockerfile=repo / service.folder / "Dockerfile",
        )  # fmt: skip
        _built[name] = BuiltService(service, repo, answers, result)
    return _built[name]


def _files(engine: Containers, image: str, script: str) -> list[str]:
    done = engine.shell_as_root(image, script)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if line)


def test_image_holds_its_own_service_only(built: BuiltService, engine: Containers) -> None:
    image = built.build.tag
    folder = built.repo / built.service.folder
    workdir = engine.podman("image", "inspect", image, "--format", "{{.Config.WorkingDir}}").stdout.strip()
    app_files = _files(engine, image, f"cd {workdir} && find . -path ./node_modules -prune -o -type f -print")
    assert app_files, f"the image's {workdir} holds no files"
    entry = f"./{built.answers['entry']}"
    assert entry in app_files
    for path in app_files:
        relative = path.removeprefix("./")
        # Every file is the service's own: a source file of its folder, or its build output.
        assert (folder / relative).is_file() or relative.startswith("dist/"), f"{path} is not {folder.name}'s"
    if workdir != "/app":  # npm workspaces keep the repository's layout: the service and its packages
        top = _files(engine, image, "cd /app && find . -mindepth 2 -maxdepth 2 -not -path './node_modules/*'")
        allowed = {built.service.folder, *str(built.answers.get("workspace_deps", "")).split()}
        assert {path.removeprefix("./") for path in top} == allowed, top
    others = [s.folder for s in SERVICES.values() if s.folder != built.service.folder]
    listing = "\n".join(_files(engine, image, "find / -xdev -path /proc -prune -o -print"))
    for other in others:
        assert f"/{other.rsplit('/', 1)[-1]}/" not in listing.replace("/app/", "/"), (
            f"{other} leaked into {image}"
        )
    modules = set(
        _files(engine, image, "ls -A /app/node_modules /app/node_modules/@acme 2>/dev/null | grep -v ':$'")
    )
    for dep in built.service.own_deps:
        assert dep.rsplit("/", 1)[-1] in modules, f"{dep} missing from {image}"
    found = _files(
        engine, image,
        "find /app/node_modules -maxdepth 3 -name package.json -path '*node_modules/*'"
        " | sed 's|/package.json||'; ls /app/node_modules/.pnpm 2>/dev/null; true",
    )  # fmt: skip
    for dep in built.service.foreign_deps:
        assert not [f for f in found if f.endswith(f"/{dep}") or f.startswith(f"{dep}@")], (
            f"{dep} is in {image}"
        )


def test_shared_workspace_package_is_built_and_copied_in(built: BuiltService, engine: Containers) -> None:
    if built.service.repo == "independent-services":
        pytest.skip("independent services share no package")
    files = _files(engine, built.build.tag, "cd /app/node_modules/@acme/shared/ && find . -type f")
    # pnpm deploy copied (not linked) the shared package's published files: its compiled dist only.
    assert "./dist/index.js" in files and "./package.json" in files
    assert not [f for f in files if f.startswith("./src/") or (f.endswith(".ts") and not f.endswith(".d.ts"))]
    link = engine.shell_as_root(built.build.tag, "readlink -f /app/node_modules/@acme/shared").stdout.strip()
    # pnpm deploy: a copy in its virtual store; npm, yarn: the packed package where the workspace link points.
    wanted = "/app/node_modules/.pnpm/" if built.service.repo == "pnpm-workspace" else "/app/packages/shared"
    assert link.startswith(wanted), link


def test_no_package_manager_or_workspace_tooling_at_run_time(built: BuiltService, engine: Containers) -> None:
    done = engine.shell_as_root(
        built.build.tag,
        "for tool in npm npx pnpm yarn corepack tsc; do command -v $tool; done; "
        "ls /app/pnpm-workspace.yaml; true",
    )
    assert done.stdout.strip() == "", done.stdout


def test_service_starts_healthy_and_stops_gracefully(built: BuiltService, engine: Containers) -> None:
    port = int(built.answers["port"])  # type: ignore[call-overload]
    health = str(built.answers["health_path"])
    name = f"ndw-e2e-monorepo-{built.service.repo}-{Path(built.service.folder).name}-{os.getpid()}"
    assert_port_free(port)
    engine.start(built.build.tag, name)
    try:
        status, body = wait_for_http(f"http://127.0.0.1:{port}{health}", timeout=60)
        assert status == 200
        assert Path(built.service.folder).name in body  # the service itself answers, not another
        assert engine.wait_healthy(name) == "healthy"
        assert engine.inspect(name, "{{.Config.User}}") == "1000:1000"
        seconds, code = engine.stop(name)
        assert seconds < 10 and code in (0, 143), (seconds, code, engine.logs(name)[-2000:])
    finally:
        engine.remove_container(name)
