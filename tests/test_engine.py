"""The copier boundary: every private name ndw uses still exists and has the shape ndw needs.

A copier upgrade that removes, renames or reshapes one of them fails here, naming it,
before any user sees a traceback. The render itself is compared with copier's own
`run_copy` in tests/test_matrix.py (every answer set) and below (a few, for the quick loop).
"""

from __future__ import annotations

import ast
import inspect
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from copier._types import MISSING  # the oracle of wizard.questions; ndw itself never imports these
from copier._user_data import AnswersMap, Question

from tests.conftest import REPO_ROOT
from wizard.engine import copier_private as cp
from wizard.engine.render import Renderer, copy_with_copier, jinja_env_for
from wizard.questions import QuestionSet, copier_answers
from wizard.template import template_dir


@pytest.mark.parametrize(
    ("module", "attribute", "why"), cp.PRIVATE, ids=[f"{m}.{a}" for m, a, _ in cp.PRIVATE]
)
def test_every_listed_private_copier_name_exists(module: str, attribute: str, why: str) -> None:
    assert cp.private(module, attribute) is not None, f"copier lost {module}.{attribute} ({why})"


def test_the_shapes_ndw_relies_on() -> None:
    worker = cp.worker_class()
    fields = set(inspect.signature(worker).parameters)
    wanted = {"src_path", "dst_path", "answers_file", "vcs_ref", "data", "defaults", "overwrite", "pretend"}
    wanted |= {"quiet", "unsafe", "conflict", "settings"}
    assert wanted <= fields, f"copier's Worker lost {sorted(wanted - fields)}"
    allowed = list(inspect.signature(worker._render_allowed).parameters)
    assert allowed == ["self", "dst_relpath", "is_dir", "is_symlink", "expected_contents", "expected_mode"]
    for name in ("template", "jinja_env", "subproject"):  # set through the instance's __dict__
        assert isinstance(inspect.getattr_static(worker, name), cached_property), f"Worker.{name}"
    assert isinstance(cp.private("copier._subproject", "Subproject.last_answers"), cached_property)
    assert list(inspect.signature(worker._render_context).parameters) == ["self"]
    assert list(inspect.signature(worker._ask).parameters) == ["self"]
    answers = cp.private("copier._user_data", "AnswersMap")()
    for name, kind in (("user", dict), ("hidden", set), ("last", dict)):
        assert isinstance(getattr(answers, name), kind), f"AnswersMap.{name}"
    assert hasattr(answers, "external"), "AnswersMap.external"
    template = cp.template_class()
    for name in ("questions_data", "config_data", "local_abspath", "commit", "skip_if_exists", "envops"):
        assert hasattr(template, name), f"Template.{name}"
    for name in ("metadata", "external_data"):
        assert hasattr(template, name), f"Template.{name}"


def test_private_names_are_reached_only_through_the_list() -> None:
    """copier is imported in wizard/engine only; private names through copier_private only."""
    for path in sorted((REPO_ROOT / "wizard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)] + [
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        ]
        copier = [m for m in modules if m == "copier" or m.startswith("copier.")]
        relative = path.relative_to(REPO_ROOT).as_posix()
        if not relative.startswith("wizard/engine/"):
            assert not copier, f"{relative} imports copier: only wizard/engine may"
        elif relative != "wizard/engine/copier_private.py":
            assert all(m == "copier" for m in copier), f"{relative} imports a private copier module"


def test_an_unlisted_private_name_is_refused() -> None:
    with pytest.raises(LookupError, match="not listed"):
        cp.private("copier._main", "Worker._render_folder")


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mode & 0o777)
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"framework": "nestjs", "orm": "prisma", "migrations": "entrypoint"},
        {"app_dir": "services/orders", "orm": "drizzle", "database": "sqlite", "migrations": "job"},
    ],
    ids=["root", "nest-prisma", "subfolder"],
)
def test_render_is_byte_for_byte_copiers_run_copy(given: dict[str, Any]) -> None:
    answers = QuestionSet().resolve({"service_name": "orders-api", **given}).require_valid()
    files = Renderer().render(answers)
    with tempfile.TemporaryDirectory() as scratch:
        copy_with_copier(Path(scratch) / "out", answers)
        expected = tree(Path(scratch) / "out")
    assert {path: (file.content, file.mode) for path, file in files.items()} == expected
    assert list(files) == sorted(files)


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"service_name": "orders-api", "framework": "nestjs", "orm": "prisma", "migrations": "entrypoint"},
        {"package_manager": "pnpm", "layout": "workspace", "app_dir": "apps/api", "orm": "drizzle"},
        {"package_manager": "yarn", "package_manager_version": "4.9.1", "database": "mysql", "redis": True},
        {"service_name": "Bad Name", "port": 0, "framework": "koa", "npmrc_settings": "_authToken=x"},
    ],
    ids=["defaults", "nest-prisma", "pnpm-workspace", "yarn-berry", "invalid"],
)
def test_questions_evaluate_as_copiers_own_question_class(given: dict[str, Any]) -> None:
    """wizard.questions evaluates copier.yml without copier: every question's condition, type,
    help, choices, value and validity match copier's `Question` walking the same answers."""
    template = cp.template_class()(url=str(template_dir()))
    env = jinja_env_for(template, str(template_dir()))
    ours = QuestionSet().resolve(given, folder_name="svc").by_name()
    answers = AnswersMap(init=dict(given))
    for name in QuestionSet().names:
        details = template.questions_data[name]
        context = dict(answers.combined, _folder_name="svc")
        question = Question(answers=answers, context=context, jinja_env=env, var_name=name, **details)
        mine = ours[name]
        assert mine.applies == question.get_when(), name
        assert mine.type == question.get_type_name(), name
        assert mine.help == str(question.render_value(question.help or name)), name
        assert mine.placeholder == question.get_placeholder(), name
        assert [(c.label, c.value) for c in mine.choices] == [
            (str(c.title), c.value) for c in question._formatted_choices
        ], name
        raw = given[name] if name in given else question.render_value(details.get("default", MISSING))
        try:
            value = question.parse_answer(raw)
            question.validate_answer(value)
        except Exception:  # copier refuses it: so must ndw (when the question applies)
            assert mine.error is not None or not mine.applies, (name, raw, mine)
            continue
        assert mine.error is None, (name, raw, mine.error)
        assert mine.value == value, name
        if mine.applies:
            answers.user[name] = value


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"framework": "nestjs", "orm": "prisma", "migrations": "entrypoint", "database": "mysql"},
        {"app_dir": "services/orders", "orm": "drizzle", "database": "sqlite", "migrations": "job"},
        {"image_flavor": "distroless", "init_system": "docker-init", "redis": True, "kubernetes": True},
        {"package_manager": "pnpm", "ci": "github", "dev_target": True, "port": 8080},
    ],
    ids=["defaults", "nest-prisma-mysql", "subfolder-sqlite", "distroless-redis-k8s", "pnpm-ci-dev"],
)
def test_the_renderers_recorded_answers_are_copiers_own(given: dict[str, Any]) -> None:
    """The renderer records the answers in one pass (`copier_answers`); copier's own question
    walk (`Worker._ask`) must record the same values and hide the same names."""
    answers = QuestionSet().resolve({"service_name": "orders-api", **given}).require_valid()
    renderer = Renderer()
    worker = cp.worker_class()(
        src_path=str(renderer._template.url), dst_path=Path("/nonexistent-ndw-test/out"), data=dict(answers),
        defaults=True, pretend=True, quiet=True, unsafe=True, settings=cp.no_user_settings(),
    )  # fmt: skip
    cp.set_cached(worker, "template", renderer._template)
    cp.set_cached(worker, "jinja_env", renderer._env)
    worker._ask()  # copier's own walk, not the renderer's override
    recorded, hidden = copier_answers(
        renderer._template.questions_data, renderer._template.envops, answers, "out"
    )
    assert recorded == worker.answers.user
    assert hidden == worker.answers.hidden
    assert set(recorded) - set(answers) >= {"entry_script", "drizzle_migrator"}  # computed values too
