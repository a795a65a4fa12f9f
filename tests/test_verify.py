"""`ndw verify` without an engine: engine choice, command lines, parsing, the step sequence.

The step sequence runs against a fake engine (a scripted runner and clock); the real builds
and runs are in tests/e2e/test_verify.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.support.image_archive import BASE, app_layers, diff_ids, write_archive, write_layer_dirs
from wizard.cli import main
from wizard.engine.render import Renderer
from wizard.errors import NoComposeError, NoEngineError, VerifySetupError
from wizard.questions import QuestionSet
from wizard.verify.compose import ComposeVerifier, parse_compose_ps, parse_port
from wizard.verify.engine import Engine, EngineName, detect_compose, detect_engine
from wizard.verify.parse import parse_build_output, parse_health, parse_processes, parse_state
from wizard.verify.process import Completed, run_command
from wizard.verify.progress import progress_for
from wizard.verify.report import Report, interrupted_summary, print_report
from wizard.verify.scan import Scanner, parse_grype, parse_trivy
from wizard.verify.steps import REBUILD_MARKER, SIGTERM_FIX, Options, Verifier, sigterm_fix
from wizard.verify.target import Target, compose_env_files, load_target, missing_env, source_to_touch

IMAGE_CHECKS = [
    "image",
    "entry",
    "secrets",
    "dev-dependencies",
    "sources",
    "tests",
    "caches",
    "package-manager",
]
ANSWERS = {
    "service_name": "quotes-api",
    "app_dir": ".",
    "port": 4000,
    "health_path": "/ready",
    "uid": 1000,
    "init_system": "dumb-init",
    "entry": "src/server.js",
    "database": "none",
    "framework": "fastify",
}


COMPOSE = """services:
  app:
    environment:
      DATABASE_URL: postgresql://app:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@db/app
  db:
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}
      POSTGRES_USER: ${POSTGRES_USER:-app}
"""


# ---- engine choice


def _which(*present: str) -> Any:
    return lambda tool: f"/usr/bin/{tool}" if tool in present else None


def _probe(daemon: bool = True, shim: bool = False, compose: Sequence[str] = ()) -> Any:
    def probe(argv: Sequence[str]) -> tuple[bool, str]:
        argv = list(argv)
        if argv == ["docker", "--version"]:
            return True, "podman version 4.3.1" if shim else "Docker version 28.2.2"
        if argv[:2] == ["docker", "version"]:
            return (True, "28.2.2") if daemon else (False, "Cannot connect to the Docker daemon")
        if argv[-1] == "version":
            return " ".join(argv[:-1]) in compose, ""
        raise AssertionError(argv)

    return probe


def test_docker_wins_when_its_daemon_answers() -> None:
    assert detect_engine(None, _which("docker", "podman", "buildah"), _probe()).name == "docker"


def test_a_docker_client_without_daemon_falls_back_to_podman() -> None:
    assert detect_engine(None, _which("docker", "podman"), _probe(daemon=False)).name == "podman"


def test_podmans_docker_wrapper_counts_as_podman() -> None:
    assert detect_engine(None, _which("docker", "podman"), _probe(shim=True)).name == "podman"


def test_engine_can_be_forced() -> None:
    engine = detect_engine("buildah", _which("docker", "podman", "buildah"), _probe())
    assert (engine.builder, engine.runner) == ("buildah", "podman")


def test_no_engine_is_a_usage_error_that_says_what_to_install() -> None:
    with pytest.raises(NoEngineError) as caught:
        detect_engine(None, _which(), _probe())
    assert caught.value.exit_code == 2
    assert "docker is not installed" in caught.value.message
    assert "podman" in caught.value.hint and "Docker Engine" in caught.value.hint


def test_a_forced_engine_that_does_not_work_names_the_reason() -> None:
    with pytest.raises(NoEngineError) as caught:
        detect_engine("docker", _which("docker", "podman"), _probe(daemon=False))
    assert "daemon does not answer" in caught.value.message and "Start the Docker daemon" in caught.value.hint
    with pytest.raises(NoEngineError, match="buildah engine: buildah not installed"):
        detect_engine("buildah", _which("podman"), _probe())


def test_compose_is_found_per_engine_or_refused() -> None:
    docker = Engine("docker")
    assert detect_compose(docker, _which("docker"), _probe(compose=["docker compose"])) == [
        "docker",
        "compose",
    ]
    podman = Engine("podman")
    found = detect_compose(podman, _which("podman", "podman-compose"), _probe(compose=["podman-compose"]))
    assert found == ["podman-compose"]
    with pytest.raises(NoComposeError) as caught:
        detect_compose(podman, _which("podman"), _probe())
    assert caught.value.exit_code == 2 and "podman-compose" in caught.value.hint


# ---- command lines


def test_docker_command_lines() -> None:
    """What a user with plain Docker gets run: BuildKit build, published port, inspect health."""
    engine = Engine("docker")
    assert engine.build_env() == {"DOCKER_BUILDKIT": "1"}
    build = engine.build_argv(
        Path("/repo"), Path("/repo/apps/api/Dockerfile"), "img:1", {"NODE_IMAGE": "n:22"}
    )
    assert build == [
        "docker", "build", "--progress=plain", "-f", "/repo/apps/api/Dockerfile", "-t", "img:1",
        "--build-arg", "NODE_IMAGE=n:22", "/repo",
    ]  # fmt: skip
    run = engine.run_argv(
        "img:1", "c1", port=3000, host_port=49152, network="publish",
        env={"DATABASE_URL": "postgres://db/app"}, env_files=[Path(".env")], init=True,
    )  # fmt: skip
    assert run == [
        "docker", "run", "--detach", "--name", "c1", "--publish", "127.0.0.1:49152:3000", "--init",
        "--env-file", ".env", "--env", "DATABASE_URL=postgres://db/app", "img:1",
    ]  # fmt: skip
    assert engine.health_argv("c1") == ["docker", "inspect", "--format", "{{json .State.Health}}", "c1"]
    assert engine.health_run_argv("c1") is None  # Docker's own timer runs the check
    assert engine.stop_argv("c1", 10) == ["docker", "stop", "--time", "10", "c1"]
    assert engine.default_network == "publish"


def test_podman_and_buildah_keep_the_healthcheck_and_run_it_on_demand() -> None:
    podman = Engine("podman")
    argv = podman.build_argv(Path("/r"), Path("/r/Dockerfile"), "img:1")
    assert argv[:5] == ["podman", "build", "--format", "docker", "--layers"]
    assert Engine("buildah").build_argv(Path("/r"), Path("/r/Dockerfile"), "t")[:3] == [
        "buildah",
        "bud",
        "--format",
    ]
    assert podman.health_run_argv("c1") == ["podman", "healthcheck", "run", "c1"]
    assert Engine("buildah").stop_argv("c1", 10)[0] == "podman"
    host = podman.run_argv("img", "c1", port=4000, host_port=4000, network="host")
    assert "--network" in host and "--publish" not in host


# ---- parsing


def test_health_of_docker_and_podman() -> None:
    assert parse_health("null").status == ""
    health = parse_health(
        '{"Status":"unhealthy","FailingStreak":3,"Log":[{"ExitCode":1,"Output":"fetch failed\\n"}]}'
    )
    assert (health.status, health.last_output, health.failing_streak) == ("unhealthy", "fetch failed", 3)
    state = parse_state(
        '{"Running":false,"ExitCode":137,"OOMKilled":true,"Healthcheck":{"Status":"healthy"}}'
    )
    assert (state.running, state.exit_code, state.oom_killed, state.health) == (False, 137, True, "healthy")


def test_process_list() -> None:
    uid, processes = parse_processes(
        '{"uid":1000,"processes":[{"pid":7,"uid":1000,"argv":["node","dist/main.js"]},'
        '{"pid":1,"uid":1000,"argv":["/usr/bin/tini","--","node","dist/main.js"]}]}'
    )
    assert uid == 1000
    assert [(p.pid, p.command, p.is_node) for p in processes] == [(1, "tini", False), (7, "node", True)]
    with pytest.raises(ValueError):
        parse_processes("OCI runtime exec failed")


def test_build_logs_count_cached_steps() -> None:
    buildkit = "\n".join([
        "#1 [internal] load build definition from Dockerfile",
        "#5 [base 1/3] FROM docker.io/library/node:22-bookworm-slim",
        "#5 CACHED",
        "#6 [base 2/3] WORKDIR /app",
        "#6 CACHED",
        "#7 [runtime 3/3] COPY . .",
        "#7 DONE 0.2s",
    ])  # fmt: skip
    counted = parse_build_output(buildkit)
    assert (counted.total, counted.cached) == (3, 2)
    buildah = "[1/2] STEP 1/2: FROM n AS base\n[1/2] STEP 2/2: WORKDIR /app\n--> Using cache 1a2b\n"
    buildah += "[2/2] STEP 1/1: COPY . .\n--> 9f8e\n"
    counted = parse_build_output(buildah)
    assert (counted.total, counted.cached) == (3, 1)


def test_compose_ps_and_port() -> None:
    lines = '{"Service":"app","State":"running","Health":"healthy"}\n'
    lines += '{"Service":"migrate","State":"exited","ExitCode":0}'
    assert [s.ok for s in parse_compose_ps(lines)] == [True, True]
    array = '[{"Service":"db","State":"running","Health":"starting"}]'
    assert [s.ok for s in parse_compose_ps(array)] == [False]
    assert parse_port("0.0.0.0:4000\n[::]:4000\n") == 4000
    assert parse_port("") is None


# ---- the step sequence, on a fake engine


class FakeEngine:
    """A scripted docker/podman: records every command; a fake clock advances with it."""

    def __init__(self, **behaviour: Any) -> None:
        self.calls: list[list[str]] = []
        self.now = 0.0
        self.running = False
        self.health_checks = 0
        self.exit_code = 0
        self.build_rc = behaviour.get("build_rc", 0)
        self.healthy_after = behaviour.get("healthy_after", 2)  # checks until healthy
        self.has_healthcheck = behaviour.get("has_healthcheck", True)
        self.dies = behaviour.get("dies", False)
        self.stop_exit = behaviour.get("stop_exit", 0)
        self.stop_seconds = behaviour.get("stop_seconds", 0.4)
        self.pid1 = behaviour.get("pid1", "/usr/bin/dumb-init")
        self.uid = behaviour.get("uid", 1000)
        self.interrupt_on = behaviour.get("interrupt_on")
        self.ctrl_c_on = behaviour.get("ctrl_c_on")  # a real SIGINT to this process on that verb
        self.build_output = behaviour.get(
            "build_output", "[1/1] STEP 1/2: FROM n\n--> Using cache 1\n[1/1] STEP 2/2: COPY . .\n"
        )
        self.on_build = behaviour.get("on_build", lambda: None)
        self.extra_layers = behaviour.get("extra_layers", [])
        self.scan_output = behaviour.get("scan_output", "")
        self.scan_rc = behaviour.get("scan_rc", 0)
        self.streamed: list[str] = []
        self.store = behaviour.get("store")  # `image inspect` JSON pointing at overlay folders
        # `rm`/`rmi` answers in turn (then success): an engine that refuses a removal for a while
        self.removals: dict[str, list[Completed]] = behaviour.get("removals", {})

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def http(self, url: str, timeout: float) -> int:
        self.calls.append(["GET", url])
        return 200

    def verbs(self) -> list[str]:
        return [call[1] for call in self.calls if call[0] != "GET"]

    def __call__(
        self, argv: Sequence[str], *, timeout: float | None = None, env: Any = None, on_line: Any = None
    ) -> Completed:
        argv = list(argv)
        self.calls.append(argv)
        if on_line is not None:
            self.streamed.append(argv[1])
            for line in self.build_output.splitlines():
                on_line(line)
        if argv[0] in ("trivy", "grype"):
            return Completed(self.scan_rc, self.scan_output, "FATAL: failed to download vulnerability DB")
        verb = argv[1]
        if verb == self.ctrl_c_on:
            os.kill(os.getpid(), signal.SIGINT)
        if self.interrupt_on and self.interrupt_on in argv:
            raise KeyboardInterrupt
        if verb in ("build", "bud"):
            self.now += 30
            self.on_build()
            return Completed(
                self.build_rc, self.build_output, "" if self.build_rc == 0 else "npm ERR! missing script"
            )
        if verb == "image" and len(argv) == 4 and self.store is not None:  # image inspect TAG
            return Completed(0, json.dumps([self.store]), "")
        if verb == "image" and "{{json .RootFS.Layers}}" in argv:
            return Completed(0, json.dumps(diff_ids(BASE)), "")
        if verb == "image":
            return Completed(0, "297230435\n", "")
        if verb == "save":
            write_archive(Path(argv[argv.index("-o") + 1]), app_layers(*self.extra_layers))
            return Completed(0, "", "")
        if verb == "run":
            self.running = True
            self.now += 0.5
            return Completed(0, "abc123\n", "")
        if verb == "healthcheck":
            if not self.has_healthcheck:
                return Completed(125, "", "Error: container has no defined healthcheck")
            self.health_checks += 1
            return Completed(0 if self.health_checks >= self.healthy_after else 1, "", "")
        if verb == "inspect":
            if argv[3] == "{{json .State.Health}}":
                if not self.has_healthcheck:
                    return Completed(0, "null", "")
                status = "healthy" if self.health_checks >= self.healthy_after else "starting"
                return Completed(0, json.dumps({"Status": status, "Log": []}), "")
            if self.dies:
                self.running, self.exit_code = False, 1
            return Completed(0, json.dumps({"Running": self.running, "ExitCode": self.exit_code}), "")
        if verb == "exec":
            processes = [
                {"pid": 1, "uid": self.uid, "argv": [self.pid1, "--", "node", "src/server.js"]},
                {"pid": 6, "uid": self.uid, "argv": ["node", "src/server.js"]},
            ]
            return Completed(0, json.dumps({"uid": self.uid, "processes": processes}), "")
        if verb == "stop":
            self.now += self.stop_seconds
            self.running, self.exit_code = False, self.stop_exit
            return Completed(0, "c1\n", "")
        if verb == "logs":
            return Completed(0, "listening on 4000\nclosing\n", "")
        if verb in ("rm", "rmi"):
            answers = self.removals.get(verb, [])
            return answers.pop(0) if answers else Completed(0, "", "")
        raise AssertionError(argv)


def _target(tmp_path: Path, **answers: Any) -> Target:
    (tmp_path / "src").mkdir(parents=True, exist_ok=True)
    (tmp_path / "src/server.js").write_text("console.log('hi')\n")
    manifest = {"dependencies": {"fastify": "^5"}, "devDependencies": {"pino-pretty": "^13"}}
    (tmp_path / "package.json").write_text(json.dumps(manifest))
    if not (tmp_path / "Dockerfile").exists():
        (tmp_path / "Dockerfile").write_text("ARG NODE_IMAGE=node:22-bookworm-slim\nFROM ${NODE_IMAGE}\n")
    return Target(tmp_path, ".", {**ANSWERS, **answers})


def _verify(
    tmp_path: Path,
    fake: FakeEngine,
    engine: EngineName = "podman",
    scanner: str | None = None,
    **options: Any,
) -> Verifier:
    return Verifier(
        Engine(engine), _target(tmp_path), Options(**options), runner=fake, http=fake.http,
        clock=fake.clock, sleep=fake.sleep, token="t0k", which=lambda tool: tool if tool == scanner else None,
    )  # fmt: skip


def test_every_step_passes_and_the_json_report_is_stable(tmp_path: Path) -> None:
    fake = FakeEngine()
    report = _verify(tmp_path, fake).run()
    assert report.ok
    assert report.summary() == "built in 30.0 s (297 MB), healthy 1.5 s after start, stopped in 0.4 s"
    document = report.as_json()
    assert list(document) == [
        "schema", "ok", "service", "path", "engine", "compose", "mode", "image", "steps", "logs", "logs_from",
        "leftovers",
    ]  # fmt: skip
    assert document["schema"] == "ndw-verify/1" and document["image"] == {
        "tag": "localhost/ndw-verify/quotes-api:t0k", "kept": False,
    }  # fmt: skip
    steps = {step["name"]: step for step in document["steps"]}
    assert list(steps) == [
        "build", *IMAGE_CHECKS, "scan", "start", "healthy", "answers", "user", "init", "stop",
    ]  # fmt: skip
    assert all(step["status"] == "passed" for step in document["steps"] if step["name"] != "scan"), document
    assert steps["scan"]["status"] == "skipped" and "trivy or grype" in steps["scan"]["detail"]
    assert "--fail-on high" in steps["scan"]["hint"]  # how to add it, not an error
    assert steps["image"]["data"]["base_layers"] == 2 and steps["image"]["data"]["ratio"] < 1.25
    assert set(steps["build"]) == {"name", "status", "seconds", "detail", "hint", "data"}
    assert steps["build"]["data"] == {"size_bytes": 297230435, "steps": 2, "cached_steps": 1}
    assert steps["build"]["seconds"] == 30
    assert steps["healthy"]["seconds"] == pytest.approx(1.5)  # after the run, one 1 s wait
    assert steps["stop"]["data"] == {"exit_code": 0, "grace": 10, "killed": False}
    assert fake.verbs()[-2:] == ["rm", "rmi"]  # the container and the image are removed
    assert ["GET", "http://127.0.0.1:4000/ready"] in fake.calls
    json.dumps(document)


def test_docker_waits_for_its_own_health_timer(tmp_path: Path) -> None:
    fake = FakeEngine(healthy_after=0)
    report = _verify(tmp_path, fake, engine="docker").run()
    assert report.ok
    assert "healthcheck" not in fake.verbs()
    assert any(call[:2] == ["docker", "run"] and "--publish" in call for call in fake.calls)


def test_a_stop_that_needs_sigkill_fails_with_a_hint_and_the_logs(tmp_path: Path) -> None:
    fake = FakeEngine(stop_exit=137, stop_seconds=10.2)
    report = _verify(tmp_path, fake).run()
    stop = report.step("stop")
    assert not report.ok and stop is not None and stop.status == "failed"
    assert stop.data["killed"] is True and "does not handle SIGTERM" in stop.hint
    assert report.logs == ["listening on 4000", "closing"] and report.logs_from == "container"
    assert fake.verbs()[-2:] == ["rm", "rmi"]


def test_exit_143_after_sigterm_warns_with_the_frameworks_fix(tmp_path: Path) -> None:
    """143: Node died of SIGTERM at once, cutting requests off; the fix is DOCKER.md's, per framework."""
    report = _verify(tmp_path, FakeEngine(stop_exit=143)).run()
    stop = report.step("stop")
    assert report.ok and stop is not None and stop.status == "warning"
    assert stop.detail.startswith("exit 143") and "no SIGTERM handler, exits at once" in stop.detail
    assert SIGTERM_FIX["default"] in stop.hint and "app.close()" in stop.hint  # the fixture is Fastify
    assert "app.enableShutdownHooks()" in sigterm_fix("nestjs") and "server.close()" in sigterm_fix("express")
    zero = _verify(tmp_path, FakeEngine()).run().step("stop")
    assert zero is not None and zero.status == "passed" and "graceful" in zero.detail


@pytest.mark.parametrize("framework", ["nestjs", "express", "fastify"])
def test_the_sigterm_fix_is_what_docker_md_says(framework: str) -> None:
    answers = {"service_name": "svc", "framework": framework, "init_system": "tini", "entry": "dist/main.js"}
    resolution = QuestionSet().resolve(answers, folder_name="svc")
    docker_md = " ".join(Renderer().render(resolution.answers)["DOCKER.md"].text.split())
    words = SIGTERM_FIX["nestjs" if framework == "nestjs" else "default"]
    assert words in docker_md


def test_a_failed_build_skips_the_rest_and_shows_the_build_output(tmp_path: Path) -> None:
    fake = FakeEngine(build_rc=1)
    report = _verify(tmp_path, fake).run()
    assert [step.status for step in report.steps] == ["failed"] + ["skipped"] * 8
    assert report.steps[1].name == "inspect"
    assert report.logs[-1] == "npm ERR! missing script" and report.logs_from == "build"
    assert fake.verbs() == ["build"]  # nothing ran, nothing to remove


def test_image_findings_fail_the_run_but_the_container_still_runs(tmp_path: Path) -> None:
    """One run shows every problem: a secret in a layer fails, and start..stop still run."""
    fake = FakeEngine(extra_layers=[{"app/.env": b"SECRET=1\n"}])
    report = _verify(tmp_path, fake).run()
    assert not report.ok and [step.name for step in report.failed] == ["secrets"]
    assert all(report.step(name).status == "passed" for name in ("start", "healthy", "stop"))  # type: ignore[union-attr]
    saved = next(call for call in fake.calls if call[1] == "save")
    assert saved[:4] == ["podman", "save", "--format", "docker-archive"]
    assert not Path(saved[saved.index("-o") + 1]).exists()  # the archive goes with its temp folder


def test_layers_are_read_in_place_from_the_store_when_it_is_readable(tmp_path: Path) -> None:
    """No `save` (a copy of the whole image) when the engine's overlay folders can be read."""
    store = write_layer_dirs(tmp_path / "store", app_layers({"app/.npmrc": b"//r/:_authToken=x\n"}))
    fake = FakeEngine(store=store)
    report = _verify(tmp_path / "svc", fake).run()
    assert "save" not in fake.verbs()
    secrets = report.step("secrets")
    assert secrets is not None and secrets.data["paths"] == [{"path": "/app/.npmrc", "layer": 6}]
    assert report.step("image").status == "passed"  # type: ignore[union-attr]


def test_warnings_keep_the_run_ok(tmp_path: Path) -> None:
    report = _verify(tmp_path, FakeEngine(extra_layers=[{"app/test/a.test.js": b"x"}])).run()
    assert report.ok and [step.name for step in report.warnings] == ["tests"]


TRIVY = {
    "SchemaVersion": 2,
    "ArtifactName": "localhost/ndw-verify/quotes-api:t0k",
    "Results": [
        {"Target": "quotes-api:t0k (debian 12.11)", "Class": "os-pkgs", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2025-0001", "PkgName": "libssl3", "Severity": "HIGH"},
            {"VulnerabilityID": "CVE-2025-0002", "PkgName": "libc6", "Severity": "MEDIUM"},
            {"VulnerabilityID": "CVE-2025-0003", "PkgName": "zlib1g", "Severity": "LOW"},
            {"VulnerabilityID": "CVE-2025-0004", "PkgName": "tar", "Severity": "UNKNOWN"},
        ]},
        {"Target": "Node.js", "Class": "lang-pkgs", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2025-0005", "PkgName": "undici", "Severity": "CRITICAL"},
        ]},
        {"Target": "app/package.json", "Class": "lang-pkgs"},
    ],
}  # fmt: skip
GRYPE = {
    "matches": [
        {"vulnerability": {"id": "CVE-2025-0002", "severity": "Medium"}, "artifact": {"name": "libc6"}},
        {"vulnerability": {"id": "CVE-2025-0006", "severity": "Negligible"}, "artifact": {"name": "tar"}},
    ],
    "source": {"type": "image"},
}


def test_scan_counts_parse_trivy_and_grype() -> None:
    assert parse_trivy(json.dumps(TRIVY)) == {"critical": 1, "high": 1, "medium": 1, "low": 1, "unknown": 1}
    assert parse_grype(json.dumps(GRYPE)) == {"critical": 0, "high": 0, "medium": 1, "low": 0, "unknown": 1}
    assert parse_trivy(json.dumps({"SchemaVersion": 2, "Results": []}))["high"] == 0
    assert Scanner("trivy").argv("t", "podman") == [
        "trivy", "image", "--quiet", "--format", "json", "--image-src", "podman", "t",
    ]  # fmt: skip
    assert Scanner("grype").argv("t", "docker")[:2] == ["grype", "docker:t"]


def test_scan_with_trivy_warns_on_high_and_fails_with_fail_on(tmp_path: Path) -> None:
    fake = FakeEngine(scan_output=json.dumps(TRIVY))
    report = _verify(tmp_path, fake, scanner="trivy").run()
    scan = report.step("scan")
    assert report.ok and scan is not None and scan.status == "warning"
    assert scan.detail == "trivy: 1 critical, 1 high, 1 medium, 1 low, 1 unknown" and "--fail-on" in scan.hint
    assert scan.data["critical"] == 1 and scan.data["scanner"] == "trivy"
    scanned = [call for call in fake.calls if call[0] == "trivy"]
    assert scanned == [Scanner("trivy").argv("localhost/ndw-verify/quotes-api:t0k", "podman")]
    failed = _verify(
        tmp_path, FakeEngine(scan_output=json.dumps(TRIVY)), scanner="trivy", fail_on="high"
    ).run()
    scan = failed.step("scan")
    assert (
        not failed.ok and scan is not None and scan.status == "failed" and "2 finding(s) at high" in scan.hint
    )
    assert failed.step("stop").status == "passed"  # type: ignore[union-attr]  # the run went on
    medium = _verify(
        tmp_path, FakeEngine(scan_output=json.dumps(GRYPE)), scanner="grype", fail_on="high"
    ).run()
    assert medium.step("scan").status == "passed"  # type: ignore[union-attr]


def test_a_scan_without_its_database_warns_and_says_why(tmp_path: Path) -> None:
    report = _verify(tmp_path, FakeEngine(scan_rc=1), scanner="grype", fail_on="high").run()
    scan = report.step("scan")
    assert report.ok and scan is not None and scan.status == "warning"
    assert "failed to download vulnerability DB" in scan.detail and "database" in scan.hint


def test_only_the_builds_stream_their_log_to_the_live_tail(tmp_path: Path) -> None:
    fake = FakeEngine()
    lines: list[str] = []
    Verifier(
        Engine("podman"), _target(tmp_path), Options(rebuild=True), runner=fake, http=fake.http,
        clock=fake.clock, sleep=fake.sleep, token="t0k", which=lambda tool: None, build_log=lines.append,
    ).run()  # fmt: skip
    assert fake.streamed == ["build", "build"]  # the build and the rebuild, nothing else
    assert lines[:3] == ["[1/1] STEP 1/2: FROM n", "--> Using cache 1", "[1/1] STEP 2/2: COPY . ."]


def test_run_command_streams_lines_and_returns_the_whole_output() -> None:
    script = "import sys\nprint('one', flush=True)\nprint('two', file=sys.stderr, flush=True)\nsys.exit(3)"
    seen: list[str] = []
    done = run_command([sys.executable, "-c", script], timeout=30, on_line=seen.append)
    assert (done.returncode, seen, done.output) == (3, ["one", "two"], "one\ntwo\n")
    slow = run_command(
        [sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5, on_line=seen.append
    )
    assert slow.returncode == 124 and "timed out" in slow.stderr


def test_ctrl_c_while_streaming_kills_the_build() -> None:
    """An interrupted build must not go on in the background."""
    script = "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)"
    pids: list[int] = []

    def interrupt(line: str) -> None:
        pids.append(int(line))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_command([sys.executable, "-c", script], timeout=120, on_line=interrupt)
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_progress_shows_a_collapsing_tail_only_on_a_terminal() -> None:
    screen = io.StringIO()
    progress = progress_for("text", Console(file=screen, force_terminal=True, width=80))
    assert progress.shown
    progress.step("build")
    for number in range(20):
        progress.line(f"STEP {number}/20: RUN something")
    assert list(progress.lines) == [f"STEP {number}/20: RUN something" for number in range(12, 20)]
    progress.step("start")  # the tail collapses when the next step starts
    assert progress.live is None
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # without the terminal codes
    assert "ndw verify: build..." in shown and "ndw verify: start..." in shown and "STEP 19/20" in shown
    assert not progress_for("json", Console(file=io.StringIO(), force_terminal=True)).shown
    assert not progress_for("text", Console(file=io.StringIO())).shown  # not a terminal (CI logs)


def test_a_container_that_exits_fails_healthy_with_its_exit_code(tmp_path: Path) -> None:
    report = _verify(tmp_path, FakeEngine(dies=True)).run()
    healthy = report.step("healthy")
    assert healthy is not None and healthy.status == "failed" and "exited with code 1" in healthy.detail
    assert report.logs


def test_never_healthy_gives_up_after_the_timeout(tmp_path: Path) -> None:
    fake = FakeEngine(healthy_after=10**6)
    report = _verify(tmp_path, fake, timeout=20).run()
    healthy = report.step("healthy")
    assert (
        healthy is not None and healthy.status == "failed" and "still starting after 20 s" in healthy.detail
    )
    assert healthy.seconds is not None and 20 <= healthy.seconds < 22


def test_an_image_without_healthcheck_fails(tmp_path: Path) -> None:
    report = _verify(tmp_path, FakeEngine(has_healthcheck=False)).run()
    healthy = report.step("healthy")
    assert healthy is not None and healthy.detail == "the image has no HEALTHCHECK"


def test_root_or_the_wrong_init_fail(tmp_path: Path) -> None:
    user = _verify(tmp_path, FakeEngine(uid=0)).run().step("user")
    assert user is not None and user.status == "failed" and "uid 0" in user.detail
    report = _verify(tmp_path, FakeEngine(pid1="/usr/bin/tini", stop_exit=137)).run()
    init = report.step("init")
    assert init is not None and init.status == "failed" and init.detail == "PID 1 is tini, expected dumb-init"
    assert [step.name for step in report.failed] == ["init", "stop"]  # the stop still ran


def test_ctrl_c_still_removes_the_container_and_image(tmp_path: Path) -> None:
    fake = FakeEngine(interrupt_on="healthcheck")
    with pytest.raises(KeyboardInterrupt):
        _verify(tmp_path, fake).run()
    assert fake.verbs()[-2:] == ["rm", "rmi"]


def test_ctrl_c_while_the_engine_creates_the_container_removes_it(tmp_path: Path) -> None:
    """The container exists before `run` returns: a Ctrl-C then must not leave it behind."""
    fake = FakeEngine(interrupt_on="run")
    with pytest.raises(KeyboardInterrupt):
        _verify(tmp_path, fake).run()
    assert fake.verbs()[-2:] == ["rm", "rmi"]


IMAGE_IN_USE = Completed(2, "", "Error: image used by 3f2a: image is in use by a container: consider listing")


def test_a_removal_the_engine_refuses_for_a_moment_is_tried_again(tmp_path: Path) -> None:
    """An engine killed mid-`run` can hold the container a moment: rmi is retried, 1 s apart."""
    fake = FakeEngine(interrupt_on="healthcheck", removals={"rmi": [IMAGE_IN_USE]})
    verifier = _verify(tmp_path, fake)
    with pytest.raises(KeyboardInterrupt):
        verifier.run()
    assert fake.verbs()[-3:] == ["rm", "rmi", "rmi"]
    assert verifier.report.removed == ["container", "image"] and verifier.report.leftovers == []
    assert interrupted_summary(verifier.report, keep=False) == "Removed the container and the image."


def test_what_is_already_gone_counts_as_removed(tmp_path: Path) -> None:
    gone = Completed(
        1, "", 'Error: no container with name or ID "ndw-verify-quotes-api-t0k" found: no such container'
    )
    fake = FakeEngine(interrupt_on="run", removals={"rm": [gone]})
    verifier = _verify(tmp_path, fake)
    with pytest.raises(KeyboardInterrupt):
        verifier.run()
    assert fake.verbs()[-2:] == ["rm", "rmi"] and verifier.report.removed == ["container", "image"]


def test_what_cannot_be_removed_is_reported_with_the_command_that_removes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three refusals: the run says so (report, JSON, Ctrl-C message) instead of claiming it removed it."""
    fake = FakeEngine(removals={"rmi": [IMAGE_IN_USE] * 3})
    report = _verify(tmp_path, fake).run()
    assert fake.verbs().count("rmi") == 3 and report.removed == ["container"]
    tag = "localhost/ndw-verify/quotes-api:t0k"
    assert report.as_json()["leftovers"] == [{
        "kind": "image", "name": tag, "remove_with": f"podman rmi --force {tag}",
        "error": "podman rmi exited 2: " + IMAGE_IN_USE.stderr,
    }]  # fmt: skip
    assert report.ok  # the service verified; the leftover is a warning below the table
    print_report(report)
    out = " ".join(capsys.readouterr().out.split())
    assert f"Left behind: the image {tag}" in out and f"remove it with `podman rmi --force {tag}`" in out
    summary = interrupted_summary(report, keep=False)
    assert summary.startswith("Removed the container. Could not remove the image " + tag)
    assert summary.endswith(f"remove it with `podman rmi --force {tag}`.")


def test_a_ctrl_c_during_the_cleanup_waits_until_the_image_is_gone_too(tmp_path: Path) -> None:
    """The Ctrl-C lands as the container is removed: the image still goes, then it interrupts."""
    fake = FakeEngine(ctrl_c_on="rm")
    verifier = _verify(tmp_path, fake)
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN in a run started in a script's background
    with pytest.raises(KeyboardInterrupt):
        verifier.run()
    assert fake.verbs()[-2:] == ["rm", "rmi"]
    assert interrupted_summary(verifier.report, keep=False) == "Removed the container and the image."
    assert signal.getsignal(signal.SIGINT) == before  # restored


def test_a_ctrl_c_during_compose_down_waits_until_the_stack_is_down(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def runner(argv: Sequence[str], **_: Any) -> Completed:
        calls.append(list(argv))
        if "down" in argv:
            os.kill(os.getpid(), signal.SIGINT)
        return Completed(1, "", "") if "up" in argv else Completed(0, "", "")

    verifier = ComposeVerifier(
        Engine("podman"), ["podman", "compose"], _target(tmp_path), Options(), runner=runner, token="t"
    )
    with pytest.raises(KeyboardInterrupt):
        verifier.run()
    assert "down" in calls[-1] and [step.name for step in verifier.report.steps][-1] == "down"
    assert interrupted_summary(verifier.report, keep=False).startswith("The stack was taken down")


def test_ctrl_c_during_the_build_removes_what_it_may_have_tagged(tmp_path: Path) -> None:
    fake = FakeEngine(interrupt_on="build")
    with pytest.raises(KeyboardInterrupt):
        _verify(tmp_path, fake).run()
    assert fake.verbs() == ["build", "rmi"]


def test_keep_keeps_the_image(tmp_path: Path) -> None:
    fake = FakeEngine()
    report = _verify(tmp_path, fake, keep=True).run()
    assert report.kept and "rmi" not in fake.verbs()


def test_rebuild_edits_a_source_then_restores_it(tmp_path: Path) -> None:
    seen: list[str] = []
    source = tmp_path / "src/server.js"

    def on_build() -> None:
        seen.append(source.read_text())

    fake = FakeEngine(on_build=on_build)
    verifier = _verify(tmp_path, fake, rebuild=True)
    os.utime(source, (1_000_000, 1_000_000))
    report = verifier.run()
    rebuild = report.step("rebuild")
    assert rebuild is not None and rebuild.status == "passed" and rebuild.data["edited"] == "src/server.js"
    assert seen[0] == "console.log('hi')\n" and seen[1].endswith(REBUILD_MARKER)
    assert source.read_text() == "console.log('hi')\n" and source.stat().st_mtime == 1_000_000


def test_a_rebuild_with_no_cache_hit_fails(tmp_path: Path) -> None:
    fake = FakeEngine(build_output="STEP 1/2: FROM n\nSTEP 2/2: COPY . .\n")
    rebuild = _verify(tmp_path, fake, rebuild=True).run().step("rebuild")
    assert rebuild is not None and rebuild.status == "failed" and "cache" in rebuild.hint


def test_compose_stack_is_taken_down_even_when_up_fails(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def runner(argv: Sequence[str], **_: Any) -> Completed:
        calls.append(list(argv))
        if "up" in argv:
            return Completed(1, "", "required variable POSTGRES_PASSWORD is missing a value: set it in .env")
        return Completed(0, "", "")

    target = _target(tmp_path)
    verifier = ComposeVerifier(
        Engine("docker"), ["docker", "compose"], target, Options(), runner=runner, token="t"
    )
    report = verifier.run()
    assert [(step.name, step.status) for step in report.steps] == [
        ("build", "passed"), ("up", "failed"), ("inspect", "skipped"), ("scan", "skipped"),
        ("healthy", "skipped"), ("answers", "skipped"), ("down", "passed"),
    ]  # fmt: skip
    assert ".env" in (report.step("up") or report.steps[0]).hint
    down = calls[-1]
    assert down[:2] == ["docker", "compose"] and "down" in down and "--rmi" in down and "-p" in down


@pytest.mark.parametrize("keep", [False, True])
def test_ctrl_c_during_compose_up_still_takes_the_stack_down(tmp_path: Path, keep: bool) -> None:
    """Containers, networks and volumes go with `down`; the images too unless --keep."""
    calls: list[list[str]] = []

    def runner(argv: Sequence[str], **_: Any) -> Completed:
        calls.append(list(argv))
        if "up" in argv:
            raise KeyboardInterrupt
        return Completed(0, "", "")

    verifier = ComposeVerifier(
        Engine("podman"),
        ["podman", "compose"],
        _target(tmp_path),
        Options(keep=keep),
        runner=runner,
        token="t",
    )
    with pytest.raises(KeyboardInterrupt):
        verifier.run()
    down = calls[-1]
    assert "down" in down and "--volumes" in down and "--remove-orphans" in down
    assert ("--rmi" in down) is not keep
    assert down[down.index("-p") + 1] == "ndw-verify-quotes-api-t"
    taken_down = "containers, networks, volumes" + ("" if keep else ", images")
    assert interrupted_summary(verifier.report, keep) == f"The stack was taken down ({taken_down})."


def test_a_failed_compose_down_names_the_command_that_finishes_it(tmp_path: Path) -> None:
    def runner(argv: Sequence[str], **_: Any) -> Completed:
        if "up" in argv:
            raise KeyboardInterrupt
        if "down" in argv:
            return Completed(1, "", "Error: removing network ndw-verify: network is in use")
        return Completed(0, "", "")

    verifier = ComposeVerifier(
        Engine("podman"), ["podman", "compose"], _target(tmp_path), Options(), runner=runner, token="t"
    )
    with pytest.raises(KeyboardInterrupt):
        verifier.run()
    summary = interrupted_summary(verifier.report, keep=False)
    assert summary.startswith("Could not remove the stack ndw-verify-quotes-api-t (compose down exited 1: ")
    assert "network is in use" in summary and " down --volumes" in summary
    assert "remove it with `podman compose --project-directory " in summary


def test_compose_stack_passes_when_every_service_is_healthy(tmp_path: Path) -> None:
    ps = '{"Service":"app","State":"running","Health":"healthy"}\n'
    ps += '{"Service":"migrate","State":"exited","ExitCode":0}\n'
    ps += '{"Service":"db","State":"running","Health":"healthy"}'
    calls: list[list[str]] = []
    urls: list[str] = []

    def runner(argv: Sequence[str], **_: Any) -> Completed:
        calls.append(list(argv))
        if "ps" in argv:
            return Completed(0, ps, "")
        if "port" in argv:
            return Completed(0, "0.0.0.0:4001\n", "")
        return Completed(0, "", "")

    def http(url: str, timeout: float) -> int:
        urls.append(url)
        return 200

    # The image checks and the scan have their own tests below.
    options = Options(build_args={"NODE_IMAGE": "n:22"}, keep=True, inspect=False, scan=False)
    verifier = ComposeVerifier(
        Engine("podman"),
        ["podman", "compose"],
        _target(tmp_path),
        options,
        runner=runner,
        http=http,
        token="t",
    )
    report = verifier.run()
    assert report.ok and [step.name for step in report.steps] == ["build", "up", "healthy", "answers", "down"]
    assert report.as_json()["compose"] == "podman compose"
    assert urls == ["http://127.0.0.1:4001/ready"]
    assert calls[0][-3:] == ["build", "--build-arg", "NODE_IMAGE=n:22"]
    assert calls[1][-5:-2] == ["up", "--detach", "--wait"]
    assert calls[-1][-5:] == ["down", "--volumes", "--remove-orphans", "--timeout", "10"]  # --keep: no --rmi
    assert any(call[-2:] == ["app", "4000"] for call in calls)


class FakeCompose:
    """`compose` with a healthy stack whose app container runs image `f00d` (name quotes-api:local),
    kept as overlay folders; the engine's own `inspect`/`image inspect` calls answer for it."""

    def __init__(self, store: dict[str, object], list_app: bool = True) -> None:
        self.store = store
        self.list_app = list_app
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str], **_: Any) -> Completed:
        argv = list(argv)
        self.calls.append(argv)
        if argv[0] == "trivy":
            return Completed(0, json.dumps(TRIVY), "")
        if "ps" in argv:
            app = '{"ID":"c1","Service":"app","Image":"quotes-api:local","State":"running",'
            app += '"Health":"healthy"}\n'
            return Completed(0, (app if self.list_app else "") + '{"Service":"db","State":"running"}', "")
        if "port" in argv:
            return Completed(0, "0.0.0.0:4001\n", "")
        if argv[:2] == ["podman", "inspect"] and argv[-2:] == ["{{.Image}}", "c1"]:
            return Completed(0, "f00d\n", "")
        if argv[:3] == ["podman", "image", "inspect"] and argv[-1] == "f00d":
            return Completed(0, json.dumps([self.store]), "")
        if argv[:3] == ["podman", "image", "inspect"] and "{{json .RootFS.Layers}}" in argv:
            return Completed(0, json.dumps(diff_ids(BASE)), "")
        return Completed(0, "", "")


def _compose_verifier(tmp_path: Path, runner: FakeCompose, scanner: str | None = "trivy") -> ComposeVerifier:
    return ComposeVerifier(
        Engine("podman"), ["podman", "compose"], _target(tmp_path / "svc"),
        Options(build_args={"NODE_IMAGE": "node:22-bookworm-slim"}), runner=runner,
        http=lambda url, timeout: 200, token="t", which=lambda tool: tool if tool == scanner else None,
    )  # fmt: skip


def test_compose_checks_and_scans_the_apps_image_once_the_stack_is_up(tmp_path: Path) -> None:
    """The same image checks as without --compose, on the image the app's container runs; a
    finding fails the run but the stack is still probed and taken down."""
    store = write_layer_dirs(tmp_path / "store", app_layers({"app/.npmrc": b"//r/:_authToken=x\n"}))
    runner = FakeCompose(store)
    report = _compose_verifier(tmp_path, runner).run()
    names = [step.name for step in report.steps]
    assert names == ["build", "up", *IMAGE_CHECKS, "scan", "healthy", "answers", "down"]
    statuses = {step.name: step.status for step in report.steps}
    assert statuses["secrets"] == "failed" and statuses["healthy"] == statuses["answers"] == "passed"
    assert not report.ok
    secrets = report.step("secrets")
    assert secrets is not None and [item["path"] for item in secrets.data["paths"]] == ["/app/.npmrc"]
    image = report.step("image")
    assert (
        image is not None and image.data["base"] == "node:22-bookworm-slim" and image.data["base_layers"] == 2
    )
    scan = report.step("scan")
    assert scan is not None and scan.data["high"] == 1
    trivy = next(call for call in runner.calls if call[0] == "trivy")
    assert trivy[-1] == "quotes-api:local" and "podman" in trivy  # by name, from podman's store
    assert report.as_json()["image"]["tag"] == "quotes-api:local"
    up = names.index("up")
    assert all(call[-1] != "f00d" for call in runner.calls[: up + 1])  # nothing read before the stack is up


def test_compose_without_an_app_container_fails_the_image_line(tmp_path: Path) -> None:
    store = write_layer_dirs(tmp_path / "store", app_layers())
    report = _compose_verifier(tmp_path, FakeCompose(store, list_app=False), scanner=None).run()
    image, scan = report.step("image"), report.step("scan")
    assert image is not None and image.status == "failed" and "no container for app" in image.detail
    assert "service name" in image.hint
    assert scan is not None and scan.status == "skipped"
    assert report.step("down") is not None


def test_compose_image_checks_pass_on_a_clean_image(tmp_path: Path) -> None:
    store = write_layer_dirs(tmp_path / "store", app_layers())
    report = _compose_verifier(tmp_path, FakeCompose(store), scanner=None).run()
    assert report.ok, [
        (step.name, step.status, step.detail) for step in report.steps if step.status != "passed"
    ]
    scan = report.step("scan")
    assert scan is not None and scan.status == "skipped" and "Install Trivy or Grype" in scan.hint


# ---- the scaffold and the command line


def _scaffold(tmp_path: Path, **answers: Any) -> Path:
    import yaml

    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / ".copier-answers.yml").write_text(yaml.safe_dump({"_commit": "0.1.0", **ANSWERS, **answers}))
    (tmp_path / "Dockerfile").write_text("FROM node:22-bookworm-slim\n")
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "src").mkdir()
    (tmp_path / "src/server.ts").write_text("export {}\n")
    return tmp_path


def test_target_reads_the_answers_and_needed_variables(tmp_path: Path) -> None:
    target = load_target(_scaffold(tmp_path, database="postgresql", redis=True, entry="dist/server.js"))
    assert (target.port, target.health_path, target.uid, target.init_system) == (
        4000,
        "/ready",
        1000,
        "dumb-init",
    )
    assert list(target.required_env()) == ["DATABASE_URL", "REDIS_URL"]
    env_file = tmp_path / "db.env"
    env_file.write_text("# local\nexport DATABASE_URL=postgres://x\n")
    assert list(missing_env(target, {"REDIS_URL": "redis://r"}, [env_file])) == []
    assert source_to_touch(target) == tmp_path / "src/server.ts"


def test_cli_not_a_scaffold_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path)]) == 2
    assert "ndw init" in capsys.readouterr().err


def test_cli_no_engine_exits_2_with_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda tool: None)
    assert main(["verify", str(_scaffold(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "no container engine found" in err and "Install one of" in err


def test_cli_a_database_service_needs_compose_or_database_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda tool: "/usr/bin/podman" if tool == "podman" else None)
    assert main(["verify", str(_scaffold(tmp_path, database="postgresql"))]) == 2
    err = capsys.readouterr().err
    assert "needs DATABASE_URL" in err and "PostgreSQL" in err
    assert "--compose" in err and "--env DATABASE_URL=" in err


def test_cli_compose_without_compose_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda tool: "/usr/bin/podman" if tool == "podman" else None)
    monkeypatch.setattr("wizard.verify.engine.run_probe", lambda argv: (False, "unknown command"))
    monkeypatch.delenv("POSTGRES_PASSWORD", raising=False)
    scaffold = _scaffold(tmp_path)
    assert main(["verify", str(scaffold), "--compose"]) == 2
    err = capsys.readouterr().err
    assert "requires POSTGRES_PASSWORD, unset in no .env file" in err and ".env.example" in err
    (scaffold / ".env").write_text("POSTGRES_PASSWORD=\n")  # empty counts as unset, as for compose
    assert main(["verify", str(scaffold), "--compose"]) == 2
    assert "requires POSTGRES_PASSWORD" in capsys.readouterr().err
    (scaffold / ".env").write_text("POSTGRES_PASSWORD='s3cret'\n")
    assert main(["verify", str(scaffold), "--compose"]) == 2
    assert "no Compose implementation" in capsys.readouterr().err


def test_cli_rejects_a_build_arg_without_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify", str(tmp_path), "--build-arg", "NODE_IMAGE"])
    assert exited.value.code == 2
    assert "--build-arg 'NODE_IMAGE': expected KEY=VALUE" in capsys.readouterr().err


def test_the_json_report_is_documented(tmp_path: Path) -> None:
    """docs/verify.md names every top-level key, step and data key the report carries."""
    doc = (Path(__file__).parents[1] / "docs" / "verify.md").read_text(encoding="utf-8")
    document = _verify(tmp_path, FakeEngine(), rebuild=True).run().as_json()
    assert f'"schema": "{document["schema"]}"' in doc
    for key in document:
        assert f'"{key}"' in doc or f"`{key}`" in doc, key
    for step in document["steps"]:
        assert f"`{step['name']}`" in doc, step["name"]
        for key in step["data"]:
            assert f"`{key}`" in doc, f"{step['name']}.{key}"


def test_a_service_in_a_subfolder_builds_from_the_repository_root(tmp_path: Path) -> None:
    """Its answers live in apps/api/; the context is the root, the Dockerfile apps/api/Dockerfile."""
    service = tmp_path / "apps" / "api"
    service.mkdir(parents=True)
    _scaffold(service, app_dir="apps/api", service_name="api")
    for found in (load_target(tmp_path, "apps/api"), load_target(service), load_target(tmp_path)):
        assert (found.root, found.dockerfile) == (tmp_path, service / "Dockerfile")
    argv = Engine("podman").build_argv(found.root, found.dockerfile, "t")
    assert argv[-3:] == ["-t", "t", str(tmp_path)] and str(service / "Dockerfile") in argv
    (tmp_path / "apps" / "web").mkdir()
    _scaffold(tmp_path / "apps" / "web", app_dir="apps/web", service_name="web")
    (tmp_path / ".env").write_text("A=1\n")
    assert compose_env_files(found, []) == [tmp_path / ".env"]  # the root's, as compose.yaml says
    (service / ".env").write_text("A=2\n")
    assert compose_env_files(found, []) == [service / ".env"]
    with pytest.raises(VerifySetupError, match="2 scaffolded services") as caught:
        load_target(tmp_path)
    assert "--service PATH" in caught.value.hint


def test_cli_an_unreadable_env_file_exits_2_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda tool: "/usr/bin/podman" if tool == "podman" else None)
    scaffold = _scaffold(tmp_path / "svc")
    assert main(["verify", str(scaffold), "--env-file", str(tmp_path / "missing.env")]) == 2
    assert "--env-file" in capsys.readouterr().err
    assert main(["verify", str(scaffold), "--compose", "--env", "A=1"]) == 2
    assert "--env-file" in capsys.readouterr().err


def test_cli_ctrl_c_exits_130_saying_what_was_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda tool: "/usr/bin/podman" if tool == "podman" else None)

    def interrupted(self: Verifier) -> None:
        self.report.removed += ["container", "image"]  # what cleanup() records on its way out
        raise KeyboardInterrupt

    monkeypatch.setattr(Verifier, "run", interrupted)
    assert main(["verify", str(_scaffold(tmp_path)), "--network", "publish"]) == 130
    assert "Removed the container and the image." in capsys.readouterr().err


def test_ctrl_c_says_what_was_kept_and_when_nothing_existed_yet(tmp_path: Path) -> None:
    fake = FakeEngine(interrupt_on="image")  # the size query, right after the build
    verifier = _verify(tmp_path, fake, keep=True)
    with pytest.raises(KeyboardInterrupt):
        verifier.run()
    tag = "localhost/ndw-verify/quotes-api:t0k"
    assert interrupted_summary(verifier.report, keep=True) == f"Kept the image {tag} (--keep)."
    empty = Report("quotes-api", ".", "podman", "image", tag)
    assert interrupted_summary(empty, keep=False) == "Nothing had been created yet."
