"""Every private copier name ndw uses, in one place.

copier's public API (`run_copy`, `run_update`, `Settings`) renders into a folder and has
no question loader. ndw needs two more things: render the scaffold in memory (to compare
it with the disk before writing anything) and hand copier a repaired merge base on update.
(copier.yml's questions are evaluated without copier, in `wizard.questions`.) Each private
name those need is listed in `PRIVATE` and reached only through the accessors below;
tests/test_engine.py imports every one and checks the shapes ndw relies on, so a copier
upgrade that removes or changes one fails there, loudly, before any user sees it.
pyproject.toml pins copier to one minor version.
"""

from __future__ import annotations

import importlib
from typing import Any

# (module, attribute, what ndw uses it for)
PRIVATE: tuple[tuple[str, str, str], ...] = (
    ("copier._main", "Worker", "one render; `_render_allowed` captures each file instead of writing it"),
    ("copier._main", "Worker._render_allowed", "overridden: receives every file's bytes and mode"),
    ("copier._main", "Worker._ask", "overridden: the answers recorded in one pass (wizard.questions)"),
    ("copier._main", "Worker._render_context", "overridden: kept until an answer changes"),
    ("copier._user_data", "AnswersMap", "Worker.answers: made by `_ask`; its parts show an answer changed"),
    ("copier._main", "Worker.template", "cached property, set to the template loaded once"),
    ("copier._main", "Worker.jinja_env", "cached property, set to the Jinja environment built once"),
    ("copier._main", "Worker.subproject", "update: the subproject whose last answers are repaired"),
    ("copier._subproject", "Subproject.last_answers", "cached property: merge base answers (update)"),
    ("copier._template", "Template", "copier.yml loaded once: questions_data, config_data, skip_if_exists"),
    ("copier._template", "Template._cleanup", "removes the template's temporary clone"),
    ("copier._settings", "SettingsModel", "empty settings: the user's copier settings file is ignored"),
)


def private(module: str, attribute: str) -> Any:
    """The object `module.attribute` (dotted attribute), which must be listed in `PRIVATE`."""
    if (module, attribute) not in {(m, a) for m, a, _ in PRIVATE}:
        raise LookupError(f"{module}.{attribute} is not listed in wizard.engine.copier_private.PRIVATE")
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def worker_class() -> Any:
    """copier's Worker (one copy, update or recopy)."""
    return private("copier._main", "Worker")


def template_class() -> Any:
    """copier's Template (a loaded copier.yml and its files)."""
    return private("copier._template", "Template")


def no_user_settings() -> Any:
    """copier settings that ignore the user's own copier settings file (`SettingsModel()`)."""
    return private("copier._settings", "SettingsModel")()


def set_cached(instance: Any, name: str, value: Any) -> None:
    """Set one of copier's cached properties (`Worker.template`, `Worker.jinja_env`, ...)."""
    instance.__dict__[name] = value


def cleanup_template(template: Any) -> None:
    """Remove a Template's temporary clone (`Template._cleanup`)."""
    template._cleanup()


def answers_map_class() -> Any:
    """copier's AnswersMap (a Worker's answers: given, recorded, hidden)."""
    return private("copier._user_data", "AnswersMap")
