"""A throwaway PostgreSQL server from Debian's packages, on 127.0.0.1 and a free port.

Containers run with `--network host`, so `postgresql://postgres@127.0.0.1:<port>/<db>` from
`PostgresServer.url()` reaches it from inside an image too. Trust auth: test use only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"


def free_port() -> int:
    """A TCP port nothing listens on right now (on 127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path:
    """The newest installed server's bin folder (apt-get install postgresql)."""
    versions = sorted(
        (p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not versions:
        raise RuntimeError(f"no PostgreSQL server under {PG_ROOT}: apt-get install postgresql")
    return versions[-1]


def _as_service_user(argv: list[str]) -> list[str]:
    """Run as the postgres user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVICE_USER, "--", *argv]
    return argv


@dataclass
class PostgresServer:
    """A running server; stop() ends it."""

    port: int
    data_dir: Path
    bin_dir: Path

    def url(self, database: str = "postgres", host: str = "127.0.0.1") -> str:
        """A connection URL for DATABASE."""
        return f"postgresql://{SERVICE_USER}@{host}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql; returns its unaligned, tuples-only output."""
        result = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SERVICE_USER,
             "-d", database, "-XAtc", sql],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """Create database NAME; returns its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast mode)."""
        subprocess.run(
            _as_service_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "stop"]),
            capture_output=True, check=False,
        )  # fmt: skip

    def start(self) -> None:
        """(Re)start the server on its port."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data_dir}"
        subprocess.run(
            _as_service_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
                              "-l", str(self.data_dir / "server.log"), "-w", "-t", "60", "start"]),
            capture_output=True, text=True, check=True,
        )  # fmt: skip


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a fresh PostgreSQL cluster in a temp folder; stopped and removed on exit."""
    bin_dir = postgres_bin()
    parent = Path(tempfile.mkdtemp(prefix="ndw-pg-"))
    data_dir = parent / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(parent, SERVICE_USER)
        parent.chmod(0o755)
        subprocess.run(
            _as_service_user([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SERVICE_USER,
                              "--auth=trust", "--encoding=UTF8", "--no-sync"]),
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        server = PostgresServer(free_port(), data_dir, bin_dir)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(parent, ignore_errors=True)
