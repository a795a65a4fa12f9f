"""`docker compose up` brings the generated stack up healthy, migrates once, and `down` is clean.

The Drizzle + PostgreSQL fixture app is scaffolded in two variants (migrations at container
start without Redis; migrations as a one-shot `migrate` service with Redis), its image built from
the generated Dockerfile, and run with the generated compose.yaml and a `.env` made from the
generated `.env.example`, against a real dockerd.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.compose.stack import SECRET_KEY, TIMINGS, Stack, Stacks
from tests.support.apps import fixture_apps

# The Drizzle + PostgreSQL fixture (npm).
APP = next(
    app
    for app in fixture_apps()
    if app.answers.get("orm") == "drizzle"
    and app.answers.get("database") == "postgresql"
    and app.answers.get("package_manager") == "npm"
)
VARIANTS = {
    "entrypoint": {"migrations": "entrypoint", "redis": "false"},
    "job-redis": {"migrations": "job", "redis": "true"},
}
# The db service alone for MySQL (the fixture's code speaks PostgreSQL): stand-in on MariaDB.
MYSQL = {"database": "mysql", "db_driver": "mysql2", "migrations": "job"}
# Each variant and the secret whose absence must stop `up`.
REQUIRED = {
    "job-redis": ("POSTGRES_PASSWORD", VARIANTS["job-redis"]),
    "mysql-root": ("MYSQL_ROOT_PASSWORD", MYSQL),
    "mysql-user": ("MYSQL_PASSWORD", MYSQL),
}
STOP_LIMIT = 10.0  # seconds per container (Docker's default stop timeout before SIGKILL)
UP_TIMEOUT = 240


def http(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """One HTTP request; returns (status, parsed JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


def journal_entries(root: Path) -> int:
    """How many migrations drizzle-kit wrote (drizzle/meta/_journal.json)."""
    journal = json.loads(
        (root / APP.answers.get("migrations_dir", "drizzle") / "meta" / "_journal.json").read_text()
    )
    return len(journal["entries"])


def applied_migrations(stack: Stack) -> list[str]:
    """Rows of drizzle's migrations table (hash and created_at), oldest first."""
    out = stack.psql("SELECT hash || ' ' || created_at FROM drizzle.__drizzle_migrations ORDER BY id")
    return out.splitlines()


def up(stack: Stack, *extra: str) -> float:
    """`docker compose up -d --wait` with the loaded images; returns the seconds it took."""
    started = time.monotonic()
    result = stack.compose("up", "--detach", "--wait", "--no-build", "--pull", "never", *extra,
                           check=False, timeout=UP_TIMEOUT)  # fmt: skip
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        logs = stack.compose("logs", "--no-color", "--tail", "60", check=False)
        raise AssertionError(
            f"up exited {result.returncode} after {elapsed:.1f}s:\n{result.stderr[-3000:]}\n"
            f"--- logs ---\n{logs.stdout[-6000:]}"
        )
    return elapsed


def assert_all_healthy(stack: Stack) -> None:
    """Every long-running service is running and healthy; one-shot services exited 0."""
    rows = {row["Service"]: row for row in stack.containers()}
    assert set(rows) == set(stack.services), (
        f"containers {sorted(rows)} for services {sorted(stack.services)}"
    )
    for name, service in stack.services.items():
        row = rows[name]
        if service.get("restart") == "no":
            assert row["State"] == "exited" and row["ExitCode"] == 0, f"{name}: {row}"
        else:
            assert row["State"] == "running", f"{name}: {row}"
            if "healthcheck" in service:
                assert row["Health"] == "healthy", f"{name}: {row}"


def notes_listed(base: str) -> list[str]:
    """The bodies of the notes the app lists (it reads them from the database)."""
    status, listed = http("GET", base + "/notes")
    assert status == 200
    return [note["body"] for note in listed]


def wait_for_http(url: str, timeout: float = 60) -> None:
    """Poll URL until it answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http("GET", url)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer 200 within {timeout}s")
        time.sleep(0.5)


def _timestamp(nanos: str | int) -> float:
    return int(nanos) / 1e9


def down_and_check(stack: Stack) -> None:
    """`docker compose down`: every running container ends within 10 s of it, none by SIGKILL."""
    running = {row["Name"] for row in stack.containers(all_states=False)}
    since = time.time()
    events = subprocess.Popen(
        [stack.engine.cli, "events", "--since", f"{since:.3f}", "--format", "{{json .}}",
         "--filter", "type=container", "--filter", f"label=com.docker.compose.project={stack.project}"],
        env=stack.engine.env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        started = time.monotonic()
        stack.compose("down", timeout=120)
        TIMINGS[f"{stack.root.name}: down"] = time.monotonic() - started
        time.sleep(1)
    finally:
        events.terminate()
    out, _ = events.communicate(timeout=10)
    died: dict[str, tuple[float, int]] = {}
    killed: set[str] = set()
    for line in out.splitlines():
        event = json.loads(line)
        name = event["Actor"]["Attributes"].get("name", "")
        if event["Action"] == "die":
            died[name] = (
                _timestamp(event["timeNano"]) - since,
                int(event["Actor"]["Attributes"]["exitCode"]),
            )
        elif event["Action"] == "kill" and event["Actor"]["Attributes"].get("signal") in ("9", "SIGKILL"):
            killed.add(name)
    assert running <= set(died), f"no die event for {running - set(died)}: {out}"
    for name in running:
        seconds, code = died[name]
        assert seconds < STOP_LIMIT, f"{name} took {seconds:.1f}s to stop"
        assert name not in killed and code != 137, f"{name} was killed (exit {code})"
    assert stack.containers() == []


@pytest.fixture(params=sorted(VARIANTS), scope="module")
def stack(request: pytest.FixtureRequest, stacks: Stacks) -> Iterator[Stack]:
    """A scaffolded variant with every image it names loaded; removed (with volumes) afterwards."""
    variant = str(request.param)
    stack = stacks.scaffold(APP, variant, VARIANTS[variant])
    stacks.load_images(stack, APP)
    yield stack
    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "1", check=False)


def test_up_healthy_migrates_once_answers_and_stops(stack: Stack) -> None:
    """up --wait: all healthy, tables exist, app answers; migrations never re-applied; down < 10 s each."""
    elapsed = up(stack)
    TIMINGS[f"{stack.root.name}: up to all healthy"] = elapsed
    assert_all_healthy(stack)

    # Migrations ran: the table exists, and drizzle recorded each journal entry once.
    assert stack.psql("SELECT to_regclass('public.notes')") == "notes"
    first = applied_migrations(stack)
    assert len(first) == journal_entries(stack.root), first
    if "migrate" in stack.services:
        assert "Migrations applied" in stack.compose("logs", "--no-color", "migrate").stdout

    # The app answers on the published port and reaches the database.
    host, port = stack.published("app", int(APP.port))
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    assert http("GET", base + APP.health_path)[0] == 200
    status, note = http("POST", base + "/notes", {"body": "kept across restarts"})
    assert status == 201 and note["body"] == "kept across restarts"

    # A second `up` (what users run every day) applies nothing: drizzle's table keeps the same
    # rows with the same timestamps, and the data is still there.
    TIMINGS[f"{stack.root.name}: second up"] = up(stack)
    assert_all_healthy(stack)
    assert applied_migrations(stack) == first
    assert notes_listed(base) == ["kept across restarts"]

    # The migrating step itself run again is a no-op too: the one-shot service, or the app's
    # entrypoint (RUN_MIGRATIONS) on a restart.
    if "migrate" in stack.services:
        stack.compose("run", "--rm", "--no-deps", "migrate", timeout=120)
    else:
        assert stack.services["app"]["environment"].get("RUN_MIGRATIONS") == "true"
        stack.compose("restart", "app", timeout=60)
        wait_for_http(base + APP.health_path)
    assert applied_migrations(stack) == first
    assert notes_listed(base) == ["kept across restarts"]

    # down: every container ends within 10 s of the request, without Docker's SIGKILL.
    down_and_check(stack)


def _config_strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every (key, string) pair in a parsed `docker compose config`."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _config_strings(child, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from _config_strings(child, key)
    elif isinstance(value, str):
        yield key, value


@pytest.mark.parametrize("variant", [*sorted(VARIANTS), "mysql"])
def test_config_holds_no_secret_that_is_not_in_dotenv(variant: str, stacks: Stacks) -> None:
    """Every password in `docker compose config` is one of the values `.env` holds."""
    stack = stacks.scaffold(APP, f"config-{variant}", VARIANTS.get(variant, MYSQL))
    assert stack.secrets, ".env.example has no secret to fill in"
    allowed = set(stack.secrets.values())
    seen: set[str] = set()
    for key, value in _config_strings(stack.config()):
        if SECRET_KEY.search(key):
            assert value in allowed, f"{key}={value!r} is not from .env"
            seen.add(value)
        for match in re.finditer(r"[a-z][a-z0-9+.-]*://[^\s\"']+", value):
            password = urlsplit(match.group(0)).password
            if password is not None:
                assert password in allowed, f"{key}: URL password {password!r} is not from .env"
                seen.add(password)
    assert seen == allowed, f"secrets from .env unused by compose: {allowed - seen}"


def required_message(compose_yaml: str, variable: str) -> str:
    """The scaffold's own `${VARIABLE:?message}` text."""
    match = re.search(r"\$\{" + re.escape(variable) + r":?\?([^}]*)\}", compose_yaml)
    assert match, f"compose.yaml does not require {variable}"
    return match.group(1)


@pytest.mark.parametrize("how", ["absent", "empty"])
@pytest.mark.parametrize("case", sorted(REQUIRED))
def test_up_without_a_required_secret_fails_at_once(case: str, how: str, stacks: Stacks) -> None:
    """`.env` without the database password: `up` fails within seconds with the scaffold's message."""
    variable, answers = REQUIRED[case]
    stack = stacks.scaffold(APP, f"missing-{case}-{how}", answers)
    env_file = stack.root / ".env"
    lines = env_file.read_text().splitlines()
    keep = [line for line in lines if not line.startswith(f"{variable}=")]
    assert keep != lines, f".env.example has no {variable}"
    if how == "empty":
        keep.append(f"{variable}=")
    env_file.write_text("\n".join(keep) + "\n")
    message = required_message((stack.root / "compose.yaml").read_text(), variable)

    started = time.monotonic()
    result = stack.compose("up", "--detach", "--wait", "--no-build", check=False, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert elapsed < 5, f"up took {elapsed:.1f}s to refuse"
    listed = stack.engine.docker(
        "ps", "--all", "--quiet", "--filter", f"label=com.docker.compose.project={stack.project}"
    )
    assert listed.stdout.strip() == ""


def test_mysql_db_service_starts_healthy_with_its_user(stacks: Stacks) -> None:
    """database=mysql: `up --wait db` is healthy; MYSQL_USER reaches MYSQL_DATABASE; down is clean."""
    stack = stacks.scaffold(APP, "mysql", MYSQL)
    stacks.load_standins(stack, only={"db"})
    try:
        started = time.monotonic()
        stack.compose("up", "--detach", "--wait", "--pull", "never", "db", timeout=UP_TIMEOUT)
        TIMINGS["mysql: db up to healthy"] = time.monotonic() - started
        rows = stack.containers()
        assert [(row["Service"], row["Health"]) for row in rows] == [("db", "healthy")], rows
        env = stack.services["db"]["environment"]
        query = stack.compose(
            "exec", "-T", "db", "mysql", "--host=127.0.0.1", f"--user={env['MYSQL_USER']}",
            f"--password={env['MYSQL_PASSWORD']}", env["MYSQL_DATABASE"], "-NBe", "SELECT DATABASE()",
        )  # fmt: skip
        assert query.stdout.strip() == env["MYSQL_DATABASE"]
        down_and_check(stack)
    finally:
        stack.compose("down", "--volumes", "--timeout", "1", check=False)
