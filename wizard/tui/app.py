"""The Textual app: one main screen; exits with the settled answers, or None on quit."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from wizard.errors import Interrupted
from wizard.interactive import Session, Settled
from wizard.preview import Previewer
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

    def __init__(self, session: Session, previewer: Previewer | None = None) -> None:
        super().__init__()
        self.session = session
        self.previewer = previewer or Previewer()

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.session, self.previewer))
        for warning in self.session.worker.detection.warnings:
            self.notify(warning, title="Detection warning", severity="warning", timeout=12)


def run_app(session: Session) -> Settled:
    """Run the app; quitting writes nothing and ends like Ctrl-C (exit 130)."""
    settled = WizardApp(session).run()
    if settled is None:
        raise Interrupted("quit without writing", hint="Nothing was written.")
    return settled
