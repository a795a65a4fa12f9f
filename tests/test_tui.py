"""The Textual app, driven by keyboard through Textual's pilot, and the in-memory preview.

Nothing here hard-codes template text: expected files come from copier runs
(`Worker.plan`, `ndw init --answers`) with the same answers.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.syntax import Syntax
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Label, Static, Tab

from tests.conftest import REPO_ROOT
from tests.test_init import tree_state
from wizard.answers import load_answers_file
from wizard.detect import Detection
from wizard.disk.env_block import added_keys
from wizard.disk.plan import Status
from wizard.engine.render import RenderedFile, Renderer
from wizard.interactive import can_run_full_screen
from wizard.session import Session, Settled
from wizard.tui.app import WizardApp, terminal_theme
from wizard.tui.screens.confirm import ConfirmReplace
from wizard.tui.screens.main import MainScreen
from wizard.tui.widgets.field import QuestionField
from wizard.tui.widgets.preview import PREFERRED, PreviewPane, tab_order
from wizard.worker import Worker

Run = Callable[..., tuple[int, str, str]]


def in_event_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio (the project has no async pytest plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


ANSWER_SETS = [
    pytest.param({}, id="detected"),
    pytest.param({"framework": "nestjs", "orm": "prisma", "migrations": "entrypoint"}, id="nest-prisma"),
    pytest.param(
        {
            "package_manager": "pnpm",
            "orm": "drizzle",
            "database": "mysql",
            "image_flavor": "distroless",
            "init_system": "docker-init",
            "redis": True,
            "port": 8080,
        },
        id="drizzle-distroless",
    ),
    pytest.param(
        {"package_manager": "yarn", "framework": "fastify", "image_flavor": "alpine", "node_version": 22},
        id="yarn-alpine",
    ),
    pytest.param({"orm": "prisma", "database": "sqlite", "os_packages": "ca-certificates"}, id="sqlite"),
]


@pytest.fixture(scope="module")
def previewer() -> Renderer:
    return Renderer()


@in_event_loop
async def test_preview_shows_the_plan_writing_applies_for_a_service_in_a_subfolder(
    tmp_path: Path, previewer: Renderer
) -> None:
    """The shared root .dockerignore (kept when it exists) and the root compose include show too."""
    repo = Path(shutil.copytree(REPO_ROOT / "tests/fixtures/monorepos/pnpm-workspace", tmp_path / "repo"))
    (repo / ".dockerignore").write_text("node_modules\n", encoding="utf-8")
    worker = Worker(repo)
    folder = worker.services[0].path
    app = WizardApp(Session(worker, {"app_dir": folder}), previewer)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(PreviewPane)
        plan = worker.plan(main_screen(pilot).session.resolution.answers)
        assert pane.files == {change.path: change for change in plan.changes}
        assert pane.files["compose.yaml"].status is Status.NEW  # the root file including the service
        assert f"{folder}/compose.yaml" in pane.files["compose.yaml"].rendered.decode()
        assert pane.files[".dockerignore"].status is Status.KEEP
        await pilot.press("ctrl+q")


# Keyboard helpers ---------------------------------------------------------------------


async def settle(pilot: Pilot[Any]) -> None:
    """Let the app handle what was pressed, and the preview finish rendering (in its thread)."""
    await pilot.pause()
    for screen in pilot.app.screen_stack:
        if isinstance(screen, MainScreen):
            await screen.preview_settled()
    await pilot.pause()


def rendered(pane: PreviewPane) -> dict[str, bytes]:
    """What the preview shows, file by file."""
    return {path: change.rendered for path, change in pane.files.items()}


def contents(files: dict[str, RenderedFile]) -> dict[str, bytes]:
    return {path: file.content for path, file in files.items()}


async def focus(pilot: Pilot[Any], name: str, *, by_tab: bool = False) -> None:
    """Give the question's control the focus: directly, or `by_tab`, pressing Tab until it has it.

    Tab is for the tests of keyboard navigation: each press waits on every widget of the
    form, and a question far down took 40 presses.
    """
    if not by_tab:
        field = field_of(pilot, name)
        field.control.focus()
        # The field scrolls itself whole into view after the next refresh, as after a Tab.
        for _ in range(50):
            await pilot.pause(0.02)
            if fully_visible(pilot, field):
                break
        assert pilot.app.focused is field.control, f"{name} did not take the focus"
        return
    for _ in range(80):
        focused = pilot.app.focused
        if focused is not None and focused.id == f"input-{name}":
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {name}")


async def type_into(pilot: Pilot[Any], name: str, text: str, *, by_tab: bool = False) -> None:
    """Focus a text field, clear it and type."""
    await focus(pilot, name, by_tab=by_tab)
    await pilot.press("end", "ctrl+u", *text)
    await settle(pilot)


async def choose(pilot: Pilot[Any], name: str, value: Any, *, by_tab: bool = False) -> None:
    """Focus a list of choices, open it and move to the value with the arrow keys."""
    await focus(pilot, name, by_tab=by_tab)
    field = field_of(pilot, name)
    values = [choice.value for choice in field.question.choices]
    steps = values.index(value) - values.index(field.question.value)
    await pilot.press("enter", *(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await settle(pilot)


def fully_visible(pilot: Pilot[Any], widget: Widget) -> bool:
    """Whether every cell of the widget is on screen (not scrolled out, not clipped)."""
    geometry = pilot.app.screen.find_widget(widget)
    return bool(geometry.region.area) and geometry.visible_region == geometry.region


def field_of(pilot: Pilot[Any], name: str) -> QuestionField:
    return pilot.app.screen.query_one(f"#field-{name}", QuestionField)


def main_screen(pilot: Pilot[Any]) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def same_files_as_answers_file(
    run_ndw: Run, pristine: Path, written: Path, answers: dict[str, Any], tmp_path: Path
) -> None:
    twin = tmp_path / "twin" / written.name
    shutil.copytree(pristine, twin)
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text(yaml.safe_dump(answers), encoding="utf-8")
    status, _, err = run_ndw("init", twin, "--answers", answers_file)
    assert status == 0, err
    assert tree_state(twin) == tree_state(written)


@pytest.fixture
def pristine(express_app: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "pristine" / express_app.name
    shutil.copytree(express_app, copy)
    return copy


# The app -------------------------------------------------------------------------------


@in_event_loop
async def test_fill_by_keyboard_preview_follows_invalid_port_refused_then_write(
    express_app: Path, pristine: Path, run_ndw: Run, tmp_path: Path, previewer: Renderer
) -> None:
    worker = Worker(express_app)
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(PreviewPane)
        before = rendered(pane)
        assert before == contents(previewer.render(worker.resolve().require_valid()))
        assert "detected" in str(field_of(pilot, "framework").query_one(".origin").render())

        await type_into(pilot, "service_name", "billing", by_tab=True)
        await choose(pilot, "framework", "nestjs", by_tab=True)
        # the preview re-rendered, and defaults that depend on the framework followed
        expected = worker.resolve({"service_name": "billing", "framework": "nestjs"}).require_valid()
        assert rendered(pane) == contents(previewer.render(expected))
        assert rendered(pane) != before
        entry = field_of(pilot, "entry").query_one(Input)
        assert entry.value == str(expected["entry"])

        await type_into(pilot, "port", "70000", by_tab=True)
        port = field_of(pilot, "port")
        assert port.has_class("invalid")
        assert "65535" in str(port.query_one(".error").render())
        assert main_screen(pilot).check_action("write", ()) is None
        await pilot.press("ctrl+w")
        await settle(pilot)
        assert app.return_value is None and isinstance(pilot.app.screen, MainScreen)
        assert port.query_one(Input).value == "70000"  # the key did not fall through to the text box
        assert "port" in str(pilot.app.screen.query_one("#status").render())

        await pilot.press("ctrl+u", *"8080")
        await settle(pilot)
        assert not port.has_class("invalid")
        await pilot.press("ctrl+w")
        await settle(pilot)
    settled = app.return_value
    assert isinstance(settled, Settled)
    assert (
        settled.answers
        == worker.resolve({"service_name": "billing", "framework": "nestjs", "port": 8080}).require_valid()
    )
    assert tree_state(express_app) == tree_state(pristine)  # the app itself writes nothing
    worker.write(settled.answers, force=settled.force)
    same_files_as_answers_file(run_ndw, pristine, express_app, settled.answers, tmp_path)


@in_event_loop
async def test_questions_whose_when_is_false_are_hidden(express_app: Path, previewer: Renderer) -> None:
    worker = Worker(express_app)
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        fields = {f.question.name: f for f in pilot.app.screen.query(QuestionField)}
        hidden = {name for name, q in worker.resolve().by_name().items() if not q.applies}
        assert hidden, "the template should have conditional questions"
        assert {name for name, f in fields.items() if not f.display} == hidden
        await choose(pilot, "orm", "drizzle")
        now_hidden = {
            name for name, q in worker.resolve({"orm": "drizzle"}).by_name().items() if not q.applies
        }
        assert {name for name, f in fields.items() if not f.display} == now_hidden
        assert fields["db_driver"].display
        # a question hidden until now gets its label, and a control holding its resolved value
        assert "db_driver" in hidden
        driver = worker.resolve({"orm": "drizzle"}).by_name()["db_driver"]
        assert str(fields["db_driver"].query_one(".help", Label).render()) == driver.help
        assert getattr(fields["db_driver"].control, "value", None) == driver.value
        # the preview's tabs follow the files this answer set renders, in the usual order
        pane = pilot.app.screen.query_one(PreviewPane)
        await settle(pilot)
        labels = [str(tab.label) for tab in pane.query(Tab)]
        assert labels == [PREFERRED.get(path, path) for path in tab_order(list(pane.files))]
        await choose(pilot, "orm", "none")
        await settle(pilot)
        labels = [str(tab.label) for tab in pane.query(Tab)]
        assert labels == [PREFERRED.get(path, path) for path in tab_order(list(pane.files))]


@in_event_loop
async def test_replacing_a_differing_file_asks_first(express_app: Path, previewer: Renderer) -> None:
    worker = Worker(express_app)
    answers = worker.resolve().require_valid()
    first = worker.plan(answers).changes[0].path
    (express_app / first).write_text("# mine\n", encoding="utf-8")
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+w")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmReplace)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen) and app.return_value is None
        await pilot.press("ctrl+w")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    settled = app.return_value
    assert isinstance(settled, Settled) and (settled.answers, settled.force) == (answers, True)
    assert settled.plan == worker.plan(answers)  # the plan shown is the plan written, not rendered again
    assert (express_app / first).read_text(encoding="utf-8") == "# mine\n"


@in_event_loop
async def test_diff_view_next_file_and_zoom(express_app: Path, previewer: Renderer) -> None:
    app = WizardApp(Session(Worker(express_app), {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(PreviewPane)
        first = pane.current
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert pane.diff_mode
        assert "diff against disk" in str(pane.query_one("#file-status").render())
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert pane.current != first and pane.current in pane.files
        form = pilot.app.screen.query_one("#form")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert not form.display and pane.size.width == 80
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert form.display and pilot.app.focused is not None and pilot.app.focused.id == "input-service_name"


@pytest.mark.timeout(120)
@in_event_loop
async def test_kept_env_example_tab_on_the_readme_example(tmp_path: Path, previewer: Renderer) -> None:
    """The README's own example keeps its .env.example: its tab shows what writing does to it."""
    example = tmp_path / "orders-api"
    shutil.copytree(REPO_ROOT / "examples" / "orders-api", example)
    before = tree_state(example)
    app = WizardApp(Session(Worker(example), {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(PreviewPane)
        assert ".env.example" in pane.files
        for _ in range(len(pane.files)):  # Ctrl-T through the tabs, as a user would
            if pane.current == ".env.example":
                break
            await pilot.press("ctrl+t")
            await settle(pilot)
        assert pane.current == ".env.example"
        status = str(pane.query_one("#file-status").render())
        # The writer's own plan: the user's file is kept and extended with what compose reads.
        written = {
            c.path: c for c in Worker(example).plan(main_screen(pilot).session.resolution.answers).changes
        }
        change = written[".env.example"]
        assert pane.files[".env.example"] == change
        assert change.status is Status.EXTEND and Status.EXTEND.description in status
        assert "REDIS_URL" not in status  # the example needs no Redis; the added keys are named
        assert added_keys(change) and all(key in status for key in added_keys(change))
        await pilot.press("ctrl+d")
        await settle(pilot)
        shown = pane.query_one("#code", Static).content
        assert isinstance(shown, Syntax) and shown.code == change.diff()
        await pilot.press("ctrl+q")
    assert app.return_value is None
    assert tree_state(example) == before


@in_event_loop
async def test_save_answers_to_a_file(express_app: Path, previewer: Renderer) -> None:
    worker = Worker(express_app)
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_into(pilot, "port", "9000")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
    saved = load_answers_file(express_app / "ndw-answers.yml")
    assert worker.resolve(saved).require_valid() == worker.resolve({"port": 9000}).require_valid()


@in_event_loop
async def test_quit_returns_nothing(express_app: Path, previewer: Renderer) -> None:
    before = tree_state(express_app)
    app = WizardApp(Session(Worker(express_app), {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
    assert app.return_value is None
    assert tree_state(express_app) == before


@pytest.mark.parametrize("status", list(Status))
def test_every_file_status_has_words_for_the_preview(status: Status) -> None:
    assert status.description and status.description != status.value


@pytest.mark.parametrize(("term", "expected"), [("xterm-256color", True), ("dumb", False), ("", False)])
def test_full_screen_needs_a_real_terminal(
    term: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    assert can_run_full_screen({"TERM": term}) is expected


@pytest.mark.parametrize(
    ("environ", "theme"),
    [
        ({}, "textual-dark"),
        ({"COLORFGBG": "0;15"}, "textual-light"),
        ({"COLORFGBG": "15;default;0"}, "textual-dark"),
        ({"COLORFGBG": "0;15", "NDW_THEME": "nord"}, "nord"),
    ],
)
def test_theme_follows_the_terminal(environ: dict[str, str], theme: str) -> None:
    assert terminal_theme(environ) == theme


def test_tiny_terminal_falls_back_to_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("LINES", "12")
    assert not can_run_full_screen({"TERM": "xterm"})


# Snapshots (update with `pytest tests/test_tui.py --snapshot-update` after a deliberate change) --
# Detection and the preview's content are fixed here so that the snapshots show this app's
# layout and colours, and change with copier.yml's questions only, not with every template
# or detection edit (those are covered by the tests above).


class FixedPreview(Renderer):
    """A previewer that always shows the same small files."""

    def render(self, answers: Any) -> dict[str, RenderedFile]:
        dockerfile = f"FROM node:{answers['node_version']}-slim\nEXPOSE {answers['port']}\n"
        files = {"Dockerfile": dockerfile, "compose.yaml": "services:\n  app:\n    build: .\n"}
        return {path: RenderedFile(path, text.encode(), 0o644) for path, text in files.items()}


def fixed_worker(app: Path) -> Worker:
    worker = Worker(app)
    detection = Detection()
    detection.propose("service_name", "orders-api", "package.json name")
    detection.propose("framework", "express", "package.json dependencies: express")
    detection.propose("port", 3000, "src/index.js: .listen(3000)")
    worker.__dict__["detection"] = detection
    return worker


async def steady_cursor(pilot: Pilot[Any]) -> None:
    """Stop the text cursors blinking: a snapshot taken mid-blink differs by one cell."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await settle(pilot)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_main_screen_snapshot(express_app: Path, theme: str, snap_compare: Any) -> None:
    app = WizardApp(Session(fixed_worker(express_app), {}), FixedPreview())

    async def set_theme(pilot: Pilot[Any]) -> None:
        await steady_cursor(pilot)
        pilot.app.theme = theme
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=set_theme)


def test_invalid_answer_snapshot(express_app: Path, snap_compare: Any) -> None:
    app = WizardApp(Session(fixed_worker(express_app), {}), FixedPreview())

    async def break_the_name(pilot: Pilot[Any]) -> None:
        await steady_cursor(pilot)
        await pilot.press("end", "ctrl+u", *"Not Valid")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=break_the_name)


@in_event_loop
async def test_configuration_section_lists_variables(tmp_path: Path, previewer: Renderer) -> None:
    """The detected app variables get their own read-only section, with what compose points where."""
    app_dir = Path(shutil.copytree(REPO_ROOT / "tests/fixtures/config-apps/parts-joi", tmp_path / "app"))
    app = WizardApp(Session(Worker(app_dir), {}), previewer)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert not {"app_env", "env_map"} & {f.question.name for f in screen.query(QuestionField)}
        text = str(screen.query_one("#config-section", Static).render())
        assert "8 variables the app reads" in text
        assert "DB_HOST  → database host" in text
        assert "AUDIT_TOKEN  from .env · required, secret" in text


async def type_at(pilot: Pilot[Any], keys: list[str], interval: float = 0.01) -> None:
    """Send keys as a terminal does: one every `interval` seconds, whether or not the app is busy."""
    for key in keys:
        pilot.app.post_message(events.Key(key, key if len(key) == 1 else None))
        await asyncio.sleep(interval)


@pytest.mark.timeout(300)
@in_event_loop
async def test_typing_at_10_ms_a_key_loses_nothing(express_app: Path, previewer: Renderer) -> None:
    """Every keystroke lands while the preview renders off the UI loop; the newest answers win."""
    worker = Worker(express_app)
    app = WizardApp(Session(worker, {}), previewer)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await focus(pilot, "port")
        port = field_of(pilot, "port").query_one(Input)
        for round_ in range(10):
            wanted = "8080" if round_ % 2 == 0 else "3001"
            await type_at(pilot, ["end", *["backspace"] * 4, *wanted])
            await settle(pilot)
            assert port.value == wanted, f"round {round_}: typed {wanted}, the field holds {port.value}"
            answers = main_screen(pilot).session.resolution.answers
            assert answers["port"] == int(wanted)
            pane = pilot.app.screen.query_one(PreviewPane)
            assert rendered(pane) == contents(previewer.render(answers)), f"round {round_}: stale preview"
        await pilot.press("ctrl+q")
