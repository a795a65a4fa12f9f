"""Generate docs/answers.md from copier.yml, so the reference never drifts from the questions.

Run `python -m wizard.docs` to rewrite it; tests/test_docs.py fails when it is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from wizard.template import question_groups, template_config

HEADER = """\
# Answers reference

<!-- Generated from scaffolds/node-service/copier.yml by `python -m wizard.docs`. Do not edit. -->

Every question `ndw` asks, in the order it asks them. The same keys go in an answers file
(`ndw init --answers FILE`), in `--set KEY=VALUE`, and in the `.copier-answers.yml` a
scaffold keeps. `ndw detect` prints a complete answers file for your repository, with a
comment on where each value came from.

A question with a condition is only asked (and only accepted) when the condition holds.
Defaults written as `{{ ... }}` are computed from earlier answers.
"""


def _code(value: Any) -> str:
    text = str(value).strip()
    if isinstance(value, bool):
        text = "true" if value else "false"
    if text == "":
        return "*(empty)*"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def _choices(details: dict[str, Any]) -> str:
    choices = details.get("choices")
    if not choices:
        return ""
    if isinstance(choices, dict):
        return "<br>".join(f"{_code(value)}: {label}" for label, value in choices.items())
    return ", ".join(_code(choice) for choice in choices)


def _validator_rule(details: dict[str, Any]) -> str:
    """The validator's own messages, without its Jinja logic: what a valid answer must be."""
    validator = str(details.get("validator", ""))
    messages = [" ".join(chunk.split()) for chunk in re.split(r"{%.*?%}", validator, flags=re.DOTALL)]
    return "; ".join(message for message in messages if message).replace("|", "\\|")


def render_answers_reference() -> str:
    """The whole Markdown page."""
    config = template_config()
    parts = [HEADER]
    for group, names in question_groups().items():
        parts.append(f"\n## {group}\n")
        parts.append("| Key | Type | Default | Allowed | Asked when | Description |")
        parts.append("| --- | --- | --- | --- | --- | --- |")
        for name in names:
            details = config[name] if isinstance(config[name], dict) else {"default": config[name]}
            default = details.get("default", "")
            when = details.get("when", "")
            row = [
                f"`{name}`",
                str(details.get("type", "str")),
                _code(default) if "default" in details else "*(required)*",
                "<br>".join(filter(None, [_choices(details), _validator_rule(details)])) or "any",
                _code(when) if when not in ("", True) else "always",
                str(details.get("help", "")).replace("|", "\\|"),
            ]
            parts.append("| " + " | ".join(row) + " |")
    return "\n".join(parts) + "\n"


def main() -> int:
    """Write docs/answers.md next to the template's repository checkout."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/answers.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_answers_reference(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
