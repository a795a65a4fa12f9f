"""The steps of `ndw verify`: build, start, wait for healthy, probe, check user and init, stop.

Every process and clock goes through injectable callables, so the sequencing is unit-tested
with fakes and the real run is the same code. Containers (and the image, unless kept) are
removed in every case, also when a step fails or the user presses Ctrl-C.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import threading
import time
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypedDict, Unpack

from wizard.verify.engine import Engine, Network
from wizard.verify.image_steps import ImageSteps
from wizard.verify.parse import (
    NODE_PATHS,
    PROCESS_SCRIPT,
    Process,
    parse_build_output,
    parse_health,
    parse_processes,
    parse_size,
    parse_state,
)
from wizard.verify.process import (
    Completed,
    HttpGet,
    Runner,
    exited,
    free_port,
    http_status,
    last_lines,
    run_command,
)
from wizard.verify.report import Leftover, Report, Step, human_size
from wizard.verify.target import INIT_COMMANDS, Target, source_to_touch

GRACE_SECONDS = 10
BLOCKING = ("build", "start", "healthy")  # the steps the later ones cannot run without
EXIT_KILLED = 137
EXIT_TERMINATED = 143
REMOVE_ATTEMPTS = 3
# What docker and podman print when the container or image to remove is not there (already gone).
ALREADY_GONE = ("no such container", "no such image", "image not known", "no container with name")
# What DOCKER.md tells each framework's users to do about SIGTERM (the same words; a test checks).
SIGTERM_FIX = {
    "nestjs": "call `app.enableShutdownHooks()` so that SIGTERM closes the app cleanly.",
    "default": "Node still exits at once on SIGTERM unless the app handles it; add a handler to drain "
    "connections.",
}
SIGTERM_EXAMPLE = {
    "express": '`process.on("SIGTERM", () => server.close())` (`server` is what `app.listen()` returns).',
    "fastify": '`process.on("SIGTERM", () => app.close())`: Fastify finishes the requests in flight first.',
}
REBUILD_MARKER = "\n// ndw verify: a source edit to check the layer cache (removed again)\n"


def container_port(target: Target, env: Mapping[str, str]) -> int:
    """The port the service listens on: the answers' port, or PORT when --env sets it."""
    value = env.get("PORT", "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 65536 else target.port


@dataclass
class Options:
    """How to verify: what to pass to the build and the container, how long to wait."""

    build_args: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    env_files: list[Path] = field(default_factory=list)
    network: Network | None = None
    rebuild: bool = False
    keep: bool = False
    timeout: float = 120.0  # seconds to wait for healthy
    build_timeout: float = 1800.0
    grace: int = GRACE_SECONDS
    log_lines: int = 20
    inspect: bool = True  # read the image's layers (size, files that should not ship)
    scan: bool = True  # scan for vulnerabilities when trivy or grype is on PATH
    fail_on: str | None = None  # critical, high, medium or low: fail the scan at that severity


def sigterm_fix(framework: str) -> str:
    """How to make FRAMEWORK's app drain its connections on SIGTERM instead of dropping them."""
    if framework == "nestjs":
        return "Requests in flight are cut off. In `main.ts`, " + SIGTERM_FIX["nestjs"]
    example = SIGTERM_EXAMPLE.get(framework)
    return (
        "Requests in flight are cut off. "
        + SIGTERM_FIX["default"]
        + (f" For example {example}" if example else "")
    )


class SessionHooks(TypedDict, total=False):
    """The injectable process runner, HTTP client, clock and progress callback (fakes in tests)."""

    runner: Runner
    http: HttpGet
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    progress: Callable[[str], None]
    token: str | None
    which: Callable[[str], str | None]  # finds trivy or grype


class Session:
    """What both verifiers share: engine, target, options, the hooks, and the step loop."""

    def __init__(
        self, engine: Engine, target: Target, options: Options, **hooks: Unpack[SessionHooks]
    ) -> None:
        self.engine = engine
        self.target = target
        self.options = options
        self.runner: Runner = hooks.get("runner", run_command)
        self.http: HttpGet = hooks.get("http", http_status)
        self.clock = hooks.get("clock", time.monotonic)
        self.sleep = hooks.get("sleep", time.sleep)
        self.progress = hooks.get("progress", _no_progress)
        self.token = hooks.get("token") or secrets.token_hex(4)
        self.which = hooks.get("which", shutil.which)
        self.images = ImageSteps(
            engine, target, options.build_args, runner=self.runner, clock=self.clock, which=self.which
        )

    def run_steps(
        self,
        report: Report,
        steps: Sequence[tuple[str, Callable[[], Step | list[Step]]]],
        blocking: Container[str],
        on_failure: Callable[[], None] = lambda: None,
    ) -> None:
        """Run STEPS into REPORT; after a failed BLOCKING step the rest are skipped."""
        failed = False
        for name, step_function in steps:
            if failed:
                report.steps.append(Step(name, "skipped"))
                continue
            self.progress(name)
            result = step_function()
            found = result if isinstance(result, list) else [result]
            report.steps.extend(found)
            if any(step.status == "failed" for step in found):
                failed = name in blocking
                on_failure()


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) until the block ends, then raise KeyboardInterrupt.

    For the cleanup: a Ctrl-C that lands while it removes the container would otherwise kill
    the removal of the image half-way and leave it behind. Outside the main thread, where
    signals cannot be handled, the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise KeyboardInterrupt


def _already_gone(output: str) -> bool:
    """The engine refused because there was nothing to remove."""
    lowered = output.lower()
    return any(phrase in lowered for phrase in ALREADY_GONE)


def _no_progress(name: str) -> None:
    """No progress shown."""


class Verifier(Session):
    """Runs the steps for one target on one engine and collects the report."""

    def __init__(
        self,
        engine: Engine,
        target: Target,
        options: Options,
        *,
        build_log: Callable[[str], None] | None = None,
        **hooks: Unpack[SessionHooks],
    ) -> None:
        super().__init__(engine, target, options, **hooks)
        self.build_log = build_log  # gets the build's output line by line (the live tail), if set
        self.tag = f"localhost/ndw-verify/{target.service_name}:{self.token}"
        self.name = f"ndw-verify-{target.service_name}-{self.token}"
        self.network: Network = options.network or engine.default_network
        self.port = container_port(target, options.env)
        self.host_port = self.port if self.network == "host" else free_port()
        self.built = False
        self.building = False  # Ctrl-C during a build may leave the tag behind
        self.started = False
        self.started_at = 0.0
        self.processes: tuple[int, list[Process]] | str | None = None
        self.report = Report(
            service=target.service_name,
            path=str(target.service_dir),
            engine=engine.name,
            mode="image",
            image=self.tag,
            kept=options.keep,
        )

    # ---- the sequence

    def run(self) -> Report:
        """Every step in order; always cleans up.

        Only a failed build, start or wait for healthy skips the steps after it (nothing to run
        them on); every other failure is a finding, and the run goes on, so one run shows every
        problem: the image checks, the uid, PID 1 and the stop.
        """
        names = ["build", *(["rebuild"] if self.options.rebuild else [])]
        names += ["inspect"] if self.options.inspect else []
        names += [*(["scan"] if self.options.scan else []), "start", "healthy"]
        names += ["answers", "user", "init", "stop"]
        steps: dict[str, Callable[[], Step | list[Step]]] = {
            "build": self.build, "rebuild": self.rebuild, "inspect": self.inspect, "scan": self.scan,
            "start": self.start, "healthy": self.healthy, "answers": self.answers, "user": self.user,
            "init": self.init, "stop": self.stop,
        }  # fmt: skip
        try:
            self.run_steps(self.report, [(name, steps[name]) for name in names], BLOCKING, self._keep_logs)
        finally:
            self.cleanup()
        return self.report

    def _keep_logs(self) -> None:
        """After a failure: the container's last lines, unless a step already kept some."""
        if self.started and not self.report.logs:
            self.report.logs = self.container_logs()
            self.report.logs_from = "container"

    def cleanup(self) -> None:
        """Remove the container, and the image unless --keep; the report says what went and what stayed.

        Each removal is checked and tried again (an engine killed mid-`run` can hold the
        container's lock a moment longer); "no such container/image" counts as removed. A
        Ctrl-C meanwhile waits until both are gone (`interrupts_held`).
        """
        with interrupts_held():
            if self.started:
                self._remove("container", self.name, self.engine.remove_argv(self.name), timeout=60)
                self.started = False
            if (self.built or self.building) and not self.options.keep:
                self._remove("image", self.tag, self.engine.remove_image_argv(self.tag), timeout=120)
                self.built = self.building = False
            self.report.kept = self.built

    def _remove(
        self, kind: Literal["container", "image"], name: str, argv: list[str], timeout: float
    ) -> None:
        """Run ARGV until it removes NAME (3 tries, 1 s apart); record the result in the report."""
        error = ""
        for attempt in range(REMOVE_ATTEMPTS):
            if attempt:
                self.sleep(1.0)
            done = self.runner(argv, timeout=timeout)
            if done.returncode == 0 or _already_gone(done.output):
                self.report.removed.append(kind)
                return
            error = exited(f"{argv[0]} {argv[1]}", done)
        self.report.leftovers.append(Leftover(kind, name, error, shlex.join(argv)))

    def container_logs(self) -> list[str]:
        """The container's last lines of output."""
        done = self.runner(self.engine.logs_argv(self.name, self.options.log_lines), timeout=30)
        return last_lines(done.output, self.options.log_lines)

    # ---- steps

    def _build_once(self) -> tuple[Completed, float]:
        argv = self.engine.build_argv(
            self.target.root, self.target.dockerfile, self.tag, self.options.build_args
        )
        started = self.clock()
        self.building = True
        env = self.engine.build_env()
        if self.build_log is None:
            done = self.runner(argv, timeout=self.options.build_timeout, env=env)
        else:
            done = self.runner(argv, timeout=self.options.build_timeout, env=env, on_line=self.build_log)
        self.building = False
        return done, self.clock() - started

    def build(self) -> Step:
        """Build the scaffolded Dockerfile from its context; time, size, cached steps."""
        done, seconds = self._build_once()
        if done.returncode != 0:
            self.report.logs = last_lines(done.output, self.options.log_lines)
            self.report.logs_from = "build"
            return Step(
                "build", "failed", seconds, f"{self.engine.builder} exited {done.returncode}",
                hint="The Dockerfile did not build; its last lines of output are below.",
            )  # fmt: skip
        self.built = True
        size = parse_size(self.runner(self.engine.image_size_argv(self.tag), timeout=60).stdout)
        counted = parse_build_output(done.output)
        context = (
            "." if self.target.app_dir == "." else f"repository root, -f {self.target.app_dir}/Dockerfile"
        )
        return Step(
            "build", "passed", seconds,
            f"{human_size(size)}, {counted.cached}/{counted.total} steps cached (context: {context})",
            data={"size_bytes": size, "steps": counted.total, "cached_steps": counted.cached},
        )  # fmt: skip

    def rebuild(self) -> Step:
        """Edit a source file, build again: the dependency layers must come from the cache."""
        source = source_to_touch(self.target)
        if source is None:
            return Step("rebuild", "skipped", detail="no source file found to edit")
        relative = source.relative_to(self.target.root).as_posix()
        original = source.read_bytes()
        stat = source.stat()
        try:
            source.write_bytes(original + REBUILD_MARKER.encode())
            done, seconds = self._build_once()
        finally:
            source.write_bytes(original)
            os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        if done.returncode != 0:
            self.report.logs = last_lines(done.output, self.options.log_lines)
            self.report.logs_from = "build"
            return Step("rebuild", "failed", seconds, f"{self.engine.builder} exited {done.returncode}")
        counted = parse_build_output(done.output)
        data: dict[str, str | int | float | bool | None] = {
            "edited": relative, "steps": counted.total, "cached_steps": counted.cached,
        }  # fmt: skip
        detail = f"after editing {relative}: {counted.cached}/{counted.total} steps cached"
        if counted.cached == 0:
            return Step(
                "rebuild", "failed", seconds, detail, data=data,
                hint="No step came from the layer cache: dependencies are installed after the "
                "sources are copied, so every source edit reinstalls them.",
            )  # fmt: skip
        return Step("rebuild", "passed", seconds, detail, data=data)

    def inspect(self) -> list[Step]:
        """Read the image's layers: size against the floor, entry file, files that should not ship."""
        return self.images.inspect(self.tag)

    def scan(self) -> Step:
        """Count known vulnerabilities with trivy or grype, if one is installed."""
        return self.images.scan(self.tag, self.options.fail_on)

    def start(self) -> Step:
        """Run the image detached, with the variables given."""
        argv = self.engine.run_argv(
            self.tag,
            self.name,
            port=self.port,
            host_port=self.host_port,
            network=self.network,
            env=self.options.env,
            env_files=self.options.env_files,
            init=self.target.needs_engine_init,
        )
        started = self.clock()
        # Set before the run: the container exists as soon as the engine creates it, so a Ctrl-C
        # (or a failure) while `run` is still going must remove it too (`rm --force` of a name
        # that never got a container is harmless).
        self.started = True
        done = self.runner(argv, timeout=120)
        seconds = self.clock() - started
        self.started_at = started
        if done.returncode != 0:
            self.report.logs = last_lines(done.output, self.options.log_lines)
            self.report.logs_from = "container"
            return Step("start", "failed", seconds, f"{self.engine.runner} run exited {done.returncode}")
        where = "host network" if self.network == "host" else "published"
        return Step(
            "start", "passed", seconds, f"port 127.0.0.1:{self.host_port} ({where})",
            data={"container": self.name, "host_port": self.host_port, "network": self.network},
        )  # fmt: skip

    def healthy(self) -> Step:
        """Wait until the image's HEALTHCHECK passes (run on demand where the engine has no timer)."""
        deadline = self.started_at + self.options.timeout
        status, output = "", ""
        while True:
            state = parse_state(self.runner(self.engine.state_argv(self.name), timeout=30).stdout)
            if not state.running:
                why = " (killed: out of memory)" if state.oom_killed else ""
                return Step(
                    "healthy", "failed", self.clock() - self.started_at,
                    f"the container exited with code {state.exit_code}{why}",
                    hint="The service stopped on its own; its last lines are below.",
                    data={"status": "exited", "exit_code": state.exit_code},
                )  # fmt: skip
            check = self.engine.health_run_argv(self.name)
            if check is not None:
                ran = self.runner(check, timeout=60)
                if ran.returncode not in (0, 1) and "healthcheck" in ran.output.lower():
                    return self._no_healthcheck()
            health = parse_health(self.runner(self.engine.health_argv(self.name), timeout=30).stdout)
            if not health.status:
                return self._no_healthcheck()
            status, output = health.status, health.last_output
            elapsed = self.clock() - self.started_at
            if status == "healthy":
                return Step("healthy", "passed", elapsed, "HEALTHCHECK passed", data={"status": status})
            if self.clock() >= deadline:
                last = f"; last check said: {output[:200]}" if output else ""
                return Step(
                    "healthy", "failed", elapsed, f"still {status} after {self.options.timeout:.0f} s{last}",
                    hint=f"The health check never passed: does {self.target.health_path} answer 2xx on "
                    f"port {self.port}? Raise the wait with --timeout if the service starts slowly.",
                    data={"status": status},
                )  # fmt: skip
            self.sleep(1.0)

    def _no_healthcheck(self) -> Step:
        return Step(
            "healthy", "failed", self.clock() - self.started_at, "the image has no HEALTHCHECK",
            hint="The scaffold's Dockerfile defines one; an OCI-format build drops it "
            "(podman/buildah need --format docker).",
        )  # fmt: skip

    def answers(self) -> Step:
        """GET the health path on the published port: 2xx."""
        url = f"http://127.0.0.1:{self.host_port}{self.target.health_path}"
        started = self.clock()
        status: int | None = None
        error = ""
        for attempt in range(5):
            try:
                status = self.http(url, 5.0)
                break
            except OSError as exc:
                error = str(exc)
                if attempt < 4:
                    self.sleep(1.0)
        seconds = self.clock() - started
        data: dict[str, str | int | float | bool | None] = {"url": url, "status": status}
        if status is None:
            return Step(
                "answers", "failed", seconds, f"GET {url}: {error}", data=data,
                hint="Nothing answers on the port although the health check passed: does the app "
                "listen on 0.0.0.0 and the PORT it is given?",
            )  # fmt: skip
        if not 200 <= status < 300:
            return Step("answers", "failed", seconds, f"GET {self.target.health_path} -> {status}", data=data)
        return Step("answers", "passed", seconds, f"GET {self.target.health_path} -> {status}", data=data)

    def _processes(self) -> tuple[int, list[Process]] | str:
        """The exec'd probe's uid and the container's processes (listed once for user and init)."""
        if self.processes is None:
            self.processes = self._list_processes()
        return self.processes

    def _list_processes(self) -> tuple[int, list[Process]] | str:
        """The exec'd probe's uid and the container's processes, or why they can't be read."""
        last = ""
        for node in NODE_PATHS:
            done = self.runner(self.engine.exec_argv(self.name, node, "-e", PROCESS_SCRIPT), timeout=30)
            if done.returncode == 0:
                try:
                    return parse_processes(done.stdout)
                except ValueError as error:
                    return str(error)
            last = last_lines(done.output, 1)[0] if done.output.strip() else f"exit {done.returncode}"
        return f"cannot list the container's processes ({last})"

    def user(self) -> Step:
        """The image's user, PID 1 and every Node process run as the answers' uid, never root."""
        started = self.clock()
        found = self._processes()
        seconds = self.clock() - started
        if isinstance(found, str):
            return Step("user", "failed", seconds, found)
        exec_uid, processes = found
        uids = sorted({process.uid for process in processes} | {exec_uid})
        data: dict[str, str | int | float | bool | None] = {
            "expected": self.target.uid, "uids": ",".join(map(str, uids)),
        }  # fmt: skip
        if uids != [self.target.uid]:
            return Step(
                "user", "failed", seconds, f"processes run as uid {', '.join(map(str, uids))}", data=data,
                hint=f"The answers say uid {self.target.uid}; is USER in the Dockerfile still "
                f"{self.target.uid}, and nothing started as root?",
            )  # fmt: skip
        return Step("user", "passed", seconds, f"uid {self.target.uid} (not root)", data=data)

    def init(self) -> Step:
        """PID 1 is the init system the answers chose, with Node below it."""
        started = self.clock()
        found = self._processes()
        seconds = self.clock() - started
        if isinstance(found, str):
            return Step("init", "failed", seconds, found)
        _, processes = found
        pid1 = next((process for process in processes if process.pid == 1), None)
        command = pid1.command if pid1 else "(none)"
        expected = self.target.init_system
        data: dict[str, str | int | float | bool | None] = {"expected": expected, "pid1": command}
        allowed = INIT_COMMANDS.get(expected, (expected,))
        ok = pid1 is not None and (pid1.is_node if expected == "none" else pid1.command in allowed)
        if (
            ok
            and expected != "none"
            and not any(process.is_node and process.pid != 1 for process in processes)
        ):
            ok = False
        if not ok:
            return Step(
                "init", "failed", seconds, f"PID 1 is {command}, expected {expected}", data=data,
                hint="Without an init as PID 1, SIGTERM may not reach Node and zombies are not reaped.",
            )  # fmt: skip
        return Step("init", "passed", seconds, f"PID 1 is {command}", data=data)

    def stop(self) -> Step:
        """Stop with a grace period: Node must exit on SIGTERM before the SIGKILL."""
        grace = self.options.grace
        started = self.clock()
        done = self.runner(self.engine.stop_argv(self.name, grace), timeout=grace + 60)
        seconds = self.clock() - started
        if done.returncode != 0:
            return Step("stop", "failed", seconds, f"{self.engine.runner} stop exited {done.returncode}")
        state = parse_state(self.runner(self.engine.state_argv(self.name), timeout=30).stdout)
        code = state.exit_code
        killed = code == EXIT_KILLED
        data: dict[str, str | int | float | bool | None] = {
            "exit_code": code, "grace": grace, "killed": killed,
        }  # fmt: skip
        if killed:
            return Step(
                "stop", "failed", seconds, f"killed after the {grace} s grace period (exit 137)", data=data,
                hint="SIGTERM did not stop the app: the app or its init does not handle SIGTERM. "
                "Keep an init as PID 1 (init_system) and close the server on SIGTERM.",
            )  # fmt: skip
        if code == EXIT_TERMINATED:
            return Step(
                "stop", "warning", seconds, f"exit 143 in {seconds:.1f} s: no SIGTERM handler, exits at once",
                data=data, hint=sigterm_fix(str(self.target.answers.get("framework") or "")),
            )  # fmt: skip
        if code != 0:
            return Step(
                "stop", "failed", seconds, f"exited {code} on SIGTERM", data=data,
                hint="The app's shutdown failed; its last lines are below.",
            )  # fmt: skip
        return Step(
            "stop", "passed", seconds, f"exit 0 (graceful) within the {grace} s grace period", data=data
        )
