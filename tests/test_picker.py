"""The service picker of `ndw init` in a multi-service repository (issue #7).

The full-screen picker is driven through Textual's pilot, plain mode through prompt_toolkit's
pipe input (as in test_plain.py). Services come from `detect_services` on the monorepo
fixtures, except in the snapshot, which fixes them so it changes with this screen only.
"""

from __future__ import annotations

import asyncio
import functools
import io
import shutil
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from tests.conftest import FIXTURES
from tests.test_init import tree_state
from wizard.detect.services import ServiceCandidate, detect_services
from wizard.errors import Interrupted
from wizard.service_choices import plain_choices
from wizard.service_picker import pick_services
from wizard.tui.picker import ServicePicker

ENTER, UP, DOWN, CTRL_C = "\r", "\x1b[A", "\x1b[B", "\x03"
WORKSPACE = FIXTURES / "monorepos" / "pnpm-workspace"
INDEPENDENT = FIXTURES / "monorepos" / "independent-services"


def in_event_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio (the project has no async pytest plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


@pytest.fixture
def services() -> list[ServiceCandidate]:
    found = detect_services(WORKSPACE)
    assert len(found) >= 2, "the fixture must hold several services"
    return found


def evidence_shown(pilot: Pilot[Any]) -> str:
    """The text under the list, as a 200-column terminal would print it (no wrapping)."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(pilot.app.query_one("#evidence", Static).content)
    return console.export_text()


# Full screen -----------------------------------------------------------------------------


@in_event_loop
async def test_arrow_down_and_enter_picks_the_second_service(services: list[ServiceCandidate]) -> None:
    app = ServicePicker(list(reversed(services)), WORKSPACE)  # shown (and returned) in path order
    async with app.run_test(size=(80, 24)) as pilot:
        assert services[0].evidence in evidence_shown(pilot)
        await pilot.press("down")
        shown = evidence_shown(pilot)  # the evidence follows the cursor
        assert services[1].evidence in shown
        assert all(folder in shown for folder in services[1].shared)
        await pilot.press("enter")
    assert app.return_value == [services[1]]


@in_event_loop
async def test_a_picks_every_service_in_path_order(services: list[ServiceCandidate]) -> None:
    app = ServicePicker(list(reversed(services)), WORKSPACE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
    assert app.return_value == sorted(services, key=lambda s: s.path)


@in_event_loop
async def test_enter_on_the_last_row_picks_all(services: list[ServiceCandidate]) -> None:
    app = ServicePicker(services, WORKSPACE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("end")
        assert f"the {len(services)} services" in evidence_shown(pilot)
        await pilot.press("enter")
    assert app.return_value == services


@pytest.mark.parametrize("key", ["q", "escape", "ctrl+c"])
def test_quitting_the_picker_raises_interrupted(
    key: str, services: list[ServiceCandidate], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def press(pilot: Pilot[Any]) -> None:
        await pilot.press("down", key)
        await pilot.pause()
        if pilot.app.return_code is None:  # the key did not end the app: end it with no pick
            pilot.app.exit([])

    # the real entry point, with the app run headless instead of in this terminal
    headless = functools.partialmethod(App.run, headless=True, size=(80, 24), auto_pilot=press)
    monkeypatch.setattr(ServicePicker, "run", headless)
    monkeypatch.setattr("wizard.interactive.can_run_full_screen", lambda: True)
    with pytest.raises(Interrupted) as raised:
        pick_services(services, plain=False, root=WORKSPACE)
    assert raised.value.exit_code == 130


def test_full_screen_pick_goes_through_pick_services(
    services: list[ServiceCandidate], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def pick_second(pilot: Pilot[Any]) -> None:
        await pilot.press("down", "enter")
        await pilot.pause()
        if pilot.app.return_code is None:
            pilot.app.exit([])

    headless = functools.partialmethod(App.run, headless=True, size=(80, 24), auto_pilot=pick_second)
    monkeypatch.setattr(ServicePicker, "run", headless)
    monkeypatch.setattr("wizard.interactive.can_run_full_screen", lambda: True)
    assert pick_services(services, plain=False, root=WORKSPACE) == [services[1]]


# Plain mode ------------------------------------------------------------------------------


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe_input, create_app_session(input=pipe_input, output=DummyOutput()):
        yield pipe_input


def test_plain_lists_each_service_then_all(services: list[ServiceCandidate]) -> None:
    titles = [title for title, _ in plain_choices(services)]
    assert len(titles) == len(services) + 1
    for title, service in zip(titles, services, strict=False):
        assert title.startswith(service.path)
        assert service.name in title
        assert f"({service.framework}, workspace package, uses " in title
        assert all(name in title for name in service.shared_names)
    assert titles[-1] == f"All {len(services)} services"


def test_plain_says_unknown_framework_and_own_lockfile() -> None:
    service = ServiceCandidate("jobs", "services/jobs", "independent", None, "services/jobs/yarn.lock", None)
    other = ServiceCandidate("web", "services/web", "independent", "express", None, None)
    titles = [title for title, _ in plain_choices([service, other])]
    assert titles[0].endswith("(unknown framework, own lockfile)")
    assert titles[1].endswith("(express, own package.json, no lockfile)")


def test_plain_down_enter_picks_the_second(pipe: PipeInput) -> None:
    services = detect_services(INDEPENDENT)
    pipe.send_text(DOWN + ENTER)
    assert pick_services(services, plain=True) == [services[1]]


def test_plain_last_choice_picks_all(pipe: PipeInput, services: list[ServiceCandidate]) -> None:
    pipe.send_text(UP + ENTER)  # the list wraps: up from the first is the last, "All N services"
    assert pick_services(list(reversed(services)), plain=True) == services


def test_plain_with_explicit_input_and_output(services: list[ServiceCandidate]) -> None:
    with create_pipe_input() as own_input:
        own_input.send_text(ENTER)
        assert pick_services(services, plain=True, input=own_input, output=DummyOutput()) == [services[0]]


def test_plain_ctrl_c_raises_interrupted(pipe: PipeInput, services: list[ServiceCandidate]) -> None:
    pipe.send_text(DOWN + CTRL_C)
    with pytest.raises(Interrupted):
        pick_services(services, plain=True)


def test_small_terminal_falls_back_to_plain(
    pipe: PipeInput, services: list[ServiceCandidate], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wizard.interactive.can_run_full_screen", lambda: False)
    monkeypatch.setattr(ServicePicker, "run", lambda *_, **__: pytest.fail("the full-screen app ran"))
    pipe.send_text(DOWN + ENTER)
    assert pick_services(services, plain=False) == [services[1]]


def test_one_service_is_not_asked_about(services: list[ServiceCandidate]) -> None:
    # no input is available: asking would fail
    assert pick_services(services[:1], plain=True) == services[:1]
    assert pick_services([], plain=True) == []


def test_cli_plain_quitting_the_picker_exits_130_and_writes_nothing(
    tmp_path: Path,
    pipe: PipeInput,
    run_ndw: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("wizard.console.stdout_is_terminal", lambda: True)
    repo = tmp_path / "repo"
    shutil.copytree(WORKSPACE, repo)
    before = tree_state(repo)
    pipe.send_text(DOWN + CTRL_C)
    status, _, err = run_ndw("init", repo, "--plain")
    assert status == 130
    assert "Nothing was written" in err
    assert tree_state(repo) == before


# Snapshot (update with `pytest tests/test_picker.py --snapshot-update` after a deliberate change)

FIXED = [
    ServiceCandidate(
        "@acme/api",
        "apps/api",
        "workspace",
        "express",
        "pnpm-lock.yaml",
        ".",
        ("packages/shared",),
        ("@acme/shared",),
        evidence="pnpm-workspace.yaml package apps/api with a start script",
    ),
    ServiceCandidate(
        "@acme/billing-worker",
        "apps/billing-worker",
        "workspace",
        None,
        "pnpm-lock.yaml",
        ".",
        ("packages/db", "packages/queue", "packages/shared"),
        ("@acme/db", "@acme/queue", "@acme/shared"),
        evidence="pnpm-workspace.yaml package apps/billing-worker with a start script",
    ),
    ServiceCandidate(
        "@acme/gateway",
        "apps/gateway",
        "workspace",
        "fastify",
        "pnpm-lock.yaml",
        ".",
        evidence="pnpm-workspace.yaml package apps/gateway with a framework dependency",
    ),
]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_picker_snapshot(theme: str, snap_compare: Any) -> None:
    app = ServicePicker(FIXED, Path("/srv/acme-platform"))

    async def highlight_second(pilot: Pilot[Any]) -> None:
        pilot.app.theme = theme
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=highlight_second)
