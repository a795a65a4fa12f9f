"""The questions of copier.yml, evaluated the way copier evaluates them, without copier.

copier.yml is read as plain YAML (`wizard.template.template_config`, the one reader) and its
Jinja strings (defaults, choices, `when:`, validators) are rendered in a Jinja environment
built as copier builds its own (sandboxed, the template's `_envops`, the Ansible filters
copier adds), so `ndw detect` and the answers checks never import copier (0.4 s) or its
prompt libraries. tests/test_engine.py checks that copier, rendering the scaffold, agrees
with the answers resolved here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2.sandbox import SandboxedEnvironment

from wizard.errors import AnswersError, InvalidAnswer, TemplateError
from wizard.jinja_cache import cache_from_string, compiled_snippets, is_plain_text
from wizard.template import read_config, template_dir

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
    """The template's questions, evaluated as copier's Question class evaluates them."""

    template: Path = field(default_factory=template_dir)

    def __post_init__(self) -> None:
        config = read_config(self.template / "copier.yml")
        # copier's own reading of copier.yml: `_key` is a setting, `name: value` a question
        # whose default is the value.
        self._settings = {key[1:]: value for key, value in config.items() if str(key).startswith("_")}
        # Derived values (`when: false`) are copier's to compute: never asked, shown or accepted.
        self._questions_data: dict[str, dict[str, Any]] = {
            str(name): dict(details) if isinstance(details, dict) else {"default": details}
            for name, details in config.items()
            if not str(name).startswith("_")
            and not (isinstance(details, dict) and details.get("when") is False)
        }
        groups = self._settings.get("ndw_groups", {})
        self._groups = {name: str(title) for title, names in groups.items() for name in names}
        self._hidden = frozenset(self._settings.get("ndw_hidden", ()))
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

    def _jinja_env(self) -> SandboxedEnvironment:
        """The Jinja environment of copier.yml's strings (one per template)."""
        if not hasattr(self, "_env"):
            self._env = snippet_env(tuple(sorted(dict(self._settings.get("envops") or {}).items())))
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
        given = dict(given or {})
        detected = dict(detected or {})
        sources = dict(sources or {})
        env = self._jinja_env()
        accepted: dict[str, Any] = {}
        resolved: list[ResolvedQuestion] = []
        for name, details in self._questions_data.items():
            # copier's AnswersMap.combined: accepted answers over given over detected ones.
            context = {**detected, **given, **accepted, "_folder_name": folder_name}
            question = _Question(name, details, env, context)
            try:
                applies = question.when()
                choices = question.choices()
                help_text = str(question.render(details.get("help") or name))
                placeholder = str(question.render(details.get("placeholder", "")))
                type_name = question.type_name()
            except Exception as error:
                raise TemplateError(f"copier.yml: question {name!r}: {error}") from error
            origin: Origin
            if name in given:
                raw_value, origin = given[name], "answer"
            elif name in detected:
                raw_value, origin = detected[name], "detected"
            else:
                try:
                    raw_value = question.render(details.get("default", _MISSING))
                except Exception:
                    raw_value = _MISSING
                origin = "default" if raw_value is not _MISSING else "missing"
            value, problem = _parse_and_validate(question, raw_value, origin)
            if applies and problem is None:
                accepted[name] = value
            resolved.append(
                ResolvedQuestion(
                    name=name,
                    type=type_name,
                    help=help_text,
                    group=self._groups[name],
                    placeholder=placeholder,
                    choices=tuple(Choice(choice.label, choice.value) for choice in choices),
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


def replayable(questions_data: Mapping[str, Any]) -> bool:
    """Whether `copier_answers` records what copier's own walk would for these questions: none
    uses `ask`, `secret` or copier's `UNSET` (ndw's template uses none of them)."""
    for details in questions_data.values():
        if isinstance(details, dict) and ({"ask", "secret"} & set(details) or "UNSET" in str(details)):
            return False
    return True


def copier_answers(
    questions_data: Mapping[str, Any],
    envops: Mapping[str, Any],
    data: Mapping[str, Any],
    folder_name: str,
) -> tuple[dict[str, Any], frozenset[str]]:
    """What copier's `Worker._ask` records on a fresh copy with `data` and `defaults=True`.

    Walks every question in copier.yml's order, computed values included: the given answer
    (checked, cast and validated) or else the rendered default; questions whose `when` is
    false are hidden from the answers file but keep their default. Returns the answers and
    the hidden names; raises ValueError where copier would refuse.
    """
    env = snippet_env(tuple(sorted(dict(envops).items())))
    recorded: dict[str, Any] = {}
    hidden: set[str] = set()
    for name, raw_details in questions_data.items():
        details = raw_details if isinstance(raw_details, dict) else {"default": raw_details}
        # copier's AnswersMap.combined: recorded answers over the given ones.
        question = _Question(name, details, env, {**data, **recorded, "_folder_name": folder_name})
        applies = question.when()
        if name in data:
            value = question.parse(data[name])
            problem = question.validation_error(value)
        else:
            default = question.render(details.get("default", _MISSING))
            if default is _MISSING:
                if applies:
                    raise ValueError(f'Question "{name}" is required')
                hidden.add(name)
                continue
            value = question.parse(default)
            problem = question.validation_error(value) if applies else ""
        if problem:
            raise ValueError(f"Validation error for question '{name}': {problem}")
        if not applies:
            hidden.add(name)
        recorded[name] = value
    return recorded, frozenset(hidden)


class _Missing:
    """copier's MISSING: a question without a default."""

    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()


@dataclass(frozen=True)
class _RenderedChoice:
    label: str
    value: Any
    disabled: str = ""


def _to_bool(value: Any) -> bool:
    """copier's `cast_to_bool`: a number (0 is false), a YAML boolean or null word, else bool()."""
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        lower = value.strip().lower()
        if lower in {"", "n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
        if lower in {"y", "yes", "t", "true", "on"}:
            return True
    return bool(value)


def _to_str(value: Any) -> str:
    """copier's `cast_to_str`: text, numbers and bytes only."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.decode()
    if isinstance(value, (int, float)):
        return str(value)
    raise ValueError(f"Could not convert {value} to string")


def _yaml(value: Any) -> Any:
    return yaml.safe_load(value)


# copier's CAST_STR_TO_NATIVE: each question type and how an answer becomes one.
_CASTS: dict[str, Any] = {
    "bool": _to_bool,
    "float": float,
    "int": int,
    "json": json.loads,
    "str": _to_str,
    "yaml": _yaml,
    "path": str,
}


class _Question:
    """One copier.yml question against the answers before it (copier's `Question`, the parts ndw uses)."""

    def __init__(
        self, name: str, details: Mapping[str, Any], env: SandboxedEnvironment, context: dict[str, Any]
    ):
        self.var_name, self.details, self.env, self.context = name, details, env, context
        self._choices: tuple[_RenderedChoice, ...] | None = None

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """A string rendered as Jinja (a list item by item); anything else as it is."""
        if isinstance(value, str):
            if is_plain_text(self.env, value):
                return value  # what Jinja would return, without building a render context
            return self.env.from_string(value).render({**self.context, **(extra or {})})
        if isinstance(value, list):
            return [self.render(item, extra) for item in value]
        return value

    def when(self) -> bool:
        """Whether the question applies."""
        return _to_bool(self.render(self.details.get("when", True)))

    def type_name(self) -> str:
        """The question's type (from the default's Python type when not written, as copier does)."""
        written = self.details.get("type", "")
        if written == "":
            default_type = type(self.details.get("default", _MISSING)).__name__
            written = default_type if default_type in _CASTS else "yaml"
        type_name = str(self.render(written))
        if type_name not in _CASTS:
            raise ValueError(f'Unsupported type "{type_name}" in question "{self.var_name}"')
        return type_name

    def cast(self, answer: Any) -> Any:
        """The answer as the question's type (copier's `cast_answer`)."""
        type_name = self.type_name()
        if answer is None and type_name not in {"json", "yaml"}:
            raise TypeError(f"Invalid answer {answer!r} to question {self.var_name!r} of type {type_name!r}")
        try:
            return _CASTS[type_name](answer)
        except (TypeError, AttributeError):
            if type_name in {"json", "yaml"}:
                return answer
            raise

    def choices(self) -> tuple[_RenderedChoice, ...]:
        """The choices, rendered (copier's `_formatted_choices`); each value must cast."""
        if self._choices is not None:
            return self._choices
        choices = self.details.get("choices", [])
        if isinstance(choices, str):
            choices = yaml.safe_load(self.render(choices))
        if isinstance(choices, dict):
            choices = list(choices.items())
        found = []
        for choice in choices:
            label, value = choice if isinstance(choice, (tuple, list)) else (choice, choice)
            disabled = ""
            if isinstance(choice, (tuple, list)) and isinstance(value, dict):
                disabled = str(self.render(value.get("validator", "")))
                value = value["value"]
            rendered = _RenderedChoice(str(self.render(label)), self.render(value), disabled)
            self.cast(rendered.value)
            found.append(rendered)
        self._choices = tuple(found)
        return self._choices

    def parse(self, answer: Any) -> Any:
        """Cast, then check it is one of the enabled choices (copier's `parse_answer`)."""
        value = self.cast(answer)
        choices = self.choices()
        if not choices:
            return value
        if any(value == self.cast(choice.value) for choice in choices if not choice.disabled):
            return value
        raise ValueError(f"Invalid choice for '{self.var_name}': {value!r}")

    def validation_error(self, answer: Any) -> str:
        """The validator's message for ANSWER ('' when valid)."""
        try:
            return str(self.render(self.details.get("validator", ""), {self.var_name: answer})).strip()
        except Exception as error:  # a validator that fails to render is its own message, as in copier
            return str(error)


@cache
def snippet_env(envops: tuple[tuple[str, Any], ...]) -> SandboxedEnvironment:
    """copier's Jinja environment for copier.yml's strings: sandboxed, the template's `_envops`,
    the Ansible filters copier always adds (`regex_search`, ...); each snippet compiled once
    per installation (`wizard.jinja_cache`), then kept for the process."""
    env = SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"], **dict(envops)
    )
    compiled_snippets().install(env)
    cache_from_string(env)
    return env


_TYPE_WORDS = {"int": "expected a whole number", "bool": "expected true or false", "str": "expected text"}


def _parse_and_validate(question: _Question, raw_value: Any, origin: Origin) -> tuple[Any, str | None]:
    """Cast, check the choice and run the validator; return (value, error or None)."""
    if origin == "missing":
        return None, "a value is required"
    type_name = question.type_name()
    if type_name == "int" and isinstance(raw_value, (bool, float)):
        return raw_value, _TYPE_WORDS["int"]
    if (
        type_name == "bool"
        and not isinstance(raw_value, bool)
        and str(raw_value).lower() not in {"true", "false", "yes", "no", "y", "n", "1", "0", "on", "off"}
    ):
        return raw_value, _TYPE_WORDS["bool"]
    if type_name == "str" and isinstance(raw_value, (dict, list)):
        return raw_value, _TYPE_WORDS["str"]
    try:
        value = question.parse(raw_value)
    except ValueError as error:
        if "Invalid choice" in str(error):
            allowed = ", ".join(repr(choice.value) for choice in question.choices())
            return raw_value, f"allowed: {allowed}"
        return raw_value, _TYPE_WORDS.get(type_name, f"expected a value of type {type_name}")
    except Exception:
        return raw_value, _TYPE_WORDS.get(type_name, f"expected a value of type {type_name}")
    message = question.validation_error(value)
    if message:
        return value, " ".join(message.split())
    return value, None
