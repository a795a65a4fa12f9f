"""Session fixtures for the compose tier: one Docker engine, stand-in images, built app images.

Every test here is marked `compose`. When dockerd or the Compose binary can't be had, the tests
skip with the reason, except under CI (`CI=true`), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compose.engine import DockerEngine, EngineUnavailable, compose_binary, start_engine
from tests.compose.stack import TIMINGS, Stacks
from tests.support.containers import Containers, ToolsUnavailable, ensure_tools
from tests.support.tiers import mark_folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under tests/compose as `compose` (and one of the image tiers)."""
    mark_folder(items, Path(__file__).parent, pytest.mark.compose)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"compose: {reason}", pytrace=False)
    pytest.skip(f"compose: {reason}")


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    """A dockerd started for this session (state in a temp folder), stopped by PID afterwards."""
    try:
        compose_binary()
        engine = start_engine()
    except EngineUnavailable as error:
        _unavailable(str(error))
        raise
    try:
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(engine.root, ignore_errors=True)


@pytest.fixture(scope="session")
def builder() -> Containers:
    """buildah/podman on the e2e tier's private store (shared base images and layer cache)."""
    try:
        ensure_tools()
    except ToolsUnavailable as error:
        _unavailable(str(error))
    return Containers()


@pytest.fixture(scope="session")
def stacks(
    docker_engine: DockerEngine, builder: Containers, tmp_path_factory: pytest.TempPathFactory
) -> Stacks:
    """Scaffolds variants of the fixture app and provides their images (each built once)."""
    return Stacks(docker_engine, builder, tmp_path_factory.mktemp("stacks"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the compose timings (up to all healthy, second up, down) when any were measured."""
    if TIMINGS:
        terminalreporter.section("compose timings")
        for label, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{label}: {seconds:.1f} s")
