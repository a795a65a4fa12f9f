"""`ndw detect` output: a valid answers file with a comment on every value's origin."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from wizard import __version__
from wizard.detect import ServiceCandidate
from wizard.questions import Resolution


def services_listing(services: Sequence[ServiceCandidate], root: Path) -> str:
    """For a repository of several services: each one, and how to detect or scaffold it."""
    lines = [f"# {root} holds {len(services)} services; detect one with `ndw detect --service PATH`:"]
    for service in services:
        uses = f", uses {', '.join(service.shared_names)}" if service.shared_names else ""
        framework = service.framework or "unknown framework"
        lines.append(f"#   {service.path}  {service.name} ({framework}, {service.kind}{uses})")
    lines.append("# Scaffold one with `ndw init --service PATH`, or all with `ndw init --all-services`.")
    return "\n".join(lines) + "\n"


def answers_yaml(resolution: Resolution, root: Path, given: Sequence[str] = ()) -> str:
    """Every applicable answer, one per line, commented with where it came from.

    `given` names answers ndw set itself (`app_dir` for `--service`), shown as detected.
    """
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
        why = {
            "detected": f"from {question.source}",
            "answer": "the service you named" if question.name in given else "your answer",
        }.get(question.origin, "template default")
        if question.error:
            why += f"; INVALID: {question.error}"
        if isinstance(question.value, (list, dict)) and question.value:
            lines.extend(_structured(question.name, question.value, why))
            continue
        rendered = yaml.safe_dump({question.name: question.value}, default_flow_style=False, width=10_000)
        lines.append(f"{rendered.rstrip()}  # {why}")
    return "\n".join(lines) + "\n"


def _flow(value: object) -> str:
    """One YAML value on one line, keys in their own order."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()


def _structured(name: str, value: list[object] | dict[object, object], why: str) -> list[str]:
    """A list or mapping answer (the app's variables, the env mapping) with one entry per line."""
    if isinstance(value, dict):
        return [f"{name}:  # {why}", *(f"  {_flow({key: item})[1:-1]}" for key, item in value.items())]
    return [f"{name}:  # {why}", *(f"  - {_flow(item)}" for item in value)]
