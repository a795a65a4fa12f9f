"""Save the current answers to a YAML file (the shape `ndw detect` prints)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from wizard.detect_output import answers_yaml
from wizard.session import Session

DEFAULT_NAME = "ndw-answers.yml"


class SaveAnswers(ModalScreen[Path | None]):
    """Ask for a file name (relative to the repository) and write the answers there."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]  # noqa: RUF012

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("[b]Save the answers to[/b] (relative to the repository; Enter saves, Esc cancels)")
            yield Input(DEFAULT_NAME, id="save-path")
            yield Static("", id="save-error", classes="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        error = self.query_one("#save-error", Static)
        if not text:
            error.update("✗ type a file name")
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.session.worker.target / path
        try:
            path.write_text(
                answers_yaml(self.session.resolution, self.session.worker.target.resolve()), encoding="utf-8"
            )
        except OSError as problem:
            error.update(f"✗ cannot write {path}: {problem.strerror or problem}")
            return
        self.app.notify(f"Saved the answers to {path}")
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
