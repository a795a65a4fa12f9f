"""Plain mode (`ndw init --plain`): questionary prompts driven through prompt_toolkit's pipe input.

The key presses are computed from the resolution at each step (the prompt order, which
questions apply and where the default sits in a list), so the tests follow copier.yml
instead of hard-coding it.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.plain_text import PlainTextOutput

from tests.test_init import tree_state
from wizard.errors import Interrupted
from wizard.prompts import ask_plain, summary
from wizard.session import Session
from wizard.worker import Worker

Run = Callable[..., tuple[int, str, str]]
ENTER, UP, DOWN, KILL_LINE, CTRL_C = "\r", "\x1b[A", "\x1b[B", "\x15", "\x03"


def keys_for(
    worker: Worker, wanted: dict[str, Any], detours: dict[str, list[Any]] | None = None, then: str = ENTER
) -> str:
    """Key presses that answer every prompt with `wanted` (default where not given), then
    `then` at the last step (Enter: its first choice, write the files).

    `detours` lists values typed (and refused) before the wanted one.
    """
    detours = detours or {}
    so_far: dict[str, Any] = {}
    keys = []
    for name in [q.name for q in worker.resolve().questions]:
        question = worker.resolve(so_far).by_name()[name]
        if not question.applies or question.hidden:  # detection-fed, never prompted
            continue
        value = wanted.get(name, question.value)
        for attempt in [*detours.get(name, []), value]:
            keys.append(_answer(question, attempt))
        so_far[name] = value
    return "".join(keys) + then


def _answer(question: Any, value: Any) -> str:
    if question.choices:
        values = [choice.value for choice in question.choices]
        start = values.index(question.value) if question.value in values else 0
        steps = values.index(value) - start
        return (DOWN * steps if steps > 0 else UP * -steps) + ENTER
    if question.type == "bool":
        return "y" if value else "n"
    return KILL_LINE + str(value) + ENTER


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe_input, create_app_session(input=pipe_input, output=DummyOutput()):
        yield pipe_input


def same_tree_as_answers_file(run_ndw: Run, app: Path, answers: dict[str, Any], tmp_path: Path) -> None:
    """`ndw init --answers` on a fresh copy of the app writes exactly what plain mode wrote."""
    twin = tmp_path / "twin" / app.name
    shutil.copytree(app.parent / "pristine", twin)
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text(yaml.safe_dump(answers), encoding="utf-8")
    status, _, err = run_ndw("init", twin, "--answers", answers_file)
    assert status == 0, err
    assert tree_state(twin) == tree_state(app)


@pytest.fixture
def app(express_app: Path) -> Path:
    shutil.copytree(express_app, express_app.parent / "pristine")
    return express_app


def test_enter_everywhere_takes_detected_and_default_values(
    app: Path, pipe: PipeInput, run_ndw: Run, tmp_path: Path
) -> None:
    worker = Worker(app)
    pipe.send_text(keys_for(worker, {}))
    settled = ask_plain(Session(worker, {}))
    assert settled.answers == worker.resolve().require_valid()
    assert settled.answers["framework"] == "express"  # detected from package.json
    assert not settled.force
    worker.write(settled.answers)
    same_tree_as_answers_file(run_ndw, app, settled.answers, tmp_path)


def test_answers_follow_earlier_answers_and_invalid_ones_are_asked_again(
    app: Path, run_ndw: Run, tmp_path: Path
) -> None:
    worker = Worker(app)
    wanted = {"framework": "nestjs", "orm": "prisma", "database": "postgresql", "port": 8080}
    # port 0 and 70000 are refused by the validator; an ORM without a database is refused too
    # this one passes the input and output explicitly instead of through the app session
    with create_pipe_input() as own_input:
        own_input.send_text(keys_for(worker, wanted, detours={"port": [0, 70000], "database": ["none"]}))
        settled = ask_plain(Session(worker, {}), input=own_input, output=DummyOutput())
    assert settled.answers["port"] == 8080
    assert settled.answers["database"] == "postgresql"
    # every later default, choice and `when:` followed the answers, as the engine resolves them
    expected = worker.resolve(wanted).require_valid()
    assert settled.answers == expected
    assert "migrations" in settled.answers  # `when: orm != 'none'` now applies
    worker.write(settled.answers)
    same_tree_as_answers_file(run_ndw, app, settled.answers, tmp_path)


def test_ctrl_c_at_any_prompt_writes_nothing(app: Path, pipe: PipeInput) -> None:
    worker = Worker(app)
    before = tree_state(app)
    pipe.send_text(ENTER * 3 + CTRL_C)
    with pytest.raises(Interrupted):
        ask_plain(Session(worker, {}))
    assert tree_state(app) == before


def test_cli_plain_ctrl_c_exits_130(
    app: Path, pipe: PipeInput, run_ndw: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wizard.console.stdout_is_terminal", lambda: True)
    before = tree_state(app)
    pipe.send_text(ENTER + CTRL_C)
    status, _, err = run_ndw("init", app, "--plain")
    assert status == 130
    assert "Nothing was written" in err
    assert tree_state(app) == before


def test_cli_plain_writes_and_prints_the_summary(
    app: Path, pipe: PipeInput, run_ndw: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("wizard.console.stdout_is_terminal", lambda: True)
    worker = Worker(app)
    pipe.send_text(keys_for(worker, {"port": 4000}))
    status, out, err = run_ndw("init", app, "--plain")
    assert status == 0, err
    assert "Wrote" in out
    answers = worker.resolve({"port": 4000}).require_valid()
    same_tree_as_answers_file(run_ndw, app, answers, tmp_path)


def test_replacing_a_differing_file_needs_a_yes(app: Path, pipe: PipeInput) -> None:
    worker = Worker(app)
    first = worker.plan(worker.resolve().require_valid()).changes[0].path
    (app / first).write_text("# mine\n", encoding="utf-8")
    pipe.send_text(keys_for(worker, {}) + "y")
    settled = ask_plain(Session(worker, {}))
    assert settled.force
    worker.write(settled.answers, force=settled.force)
    assert (app / first).read_text(encoding="utf-8") != "# mine\n"


def test_declining_to_replace_writes_nothing(app: Path, pipe: PipeInput, run_ndw: Run) -> None:
    worker = Worker(app)
    first = worker.plan(worker.resolve().require_valid()).changes[0].path
    (app / first).write_text("# mine\n", encoding="utf-8")
    before = tree_state(app)
    pipe.send_text(keys_for(worker, {}) + "n")
    with pytest.raises(Exception, match="declined"):
        ask_plain(Session(worker, {}))
    assert tree_state(app) == before


# The last step: a summary of the answers, then write / change an answer / quit ------------


def asked_names(session: Session) -> list[str]:
    """The questions plain mode asks, in the order the "Which answer?" list shows them."""
    return [q.name for q in session.resolution.questions if q.applies and not q.hidden]


def test_plain_mode_ends_with_a_summary_in_choice_titles(app: Path) -> None:
    """The answers are listed before anything is written, values as copier.yml titles them."""
    worker = Worker(app)
    wanted = {"framework": "nestjs", "redis": True}
    shown = io.StringIO()
    with create_pipe_input() as own_input:
        own_input.send_text(keys_for(worker, wanted))
        settled = ask_plain(Session(worker, {}), input=own_input, output=PlainTextOutput(shown))
    assert settled.answers == worker.resolve(wanted).require_valid()
    text = shown.getvalue()
    assert "Your answers:" in text
    listing = text[text.rindex("Your answers:") :]
    lines = {line.split()[0]: line for line in listing.splitlines()[1:] if line.startswith("  ")}
    session = Session(worker, wanted)
    assert set(asked_names(session)) <= set(lines)  # every question asked has its line
    assert "  NestJS  (your answer)" in lines["framework"]  # the title, not the value `nestjs`
    assert "  yes  (your answer)" in lines["redis"]
    assert "Write these answers?" in listing  # the confirm comes after the summary


def test_summary_step_goes_back_to_change_an_answer(app: Path, pipe: PipeInput) -> None:
    worker = Worker(app)
    session = Session(worker, {})
    change_port = (
        DOWN + ENTER + DOWN * asked_names(session).index("port") + ENTER + KILL_LINE + "5000" + ENTER
    )
    pipe.send_text(keys_for(worker, {}, then=change_port + ENTER))
    settled = ask_plain(session)
    assert settled.answers == worker.resolve({"port": 5000}).require_valid()
    assert "Your answers:" in summary(session) and "5000  (your answer)" in summary(session)


def test_summary_step_quit_writes_nothing_and_exits_130(
    app: Path, pipe: PipeInput, run_ndw: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wizard.console.stdout_is_terminal", lambda: True)
    before = tree_state(app)
    pipe.send_text(keys_for(Worker(app), {}, then=DOWN + DOWN + ENTER))
    status, _, err = run_ndw("init", app, "--plain")
    assert status == 130
    assert "Nothing was written" in err
    assert tree_state(app) == before
