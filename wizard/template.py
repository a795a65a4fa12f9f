"""Where the node-service template lives, and what it says about itself."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from wizard.errors import TemplateError

if TYPE_CHECKING:
    from wizard.template_repo import TemplateRepo

TEMPLATE_NAME = "node-service"
# libyaml's safe loader when PyYAML has it: copier.yml is read on every run, 20x faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def template_dir() -> Path:
    """The template folder: inside the installed package, else the source checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "scaffolds" / TEMPLATE_NAME, package.parent / "scaffolds" / TEMPLATE_NAME):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise TemplateError(f"the {TEMPLATE_NAME} template is missing from this installation")


@cache
def current_template() -> TemplateRepo:
    """The local template history, with the shipped template as its newest version."""
    from wizard import __version__  # noqa: PLC0415
    from wizard.template_repo import local_repo  # noqa: PLC0415

    return local_repo(template_dir(), __version__)


def template_config() -> dict[str, Any]:
    """The shipped copier.yml as plain YAML (settings and questions)."""
    return read_config(template_dir() / "copier.yml")


@cache
def read_config(path: Path) -> dict[str, Any]:
    """A copier.yml as plain YAML: the one reader of the questions (`wizard.questions`) and the
    settings ndw adds (`_ndw_groups`, ...). ndw's copier.yml uses no `!include`."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise TemplateError(f"cannot read {path}: {error}") from error
    if not isinstance(data, dict):
        raise TemplateError(f"{path} is not a mapping")
    return data


def computed_values() -> list[str]:
    """copier.yml's derived values (`when: false`): never asked or saved, so no front end shows them."""
    return [
        str(name)
        for name, details in template_config().items()
        if not str(name).startswith("_") and isinstance(details, dict) and details.get("when") is False
    ]


def question_groups() -> dict[str, list[str]]:
    """Group title -> question names, in the order the front ends show them."""
    groups = template_config().get("_ndw_groups", {})
    return {str(title): [str(name) for name in names] for title, names in groups.items()}


def seed_patterns() -> list[str]:
    """copier's `_skip_if_exists`: files written once and then left to the user."""
    return [str(pattern) for pattern in template_config().get("_skip_if_exists", [])]
