"""What `ndw verify` shows while it works: each step's name, and the build log's live tail.

Only for people: with `--format json` or when stderr is not a terminal, nothing is shown (CI
logs get the report, not a redrawn panel). The tail is transient: it collapses once the build ends.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live
    from rich.panel import Panel

TAIL_LINES = 8
BUILD_STEPS = ("build", "rebuild")


class Progress:
    """Step names on stderr, and during a build a panel with its last TAIL_LINES lines."""

    def __init__(self, console: Console | None, lines: int = TAIL_LINES) -> None:
        self.console = console  # None: show nothing
        self.lines: deque[str] = deque(maxlen=lines)
        self.live: Live | None = None
        self.current = ""

    @property
    def shown(self) -> bool:
        """Whether anything is shown at all."""
        return self.console is not None

    def step(self, name: str) -> None:
        """A step starts: close the last build's tail, name the step, open a tail for a build."""
        self.close()
        if self.console is None:
            return
        self.current = name
        self.console.print(f"[dim]ndw verify:[/] {name}...", highlight=False)
        if name in BUILD_STEPS:
            from rich.live import Live  # noqa: PLC0415

            self.lines.clear()
            self.live = Live(self._panel(), console=self.console, transient=True, refresh_per_second=4)
            self.live.start()

    def line(self, text: str) -> None:
        """One line of build output."""
        if self.live is None:
            return
        self.lines.append(text.expandtabs())
        self.live.update(self._panel())

    def close(self) -> None:
        """Collapse the tail (the build ended, failed or was interrupted)."""
        if self.live is not None:
            self.live.stop()
            self.live = None

    def _panel(self) -> Panel:
        from rich.panel import Panel  # noqa: PLC0415
        from rich.text import Text  # noqa: PLC0415

        body = Text("\n".join(self.lines) or "waiting for the build's output...", style="dim", no_wrap=True)
        return Panel(body, title=f"{self.current}: last {self.lines.maxlen} lines", title_align="left")


def progress_for(output_format: str, console: Console | None = None) -> Progress:
    """A Progress that shows on stderr only for text output on a terminal."""
    if output_format != "text":
        return Progress(None)
    if console is None:
        from rich.console import Console  # noqa: PLC0415

        console = Console(stderr=True)
    return Progress(console if console.is_terminal else None)
