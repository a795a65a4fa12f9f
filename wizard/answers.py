"""Answers given by the user: an answers file and --set overrides."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from wizard.errors import AnswersFileError, UsageError


def load_answers_file(path: Path) -> dict[str, Any]:
    """Read a YAML answers file; copier's own `_`-keys (`_src_path`, `_commit`) are skipped."""
    data = read_answers_mapping(path)
    return {key: value for key, value in data.items() if not key.startswith("_")}


def read_answers_mapping(path: Path, hint: str = "Nothing was written.") -> dict[str, Any]:
    """An answers file as a mapping (with `_`-keys); AnswersFileError says which line is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        cause = getattr(error, "strerror", None) or str(error)
        raise AnswersFileError(f"cannot read answers file {path}: {cause}", hint) from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise AnswersFileError(f"answers file {path} is not valid YAML{where}: {problem}", hint) from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AnswersFileError(
            f"answers file {path} must be a mapping of question: answer, not a {type(data).__name__}", hint
        )
    return {str(key): value for key, value in data.items()}


def parse_set_options(items: Iterable[str]) -> dict[str, Any]:
    """Parse repeated `--set KEY=VALUE`; values are YAML scalars (3000 is a number, true a bool)."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--set {item!r}: expected KEY=VALUE, for example --set port=8080")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        if isinstance(value, (dict, list)):
            value = raw
        result[key] = value
    return result
