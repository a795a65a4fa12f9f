"""The service picker: a small full-screen list shown before the form when a repository
holds several services. Exits with the chosen services, or None on quit."""

from __future__ import annotations

import os
from itertools import zip_longest
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from wizard.detect.services import ServiceCandidate
from wizard.errors import Interrupted
from wizard.service_choices import ALL, all_label, describe, in_path_order
from wizard.tui.app import terminal_theme


def service_row(candidate: ServiceCandidate, path_width: int) -> Table:
    """Path, then name over framework · kind · shared packages (wrapped under the name)."""
    row = Table.grid(padding=(0, 2))
    row.add_column(width=path_width, no_wrap=True)
    row.add_column(ratio=1)
    details = Text.assemble(candidate.name, "\n", (describe(candidate, " · "), "dim"))
    row.add_row(Text(candidate.path, "bold"), details)
    return row


def evidence_text(candidate: ServiceCandidate | None, count: int) -> Text | Table:
    """Why ndw thinks the highlighted row is a service (or what "all" does)."""
    if candidate is None:
        return Text.assemble(
            ("All services: ", "bold"),
            f"the {count} services are scaffolded with their detected answers (no questions), "
            "each in its own folder; a compose.yaml at the root includes them all.",
        )
    facts = Table.grid(padding=(0, 1))
    facts.add_column(no_wrap=True, style="bold")
    facts.add_column(ratio=1)
    facts.add_row("Why a service:", candidate.evidence or "(no evidence recorded)")
    facts.add_row("Lockfile:", candidate.lockfile or "none")
    if candidate.shared:
        shared = ", ".join(
            f"{folder} ({name})" if name else folder
            for folder, name in zip_longest(candidate.shared, candidate.shared_names, fillvalue="")
        )
        facts.add_row("Needs in image:", shared)
    if candidate.entry:
        facts.add_row("Entry:", candidate.entry)
    return facts


class ServicePicker(App[list[ServiceCandidate]]):
    """Which service of a monorepo `ndw init` should containerize."""

    CSS_PATH = "picker.tcss"
    TITLE = "ndw"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [  # noqa: RUF012 (Textual's declared class attribute)
        Binding("enter", "pick", "Pick", priority=True),
        Binding("a", "pick_all", "All services", priority=True),
        Binding("q", "quit", "Quit"),
        Binding("escape", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, candidates: list[ServiceCandidate], root: Path | None = None) -> None:
        super().__init__()
        self.services = in_path_order(candidates)
        self.root = root

    def compose(self) -> ComposeResult:
        where = f" · {self.root.resolve()}" if self.root is not None else ""
        yield Static(Text.assemble(("Which service?", "bold"), where), id="title")
        yield Static(
            f"{len(self.services)} services found. Containerize one now, or all of them.",
            id="intro",
        )
        width = max(len(s.path) for s in self.services)
        options: list[Option | None] = [Option(service_row(s, width), id=s.path) for s in self.services]
        options += [None, Option(Text(all_label(len(self.services)), "bold"), id=ALL)]
        yield OptionList(*options, id="services")
        yield Static(id="evidence")
        yield Footer()

    def on_mount(self) -> None:
        self.theme = terminal_theme(os.environ)
        services = self.query_one(OptionList)
        services.highlighted = 0
        services.focus()

    def highlighted_service(self) -> ServiceCandidate | None:
        """The service under the cursor; None on the "All N services" row."""
        index = self.query_one(OptionList).highlighted
        return self.services[index] if index is not None and index < len(self.services) else None

    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self.query_one("#evidence", Static).update(
            evidence_text(self.highlighted_service(), len(self.services))
        )

    def action_pick(self) -> None:
        """Enter: the highlighted service, or every one on the last row."""
        chosen = self.highlighted_service()
        self.exit([chosen] if chosen is not None else list(self.services))

    def action_pick_all(self) -> None:
        """`a`: every service."""
        self.exit(list(self.services))

    async def action_quit(self) -> None:
        """q, Escape, Ctrl-C: leave without choosing."""
        self.exit(None)


def run_picker(candidates: list[ServiceCandidate], root: Path | None = None) -> list[ServiceCandidate]:
    """Run the picker; quitting ends like Ctrl-C (exit 130), nothing written."""
    chosen = ServicePicker(candidates, root).run()
    if chosen is None:
        raise Interrupted("quit without choosing a service", hint="Nothing was written.")
    return chosen
