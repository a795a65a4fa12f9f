"""A NestJS monorepo for real (issue #7): one image per Nest application.

tests/fixtures/monorepos/nest-monorepo is what Nest 12's `nest new` + `nest generate app` +
`nest generate library` make (ESM, the tsc builder, trimmed of test tooling): apps `orders`
and `payments` on one root package.json and lockfile, both using the library `libs/common`.
`ndw init --all-services` scaffolds both; each Dockerfile is built unchanged from the
repository root, run, and looked into.
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

FIXTURE = Path(__file__).parents[1] / "fixtures" / "monorepos" / "nest-monorepo"
APPS = ("orders", "payments")
# The root manifest's production dependencies, which every app's image needs.
PRODUCTION = ("@nestjs/common", "@nestjs/core", "@nestjs/platform-express", "reflect-metadata", "rxjs")
# Its devDependencies, which no image may hold.
DEVELOPMENT = ("@nestjs/cli", "@nestjs/schematics", "typescript", "prettier", "@types/node")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture copied and scaffolded with `ndw init --all-services`."""
    dest = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("nest") / "nest-monorepo"))
    done = subprocess.run(
        [sys.executable, "-m", "wizard", "init", str(dest), "--all-services"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return dest


@dataclass(frozen=True)
class BuiltApp:
    name: str
    answers: dict[str, object]
    build: BuildResult


_built: dict[str, BuiltApp] = {}


@pytest.fixture(scope="module", params=APPS)
def built(request: pytest.FixtureRequest, repo: Path, engine: Containers) -> BuiltApp:
    """One app's image, built from the repository root with apps/<name>/Dockerfile."""
    name = str(request.param)
    if name not in _built:
        answers = yaml.safe_load((repo / "apps" / name / ".copier-answers.yml").read_text())
        major = int(answers["node_version"])
        base = node_base_image(major, SUITE_FOR_MAJOR[major], engine)
        result = engine.build(
            repo, f"localhost/ndw-e2e/nest-monorepo-{name}:latest", {"NODE_IMAGE": base},
            dockerfile=repo / "apps" / name / "Dockerfile",
        )  # fmt: skip
        _built[name] = BuiltApp(name, answers, result)
    return _built[name]


def _lines(engine: Containers, image: str, script: str) -> list[str]:
    done = engine.shell_as_root(image, script)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if line)


def test_image_holds_its_own_app_only(built: BuiltApp, engine: Containers) -> None:
    image = built.build.tag
    files = _lines(engine, image, "cd /app && find . -path ./node_modules -prune -o -type f -print")
    assert f"./{built.answers['entry']}" in files
    for path in files:
        # The root manifest (its "type": "module" makes Node load dist as ESM) and this app's build.
        assert path == "./package.json" or path.startswith(f"./dist/apps/{built.name}/"), path
        assert not (path.endswith(".ts") and not path.endswith(".d.ts")), f"TypeScript source {path}"
    # The library is compiled into this app's output, next to the app's own code.
    assert f"./dist/apps/{built.name}/libs/common/src/index.js" in files
    other = next(app for app in APPS if app != built.name)
    leaked = _lines(engine, image, f"find / -xdev -path /proc -prune -o -path '*{other}*' -print")
    assert leaked == [], f"{other} leaked into {image}: {leaked[:5]}"


def test_production_dependencies_only(built: BuiltApp, engine: Containers) -> None:
    present = _lines(
        engine, built.build.tag,
        "cd /app/node_modules && for dep in " + " ".join((*PRODUCTION, *DEVELOPMENT))
        + "; do test -f $dep/package.json && echo $dep; done; true",
    )  # fmt: skip
    assert sorted(PRODUCTION) == [dep for dep in present if dep in PRODUCTION]
    assert [dep for dep in present if dep in DEVELOPMENT] == []


def test_no_package_manager_or_build_tools_at_run_time(built: BuiltApp, engine: Containers) -> None:
    done = engine.shell_as_root(
        built.build.tag, "for tool in npm npx pnpm yarn corepack tsc nest; do command -v $tool; done; true"
    )
    assert done.stdout.strip() == "", done.stdout


def test_app_starts_healthy_and_stops_gracefully(built: BuiltApp, engine: Containers) -> None:
    port = int(built.answers["port"])  # type: ignore[call-overload]
    name = f"ndw-e2e-nest-monorepo-{built.name}-{os.getpid()}"
    assert_port_free(port)
    engine.start(built.build.tag, name)
    try:
        status, body = wait_for_http(f"http://127.0.0.1:{port}{built.answers['health_path']}", timeout=60)
        assert status == 200
        assert f'"service":"{built.name}"' in body  # this app answers, through the shared library
        assert engine.wait_healthy(name) == "healthy"
        assert engine.inspect(name, "{{.Config.User}}") == "1000:1000"
        seconds, code = engine.stop(name)
        assert seconds < 10 and code in (0, 143), (seconds, code, engine.logs(name)[-2000:])
    finally:
        engine.remove_container(name)
