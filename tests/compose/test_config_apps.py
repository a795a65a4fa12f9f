"""Apps configured the way real services are (#14) start with `docker compose up --wait`.

Each fixture under tests/fixtures/config-apps reads its own configuration: a database URL and a
session secret with a kept `.env.example` that lacks compose's variables; database settings in
parts behind a Joi schema that throws at boot; required JWT and API-key secrets with Redis by
host and port. Each is scaffolded from its answers file and run exactly as a user would:
`cp .env.example .env`, fill the empty secrets with generated strings, `docker compose up --wait`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compose.stack import TIMINGS, Stack, Stacks
from tests.compose.test_stack import _config_strings, assert_all_healthy, http, required_message, up
from tests.support.apps import REPO_ROOT, FixtureApp

CONFIG_APPS = REPO_ROOT / "tests" / "fixtures" / "config-apps"


@dataclass(frozen=True)
class ConfigApp(FixtureApp):
    """A fixture app under tests/fixtures/config-apps."""

    @property
    def source(self) -> Path:
        """The committed folder."""
        return CONFIG_APPS / self.name

    @property
    def tag(self) -> str:
        """The image tag the tests build."""
        return f"localhost/ndw-config/{self.name}:latest"


APPS = {path.name: ConfigApp(path.name) for path in sorted(CONFIG_APPS.iterdir()) if path.is_dir()}


def migrations_applied(stack: Stack) -> int:
    """Rows in drizzle's migrations table."""
    return int(stack.psql("SELECT count(*) FROM drizzle.__drizzle_migrations"))


@pytest.fixture(params=sorted(APPS), scope="module")
def stack(request: pytest.FixtureRequest, stacks: Stacks) -> Iterator[tuple[ConfigApp, Stack]]:
    """A scaffolded config app with its images loaded; removed (with volumes) afterwards."""
    app = APPS[str(request.param)]
    stack = stacks.scaffold(app, f"config-{app.name}", {})
    stacks.load_images(stack, app)
    yield app, stack
    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "1", check=False)


def test_up_healthy_with_the_configuration_the_app_reads(stack: tuple[ConfigApp, Stack]) -> None:
    """cp .env.example .env + secrets, up --wait: all healthy, the app answers, migrated once."""
    app, project = stack
    assert project.secrets, ".env.example has no secret to fill in"
    elapsed = up(project)
    TIMINGS[f"{app.name}: up to all healthy"] = elapsed
    assert_all_healthy(project)

    # The app answers on the published port; its /health needs its database or Redis (and secrets).
    host, port = project.published("app", app.port)
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    status, body = http("GET", base + app.health_path)
    assert status == 200, body
    if "secrets" in body:
        assert body["secrets"] is True

    if app.answers.get("orm") == "drizzle":
        assert migrations_applied(project) == 1
        TIMINGS[f"{app.name}: second up"] = up(project)
        assert migrations_applied(project) == 1

    # Every secret compose resolves is a value from .env, and none is written in compose.yaml.
    compose_text = (project.root / "compose.yaml").read_text()
    for value in project.secrets.values():
        assert value not in compose_text
    allowed = set(project.secrets.values())
    for key, value in _config_strings(project.config()):
        if re.search(r"(PASSWORD|SECRET|TOKEN|_KEY)$", key) and value:
            assert value in allowed, f"{key}={value!r} is not from .env"


def test_kept_env_example_gets_compose_variables(stacks: Stacks) -> None:
    """The app's own .env.example is kept, with one marked block of what compose reads."""
    app = APPS["url-express"]
    stack = stacks.scaffold(app, "config-kept-example", {})
    example = (stack.root / ".env.example").read_text()
    assert example.startswith((app.source / ".env.example").read_text())
    assert example.count("# >>> node-docker-wizard") == 1
    assert "POSTGRES_PASSWORD=" in example and "SESSION_SECRET=" in example


def test_up_without_a_required_app_secret_names_it(stacks: Stacks) -> None:
    """.env without JWT_SECRET: `up` refuses at once, naming the variable and where the app reads it."""
    app = APPS["secrets-redis"]
    stack = stacks.scaffold(app, "config-missing-secret", {})
    env_file = stack.root / ".env"
    kept = [line for line in env_file.read_text().splitlines() if not line.startswith("JWT_SECRET=")]
    env_file.write_text("\n".join(kept) + "\n")
    message = required_message((stack.root / "compose.yaml").read_text(), "JWT_SECRET")
    assert "src/env.js" in message
    started = time.monotonic()
    result = stack.compose("up", "--detach", "--wait", "--no-build", check=False, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert time.monotonic() - started < 5
