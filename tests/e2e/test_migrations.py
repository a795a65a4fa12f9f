"""Drizzle migrations for real: the container waits for PostgreSQL, migrates, starts (issue #4).

A PostgreSQL server from Debian's packages runs on loopback. With RUN_MIGRATIONS=true the
entrypoint waits for DATABASE_URL, applies the committed drizzle-kit migrations, and starts
the service; with no database listening it gives up after WAIT_TIMEOUT with a clear message
and a non-zero exit status, and the service never starts.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.e2e.conftest import APPS, BuiltApp, _Builds
from tests.support.containers import Containers, assert_port_free, http_get, wait_for_http
from tests.support.postgres import PostgresServer, free_port

# The table each app's first migration creates, and the route that reads it.
TABLES = {"nest-drizzle-npm": ("notes", "/notes"), "express-drizzle-pnpm": ("items", "/items")}
MIGRATING = sorted(
    name
    for name, app in APPS.items()
    if app.answers.get("orm") == "drizzle" and app.answers.get("migrations") == "entrypoint"
)


@pytest.fixture(scope="module", params=MIGRATING)
def built(request: pytest.FixtureRequest, builds: _Builds) -> BuiltApp:
    """A Drizzle app whose entrypoint runs migrations."""
    return builds.get(str(request.param))


def _journal_entries(built: BuiltApp) -> int:
    """How many migrations the app's committed drizzle-kit journal lists."""
    journal = (
        built.context / str(built.app.answers.get("migrations_dir", "drizzle")) / "meta" / "_journal.json"
    )
    return len(json.loads(journal.read_text())["entries"])


def test_every_migrating_fixture_is_covered() -> None:
    """The Drizzle fixtures exist and each names the table its migration creates."""
    assert MIGRATING, "no Drizzle fixture with migrations: entrypoint"
    assert set(MIGRATING) <= set(TABLES)


def test_waits_migrates_and_starts(built: BuiltApp, engine: Containers, postgres: PostgresServer) -> None:
    """RUN_MIGRATIONS=true on an empty database: the tables exist and the service serves them."""
    table, route = TABLES[built.app.name]
    database = f"migrate_{built.app.name.replace('-', '_')}_{os.getpid()}"
    url = postgres.create_database(database)
    assert postgres.psql(f"SELECT to_regclass('public.{table}') IS NULL", database) == "t"
    name = f"ndw-e2e-migrate-{built.app.name}-{os.getpid()}"
    assert_port_free(built.app.port)
    engine.start(built.tag, name, {"DATABASE_URL": url, "RUN_MIGRATIONS": "true"})
    try:
        wait_for_http(f"http://127.0.0.1:{built.app.port}{built.app.health_path}", timeout=90)
        logs = engine.logs(name)
        assert postgres.psql(f"SELECT to_regclass('public.{table}') IS NOT NULL", database) == "t", logs
        applied = postgres.psql("SELECT count(*) FROM drizzle.__drizzle_migrations", database)
        journal = (built.context / str(built.app.answers.get("migrations_dir", "drizzle")) / "meta").glob(
            "*.json"
        )
        assert int(applied) >= 1, logs
        assert any(path.name == "_journal.json" for path in journal)
        status, body = http_get(f"http://127.0.0.1:{built.app.port}{route}")
        assert status == 200, body
        assert body.strip() == "[]"
    finally:
        engine.remove_container(name)


def test_migrations_are_idempotent_on_restart(
    built: BuiltApp, engine: Containers, postgres: PostgresServer
) -> None:
    """A second start with RUN_MIGRATIONS=true on a migrated database applies nothing twice."""
    database = f"rerun_{built.app.name.replace('-', '_')}_{os.getpid()}"
    url = postgres.create_database(database)
    name = f"ndw-e2e-rerun-{built.app.name}-{os.getpid()}"
    assert_port_free(built.app.port)
    for _ in range(2):
        engine.start(built.tag, name, {"DATABASE_URL": url, "RUN_MIGRATIONS": "true"})
        try:
            wait_for_http(f"http://127.0.0.1:{built.app.port}{built.app.health_path}", timeout=90)
        finally:
            engine.remove_container(name)
    journal = (
        built.context / str(built.app.answers.get("migrations_dir", "drizzle")) / "meta" / "_journal.json"
    )
    import json

    entries = len(json.loads(journal.read_text())["entries"])
    assert postgres.psql("SELECT count(*) FROM drizzle.__drizzle_migrations", database) == str(entries)


def test_database_down_fails_after_timeout(built: BuiltApp, engine: Containers) -> None:
    """No server at DATABASE_URL: exit non-zero after WAIT_TIMEOUT, naming what it waited for."""
    port = free_port()
    name = f"ndw-e2e-nodb-{built.app.name}-{os.getpid()}"
    started = time.monotonic()
    engine.start(
        built.tag,
        name,
        {
            "DATABASE_URL": f"postgresql://app@127.0.0.1:{port}/app",
            "RUN_MIGRATIONS": "true",
            "WAIT_TIMEOUT": "3",
        },
    )
    try:
        code = engine.wait_exit(name, timeout=60)
        elapsed = time.monotonic() - started
        logs = engine.logs(name)
        assert code is not None, f"still running after 60 s; logs:\n{logs[-2000:]}"
        assert code != 0, logs
        assert 3 <= elapsed < 60, f"gave up after {elapsed:.1f} s"
        assert "DATABASE_URL" in logs and f"127.0.0.1:{port}" in logs, logs
        assert "Running database migrations" not in logs, "migrated without a database?"
        with pytest.raises(OSError):
            http_get(f"http://127.0.0.1:{built.app.port}{built.app.health_path}", timeout=2)
    finally:
        engine.remove_container(name)
