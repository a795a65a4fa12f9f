"""Issue #17, property-based: any answers file or `--set` value is either refused naming a field the
user gave, with nothing written, or gives a scaffold that renders and passes `ndw check`.

Most examples stop after validation (milliseconds each); fewer are rendered in memory; a
handful go through the real write and `ndw check`. Seeds are fixed (`derandomize=True`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_hardening import git
from tests.test_init import tree_state
from wizard.errors import AnswersError
from wizard.names import is_valid_service_name, service_slug

FAST = settings(max_examples=800, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
RENDERED = settings(FAST, max_examples=60)
WRITTEN = settings(FAST, max_examples=6)

WEIRD = st.text(alphabet="abcXY09 ._-/@:'\"$`{}%#\\\n\tü", max_size=24)


@cache
def questions() -> dict[str, tuple[str, tuple[Any, ...]]]:
    """Question name -> (type, choice values), from copier.yml."""
    from wizard.questions import QuestionSet

    resolved = QuestionSet().resolve({}, folder_name="svc")
    return {q.name: (q.type, tuple(c.value for c in q.choices)) for q in resolved.questions}


def value_for(name: str) -> st.SearchStrategy[Any]:
    """Plausible and hostile values for one question."""
    kind, choices = questions()[name]
    hostile = st.one_of(
        st.integers(-5, 70_000),
        st.booleans(),
        WEIRD,
        st.none(),
        st.lists(st.integers(), max_size=2),
        st.text(max_size=6000).filter(lambda text: len(text) > 5000) if name == "service_name" else WEIRD,
    )
    plausible: list[st.SearchStrategy[Any]] = []
    if choices:
        plausible.append(st.sampled_from(choices))
    if kind == "int":
        plausible.append(st.integers(1, 65_535))
    if name == "service_name":
        plausible.append(st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,10}\Z"))
    return st.one_of(*plausible, hostile) if plausible else hostile


@st.composite
def changes(draw: st.DrawFn, most: int = 3) -> dict[str, Any]:
    """A few answers (sometimes an unknown key) the user gives."""
    names = draw(st.lists(st.sampled_from(sorted(questions())), min_size=1, max_size=most, unique=True))
    result = {name: draw(value_for(name)) for name in names}
    if draw(st.integers(0, 9)) == 0:
        result[draw(st.sampled_from(["prot", "servicename", "redis_url"]))] = 1
    return result


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's example service (Express, Drizzle, PostgreSQL)."""
    from tests.test_hardening import ORDERS_API

    folder = tmp_path_factory.mktemp("props") / "orders-api"
    shutil.copytree(ORDERS_API, folder)
    return folder


@pytest.fixture(scope="module")
def worker(app: Path) -> Any:
    from wizard.worker import Worker

    return Worker(app)


def refusal_names_given_fields(error: AnswersError, given_answers: dict[str, Any]) -> None:
    """Every problem is about a key the user gave; the message names it."""
    for problem in error.problems:
        if problem.field == "(unknown key)":
            assert problem.value in given_answers
        else:
            assert problem.field in given_answers, (problem, given_answers)
        assert problem.field in error.message
    assert len(error.message) < 2000


@FAST
@given(given_answers=changes())
def test_any_answers_are_refused_naming_a_given_field_or_accepted(
    worker: Any, given_answers: dict[str, Any]
) -> None:
    resolution = worker.resolve(given_answers)
    try:
        answers = resolution.require_valid("answers.yml")
    except AnswersError as error:
        refusal_names_given_fields(error, given_answers)
        return
    assert is_valid_service_name(answers["service_name"])
    assert 1 <= answers["port"] <= 65_535
    for name, value in given_answers.items():
        if (
            name in answers
            and isinstance(value, str)
            and value.strip() == value
            and questions()[name][0] == "str"
        ):
            assert answers[name] == value  # an accepted answer is taken as given, not replaced


@RENDERED
@given(given_answers=changes(most=2))
def test_accepted_answers_render_a_scaffold_docker_takes(worker: Any, given_answers: dict[str, Any]) -> None:
    resolution = worker.resolve(given_answers)
    if resolution.problems:
        return
    answers = resolution.answers
    files = _previewer().render(answers)
    compose = yaml.safe_load(files[in_app_dir(answers, "compose.yaml")].content)
    assert is_valid_service_name(compose["name"])
    assert f"EXPOSE {answers['port']}".encode() in files[in_app_dir(answers, "Dockerfile")].content


def in_app_dir(answers: dict[str, Any], name: str) -> str:
    folder = str(answers.get("app_dir", "."))
    return name if folder == "." else f"{folder}/{name}"


@cache
def _previewer() -> Any:
    from wizard.engine.render import Renderer

    return Renderer()


@pytest.fixture(scope="module", autouse=True)
def private_template_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    from wizard.template import current_template

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NDW_CACHE_DIR", str(tmp_path_factory.mktemp("ndw-cache")))
        current_template.cache_clear()
        _previewer.cache_clear()
        yield
    current_template.cache_clear()
    _previewer.cache_clear()


@WRITTEN
@given(given_answers=changes(most=2))
def test_a_real_write_passes_check_or_is_refused_with_nothing_written(
    app: Path, tmp_path_factory: pytest.TempPathFactory, given_answers: dict[str, Any]
) -> None:
    from wizard.cli import main

    target = tmp_path_factory.mktemp("written") / "orders-api"
    shutil.copytree(app, target)
    answers_file = target.parent / "answers.yml"
    answers_file.write_text(yaml.safe_dump(given_answers))
    before = tree_state(target)
    status = main(["init", str(target), "--answers", str(answers_file), "--defaults"])
    if status == 2:
        assert tree_state(target) == before
        return
    assert status == 0
    assert main(["check", str(target), "--format", "json"]) == 0


@pytest.fixture(scope="module")
def committed(app: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wizard.cli import main

    target = tmp_path_factory.mktemp("committed") / "orders-api"
    shutil.copytree(app, target)
    git(target, "init", "-q")
    assert main(["init", str(target), "--defaults"]) == 0
    git(target, "add", "-A")
    git(target, "commit", "-qm", "scaffold")
    return target


@settings(FAST, max_examples=15)
@given(sets=changes(most=2))
def test_any_set_value_for_update_is_refused_naming_it_or_renders(
    committed: Path, sets: dict[str, Any]
) -> None:
    """`ndw update --set` (validated in process): refused naming the key, or the merged answers render."""
    from wizard.answers import parse_set_options
    from wizard.update import open_scaffold, validate_changes

    as_text = {
        key: json.dumps(value) if isinstance(value, list) else str(value) for key, value in sets.items()
    }
    parsed = parse_set_options(f"{key}={value}" for key, value in as_text.items())
    scaffold = open_scaffold(committed)
    try:
        data, _ = validate_changes(scaffold, parsed)
    except AnswersError as error:
        refusal_names_given_fields(error, parsed)
        return
    merged = {**scaffold.answers, **data}
    files = _previewer().render(merged)
    assert is_valid_service_name(yaml.safe_load(files[in_app_dir(merged, "compose.yaml")].content)["name"])


@settings(FAST, max_examples=150)
@given(name=(WEIRD | st.text(max_size=80)).filter(lambda name: "/" not in name))
def test_the_template_default_and_validator_agree_with_wizard_names(name: str) -> None:
    question_set = _question_set()
    default = question_set.resolve({}, folder_name=name or "x").by_name()["service_name"].value
    assert default == (service_slug(name or "x") or "service")
    checked = question_set.resolve({"service_name": name}).by_name()["service_name"]
    assert (checked.error is None) == is_valid_service_name(name), (name, checked.error)


@cache
def _question_set() -> Any:
    from wizard.questions import QuestionSet

    return QuestionSet()
