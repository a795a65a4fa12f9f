"""Which service to containerize, when a repository holds several (issue #7).

`ndw init` without `--service` / `--all-services` asks here first: a full-screen list
(wizard/tui/picker.py), or a questionary `select` in plain mode or a terminal too small
for the app. Ctrl-C, Escape or `q` writes nothing and ends like every other prompt
(`Interrupted`, exit 130). Textual and questionary are imported only when asking starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.errors import Interrupted

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from wizard.detect.services import ServiceCandidate

KIND_WORDS = {
    "workspace": "workspace package",
    "independent": "own lockfile",
    "nest-app": "Nest monorepo app",
}
ALL = "__all__"


def kind_words(candidate: ServiceCandidate) -> str:
    """How the service was found, in a few words."""
    if candidate.kind == "independent" and candidate.lockfile is None:
        return "own package.json, no lockfile"
    return KIND_WORDS.get(candidate.kind, candidate.kind)


def describe(candidate: ServiceCandidate, separator: str = ", ") -> str:
    """Framework, how it was found and the shared packages it uses, for one service."""
    parts = [candidate.framework or "unknown framework", kind_words(candidate)]
    if candidate.shared_names:
        parts.append("uses " + ", ".join(candidate.shared_names))
    return separator.join(parts)


def all_label(count: int) -> str:
    """The last choice: every service at once."""
    return f"All {count} services"


def in_path_order(candidates: Sequence[ServiceCandidate]) -> list[ServiceCandidate]:
    """Services sorted by folder, the repository root ('.') first."""
    return sorted(candidates, key=lambda c: (c.path != ".", c.path))


def pick_services(
    candidates: Sequence[ServiceCandidate],
    *,
    plain: bool,
    root: Path | None = None,
    input: Input | None = None,
    output: Output | None = None,
) -> list[ServiceCandidate]:
    """Ask which service to scaffold; one service, or all of them, in path order.

    `root` (the repository) is shown in the full-screen title. `input`/`output` are for
    driving the plain prompt from tests. With fewer than two candidates nothing is asked.
    """
    services = in_path_order(candidates)
    if len(services) < 2:
        return services
    from wizard.interactive import can_run_full_screen  # noqa: PLC0415

    if plain or not can_run_full_screen():
        return _ask_plain(services, input=input, output=output)
    from wizard.tui.picker import run_picker  # noqa: PLC0415

    return run_picker(services, root)


def plain_choices(services: Sequence[ServiceCandidate]) -> list[tuple[str, str]]:
    """(title, value) for each questionary choice: aligned columns, then "All N services"."""
    path_width = max(len(s.path) for s in services)
    name_width = max(len(s.name) for s in services)
    rows = [(f"{s.path:<{path_width}}  {s.name:<{name_width}}  ({describe(s)})", s.path) for s in services]
    return [*rows, (all_label(len(services)), ALL)]


def _ask_plain(
    services: list[ServiceCandidate], *, input: Input | None, output: Output | None
) -> list[ServiceCandidate]:
    import questionary  # noqa: PLC0415

    io: dict[str, Any] = {"input": input, "output": output} if input is not None else {}
    why: dict[str, str | None] = {s.path: s.evidence or None for s in services}
    why[ALL] = "each with its detected answers, without questions"
    choices = [
        questionary.Choice(title=title, value=value, description=why.get(value))
        for title, value in plain_choices(services)
    ]
    message = f"{len(services)} services found here. Which one should ndw containerize?"
    try:
        answer = questionary.select(message, choices=choices, **io).unsafe_ask()
    except (KeyboardInterrupt, EOFError) as stop:
        raise Interrupted("interrupted", hint="Nothing was written.") from stop
    if answer == ALL:
        return services
    return [s for s in services if s.path == answer]
