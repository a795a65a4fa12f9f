"""Which container engine `ndw verify` uses, and the command lines it runs there.

Pure: nothing here runs a process except `detect_engine`'s probes, which go through a
callable so tests can fake them. Engines, in order of preference: `docker` (BuildKit),
`podman`, `buildah` (builds with buildah, runs with podman).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wizard.errors import NoComposeError, NoEngineError

EngineName = Literal["docker", "podman", "buildah"]
ENGINE_NAMES: tuple[EngineName, ...] = ("docker", "podman", "buildah")
Network = Literal["host", "publish"]

INSTALL_HINT = (
    "Install one of: Docker Engine with BuildKit (https://docs.docker.com/engine/install/), "
    "or Podman (Debian/Ubuntu: apt-get install podman; Fedora: dnf install podman; "
    "macOS: brew install podman && podman machine init && podman machine start)."
)
COMPOSE_HINT = (
    "Install Docker Compose v2 (the `docker compose` plugin: apt-get install docker-compose-plugin), "
    "or podman-compose (pip install podman-compose) for `podman compose`."
)

Which = Callable[[str], "str | None"]
Probe = Callable[[Sequence[str]], "tuple[bool, str]"]


@dataclass(frozen=True)
class Engine:
    """One engine: the program that builds and the one that runs containers."""

    name: EngineName

    @property
    def builder(self) -> str:
        """The program that builds images."""
        return self.name

    @property
    def runner(self) -> str:
        """The program that runs containers (podman for the buildah engine)."""
        return "docker" if self.name == "docker" else "podman"

    @property
    def on_demand_health(self) -> bool:
        """Podman may have no health-check timer (no systemd): run the check ourselves."""
        return self.runner == "podman"

    @property
    def default_network(self) -> Network:
        """Docker publishes a port; podman shares the host network (no bridge setup needed)."""
        return "publish" if self.name == "docker" else "host"

    def build_env(self) -> dict[str, str]:
        """Environment for the build: BuildKit for docker."""
        return {"DOCKER_BUILDKIT": "1"} if self.name == "docker" else {}

    def build_argv(
        self,
        context: Path,
        dockerfile: Path,
        tag: str,
        build_args: Mapping[str, str] | None = None,
        target: str | None = None,
    ) -> list[str]:
        """Build DOCKERFILE in CONTEXT as TAG, keeping the HEALTHCHECK and the layer cache."""
        if self.name == "docker":
            argv = ["docker", "build", "--progress=plain"]
        elif self.name == "podman":
            argv = ["podman", "build", "--format", "docker", "--layers"]
        else:
            argv = ["buildah", "bud", "--format", "docker", "--layers"]
        argv += ["-f", str(dockerfile), "-t", tag]
        if target:
            argv += ["--target", target]
        for key, value in (build_args or {}).items():
            argv += ["--build-arg", f"{key}={value}"]
        argv.append(str(context))
        return argv

    def run_argv(
        self,
        image: str,
        name: str,
        *,
        port: int,
        host_port: int,
        network: Network,
        env: Mapping[str, str] | None = None,
        env_files: Sequence[Path] = (),
        init: bool = False,
        tmpfs: Sequence[str] = (),
    ) -> list[str]:
        """Start IMAGE detached as NAME, reachable on 127.0.0.1:HOST_PORT."""
        argv = [self.runner, "run", "--detach", "--name", name]
        if network == "host":
            argv += ["--network", "host"]
        else:
            argv += ["--publish", f"127.0.0.1:{host_port}:{port}"]
        if init:
            argv.append("--init")
        for mount in tmpfs:
            argv += ["--tmpfs", mount]
        for env_file in env_files:
            argv += ["--env-file", str(env_file)]
        for key, value in (env or {}).items():
            argv += ["--env", f"{key}={value}"]
        argv.append(image)
        return argv

    def state_argv(self, name: str) -> list[str]:
        """The container's state as JSON (running, exit code, health)."""
        return [self.runner, "inspect", "--format", "{{json .State}}", name]

    def health_argv(self, name: str) -> list[str]:
        """The container's health as JSON (`null` when the image has no HEALTHCHECK)."""
        return [self.runner, "inspect", "--format", "{{json .State.Health}}", name]

    def health_run_argv(self, name: str) -> list[str] | None:
        """Run the HEALTHCHECK once now (podman), or None where the engine's timer runs it."""
        return ["podman", "healthcheck", "run", name] if self.on_demand_health else None

    def container_image_argv(self, name: str) -> list[str]:
        """The ID of the image container NAME runs."""
        return [self.runner, "inspect", "--format", "{{.Image}}", name]

    def exec_argv(self, name: str, *command: str) -> list[str]:
        """Run COMMAND in the container as the image's user."""
        return [self.runner, "exec", name, *command]

    def stop_argv(self, name: str, grace: int) -> list[str]:
        """SIGTERM, then SIGKILL after GRACE seconds."""
        return [self.runner, "stop", "--time", str(grace), name]

    def logs_argv(self, name: str, lines: int) -> list[str]:
        """The container's last LINES lines of output."""
        return [self.runner, "logs", "--tail", str(lines), name]

    def remove_argv(self, name: str) -> list[str]:
        """Remove the container, running or not."""
        return [self.runner, "rm", "--force", name]

    def remove_image_argv(self, tag: str) -> list[str]:
        """Remove the image built for the check."""
        return [self.runner, "rmi", "--force", tag]

    def image_size_argv(self, tag: str) -> list[str]:
        """The image's size in bytes."""
        return [self.runner, "image", "inspect", "--format", "{{.Size}}", tag]

    def save_argv(self, tag: str, archive: Path) -> list[str]:
        """Write TAG with every layer as a docker-archive tarball (manifest.json + layer tars)."""
        if self.runner == "podman":
            return ["podman", "save", "--format", "docker-archive", "-o", str(archive), tag]
        return ["docker", "save", "-o", str(archive), tag]

    def inspect_image_argv(self, image: str) -> list[str]:
        """IMAGE's full `image inspect` JSON (config, layers, the store's layer folders)."""
        return [self.runner, "image", "inspect", image]

    def layers_argv(self, image: str) -> list[str]:
        """IMAGE's layer diff IDs as a JSON list (fails when IMAGE is not in the local store)."""
        return [self.runner, "image", "inspect", "--format", "{{json .RootFS.Layers}}", image]

    def image_exists_argv(self, tag: str) -> list[str]:
        """Exit 0 when TAG exists."""
        return [self.runner, "image", "inspect", "--format", "{{.Id}}", tag]


def _is_podman_shim(which: Which, probe: Probe) -> bool:
    """Whether `docker` is podman's compatibility wrapper (podman-docker)."""
    ok, out = probe(["docker", "--version"])
    return ok and "podman" in out.lower()


def docker_usable(which: Which, probe: Probe) -> tuple[bool, str]:
    """(whether the docker client is installed and its daemon answers, why not)."""
    if which("docker") is None:
        return False, "docker is not installed"
    if _is_podman_shim(which, probe):
        return False, "docker is podman's compatibility wrapper"
    ok, out = probe(["docker", "version", "--format", "{{.Server.Version}}"])
    if not ok:
        reason = out.strip().splitlines()[-1] if out.strip() else "docker version failed"
        return False, f"the docker client is installed but its daemon does not answer ({reason})"
    return True, ""


def detect_engine(
    forced: str | None = None, which: Which | None = None, probe: Probe | None = None
) -> Engine:
    """The first usable engine (docker, podman, buildah+podman), or the forced one.

    Raises NoEngineError, naming what to install, when none (or not the forced one) works.
    """
    which = which or shutil.which
    probe = probe or run_probe
    if forced is not None and forced not in ENGINE_NAMES:
        raise NoEngineError(f"--engine {forced!r} is not allowed; choose one of {', '.join(ENGINE_NAMES)}")
    reasons: list[str] = []
    for name in (forced,) if forced else ENGINE_NAMES:
        if name == "docker":
            ok, why = docker_usable(which, probe)
            if ok:
                return Engine("docker")
            reasons.append(why)
            continue
        needed = ["podman"] if name == "podman" else ["buildah", "podman"]
        missing = [tool for tool in needed if which(tool) is None]
        if not missing:
            return Engine("podman" if name == "podman" else "buildah")
        reasons.append(f"{name} engine: {' and '.join(missing)} not installed")
    what = f"the {forced} engine is not usable" if forced else "no container engine found"
    hint = INSTALL_HINT
    if forced == "docker" and which("docker") is not None and "daemon" in reasons[0]:
        hint = "Start the Docker daemon (`sudo systemctl start docker`, or Docker Desktop), or drop --engine."
    raise NoEngineError(f"{what}: " + "; ".join(dict.fromkeys(reasons)), hint=hint)


def run_probe(argv: Sequence[str]) -> tuple[bool, str]:
    """Run a short probe command; (exit status 0, its output)."""
    import subprocess  # noqa: PLC0415

    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    return done.returncode == 0, done.stdout + done.stderr


def detect_compose(engine: Engine, which: Which | None = None, probe: Probe | None = None) -> list[str]:
    """The Compose command for ENGINE: `docker compose`, `podman compose` or `docker-compose`.

    Raises NoComposeError with what to install when there is none.
    """
    which = which or shutil.which
    probe = probe or run_probe
    candidates = [[engine.runner, "compose"]]
    if engine.runner == "podman":
        candidates.append(["podman-compose"])
    else:
        candidates.append(["docker-compose"])
    for command in candidates:
        if which(command[0]) is None:
            continue
        ok, _ = probe([*command, "version"])
        if ok:
            return command
    raise NoComposeError(
        f"--compose: no Compose implementation works with {engine.runner} "
        f"(tried: {', '.join(' '.join(command) for command in candidates)})",
        hint=COMPOSE_HINT,
    )
