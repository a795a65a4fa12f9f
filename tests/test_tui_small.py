"""The TUI in a default-sized terminal (80x24): warnings, tabs, labels, a blocked write.

Driven by keyboard through Textual's pilot, as in tests/test_tui.py, whose helpers these
tests share. What is expected comes from the worker's own detection and resolution.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select, Static, Tab, Tabs
from textual.widgets._footer import FooterKey

from tests.conftest import REPO_ROOT
from tests.test_tui import (
    FixedPreview,
    choose,
    field_of,
    fixed_worker,
    focus,
    fully_visible,
    in_event_loop,
    main_screen,
    settle,
    steady_cursor,
    type_into,
)
from wizard.engine.render import Renderer
from wizard.errors import Interrupted
from wizard.interactive import MIN_COLUMNS, MIN_LINES, ask, why_not_full_screen
from wizard.session import Session, Settled
from wizard.tui.app import WizardApp
from wizard.tui.widgets.field import QuestionField, YesNo
from wizard.tui.widgets.preview import WARNINGS, PreviewPane, tab_order
from wizard.worker import Worker

SIZE = (80, 24)
# A fixture whose detection warns twice (a start script that misses the compiled entry, no
# shutdown hooks): long sentences that covered the preview as toasts.
WARNED = REPO_ROOT / "tests/fixtures/apps/nest-rootdir-pnpm"


@pytest.fixture(scope="module")
def previewer() -> Renderer:
    return Renderer()


@pytest.fixture
def warned_app(tmp_path: Path) -> Path:
    return Path(shutil.copytree(WARNED, tmp_path / WARNED.name))


def plain(widget: Static) -> str:
    return str(widget.render())


@in_event_loop
async def test_detection_warnings_are_the_first_tab_not_toasts(warned_app: Path, previewer: Renderer) -> None:
    worker = Worker(warned_app)
    warnings = worker.detection.warnings
    assert len(warnings) >= 2, "the fixture should warn"
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(app._notifications) == 0  # nothing covers the preview
        assert f"{len(warnings)} warnings" in plain(pilot.app.screen.query_one("#title", Static))
        pane = pilot.app.screen.query_one(PreviewPane)
        listing = pane.query_one("#warnings-list", Static)
        assert pane.current == WARNINGS and listing.display and not pane.query_one("#code").display
        shown = str(listing.content)
        assert all(warning in shown for warning in warnings)
        assert fully_visible(pilot, pane.query_one(f"#{pane._tab_id(WARNINGS)}", Tab))

        await pilot.press("ctrl+t")
        await settle(pilot)
        assert pane.current == tab_order(list(pane.files))[0]  # the files follow, Dockerfile first
        assert not listing.display and pane.query_one("#code").display
        for _ in pane.files:  # and Ctrl-T comes back round to the warnings
            await pilot.press("ctrl+t")
            await settle(pilot)
        assert pane.current == WARNINGS and listing.display
        await pilot.press("ctrl+q")


@in_event_loop
async def test_every_tab_comes_into_view_and_says_which_of_how_many(
    tmp_path: Path, previewer: Renderer
) -> None:
    """At 80x24 the tabs are wider than the preview: Ctrl-T scrolls each one into view."""
    example = Path(shutil.copytree(REPO_ROOT / "examples/orders-api", tmp_path / "orders-api"))
    app = WizardApp(Session(Worker(example), {}), previewer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(PreviewPane)
        tabs = pane.query_one(Tabs)
        order = tab_order(list(pane.files))
        assert sum(tab.outer_size.width for tab in tabs.query(Tab)) > tabs.size.width  # the hard case
        seen = []
        for number in range(1, len(order) + 1):
            active = tabs.active_tab
            assert active is not None and fully_visible(pilot, active), f"tab {number} is out of view"
            seen.append(pane.current)
            assert plain(pane.query_one("#file-status", Static)).startswith(f"{number}/{len(order)} · ")
            await pilot.press("ctrl+t")
            await settle(pilot)
        assert seen == order
        await pilot.press("ctrl+q")


@in_event_loop
async def test_the_focused_questions_label_is_in_view(warned_app: Path, previewer: Renderer) -> None:
    """Tab and Shift-Tab through the form: the focused question shows its label, not only its control."""
    app = WizardApp(Session(Worker(warned_app), {}), previewer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fields = [field for field in pilot.app.screen.query(QuestionField) if field.display]
        visited = set()
        for key in ["tab"] * len(fields) + ["shift+tab"] * len(fields):
            await pilot.press(key)
            await settle(pilot)
            focused = pilot.app.focused
            field = (
                next((a for a in focused.ancestors if isinstance(a, QuestionField)), None)
                if focused
                else None
            )
            if field is None:
                continue
            visited.add(field.question.name)
            label = field.query_one(".help")
            assert fully_visible(pilot, label), f"{field.question.name}: its label is out of view after {key}"
        assert len(visited) >= len(fields) - 1
        await pilot.press("ctrl+q")


@in_event_loop
async def test_a_blocked_write_says_which_answer_blocks_it(express_app: Path, previewer: Renderer) -> None:
    worker = Worker(express_app)
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "port", "70000")
        problem = worker.resolve({"port": "70000"}).by_name()["port"].error
        assert problem
        await focus(pilot, "framework")  # somewhere else in the form, the port out of view
        assert not fully_visible(pilot, field_of(pilot, "port").query_one(".error"))
        await pilot.press("ctrl+w")
        await settle(pilot)
        assert app.return_value is None and pilot.app.screen is main_screen(pilot)
        status = plain(pilot.app.screen.query_one("#status", Static))
        assert "Cannot write" in status and "port" in status and "70000" in status
        assert problem[:30] in status  # the validator's reason (the line may cut its end)
        assert pilot.app.focused is not None and pilot.app.focused.id == "input-port"
        assert fully_visible(pilot, field_of(pilot, "port").query_one(".error"))
        await pilot.press("ctrl+w")  # from the text box itself: still explained, nothing deleted
        await settle(pilot)
        assert field_of(pilot, "port").query_one(Input).value == "70000"
        assert "port" in plain(pilot.app.screen.query_one("#status", Static))
        await pilot.press("ctrl+q")


@in_event_loop
async def test_values_show_their_choice_titles(express_app: Path, previewer: Renderer) -> None:
    worker = Worker(express_app)
    questions = worker.resolve().by_name()
    titles = {choice.value: choice.label for choice in questions["framework"].choices}
    assert titles["nestjs"] != "nestjs"
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(pilot, "framework", "nestjs")
        field = field_of(pilot, "framework")
        select = field.query_one(Select)
        assert titles["nestjs"] in plain(select.query_one("SelectCurrent #label", Static))
        origin = plain(field.query_one(".origin", Static))
        assert origin == f"your answer (detected: {titles['express']})"
        await pilot.press("ctrl+q")


@in_event_loop
async def test_the_checkbox_says_yes_or_no(express_app: Path, previewer: Renderer) -> None:
    app = WizardApp(Session(Worker(express_app), {}), previewer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await focus(pilot, "redis")
        box = field_of(pilot, "redis").query_one(YesNo)
        assert not box.value and str(box.render()).rstrip() == "▐ ▌ no"  # not an X told apart by colour only
        await pilot.press("space")
        await settle(pilot)
        assert box.value and str(box.render()).rstrip() == "▐✓▌ yes"
        assert main_screen(pilot).session.resolution.answers["redis"] is True
        await pilot.press("space")
        await settle(pilot)
        assert str(box.render()).rstrip() == "▐ ▌ no"
        await pilot.press("ctrl+q")


@in_event_loop
async def test_the_footer_shows_the_same_keys_on_every_question_and_write_dimmed_while_invalid(
    express_app: Path, previewer: Renderer
) -> None:
    """The footer rebuilds only when its keys change: it must still dim Ctrl-W while writing is blocked."""
    app = WizardApp(Session(Worker(express_app), {}), previewer)

    def footer() -> list[tuple[str, str, bool]]:
        return [
            (key.key, key.description, key.has_class("-disabled"))
            for key in pilot.app.screen.query(FooterKey)
        ]

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        in_text_box = footer()
        assert ("ctrl+w", "Write", False) in in_text_box
        await focus(pilot, "framework")  # a list of choices: the same keys, in the same order
        await settle(pilot)
        assert footer() == in_text_box
        await type_into(pilot, "port", "70000")
        assert footer() == [(key, words, key == "ctrl+w") for key, words, _ in in_text_box]
        await pilot.press("ctrl+u", *"8080")
        await settle(pilot)
        assert footer() == in_text_box
        await pilot.press("ctrl+q")


def test_a_small_terminal_says_why_it_falls_back_to_prompts(
    express_app: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.setenv("LINES", "12")
    monkeypatch.setenv("TERM", "xterm-256color")
    prompted: list[Session] = []

    def plain_prompts(session: Session) -> Settled:
        prompted.append(session)
        raise Interrupted("quit without writing", hint="Nothing was written.")

    monkeypatch.setattr("wizard.prompts.ask_plain", plain_prompts)
    with pytest.raises(Interrupted):
        ask(Worker(express_app), {}, plain=False)
    assert prompted  # the prompts ran, not the full-screen app
    note = " ".join(capsys.readouterr().err.split())
    assert "50x12" in note and f"{MIN_COLUMNS}x{MIN_LINES}" in note and "plain prompts" in note


@pytest.mark.parametrize("term", ["dumb", ""])
def test_no_real_terminal_says_so(term: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    reason = why_not_full_screen({"TERM": term})
    assert reason is not None and "TERM" in reason
    assert why_not_full_screen({"TERM": "xterm"}) is None


# Snapshot (update with `pytest tests/test_tui_small.py --snapshot-update` after a deliberate change)


def test_warnings_tab_snapshot(express_app: Path, snap_compare: Any) -> None:
    worker = fixed_worker(express_app)
    worker.detection.warn("No lockfile found: the image installs without one; commit one.")
    worker.detection.warn("No health-check route found: the HEALTHCHECK only opens a TCP connection.")
    app = WizardApp(Session(worker, {}), FixedPreview())
    assert snap_compare(app, terminal_size=SIZE, run_before=steady_cursor)
