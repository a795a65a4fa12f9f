"""`ndw detect` output: a valid answers file with a comment on every value's origin."""

from __future__ import annotations

from pathlib import Path

import yaml

from wizard import __version__
from wizard.questions import Resolution


def answers_yaml(resolution: Resolution, root: Path) -> str:
    """Every applicable answer, one per line, commented with where it came from."""
    lines = [
        f"# Answers for ndw {__version__}, detected in {root}.",
        "# Edit and pass to `ndw init --answers FILE`.",
    ]
    group = ""
    for question in resolution.questions:
        if not question.applies or question.origin == "missing":
            continue
        if question.group != group:
            group = question.group
            lines.append(f"\n# {group}")
        rendered = yaml.safe_dump({question.name: question.value}, default_flow_style=False, width=10_000)
        why = {
            "detected": f"from {question.source}",
            "answer": "your answer",
        }.get(question.origin, "template default")
        if question.error:
            why += f"; INVALID: {question.error}"
        lines.append(f"{rendered.rstrip()}  # {why}")
    return "\n".join(lines) + "\n"
