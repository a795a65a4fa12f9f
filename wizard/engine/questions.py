"""The questions of copier.yml, loaded and evaluated by copier's own code.

copier has no public API for this; the private names used here are listed in
`wizard.engine.copier_private` and checked by tests/test_engine.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from wizard.engine import copier_private as cp
from wizard.engine.jinja_cache import compiled_snippets
from wizard.errors import AnswersError, InvalidAnswer, TemplateError
from wizard.template import template_dir

Origin = Literal["answer", "detected", "default", "missing"]


@dataclass(frozen=True)
class Choice:
    """One allowed value of a question, with the label shown to people."""

    label: str
    value: Any


@dataclass(frozen=True)
class ResolvedQuestion:
    """A question evaluated against the answers before it."""

    name: str
    type: str
    help: str
    group: str
    placeholder: str
    choices: tuple[Choice, ...]
    applies: bool
    value: Any
    origin: Origin
    source: str = ""
    error: str | None = None
    hidden: bool = False  # detection-fed (copier.yml `_ndw_hidden`): never prompted for

    @property
    def allowed(self) -> str:
        """What the question accepts, in words, for error messages."""
        if self.choices:
            return "allowed: " + ", ".join(repr(choice.value) for choice in self.choices)
        return f"expected a value of type {self.type}"


@dataclass(frozen=True)
class Resolution:
    """Every question, in order, with the value it ends up with."""

    questions: tuple[ResolvedQuestion, ...]
    unknown: tuple[str, ...] = ()

    @property
    def answers(self) -> dict[str, Any]:
        """The answers that apply, as copier's `data=` expects them."""
        return {q.name: q.value for q in self.questions if q.applies and q.origin != "missing"}

    @property
    def problems(self) -> tuple[InvalidAnswer, ...]:
        """Invalid answers and unknown keys, each naming field, value and what is allowed."""
        found = [
            InvalidAnswer("(unknown key)", key, "known keys: " + ", ".join(q.name for q in self.questions))
            for key in self.unknown
        ]
        failed = [q for q in self.questions if q.applies and q.error]
        if any(q.origin in ("answer", "detected") for q in failed):
            # A default computed from a bad answer (host_port from port) fails only because of it.
            failed = [q for q in failed if q.origin in ("answer", "detected")]
        found += [InvalidAnswer(q.name, q.value, q.error or "") for q in failed]
        return tuple(found)

    def by_name(self) -> dict[str, ResolvedQuestion]:
        """Questions keyed by name."""
        return {q.name: q for q in self.questions}

    def require_valid(self, origin: str = "") -> dict[str, Any]:
        """The answers, or AnswersError naming every problem."""
        if self.problems:
            raise AnswersError(self.problems, origin)
        return self.answers


@dataclass
class QuestionSet:
    """The template's questions, evaluated with copier's Question class."""

    template: Path = field(default_factory=template_dir)

    def __post_init__(self) -> None:
        try:
            self._template = cp.template_class()(url=str(self.template))
            # Derived values (`when: false`) are copier's to compute: never asked, shown or accepted.
            self._questions_data: dict[str, dict[str, Any]] = {
                name: details
                for name, details in self._template.questions_data.items()
                if details.get("when") is not False
            }
        except Exception as error:  # copier raises many types here
            raise TemplateError(f"cannot load the template at {self.template}: {error}") from error
        groups = self._template.config_data.get("ndw_groups", {})
        self._groups = {name: str(title) for title, names in groups.items() for name in names}
        self._hidden = frozenset(self._template.config_data.get("ndw_hidden", ()))
        missing = set(self._questions_data) - set(self._groups)
        if missing:
            raise TemplateError(f"copier.yml: questions without a group in _ndw_groups: {sorted(missing)}")
        # The order the front ends show: group by group (as _ndw_groups lists them), copier.yml's
        # order within a group, so a question added at the end of copier.yml joins its group.
        order = {title: index for index, title in enumerate(groups)}
        self._questions_data = dict(
            sorted(self._questions_data.items(), key=lambda item: order[self._groups[item[0]]])
        )

    @property
    def names(self) -> list[str]:
        """Question names, group by group, in copier.yml order within a group."""
        return list(self._questions_data)

    def raw(self, name: str) -> dict[str, Any]:
        """The question's definition as written in copier.yml."""
        return dict(self._questions_data[name])

    def _jinja_env(self) -> Any:
        """copier's Jinja environment for this template, compiling each snippet once.

        copier compiles a question's strings on every evaluation; `resolve()` runs on every
        keystroke in the TUI, so compiled snippets are cached per environment.
        """
        if not hasattr(self, "_env"):
            self._env = jinja_env_for(self._template, str(self.template))
        return self._env

    def resolve(
        self,
        given: Mapping[str, Any] | None = None,
        detected: Mapping[str, Any] | None = None,
        sources: Mapping[str, str] | None = None,
        folder_name: str = "service",
    ) -> Resolution:
        """Walk the questions in order: given answer, else detected value, else default.

        Defaults, choices and `when:` are rendered from the answers before each
        question, exactly as copier does when it asks.
        """
        missing, question_class = cp.missing(), cp.question_class()
        given = dict(given or {})
        detected = dict(detected or {})
        sources = dict(sources or {})
        settings = cp.no_user_settings()
        env = self._jinja_env()
        answers = cp.answers_map_class()(user_defaults=detected, init=given)
        resolved: list[ResolvedQuestion] = []
        for name, details in self._questions_data.items():
            context = dict(answers.combined, _folder_name=folder_name)
            question = question_class(
                answers=answers, context=context, jinja_env=env, settings=settings, var_name=name, **details
            )
            try:
                applies = question.get_when()
                choices = tuple(Choice(str(c.title), c.value) for c in cp.formatted_choices(question))
                help_text = str(question.render_value(question.help or name))
                placeholder = question.get_placeholder()
                type_name = question.get_type_name()
            except Exception as error:
                raise TemplateError(f"copier.yml: question {name!r}: {error}") from error
            origin: Origin
            if name in given:
                raw_value, origin = given[name], "answer"
            elif name in detected:
                raw_value, origin = detected[name], "detected"
            else:
                try:
                    raw_value = question.render_value(details.get("default", missing))
                except Exception:
                    raw_value = missing
                origin = "default" if raw_value is not missing else "missing"
            value, problem = _parse_and_validate(question, raw_value, origin)
            if not applies:
                answers.hide(name)
            elif problem is None:
                answers.user[name] = value
            resolved.append(
                ResolvedQuestion(
                    name=name,
                    type=type_name,
                    help=help_text,
                    group=self._groups[name],
                    placeholder=placeholder,
                    choices=choices,
                    applies=applies,
                    value=None if origin == "missing" else value,
                    origin=origin,
                    source=sources.get(name, "") if origin == "detected" else "",
                    error=problem if applies else None,
                    hidden=name in self._hidden,
                )
            )
        unknown = tuple(sorted(set(given) - set(self._questions_data)))
        return Resolution(tuple(resolved), unknown)


_TYPE_WORDS = {"int": "expected a whole number", "bool": "expected true or false", "str": "expected text"}


def _parse_and_validate(question: Any, raw_value: Any, origin: Origin) -> tuple[Any, str | None]:
    """Cast, check the choice and run the validator; return (value, error or None)."""
    if origin == "missing":
        return None, "a value is required"
    type_name = question.get_type_name()
    if type_name == "int" and isinstance(raw_value, (bool, float)):
        return raw_value, _TYPE_WORDS["int"]
    if (
        type_name == "bool"
        and not isinstance(raw_value, bool)
        and str(raw_value).lower()
        not in {
            "true",
            "false",
            "yes",
            "no",
            "y",
            "n",
            "1",
            "0",
            "on",
            "off",
        }
    ):
        return raw_value, _TYPE_WORDS["bool"]
    if type_name == "str" and isinstance(raw_value, (dict, list)):
        return raw_value, _TYPE_WORDS["str"]
    try:
        value = question.parse_answer(raw_value)
    except ValueError as error:
        if "Invalid choice" in str(error):
            allowed = ", ".join(repr(c.value) for c in cp.formatted_choices(question))
            return raw_value, f"allowed: {allowed}"
        return raw_value, _TYPE_WORDS.get(type_name, f"expected a value of type {type_name}")
    except Exception:
        return raw_value, _TYPE_WORDS.get(type_name, f"expected a value of type {type_name}")
    try:
        question.validate_answer(value)
    except ValueError as error:
        message = str(error)
        prefix = f"Validation error for question '{question.var_name}': "
        return value, " ".join(message.removeprefix(prefix).split())
    return value, None


def jinja_env_for(template: Any, src_path: str) -> Any:
    """copier's Jinja environment for a loaded template, compiling each string snippet once.

    copier compiles a question's strings on every evaluation; `resolve()` runs on every
    keystroke in the TUI and the renderer on every change, so snippets are cached per
    environment.
    """
    worker = cp.worker_class()(src_path=src_path, dst_path=Path(), settings=cp.no_user_settings())
    cp.set_cached(worker, "template", template)  # reuse the loaded copier.yml
    env = worker.jinja_env
    compiled_snippets().install(env)  # compiled once per installation, kept on disk
    env.from_string = lru_cache(maxsize=4096)(env.from_string)
    return env
