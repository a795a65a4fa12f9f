"""The distroless flavor built and run for real, on a faithful local stand-in (issue #15).

The runtime stage starts from `gcr.io/distroless/nodejs<major>-debian13:nonroot` as the
generated Dockerfile names it: tests/support/distroless.py assembles that image from Debian 13
packages and the Node stand-in's binary, and tags it with that name in the private store.
A NestJS, an Express and a Fastify fixture are scaffolded with `image_flavor: distroless`
(uid 65532, Docker's init); the one with PostgreSQL starts with RUN_MIGRATIONS=true, so
docker-entrypoint.mjs waits for the database and applies the Drizzle migrations before the app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import APPS
from tests.e2e.test_migrations import TABLES
from tests.e2e.test_verify import _store_env
from tests.support.apps import FixtureApp
from tests.support.containers import BuildResult, Containers, http_get, wait_for_http
from tests.support.distroless import NONROOT, distroless_image, distroless_tag
from tests.support.image_contents import image_checks, image_contents
from tests.support.postgres import PostgresServer, free_port
from wizard.verify.parse import PROCESS_SCRIPT, parse_processes

DISTROLESS = (("image_flavor", "distroless"), ("init_system", "docker-init"), ("uid", NONROOT))
# NestJS; Express with PostgreSQL and Drizzle migrations at start; Fastify with a native module (bcrypt,
# against distroless's libstdc++). All on Node 26, whose build stages share the trixie Node stand-in
# (and buildah's cached install layers) with test_images.py: only the runtime stages are extra work.
FIXTURES = ("nest-rootdir-pnpm", "express-drizzle-pnpm", "fastify-bcrypt-pnpm")
# `ndw verify` runs on one of them (it rebuilds from the cached layers): the product on distroless.
VERIFIED = "fastify-bcrypt-pnpm"
# What "no shell, no package manager" means: none of these paths in the final tree.
FORBIDDEN = (
    "/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/dash", "/usr/bin/dash",
    "/bin/busybox", "/usr/bin/busybox", "/usr/bin/apt-get", "/usr/bin/dpkg",
    "/usr/local/bin/npm", "/usr/local/bin/npx", "/usr/local/bin/corepack", "/usr/local/bin/yarn",
)  # fmt: skip


@dataclass(frozen=True)
class Distroless:
    """A fixture scaffolded with the distroless flavor and built."""

    app: FixtureApp
    context: Path
    build: BuildResult
    node_image: str


@dataclass(frozen=True)
class Running:
    """The image running under Docker's init (podman --init), on a free port."""

    built: Distroless
    name: str
    port: int
    database: str | None

    @property
    def url(self) -> str:
        """The health path on the host network."""
        return f"http://127.0.0.1:{self.port}{self.built.app.health_path}"


@pytest.fixture(scope="module", params=FIXTURES)
def built(
    request: pytest.FixtureRequest, engine: Containers, tmp_path_factory: pytest.TempPathFactory
) -> Distroless:
    """FIXTURE scaffolded with the distroless answers and built (NODE_IMAGE only overridden)."""
    app = FixtureApp(str(request.param), DISTROLESS)
    assert APPS[app.name].answers.get("image_flavor") != "distroless", "pick a non-distroless fixture"
    context = app.scaffold(tmp_path_factory.mktemp("distroless") / app.name)
    build = app.build(engine, context)
    return Distroless(app, context, build, app.node_image(engine))


@pytest.fixture(scope="module")
def running(built: Distroless, engine: Containers, postgres: PostgresServer) -> Iterator[Running]:
    """The image started with `--init` as the Dockerfile says; a database app with a fresh
    database and RUN_MIGRATIONS=true."""
    port = free_port()
    env = {"PORT": str(port)}
    database = None
    if built.app.answers.get("database") == "postgresql":
        database = f"distroless_{built.app.name.replace('-', '_')}_{os.getpid()}"
        env |= {"DATABASE_URL": postgres.create_database(database), "RUN_MIGRATIONS": "true"}
    name = f"ndw-e2e-distroless-{built.app.name}-{os.getpid()}"
    engine.start(built.build.tag, name, env, extra=["--init"])
    try:
        wait_for_http(f"http://127.0.0.1:{port}{built.app.health_path}", timeout=90)
    except TimeoutError as error:
        logs = engine.logs(name)
        engine.remove_container(name)
        pytest.fail(f"{built.app.name} (distroless): {error}\ncontainer logs:\n{logs[-3000:]}")
    yield Running(built, name, port, database)
    engine.remove_container(name)


def test_runtime_stage_is_the_distroless_base(built: Distroless, engine: Containers) -> None:
    """The Dockerfile's own RUNTIME_IMAGE default was used: the image's lowest layers are the stand-in's."""
    dockerfile = (built.context / "Dockerfile").read_text()
    tag = distroless_tag(built.app.node_major)
    assert f"ARG RUNTIME_IMAGE={tag}" in dockerfile
    base = engine.podman("image", "inspect", tag, "--format", "{{range .RootFS.Layers}}{{.}} {{end}}").stdout
    assert engine.image_layers(built.build.tag)[: len(base.split())] == base.split()
    assert engine.inspect(built.build.tag, "{{json .Config.Entrypoint}}").startswith('["/nodejs/bin/node"')


def test_image_has_no_shell_or_package_manager(built: Distroless, engine: Containers) -> None:
    """No shell, apt, dpkg or npm anywhere in the final tree (read from the layers, no shell needed)."""
    contents = image_contents(engine, built.build.tag)
    assert "/nodejs/bin/node" in contents.final
    present = [path for path in FORBIDDEN if path in contents.final]
    assert not present, f"the distroless image holds {present}"


def test_verify_image_checks_pass(built: Distroless, engine: Containers) -> None:
    """`ndw verify`'s image checks on the distroless image: none fails, the entry script is found."""
    steps = image_checks(
        engine, built.build.tag, built.context / "Dockerfile", {"NODE_IMAGE": built.node_image}
    )
    failed = {name: step.detail for name, step in steps.items() if step.status == "failed"}
    assert not failed, failed
    assert steps["package-manager"].status == "passed"
    assert steps["entry"].status == "passed", steps["entry"].detail


def test_becomes_healthy_with_the_exec_form_healthcheck(running: Running, engine: Containers) -> None:
    """The HEALTHCHECK (`/nodejs/bin/node -e fetch(...)`, no shell) passes; the health path answers 2xx."""
    status = engine.wait_healthy(running.name, timeout=60)
    assert status == "healthy", f"health {status!r}; logs:\n{engine.logs(running.name)[-2000:]}"
    code, body = http_get(running.url)
    assert 200 <= code < 300, body


def test_runs_as_nonroot_under_the_init(running: Running, engine: Containers) -> None:
    """USER 65532 (distroless's nonroot); every process runs as it; PID 1 is the init, Node below it."""
    assert engine.inspect(running.name, "{{.Config.User}}") == f"{NONROOT}:{NONROOT}"
    listed = engine.podman("exec", running.name, "/nodejs/bin/node", "-e", PROCESS_SCRIPT).stdout
    exec_uid, processes = parse_processes(listed)
    assert exec_uid == NONROOT
    # The uid has distroless's passwd entry (libc resolves it: name and home, as in the real image).
    who = "const os = require('os'); console.log(os.userInfo().username, os.homedir())"
    assert engine.podman("exec", running.name, "/nodejs/bin/node", "-e", who).stdout.split() == [
        "nonroot", "/home/nonroot",
    ]  # fmt: skip
    assert {process.uid for process in processes} == {NONROOT}, processes
    pid1 = next(process for process in processes if process.pid == 1)
    assert not pid1.is_node, f"Node is PID 1: {processes}"
    assert any(process.is_node and process.pid != 1 for process in processes), processes


def test_entrypoint_waited_and_migrated(
    running: Running, engine: Containers, postgres: PostgresServer
) -> None:
    """With a database, docker-entrypoint.mjs waited for PostgreSQL and applied the migrations before
    the app served them; without one, there is no wrapper: the image's node runs the script."""
    entrypoint = json.loads(engine.inspect(running.built.build.tag, "{{json .Config.Entrypoint}}"))
    if running.database is None:
        assert entrypoint == ["/nodejs/bin/node"]
        assert not (running.built.context / "docker-entrypoint.mjs").exists()
        return
    assert entrypoint == ["/nodejs/bin/node", "docker-entrypoint.mjs"]
    logs = engine.logs(running.name)
    assert f"127.0.0.1:{postgres.port} is up" in logs and "Running database migrations" in logs, logs
    table, route = TABLES[running.built.app.name]
    assert postgres.psql(f"SELECT to_regclass('public.{table}') IS NOT NULL", running.database) == "t"
    migrations = running.built.context / str(running.built.app.answers.get("migrations_dir"))
    journal = migrations / "meta" / "_journal.json"
    entries = len(json.loads(journal.read_text())["entries"])
    applied = postgres.psql("SELECT count(*) FROM drizzle.__drizzle_migrations", running.database)
    assert applied == str(entries)
    code, body = http_get(f"http://127.0.0.1:{running.port}{route}")
    assert code == 200 and body.strip() == "[]", body


def test_stop_is_graceful_within_10_seconds(running: Running, engine: Containers) -> None:
    """`podman stop -t 10`: SIGTERM reaches Node through the init, the app exits 0. Runs last."""
    elapsed, code = engine.stop(running.name, grace=10)
    logs = engine.logs(running.name)
    assert code == 0, f"exit {code} after {elapsed:.1f} s (137 = killed); logs:\n{logs[-2000:]}"
    assert elapsed < 10, f"stop took {elapsed:.1f} s"


def test_ndw_verify_passes_on_a_distroless_scaffold(engine: Containers, tmp_path: Path) -> None:
    """`ndw verify` itself builds and runs a distroless scaffold (plain podman on the test store):
    every step passes, Docker's init is PID 1 (podman's), Node runs as 65532 and exits 0 on SIGTERM."""
    app = FixtureApp(VERIFIED, DISTROLESS)
    context = app.scaffold(tmp_path / app.name)
    distroless_image(app.node_major, engine)
    argv = [sys.executable, "-m", "wizard", "verify", str(context), "--engine", "podman", "--format", "json"]
    argv += ["--build-arg", f"NODE_IMAGE={app.node_image(engine)}", "--env", f"PORT={free_port()}"]
    env = {**os.environ, **_store_env(engine, tmp_path)}
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, timeout=900)
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    assert done.returncode == 0, json.dumps(report, indent=2) + done.stderr
    steps = {step["name"]: step for step in report["steps"]}
    assert steps["image"]["data"]["base"] == distroless_tag(app.node_major)
    assert steps["user"]["data"] == {"expected": NONROOT, "uids": str(NONROOT)}
    assert steps["init"]["data"]["expected"] == "docker-init"
    assert steps["stop"]["data"]["exit_code"] == 0
