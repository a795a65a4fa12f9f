"""The Textual app: one main screen; exits with the settled answers, or None on quit."""

from __future__ import annotations

import os
from collections.abc import Mapping

from textual.app import App
from textual.binding import Binding

from wizard.engine.render import Renderer, renderer
from wizard.errors import Interrupted
from wizard.session import Session, Settled
from wizard.tui.screens.main import MainScreen


class WizardApp(App[Settled]):
    """`ndw init` in a terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "ndw"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, session: Session, renderer: Renderer | None = None) -> None:
        super().__init__()
        self.session = session
        self.renderer = renderer or default_renderer()

    def on_mount(self) -> None:
        self.theme = terminal_theme(os.environ)
        self.push_screen(MainScreen(self.session, self.renderer))


def default_renderer() -> Renderer:
    """The process's renderer of the shipped template."""
    return renderer()


def terminal_theme(environ: Mapping[str, str]) -> str:
    """textual-light on a light terminal, else textual-dark.

    `NDW_THEME` (any Textual theme name) wins; otherwise COLORFGBG, which many terminals
    set to "foreground;background" colour numbers (7 or 15 as background means light).
    """
    if environ.get("NDW_THEME"):
        return environ["NDW_THEME"]
    background = environ.get("COLORFGBG", "").rpartition(";")[2]
    return "textual-light" if background in {"7", "15"} else "textual-dark"


def run_app(session: Session) -> Settled:
    """Run the app; quitting writes nothing and ends like Ctrl-C (exit 130)."""
    settled = WizardApp(session).run()
    if settled is None:
        raise Interrupted("quit without writing", hint="Nothing was written.")
    return settled
