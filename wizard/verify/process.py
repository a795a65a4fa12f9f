"""Running the engine's commands and probing ports: the only process and network calls of verify.

Everything here is injected into the verifiers (Runner, HttpGet), so tests swap in fakes.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Completed:
    """A finished command."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr together."""
        return self.stdout + self.stderr


Runner = Callable[..., Completed]  # (argv, *, timeout=None, env=None) -> Completed
HttpGet = Callable[[str, float], int]  # (url, timeout) -> status; OSError when nothing answers


def run_command(
    argv: Sequence[str],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Completed:
    """Run ARGV, capture its output; a missing program or a timeout is a failed Completed.

    With ON_LINE, stdout and stderr come merged, line by line as the program writes them (the
    build log's live tail); the output is still returned whole.
    """
    if on_line is not None:
        return _stream_command(argv, timeout, env, on_line)
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, check=False, timeout=timeout,
            env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except FileNotFoundError as error:
        return Completed(127, "", f"{argv[0]}: {error.strerror}")
    except subprocess.TimeoutExpired as error:
        out = error.stdout.decode() if isinstance(error.stdout, bytes) else (error.stdout or "")
        return Completed(124, out, f"{argv[0]} timed out after {timeout} s")
    return Completed(done.returncode, done.stdout, done.stderr)


def _stream_command(
    argv: Sequence[str], timeout: float | None, env: Mapping[str, str] | None, on_line: Callable[[str], None]
) -> Completed:
    """run_command with each output line passed to ON_LINE; the program is killed on any exception."""
    import threading  # noqa: PLC0415

    try:
        process = subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, text=True, errors="replace",
        )  # fmt: skip
    except FileNotFoundError as error:
        return Completed(127, "", f"{argv[0]}: {error.strerror}")
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        process.kill()

    timer = threading.Timer(timeout, expire) if timeout else None
    lines: list[str] = []
    try:
        if timer:
            timer.start()
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            on_line(line.rstrip("\n"))
        returncode = process.wait()
    except BaseException:  # Ctrl-C included: never leave a build running behind us
        process.kill()
        process.wait()
        raise
    finally:
        if timer:
            timer.cancel()
    if expired.is_set():
        return Completed(124, "".join(lines), f"{argv[0]} timed out after {timeout} s")
    return Completed(returncode, "".join(lines), "")


def http_status(url: str, timeout: float) -> int:
    """GET URL; the HTTP status (4xx/5xx included). OSError when nothing answers."""
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def port_in_use(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:PORT."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def exited(label: str, done: Completed) -> str:
    """ "LABEL exited N: its last line of output" (no colon part when it printed nothing)."""
    lines = last_lines(done.output, 1)
    return f"{label} exited {done.returncode}" + (f": {lines[-1]}" if lines else "")


def last_lines(text: str, count: int) -> list[str]:
    """The last COUNT non-empty lines of TEXT, without podman's systemd-timer noise."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if "unable to get systemd connection" not in line]
    return lines[-count:]
