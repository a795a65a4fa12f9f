"""Ask before replacing files that exist and differ from what would be written."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.disk.plan import Plan


class ConfirmReplace(ModalScreen[bool]):
    """The files to be replaced and their diff; dismisses with True to replace them."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Back"),
        Binding("y", "replace", "Replace"),
        Binding("n", "cancel", "Don't replace"),
    ]

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        listing = "\n".join(f"  {change.path}" for change in self.plan.replaced)
        theme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
        with Vertical(id="dialog"):
            yield Static(
                f"[b]These files exist and differ from what ndw would write:[/b]\n{listing}",
                id="question",
            )
            with VerticalScroll(id="diff"):
                diff = "".join(change.diff() for change in self.plan.replaced)
                yield Static(Syntax(diff, "diff", theme=theme, background_color="default"))
            with Horizontal(id="buttons"):
                yield Button("Replace them (y)", variant="warning", id="replace")
                yield Button("Go back (n)", variant="primary", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "replace")

    def action_replace(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
