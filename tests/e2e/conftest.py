"""Session fixtures for the e2e tier: tools, base images, each app scaffolded and built once.

Every test here is marked `e2e`. Missing buildah/podman are apt-installed (as root); if that
fails the tests skip with the reason, except under CI (`CI=true`), where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.apps import FixtureApp, fixture_apps
from tests.support.containers import BuildResult, Containers, ToolsUnavailable, ensure_tools
from tests.support.postgres import PostgresServer, postgres_server
from tests.support.tiers import mark_folder

APPS = {app.name: app for app in fixture_apps()}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under tests/e2e as `e2e` (and one of the image tiers)."""
    mark_folder(items, Path(__file__).parent, pytest.mark.e2e)


@pytest.fixture(scope="session")
def engine() -> Containers:
    """buildah/podman on the private store; installs them first when missing."""
    try:
        ensure_tools()
    except ToolsUnavailable as error:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"e2e: container tools unavailable under CI: {error}", pytrace=False)
        pytest.skip(f"e2e: container tools unavailable: {error}")
    return Containers()


@dataclass(frozen=True)
class BuiltApp:
    """A fixture app scaffolded into a temp copy and built."""

    app: FixtureApp
    context: Path
    build: BuildResult

    @property
    def tag(self) -> str:
        """The built image."""
        return self.build.tag


class _Builds:
    """Builds each app at most once per session."""

    def __init__(self, engine: Containers, root: Path) -> None:
        self.engine = engine
        self.root = root
        self.done: dict[str, BuiltApp] = {}

    def get(self, name: str) -> BuiltApp:
        if name not in self.done:
            app = APPS[name]
            context = app.scaffold(self.root / name)
            self.done[name] = BuiltApp(app, context, app.build(self.engine, context))
        return self.done[name]


@pytest.fixture
def started(engine: Containers) -> Iterator[list[str]]:
    """Names of containers a test starts (append them); removed afterwards, pass or fail."""
    names: list[str] = []
    yield names
    for name in names:
        engine.remove_container(name)


@pytest.fixture(scope="session")
def builds(engine: Containers, tmp_path_factory: pytest.TempPathFactory) -> _Builds:
    """Session-wide cache of built fixture apps: `builds.get(name)`."""
    return _Builds(engine, tmp_path_factory.mktemp("apps"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server on 127.0.0.1 for the whole session."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def tcp_standin() -> Iterator[int]:
    """A TCP listener on 127.0.0.1 standing in for a server that cannot be installed here
    (MongoDB: not in Debian, its downloads unreachable); yields its port. It accepts and closes,
    which is all an entrypoint's wait needs."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    server.close()
