"""Each fixture app's generated Dockerfile, built for real and run (issue #4).

Per image: it builds, the container becomes healthy, answers on its port, runs as the
non-root uid with the init system as PID 1, stops within 10 s with exit 0 on SIGTERM, and
the runtime image holds no devDependency, TypeScript source, package-manager cache or .env.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import APPS, BuiltApp, _Builds
from tests.support.apps import DOTENV_MARKER
from tests.support.containers import Containers, assert_port_free, http_get, wait_for_http
from tests.support.image_contents import image_checks, image_contents
from tests.support.postgres import PostgresServer
from wizard.verify.parse import PROCESS_SCRIPT, parse_processes
from wizard.verify.report import Step

_counter = itertools.count()
INIT_COMMANDS = {"tini": "tini", "dumb-init": "dumb-init", "docker-init": "docker-init"}


@pytest.fixture(scope="module", params=sorted(APPS))
def built(request: pytest.FixtureRequest, builds: _Builds) -> BuiltApp:
    """One fixture app, scaffolded and built (once per session)."""
    return builds.get(str(request.param))


def _runtime_env(built: BuiltApp, postgres: PostgresServer, tcp_standin: int) -> dict[str, str]:
    """DATABASE_URL for apps with a database (the entrypoint waits for it), on a fresh database;
    MongoDB apps get a TCP stand-in (their health route does not need the database)."""
    if built.app.answers.get("database") == "mongodb":
        return {"DATABASE_URL": f"mongodb://app:secret@127.0.0.1:{tcp_standin}/app?authSource=admin"}
    if built.app.answers.get("database") != "postgresql":
        return {}
    name = f"{built.app.name.replace('-', '_')}_{os.getpid()}_{next(_counter)}"
    return {"DATABASE_URL": postgres.create_database(name)}


@pytest.fixture(scope="module")
def running(built: BuiltApp, engine: Containers, postgres: PostgresServer, tcp_standin: int) -> Iterator[str]:
    """The built image running with host networking; yields the container name."""
    name = f"ndw-e2e-{built.app.name}-{os.getpid()}"
    assert_port_free(built.app.port)
    engine.start(built.tag, name, _runtime_env(built, postgres, tcp_standin))
    try:
        wait_for_http(f"http://127.0.0.1:{built.app.port}{built.app.health_path}", timeout=60)
    except TimeoutError as error:
        logs = engine.logs(name)
        engine.remove_container(name)
        pytest.fail(f"{built.app.name}: {error}\ncontainer logs:\n{logs[-3000:]}")
    yield name
    engine.remove_container(name)


def _processes(engine: Containers, name: str) -> dict[int, tuple[str, int]]:
    """PID -> (base name of argv[0], real uid) for every process in the container, listed by
    `ndw verify`'s own probe (Node reading /proc; argv[0], since Node 24+ names its main thread
    "MainThread"). Run as root: /proc of every uid is readable then."""
    listed = engine.podman("exec", "--user", "0", name, "node", "-e", PROCESS_SCRIPT).stdout
    _, processes = parse_processes(listed)
    return {process.pid: (process.command, process.uid) for process in processes}


@pytest.fixture(scope="module")
def checks(built: BuiltApp, engine: Containers) -> dict[str, Step]:
    """`ndw verify`'s image checks on the built image (the e2e tier has no second copy of them)."""
    answers = built.app.answers
    runs_typescript = not answers.get("build_command") and str(answers["entry"]).endswith((".ts", ".mts"))
    dockerfile = built.context / built.app.app_dir / "Dockerfile"
    build_args = {"NODE_IMAGE": built.app.node_image(engine)}
    return image_checks(engine, built.tag, dockerfile, build_args, runs_typescript)


def test_image_builds_from_the_generated_dockerfile(built: BuiltApp, engine: Containers) -> None:
    """The Dockerfile ndw wrote builds with only NODE_IMAGE overridden."""
    assert (built.context / built.app.app_dir / "Dockerfile").is_file()
    assert engine.image_exists(built.tag)
    assert built.build.seconds > 0


def test_container_becomes_healthy(running: str, engine: Containers) -> None:
    """The image's own HEALTHCHECK passes against the running service."""
    status = engine.wait_healthy(running, timeout=60)
    assert status == "healthy", f"health status {status!r}; logs:\n{engine.logs(running)[-2000:]}"


def test_service_answers_on_its_port(running: str, built: BuiltApp) -> None:
    """The health path answers 2xx on the port from the answers file (any HTTP answer without one)."""
    status, body = http_get(f"http://127.0.0.1:{built.app.port}{built.app.health_path}")
    if not built.app.health_path:
        assert 100 <= status < 600, body  # no health route: the port answers HTTP at all
        return
    assert 200 <= status < 300, body


def test_runs_as_the_non_root_uid(running: str, built: BuiltApp, engine: Containers) -> None:
    """USER is the numeric uid from the answers; every process runs as it, none as root."""
    uid = int(built.app.answers.get("uid", 1000))
    assert engine.inspect(running, "{{.Config.User}}").split(":")[0] == str(uid)
    assert engine.podman("exec", running, "id", "-u").stdout.strip() == str(uid)
    processes = _processes(engine, running)
    node = [pid for pid, (comm, _) in processes.items() if comm.startswith("node")]
    assert node, f"no node process in {processes}"
    for pid in node:
        assert processes[pid][1] == uid, f"node runs as uid {processes[pid][1]}: {processes}"
    assert processes[1][1] == uid, f"PID 1 runs as uid {processes[1][1]}"


def test_init_system_is_pid_1(running: str, built: BuiltApp, engine: Containers) -> None:
    """PID 1 is the chosen init (tini, dumb-init), and Node runs under it, not as PID 1."""
    init = str(built.app.answers.get("init_system", "tini"))
    processes = _processes(engine, running)
    if init == "none":
        assert processes[1][0].startswith("node")
        return
    assert processes[1][0] == INIT_COMMANDS[init], f"PID 1 is {processes[1][0]!r}, expected {init}"
    assert any(comm.startswith("node") for pid, (comm, _) in processes.items() if pid != 1)


def test_runtime_image_ships_no_dev_dependencies(
    built: BuiltApp, engine: Containers, checks: dict[str, Step]
) -> None:
    """No devDependency that no production package needs (verify's check); every dependency is there."""
    assert checks["dev-dependencies"].status == "passed", checks["dev-dependencies"].detail
    contents = image_contents(engine, built.tag, built.app.node_image(engine))
    modules = f"{contents.workdir.rstrip('/')}/node_modules"
    # pnpm keeps packages in node_modules/.pnpm/<name with / as +>@<version>: look there too.
    pnpm = {path.split("/.pnpm/", 1)[1].split("/", 1)[0] for path in contents.final if "/.pnpm/" in path}
    missing = [
        dep
        for dep in built.app.dependencies
        if f"{modules}/{dep}" not in contents.final
        and not any(entry.startswith(dep.replace("/", "+") + "@") for entry in pnpm)
    ]
    assert not missing, f"dependencies missing from the runtime image ({modules}): {missing}"


def test_runtime_image_has_no_sources_caches_or_dotenv(
    built: BuiltApp, engine: Containers, checks: dict[str, Step]
) -> None:
    """No TypeScript source, package-manager cache, .env or other secret in any layer (verify's
    checks), and the planted .env's content under no other name either."""
    for name in ("sources", "caches", "secrets"):
        assert checks[name].status == "passed", f"{name}: {checks[name].detail}"
    workdir = engine.inspect(built.tag, "{{.Config.WorkingDir}}") or "/"
    marked = engine.shell_as_root(built.tag, f"grep -rl '{DOTENV_MARKER}' '{workdir}' 2>/dev/null; true")
    assert not marked.stdout.split(), f".env's content reached the runtime image: {marked.stdout}"


def test_image_carries_the_scaffold_metadata(built: BuiltApp, engine: Containers) -> None:
    """The runtime image exposes the chosen port and has a HEALTHCHECK (kept by --format docker)."""
    exposed = engine.inspect(built.tag, "{{json .Config.ExposedPorts}}")
    assert re.search(rf'"{built.app.port}/tcp"', exposed), exposed
    health = engine.podman("image", "inspect", built.tag, "--format", "{{json .HealthCheck}}").stdout
    assert '"Test":["CMD' in health, health


def test_stop_is_graceful_within_10_seconds(running: str, engine: Containers) -> None:
    """`podman stop -t 10`: SIGTERM reaches Node through the init, the app closes and exits 0.

    Runs last for each app: it stops the module's container.
    """
    elapsed, code = engine.stop(running, grace=10)
    logs = engine.logs(running)
    assert code == 0, f"exit code {code} after {elapsed:.1f} s (137 = killed); logs:\n{logs[-2000:]}"
    assert elapsed < 10, f"stop took {elapsed:.1f} s"
