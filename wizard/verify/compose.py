"""`ndw verify --compose`: build and bring up the service's compose stack, probe it, take it down."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Unpack

from wizard.verify.engine import Engine
from wizard.verify.process import Completed, exited, last_lines
from wizard.verify.report import Leftover, Report, Step
from wizard.verify.steps import Options, Session, SessionHooks, interrupts_held
from wizard.verify.target import Target, compose_env_files


@dataclass(frozen=True)
class ComposeService:
    """One line of `compose ps --format json`."""

    service: str
    state: str
    health: str
    exit_code: int
    container: str = ""  # its ID
    image: str = ""  # the image name compose gave it

    @property
    def ok(self) -> bool:
        """Running and healthy (or without a health check), or a one-shot job that exited 0."""
        if self.state == "running":
            return self.health in ("", "healthy")
        return self.state == "exited" and self.exit_code == 0


def parse_compose_ps(text: str) -> list[ComposeService]:
    """`compose ps --format json`: a JSON array (older Compose v2) or one object per line."""
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [
        ComposeService(
            str(item.get("Service") or item.get("Name") or "?"),
            str(item.get("State") or "").lower(),
            str(item.get("Health") or "").lower(),
            int(item.get("ExitCode") or 0),
            str(item.get("ID") or item.get("Id") or ""),
            str(item.get("Image") or ""),
        )
        for item in items
        if isinstance(item, dict)
    ]


def parse_port(text: str) -> int | None:
    """`compose port SERVICE PORT` prints `0.0.0.0:4000` (or `[::]:4000`): the host port."""
    for line in text.strip().splitlines():
        tail = line.rsplit(":", 1)[-1].strip()
        if tail.isdigit():
            return int(tail)
    return None


class ComposeVerifier(Session):
    """Build, `up --wait`, check every service, probe the app, `down`; always takes the stack down."""

    def __init__(
        self,
        engine: Engine,
        compose: Sequence[str],
        target: Target,
        options: Options,
        **hooks: Unpack[SessionHooks],
    ) -> None:
        super().__init__(engine, target, options, **hooks)
        self.project = f"ndw-verify-{target.service_name}-{self.token}"
        self.base = [*compose, "--project-directory", str(target.service_dir)]
        self.base += ["-f", str(target.compose_file), "-p", self.project]
        for env_file in compose_env_files(target, options.env_files):
            self.base += ["--env-file", str(env_file)]
        self.app_service = "app" if target.app_dir == "." else target.service_name
        self.up_ran = False
        self.image: str | None = None  # the app's image, once found
        self.image_name = ""  # and its name, if compose ps gave one
        self.report = Report(
            service=target.service_name,
            path=str(target.service_dir),
            engine=engine.name,
            compose=" ".join(compose),
            mode="compose",
            image=f"{self.project} images",
            kept=options.keep,
        )

    def _compose(self, *args: str, timeout: float = 600) -> tuple[Completed, float]:
        started = self.clock()
        done = self.runner([*self.base, *args], timeout=timeout, env=self.engine.build_env())
        return done, self.clock() - started

    def build_argv(self) -> list[str]:
        """`compose build` with the --build-arg values."""
        argv = ["build"]
        for key, value in self.options.build_args.items():
            argv += ["--build-arg", f"{key}={value}"]
        return argv

    def run(self) -> Report:
        """Every step in order; the stack is taken down in every case."""
        steps: list[tuple[str, Callable[[], Step | list[Step]]]] = [("build", self.build), ("up", self.up)]
        steps += [("inspect", self.inspect)] if self.options.inspect else []
        steps += [("scan", self.scan)] if self.options.scan else []
        steps += [("healthy", self.healthy), ("answers", self.answers)]
        try:
            self.run_steps(
                self.report, steps, blocking=("build", "up", "healthy", "answers"), on_failure=self._keep_logs
            )
        finally:
            self.progress("down")
            with interrupts_held():  # a Ctrl-C meanwhile waits until the stack is down
                self.report.steps.append(self.down())
        return self.report

    def _keep_logs(self) -> None:
        """After a failure once the stack is up: its last lines, unless a step already kept some."""
        if self.up_ran and not self.report.logs:
            logs, _ = self._compose("logs", "--tail", str(self.options.log_lines), timeout=60)
            self.report.logs = last_lines(logs.output, self.options.log_lines)
            self.report.logs_from = "compose"

    def build(self) -> Step:
        """Build every service's image."""
        done, seconds = self._compose(*self.build_argv(), timeout=self.options.build_timeout)
        if done.returncode != 0:
            self.report.logs = last_lines(done.output, self.options.log_lines)
            self.report.logs_from = "build"
            return Step("build", "failed", seconds, f"compose build exited {done.returncode}")
        return Step("build", "passed", seconds, "every service's image built")

    def up(self) -> Step:
        """`up --detach --wait`: Compose waits for the health checks itself."""
        self.up_ran = True
        done, seconds = self._compose(
            "up", "--detach", "--wait", "--wait-timeout", str(int(self.options.timeout)),
            timeout=self.options.timeout + 120,
        )  # fmt: skip
        if done.returncode != 0:
            self.report.logs = last_lines(done.output, self.options.log_lines)
            self.report.logs_from = "compose"
            hint = ""
            if "is missing a value" in done.output or ("set " in done.output and ".env" in done.output):
                hint = "A secret is missing: copy .env.example to .env and fill it in."
            return Step("up", "failed", seconds, f"compose up --wait exited {done.returncode}", hint=hint)
        return Step("up", "passed", seconds, "every service started and passed its health check")

    def app_image(self) -> str | None:
        """The image the app's container runs (its ID where the engine says, else its name), found
        once; None when compose lists no app container."""
        if self.image is None:
            done, _ = self._compose("ps", "--all", "--format", "json", timeout=60)
            services = parse_compose_ps(done.stdout) if done.returncode == 0 else []
            app = next((service for service in services if service.service == self.app_service), None)
            image_id = ""
            if app is not None and app.container:
                found = self.runner(self.engine.container_image_argv(app.container), timeout=30)
                image_id = found.stdout.strip() if found.returncode == 0 else ""
            self.image = (image_id or (app.image if app else "")) or None
            if app is not None and app.image:
                self.image_name = self.report.image = app.image
        return self.image

    def inspect(self) -> list[Step]:
        """The image checks of `ndw verify` (size over the floor, files that should not ship) on the
        app's image as compose built it."""
        image = self.app_image()
        if image is None:
            return [self._no_app_image()]
        return self.images.inspect(image)

    def scan(self) -> Step:
        """The vulnerability scan of the app's image, if trivy or grype is installed."""
        image = self.app_image()
        if image is None:
            return Step("scan", "skipped", detail=f"compose lists no container for {self.app_service}")
        # Scanners read an engine's images by name (ps gives it); the ID where it did not.
        return self.images.scan(self.image_name or image, self.options.fail_on)

    def _no_app_image(self) -> Step:
        return Step(
            "image", "failed", detail=f"compose lists no container for {self.app_service}",
            hint=f"Is `{self.app_service}` still the app's service name in {self.target.compose_file.name}?",
        )  # fmt: skip

    def healthy(self) -> Step:
        """Every service running and healthy, or a one-shot job that exited 0."""
        done, seconds = self._compose("ps", "--all", "--format", "json", timeout=60)
        services = parse_compose_ps(done.stdout)
        bad = [service for service in services if not service.ok]
        names = ", ".join(f"{service.service} ({service.health or service.state})" for service in services)
        if done.returncode != 0 or not services or bad:
            return Step("healthy", "failed", seconds, names or "no services listed")
        return Step("healthy", "passed", seconds, names, data={"services": len(services)})

    def answers(self) -> Step:
        """GET the health path on the port compose published for the app."""
        done, seconds = self._compose("port", self.app_service, str(self.target.port), timeout=60)
        port = parse_port(done.stdout)
        if port is None:
            return Step(
                "answers", "failed", seconds, f"{self.app_service} publishes no port {self.target.port}"
            )
        url = f"http://127.0.0.1:{port}{self.target.health_path}"
        try:
            status = self.http(url, 5.0)
        except OSError as error:
            return Step("answers", "failed", seconds, f"GET {url}: {error}", data={"url": url})
        ok = 200 <= status < 300
        return Step(
            "answers", "passed" if ok else "failed", seconds, f"GET {self.target.health_path} -> {status}",
            data={"url": url, "status": status},
        )  # fmt: skip

    def down(self) -> Step:
        """`down` with a 10 s grace period; volumes go, images too unless --keep."""
        argv = ["down", "--volumes", "--remove-orphans", "--timeout", str(self.options.grace)]
        if not self.options.keep:
            argv += ["--rmi", "local"]
        done, seconds = self._compose(*argv, timeout=300)
        if done.returncode != 0:
            leftover = Leftover(
                "stack", self.project, exited("compose down", done), shlex.join([*self.base, *argv])
            )
            self.report.leftovers.append(leftover)
            return Step("down", "failed", seconds, f"compose down exited {done.returncode}")
        self.report.removed.append("stack")
        return Step("down", "passed", seconds, "stack removed")
