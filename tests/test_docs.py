"""docs/answers.md is generated from copier.yml and must not go stale."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from wizard.docs import render_answers_reference
from wizard.template import computed_values, template_config


def test_answers_reference_is_current() -> None:
    committed = (REPO_ROOT / "docs" / "answers.md").read_text(encoding="utf-8")
    assert committed == render_answers_reference(), "docs/answers.md is stale: run `python -m wizard.docs`"


def test_answers_reference_documents_every_question() -> None:
    page = render_answers_reference()
    derived = computed_values()
    for name in (key for key in template_config() if not key.startswith("_") and key not in derived):
        assert f"| `{name}` |" in page
