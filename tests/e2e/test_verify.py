"""`ndw verify` for real (issue #15): a fixture app scaffolded, then verified by the product itself.

The product runs plain `podman`/`buildah` (as on a user's machine); CONTAINERS_STORAGE_CONF and
CONTAINERS_CONF point them at the test store, where the stand-in base image already is.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import APPS
from tests.support.containers import Containers
from tests.support.postgres import PostgresServer
from tests.test_verify import IMAGE_CHECKS
from wizard.verify.engine import Engine
from wizard.verify.steps import Options, Verifier
from wizard.verify.target import load_target

APP = "fastify-yarn"
# Appended to the scaffolded copy's server: Node ignores SIGTERM, as an app without a handler
# run as PID 1 would; only SIGKILL (after the grace period) ends it.
IGNORE_SIGTERM = "\nprocess.removeAllListeners('SIGTERM');\nprocess.on('SIGTERM', () => {});\n"


def _store_env(engine: Containers, folder: Path) -> dict[str, str]:
    """Config files that point plain podman/buildah at the test store (CONTAINER-TESTS.md)."""
    storage = folder / "storage.conf"
    storage.write_text(
        f'[storage]\ndriver = "overlay"\nrunroot = "{engine.runroot}"\ngraphroot = "{engine.storage}"\n'
    )
    conf = folder / "containers.conf"
    conf.write_text(
        "[containers]\ndefault_ulimits = []\npids_limit = 0\n\n"
        '[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n'
    )
    return {"CONTAINERS_STORAGE_CONF": str(storage), "CONTAINERS_CONF": str(conf)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _verify_command(
    engine: Containers, app_dir: Path, tmp: Path, *extra: str, app: str = APP
) -> tuple[list[str], dict[str, str]]:
    """The `ndw verify ... --format json` command line on the stand-in base, and its environment."""
    base = APPS[app].node_image(engine)
    argv = [sys.executable, "-m", "wizard", "verify", str(app_dir), "--engine", "podman", "--format", "json"]
    # The host network is shared with other test sessions: the service gets a free port.
    argv += ["--build-arg", f"NODE_IMAGE={base}", "--env", f"PORT={_free_port()}", *extra]
    return argv, {**os.environ, **_store_env(engine, tmp)}


def _verify(
    engine: Containers, app_dir: Path, tmp: Path, *extra: str, app: str = APP
) -> tuple[int, dict[str, Any], str]:
    """`ndw verify APP_DIR --engine podman --format json` on the stand-in base; (exit, report, stderr)."""
    argv, env = _verify_command(engine, app_dir, tmp, *extra, app=app)
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, timeout=1500)
    if done.returncode == 2:
        return 2, {}, done.stderr
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.returncode, report, done.stderr


def _steps(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in report["steps"]}


def _leftovers(engine: Containers, report: dict[str, Any]) -> tuple[str, bool]:
    """(containers named after the run, whether its image still exists)."""
    token = report["image"]["tag"].rsplit(":", 1)[-1]
    names = engine.podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
    return " ".join(name for name in names if name.endswith(token)), engine.image_exists(
        report["image"]["tag"]
    )


def test_verify_proves_a_scaffold_builds_runs_and_stops(engine: Containers, tmp_path: Path) -> None:
    """Every step passes on a real build; the report says how; nothing is left behind."""
    app_dir = APPS[APP].scaffold(tmp_path / APP)
    source = (app_dir / "src/server.js").read_bytes()
    code, report, stderr = _verify(engine, app_dir, tmp_path, "--rebuild")
    steps = _steps(report)
    assert code == 0, json.dumps(report, indent=2) + stderr
    assert report["ok"] is True and report["engine"] == "podman" and report["schema"] == "ndw-verify/1"
    assert [step["name"] for step in report["steps"]] == [
        "build", "rebuild", *IMAGE_CHECKS, "scan", "start", "healthy", "answers", "user", "init", "stop",
    ]  # fmt: skip
    # The fixture's test/ folder reaches the image (the scaffold's .dockerignore keeps it): a warning.
    assert [item["path"] for item in steps["tests"]["data"]["paths"]] == ["/app/test"]
    # No trivy or grype here: the scan line says how to add one, and is no failure.
    assert steps["scan"]["status"] == "skipped" and "Install Trivy or Grype" in steps["scan"]["hint"]
    others = [step for step in report["steps"] if step["name"] not in ("tests", "scan")]
    assert all(step["status"] == "passed" for step in others), json.dumps(report, indent=2)
    build = steps["build"]["data"]
    assert build["size_bytes"] > 50_000_000 and build["steps"] > 10
    image = steps["image"]["data"]
    assert image["base"] == APPS[APP].node_image(engine) and image["base_layers"] >= 1
    # The scaffold adds dumb-init, the production node_modules and the sources: close to the floor.
    assert 1.0 < image["ratio"] < 1.05 and image["node_modules_bytes"] > 1_000_000
    assert image["cmd"] == ["node", "src/server.js"] and image["user"] == "1000:1000"
    assert steps["entry"]["data"]["path"] == "/app/src/server.js"
    rebuild = steps["rebuild"]["data"]
    assert rebuild["edited"] == "src/server.js"
    assert 0 < rebuild["cached_steps"] < rebuild["steps"], rebuild  # deps reused, the copy redone
    assert (app_dir / "src/server.js").read_bytes() == source  # the edit was undone
    assert steps["healthy"]["data"]["status"] == "healthy"
    assert steps["answers"]["data"]["status"] == 200
    assert steps["user"]["data"] == {"expected": 1000, "uids": "1000"}
    assert steps["init"]["data"] == {"expected": "dumb-init", "pid1": "dumb-init"}
    stop = steps["stop"]
    assert stop["data"]["exit_code"] == 0 and stop["data"]["killed"] is False
    assert stop["seconds"] < 10
    assert _leftovers(engine, report) == ("", False)


def _break(app_dir: Path, old: str, new: str, file: str = "Dockerfile") -> None:
    """Replace OLD (which must be there) by NEW in APP_DIR/FILE: a user's edit gone wrong."""
    path = app_dir / file
    text = path.read_text()
    assert old in text, f"{file} no longer has {old!r}: update this test"
    path.write_text(text.replace(old, new))


def test_a_broken_scaffold_gets_a_failing_line_with_the_fix_for_each_break(
    engine: Containers, tmp_path: Path
) -> None:
    """One image broken three ways: no init and SIGTERM ignored, a .env copied in, a devDependency."""
    app_dir = APPS[APP].scaffold(tmp_path / APP)
    with (app_dir / "src/server.js").open("a") as handle:
        handle.write(IGNORE_SIGTERM)
    _break(app_dir, 'ENTRYPOINT ["/usr/bin/dumb-init", "--"]\n', "")
    _break(app_dir, "**/.env\n", "", file=".dockerignore")
    _break(app_dir, "COPY --from=prod-deps", "COPY --from=deps")
    code, report, _ = _verify(engine, app_dir, tmp_path, "--keep")
    steps = _steps(report)
    assert code == 1 and report["ok"] is False
    failed = [step["name"] for step in report["steps"] if step["status"] == "failed"]
    assert failed == ["secrets", "dev-dependencies", "init", "stop"], json.dumps(report, indent=2)
    assert all(steps[name]["hint"] for name in failed)
    secrets = steps["secrets"]
    assert {"path": "/app/.env", "layer": 7} in secrets["data"]["paths"] and ".dockerignore" in secrets[
        "hint"
    ]
    dev = steps["dev-dependencies"]
    assert [item["path"] for item in dev["data"]["paths"]] == ["/app/node_modules/pino-pretty"]
    assert "prod-deps" in dev["hint"]
    assert (
        steps["init"]["data"] == {"expected": "dumb-init", "pid1": "node"}
        and "SIGTERM" in steps["init"]["hint"]
    )
    stop = steps["stop"]
    assert stop["data"]["exit_code"] == 137 and stop["data"]["killed"] and stop["seconds"] >= 10
    assert "init as PID 1" in stop["hint"]
    assert report["logs"], "the container's last lines belong in the report"
    containers, image_kept = _leftovers(engine, report)
    assert containers == "" and image_kept and report["image"]["kept"] is True

    # A wrong entry: the file CMD names is not in the image, and the container exits at once.
    kept = report["image"]["tag"]
    _break(app_dir, 'CMD ["node", "src/server.js"]', 'CMD ["node", "src/main.js"]')
    code, report, _ = _verify(engine, app_dir, tmp_path)
    engine.podman("rmi", "--force", kept, check=False)
    steps = _steps(report)
    assert code == 1
    entry = steps["entry"]
    assert entry["status"] == "failed" and entry["data"]["path"] == "/app/src/main.js"
    assert "server.js" in entry["detail"] and "`entry`" in entry["hint"]
    assert steps["healthy"]["status"] == "failed" and "exited with code 1" in steps["healthy"]["detail"]
    assert any("src/main.js" in line for line in report["logs"]), report["logs"]
    assert _leftovers(engine, report) == ("", False)


def _default_sigint() -> None:
    """In the child: Ctrl-C interrupts, as at a terminal. A test run started in the background
    of a non-interactive shell (`bash .ci/run &`) ignores SIGINT, and children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_removes_the_container_and_the_image(engine: Containers, tmp_path: Path) -> None:
    """SIGINT once the container runs: exit 130, and neither the container nor the image is left."""
    app_dir = APPS[APP].scaffold(tmp_path / APP)
    argv, env = _verify_command(engine, app_dir, tmp_path, "--no-scan")
    # The hook only resets one signal between fork and exec (no lock it could deadlock on).
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_default_sigint,  # noqa: PLW1509
    )
    prefix = "ndw-verify-quotes-api-"
    name = ""
    deadline = time.monotonic() + 900
    while not name and process.poll() is None and time.monotonic() < deadline:
        names = engine.podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
        name = next((found for found in names if found.startswith(prefix)), "")
        time.sleep(0.5)
    assert name, f"no container appeared; verify exited {process.poll()}"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Removed the container and the image." in stderr
    token = name.removeprefix(prefix)
    assert name not in engine.podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
    assert not engine.image_exists(f"localhost/ndw-verify/quotes-api:{token}")


def test_verify_a_database_service_with_database_url(
    engine: Containers, postgres: PostgresServer, tmp_path: Path
) -> None:
    """Without DATABASE_URL verify refuses before building; with one, the service passes every step."""
    app = "nest-drizzle-npm"
    app_dir = APPS[app].scaffold(tmp_path / app)
    code, _, stderr = _verify(engine, app_dir, tmp_path, app=app)
    assert code == 2 and "needs DATABASE_URL" in stderr and "--compose" in stderr, stderr
    url = postgres.create_database(f"verify_{os.getpid()}")
    code, report, stderr = _verify(engine, app_dir, tmp_path, "--env", f"DATABASE_URL={url}", app=app)
    assert code == 0, json.dumps(report, indent=2) + stderr
    steps = _steps(report)
    assert steps["init"]["data"] == {"expected": "tini", "pid1": "tini"}
    assert steps["user"]["data"] == {"expected": 1000, "uids": "1000"}
    assert steps["stop"]["data"]["killed"] is False
    assert _leftovers(engine, report) == ("", False)


@pytest.fixture(params=sorted(APPS))
def built_app(request: pytest.FixtureRequest, builds: Any) -> Any:
    """Each fixture app as the e2e tier built it (once per session, shared with test_images)."""
    return builds.get(str(request.param))


def test_the_image_checks_pass_on_every_fixture_image(
    built_app: Any, engine: Containers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify's own layer reading on the images the harness built: nothing that should not ship."""
    for key, value in _store_env(engine, tmp_path).items():
        monkeypatch.setenv(key, value)
    app = built_app.app
    target = load_target(built_app.context)
    options = Options(build_args={"NODE_IMAGE": app.node_image(engine)}, keep=True)
    verifier = Verifier(Engine("podman"), target, options)
    verifier.tag = built_app.tag
    steps = {step.name: step for step in verifier.inspect()}
    statuses = {name: step.status for name, step in steps.items()}
    assert engine.image_exists(built_app.tag)  # read in place, left as it was
    expected = dict.fromkeys(IMAGE_CHECKS, "passed")
    # Test folders reach the image where the app has them: a warning, not a failure.
    expected["tests"] = statuses["tests"] if statuses["tests"] == "warning" else "passed"
    assert statuses == expected, {
        name: step.detail for name, step in steps.items() if step.status != "passed"
    }
    image = steps["image"].data
    assert image["base"] == app.node_image(engine) and image["ratio"] < 1.25, image
    assert image["cmd"], image
