"""Real-world repository shapes (#13), built and run: what each fixture app exists to prove.

test_images.py runs the common checks on every fixture app (healthy, non-root, graceful stop,
no devDependencies); these tests check each trap's own consequence in the built image.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e.conftest import BuiltApp, _Builds
from tests.support.containers import Containers, assert_port_free, wait_for_http


@pytest.fixture(scope="module")
def nolock(builds: _Builds) -> BuiltApp:
    """Express starter: no lockfile, `prepare: husky`, flags in the start script, routes under /v1."""
    return builds.get("express-nolock-npm")


@pytest.fixture(scope="module")
def rootdir(builds: _Builds) -> BuiltApp:
    """NestJS with a stale start:prod (tsc emits dist/src/main.js), `prepare: husky`, pnpm."""
    return builds.get("nest-rootdir-pnpm")


@pytest.fixture(scope="module")
def noroute(builds: _Builds) -> BuiltApp:
    """Fastify with no health route, `prepare: husky install` (husky 8), yarn 1."""
    return builds.get("fastify-noroute-yarn")


def _cmd(engine: Containers, tag: str) -> list[str]:
    return list(json.loads(engine.inspect(tag, "{{json .Config.Cmd}}")))


def test_no_lockfile_installs_unfrozen_and_says_so(nolock: BuiltApp, engine: Containers) -> None:
    """The build succeeds with no lockfile; the Dockerfile and DOCKER.md flag the unfrozen install."""
    assert not (nolock.context / "package-lock.json").exists()
    dockerfile = (nolock.context / "Dockerfile").read_text()
    assert "# NOT FROZEN: no lockfile is committed" in dockerfile
    assert "npm install --no-audit --no-fund" in dockerfile
    assert "npm ci" not in dockerfile
    assert "not frozen" in (nolock.context / "DOCKER.md").read_text()
    assert engine.image_exists(nolock.tag)


def test_start_script_flags_reach_the_app(nolock: BuiltApp, engine: Containers, started: list[str]) -> None:
    """CMD keeps `-r dotenv/config --enable-source-maps` and `--production`; the app sees the argument,
    and the patch-package patch (install_inputs: patches) survived into the runtime image."""
    assert _cmd(engine, nolock.tag) == [
        "node", "-r", "dotenv/config", "--enable-source-maps", "server/server.js", "--production",
    ]  # fmt: skip
    name = f"ndw-e2e-flags-{os.getpid()}"
    assert_port_free(nolock.app.port)
    engine.start(nolock.tag, name, {})
    started.append(name)
    status, body = wait_for_http(f"http://127.0.0.1:{nolock.app.port}/v1/health", timeout=60)
    assert status == 200, body
    # production: the argument arrived; patched: patches/ was in place when patch-package ran.
    assert json.loads(body) == {"status": "ok", "production": True, "patched": True}


def test_entry_is_what_the_compiler_emits(rootdir: BuiltApp, engine: Containers) -> None:
    """start:prod says dist/main; the image runs dist/src/main.js, which tsc wrote."""
    assert json.loads((rootdir.context / "package.json").read_text())["scripts"]["start:prod"] == (
        "node dist/main"
    )
    assert _cmd(engine, rootdir.tag) == ["node", "dist/src/main.js"]
    listing = engine.shell_as_root(
        rootdir.tag, "ls /app/dist/src/main.js /app/dist/main.js 2>&1; true"
    ).stdout
    assert "/app/dist/src/main.js" in listing
    assert "No such file" in listing  # dist/main.js: the script's file does not exist


@pytest.mark.parametrize("fixture", ["rootdir", "noroute"])
def test_production_install_skips_the_packages_own_hooks(
    fixture: str, request: pytest.FixtureRequest, engine: Containers
) -> None:
    """`prepare: husky` would fail the production install (husky is a devDependency): it built, and
    the image ships the original package.json, hooks included, with no husky."""
    built: BuiltApp = request.getfixturevalue(fixture)
    assert "npm pkg delete scripts.preinstall" in (built.context / "Dockerfile").read_text()
    shipped = engine.shell_as_root(built.tag, "cat package.json; ls node_modules/.bin").stdout
    assert '"prepare": "husky' in shipped
    assert "husky" not in shipped.split("}")[-1]


def test_no_health_route_probes_the_port(noroute: BuiltApp, engine: Containers, started: list[str]) -> None:
    """The HEALTHCHECK connects to the port: healthy while the app runs, with no route to request."""
    health = engine.podman("image", "inspect", noroute.tag, "--format", "{{json .HealthCheck}}").stdout
    assert "node:net" in health and "fetch(" not in health
    name = f"ndw-e2e-tcp-{os.getpid()}"
    assert_port_free(noroute.app.port)
    engine.start(noroute.tag, name, {})
    started.append(name)
    wait_for_http(f"http://127.0.0.1:{noroute.app.port}/v2/quotes", timeout=60)
    assert engine.wait_healthy(name, timeout=60) == "healthy"
