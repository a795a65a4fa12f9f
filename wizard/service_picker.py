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
from wizard.service_choices import ALL, in_path_order, plain_choices

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from wizard.detect.services import ServiceCandidate


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
