"""Interactive front ends: the Textual app, or questionary prompts in plain mode.

Both edit a `wizard.session.Session`. Textual and questionary are imported only when
asking starts; the front ends import the session types, never this module.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wizard.session import Session, Settled

if TYPE_CHECKING:
    from wizard.worker import Worker

# Smaller than this, the full-screen app cannot show a form beside a preview.
MIN_COLUMNS = 60
MIN_LINES = 16


def can_run_full_screen(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal can host the full-screen app (a real TERM, big enough)."""
    environ = os.environ if environ is None else environ
    if environ.get("TERM", "") in {"", "dumb"}:
        return False
    size = shutil.get_terminal_size(fallback=(0, 0))
    return size.columns >= MIN_COLUMNS and size.lines >= MIN_LINES


def ask(worker: Worker, given: dict[str, Any], *, plain: bool) -> Settled:
    """Ask for the answers in a terminal: the Textual app, or prompts when plain or unable."""
    session = Session(worker, dict(given))
    if plain or not can_run_full_screen():
        from wizard.prompts import ask_plain  # noqa: PLC0415

        return ask_plain(session)
    from wizard.tui.app import run_app  # noqa: PLC0415

    return run_app(session)
