"""buildah/podman wrappers on a private overlay store, following /work/shared/CONTAINER-TESTS.md.

Every call gets the same `--storage-driver overlay --root ... --runroot ...`, so images built by
buildah are visible to podman and nothing touches the machine's default store. Containers run
with runc and cgroupfs and a containers.conf that clears the default ulimits (setrlimit fails
here otherwise).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "NDW_E2E_CACHE"
DEFAULT_CACHE = Path("/var/tmp/ndw-e2e")
TOOLS = ("buildah", "podman", "runc", "debootstrap")
APT_PACKAGES = ("buildah", "podman", "runc", "debootstrap", "uidmap", "fuse-overlayfs")

_CONTAINERS_CONF = """[containers]
default_ulimits = []
pids_limit = 0
"""


class ToolsUnavailable(RuntimeError):
    """buildah/podman/runc/debootstrap are missing and could not be installed."""


class CommandFailed(RuntimeError):
    """A buildah/podman command exited non-zero; the message holds its output."""

    def __init__(self, argv: Sequence[str], result: subprocess.CompletedProcess[str]) -> None:
        self.argv = list(argv)
        self.result = result
        tail = (result.stdout or "")[-4000:] + (result.stderr or "")[-4000:]
        super().__init__(f"{' '.join(argv)} exited {result.returncode}:\n{tail}")


def cache_dir() -> Path:
    """The cache root (env NDW_E2E_CACHE, default /var/tmp/ndw-e2e), created on demand."""
    path = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
    path.mkdir(parents=True, exist_ok=True)
    return path


def missing_tools() -> list[str]:
    """The container tools not found on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def ensure_tools() -> None:
    """Install buildah/podman/runc/debootstrap with apt-get when missing (needs root).

    Raises ToolsUnavailable with the reason when they can't be had.
    """
    missing = missing_tools()
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ToolsUnavailable(f"missing {', '.join(missing)}; install them (apt-get, as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES],
    ):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ToolsUnavailable(f"{' '.join(argv)} failed:\n{result.stderr[-2000:]}")
    still = missing_tools()
    if still:
        raise ToolsUnavailable(f"still missing after apt-get install: {', '.join(still)}")


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one `buildah bud`."""

    tag: str
    seconds: float
    output: str

    @property
    def cached_steps(self) -> int:
        """How many steps buildah reused from its layer cache ("Using cache")."""
        return self.output.count("Using cache")


class Containers:
    """buildah and podman on one private store (`<cache>/storage`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_dir()
        self.storage = self.root / "storage"
        self.runroot = self.root / "runroot"
        self.conf = self.root / "containers.conf"
        self.storage.mkdir(parents=True, exist_ok=True)
        self.runroot.mkdir(parents=True, exist_ok=True)
        if not self.conf.exists() or self.conf.read_text() != _CONTAINERS_CONF:
            self.conf.write_text(_CONTAINERS_CONF)

    def _store_flags(self) -> list[str]:
        return ["--storage-driver", "overlay", "--root", str(self.storage), "--runroot", str(self.runroot)]

    def _env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.conf), "BUILDAH_FORMAT": "docker"}

    def _run(self, argv: list[str], check: bool, timeout: float | None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            argv, env=self._env(), capture_output=True, text=True, check=False, timeout=timeout
        )
        if check and result.returncode != 0:
            raise CommandFailed(argv, result)
        return result

    def buildah(
        self, *args: str, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `buildah <store flags> ARGS`."""
        return self._run(["buildah", *self._store_flags(), *args], check, timeout)

    def podman(
        self, *args: str, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `podman <store flags> --cgroup-manager=cgroupfs --runtime runc ARGS`."""
        argv = ["podman", *self._store_flags(), "--cgroup-manager=cgroupfs", "--runtime", "runc", *args]
        return self._run(argv, check, timeout)

    def image_exists(self, tag: str) -> bool:
        """Whether TAG is in the private store."""
        return self.podman("image", "exists", tag, check=False).returncode == 0

    def build(
        self,
        context: Path,
        tag: str,
        build_args: Mapping[str, str] | None = None,
        dockerfile: Path | None = None,
        timeout: float = 900,
    ) -> BuildResult:
        """`buildah bud --layers --isolation chroot --format docker --pull=never` CONTEXT as TAG."""
        args = ["bud", "--layers", "--force-rm", "--isolation", "chroot", "--format", "docker"]
        args += ["--pull=never", "-t", tag]
        for key, value in (build_args or {}).items():
            args += ["--build-arg", f"{key}={value}"]
        if dockerfile is not None:
            args += ["-f", str(dockerfile)]
        args.append(str(context))
        started = time.monotonic()
        result = self.buildah(*args, timeout=timeout)
        return BuildResult(tag, time.monotonic() - started, result.stdout + result.stderr)

    def image_size(self, tag: str) -> int:
        """The image's size in bytes, as podman reports it."""
        return int(self.podman("image", "inspect", tag, "--format", "{{.Size}}").stdout.strip())

    def image_layers(self, tag: str) -> list[str]:
        """The image's layer digests, base first."""
        out = self.podman("image", "inspect", tag, "--format", "{{range .RootFS.Layers}}{{.}} {{end}}").stdout
        return out.split()

    def remove_container(self, name: str) -> None:
        """Remove container NAME if it exists, running or not."""
        self.podman("rm", "--force", "--time", "0", name, check=False)

    def inspect(self, name: str, template: str) -> str:
        """`podman inspect NAME --format TEMPLATE`, stripped."""
        return self.podman("inspect", name, "--format", template).stdout.strip()
