"""Interactive front ends: the Textual app, or questionary prompts in plain mode.

Both edit a `wizard.session.Session`. Textual and questionary are imported only when
asking starts; the front ends import the session types, never this module.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wizard.console import print_note
from wizard.session import Session, Settled

if TYPE_CHECKING:
    from wizard.worker import Worker

# Smaller than this, the full-screen app cannot show a form beside a preview.
MIN_COLUMNS = 60
MIN_LINES = 16


def why_not_full_screen(environ: Mapping[str, str] | None = None) -> str | None:
    """Why the terminal cannot host the full-screen app (no real TERM, too small), or None."""
    environ = os.environ if environ is None else environ
    term = environ.get("TERM", "")
    if term in {"", "dumb"}:
        return f"TERM is {term or 'not set'}, so the full-screen wizard cannot draw"
    size = shutil.get_terminal_size(fallback=(0, 0))
    if size.columns < MIN_COLUMNS or size.lines < MIN_LINES:
        return (
            f"the terminal is {size.columns}x{size.lines}; the full-screen wizard needs at least "
            f"{MIN_COLUMNS}x{MIN_LINES} (columns x lines) to show the form beside the preview"
        )
    return None


def can_run_full_screen(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal can host the full-screen app (a real TERM, big enough)."""
    return why_not_full_screen(environ) is None


def ask(worker: Worker, given: dict[str, Any], *, plain: bool) -> Settled:
    """Ask for the answers in a terminal: the Textual app, or prompts when plain or unable."""
    session = Session(worker, dict(given))
    refusal = None if plain else why_not_full_screen()
    if plain or refusal:
        from wizard.prompts import ask_plain  # noqa: PLC0415

        if refusal:
            print_note(f"{refusal}: asking with plain prompts instead (--plain skips this check).")

        return ask_plain(session)
    from wizard.tui.app import run_app  # noqa: PLC0415

    return run_app(session)
