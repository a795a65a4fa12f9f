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
# npm: `npm pack` fetches Node for the stand-ins; catatonit: the pause image of `podman kube play`.
TOOLS = ("buildah", "podman", "runc", "debootstrap", "npm", "catatonit")
# Only the missing tools' packages are installed: a machine with Node.js from another source
# (nodesource's nodejs bundles npm) cannot take Debian's npm, which conflicts with it.
ENGINE_HELPERS = ("uidmap", "fuse-overlayfs")  # rootless ids and overlay mounts for buildah/podman

_CONTAINERS_CONF = """[containers]
default_ulimits = []
pids_limit = 0
"""


class ToolsUnavailable(RuntimeError):
    """buildah/podman/runc/debootstrap are missing and could not be installed."""


BUILDAH_REEXEC_RACE = "sealing memfd copy: Device or resource busy"


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


def apt_packages(missing: Sequence[str]) -> list[str]:
    """The Debian packages that provide the MISSING tools (each tool's package has its name)."""
    helpers = ENGINE_HELPERS if {"buildah", "podman"} & set(missing) else ()
    return [*missing, *helpers]


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
    packages = apt_packages(missing)
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
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

    def __init__(self, root: Path | None = None, env: Mapping[str, str] | None = None) -> None:
        self.root = root or cache_dir()
        self.extra_env = dict(env or {})
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
        return {**os.environ, **self.extra_env, "CONTAINERS_CONF": str(self.conf), "BUILDAH_FORMAT": "docker"}

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
        *,
        secrets: Mapping[str, Path] | None = None,
        target: str | None = None,
    ) -> BuildResult:
        """`buildah bud --layers --isolation chroot --format docker --pull=never` CONTEXT as TAG
        (the Dockerfile's last stage, or TARGET).

        SECRETS: BuildKit secrets (`--secret id=ID,src=PATH`) for `RUN --mount=type=secret`.
        """
        args = ["bud", "--layers", "--force-rm", "--isolation", "chroot", "--format", "docker"]
        args += ["--pull=never", "-t", tag]
        for key, value in (build_args or {}).items():
            args += ["--build-arg", f"{key}={value}"]
        if dockerfile is not None:
            args += ["-f", str(dockerfile)]
        for secret_id, path in (secrets or {}).items():
            args += ["--secret", f"id={secret_id},src={path}"]
        if target is not None:
            args += ["--target", target]
        args.append(str(context))
        started = time.monotonic()
        result = self.buildah(*args, check=False, timeout=timeout)
        if result.returncode != 0 and BUILDAH_REEXEC_RACE in result.stderr:
            # buildah 1.28's chroot isolation re-executes itself from a sealed memfd, and the
            # seal sometimes fails with EBUSY on a cold store: a buildah fault, not the
            # Dockerfile's. Retry that one error once, loudly; any other failure stands.
            print(f"buildah hit '{BUILDAH_REEXEC_RACE}' building {tag}; retrying once")
            result = self.buildah(*args, check=False, timeout=timeout)
        if result.returncode != 0:
            raise CommandFailed(["buildah", *self._store_flags(), *args], result)
        return BuildResult(tag, time.monotonic() - started, result.stdout + result.stderr)

    def copy_image_to(self, tag: str, other: Containers) -> None:
        """Copy image TAG from this store into OTHER's (podman save | podman load)."""
        import tempfile

        with tempfile.TemporaryDirectory(dir=other.root) as tmp:
            archive = Path(tmp) / "image.tar"
            self.podman("save", "--format", "oci-archive", "-o", str(archive), tag)
            loaded = other.podman("load", "-i", str(archive)).stdout
            match = loaded.strip().splitlines()[-1].split()[-1] if loaded.strip() else ""
            if match and match != tag:
                other.podman("tag", match, tag)

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

    def start(
        self, image: str, name: str, env: Mapping[str, str] | None = None, extra: Sequence[str] = ()
    ) -> None:
        """`podman run -d --network host` IMAGE as NAME (an old container of that name goes first)."""
        self.remove_container(name)
        args = ["run", "-d", "--name", name, "--network", "host"]
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        self.podman(*args, *extra, image)

    def logs(self, name: str) -> str:
        """The container's stdout and stderr so far."""
        result = self.podman("logs", name, check=False)
        return result.stdout + result.stderr

    def health(self, name: str) -> str:
        """Run the image's HEALTHCHECK once (podman runs no timer here); returns the status."""
        check = self.podman("healthcheck", "run", name, check=False)
        if check.returncode not in (0, 1):
            raise CommandFailed(["podman", "healthcheck", "run", name], check)
        return self.inspect(name, "{{.State.Health.Status}}")

    def wait_healthy(self, name: str, timeout: float = 90) -> str:
        """Run the health check until it reports healthy; returns the last status."""
        deadline = time.monotonic() + timeout
        status = ""
        while time.monotonic() < deadline:
            if self.inspect(name, "{{.State.Running}}") != "true":
                return "exited"
            status = self.health(name)
            if status == "healthy":
                return status
            time.sleep(1)
        return status

    def wait_exit(self, name: str, timeout: float) -> int | None:
        """Wait up to TIMEOUT s for NAME to stop; returns its exit code, or None if still running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.inspect(name, "{{.State.Running}}") != "true":
                return int(self.inspect(name, "{{.State.ExitCode}}"))
            time.sleep(0.5)
        return None

    def stop(self, name: str, grace: int = 10) -> tuple[float, int]:
        """`podman stop -t GRACE`; returns (seconds it took, exit code)."""
        started = time.monotonic()
        self.podman("stop", "-t", str(grace), name, timeout=grace + 60)
        elapsed = time.monotonic() - started
        return elapsed, int(self.inspect(name, "{{.State.ExitCode}}"))

    def shell_as_root(self, image: str, script: str) -> subprocess.CompletedProcess[str]:
        """Run `sh -c SCRIPT` as root in a throwaway container of IMAGE (to look inside it)."""
        return self.podman(
            "run", "--rm", "--network", "none", "--user", "0", "--entrypoint", "/bin/sh", image, "-c", script,
            check=False,
        )  # fmt: skip


def http_get(url: str, timeout: float = 5) -> tuple[int, str]:
    """GET URL; returns (status, body). Connection errors raise OSError."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode("utf-8", "replace")


def wait_for_http(url: str, timeout: float = 60) -> tuple[int, str]:
    """Poll URL until it answers at all; returns (status, body) or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            return http_get(url)
        except OSError as error:
            last = error
            time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout} s (last error: {last})")


def wait_for_body(url: str, marker: str, since: float, timeout: float) -> tuple[float, tuple[int, str]]:
    """Poll URL until it answers 200 with MARKER in its body (a dev server serving an edit).

    Returns the seconds from SINCE (a `time.monotonic()` reading, the moment of the edit) to
    that answer, or to the timeout, and the last answer ((0, "") when nothing answered).
    """
    answer: tuple[int, str] = (0, "")
    while time.monotonic() - since < timeout:
        try:
            answer = http_get(url)
        except OSError:
            answer = (0, "")
        if answer[0] == 200 and marker in answer[1]:
            break
        time.sleep(0.3)
    return time.monotonic() - since, answer


def assert_port_free(port: int) -> None:
    """Fail early when something already answers on 127.0.0.1:PORT (it would fake the checks)."""
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise AssertionError(f"port {port} is already in use on 127.0.0.1: stop what listens there first")
