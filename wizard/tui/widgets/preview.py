"""The live preview: one tab per rendered file, highlighted, or its diff against the disk."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical
from textual.widgets import Static, Tab, Tabs

from wizard.plan import Status
from wizard.preview import PreviewFile

# Tab order and short labels; other files follow in path order, the answers file last.
PREFERRED = {
    "Dockerfile": "Dockerfile",
    "compose.yaml": "compose.yaml",
    "docker-entrypoint.sh": "entrypoint",
    "docker-entrypoint.mjs": "entrypoint",
    ".dockerignore": ".dockerignore",
    "Dockerfile.dockerignore": ".dockerignore",
    "DOCKER.md": "DOCKER.md",
}
LAST = ".copier-answers.yml"

STATUS_WORDS = {
    Status.NEW: "new file",
    Status.SAME: "same as on disk",
    Status.REPLACE: "differs from the file on disk",
}


def tab_order(paths: list[str]) -> list[str]:
    """Preferred files first, then the rest in path order, the answers file last."""
    first = [path for path in PREFERRED if path in paths]
    rest = sorted(path for path in paths if path not in PREFERRED and path != LAST)
    return first + rest + ([LAST] if LAST in paths else [])


class PreviewPane(Vertical):
    """Tabs of file names above the content of the chosen file."""

    def __init__(self, target: Path, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.target = target
        self.files: dict[str, PreviewFile] = {}
        self.paths: list[str] = []
        self.current = ""
        self.diff_mode = False
        self.note = ""

    def compose(self) -> ComposeResult:
        yield Tabs(id="files")
        yield Static("", id="file-status")
        with ScrollableContainer(id="code-scroll"):
            yield Static("", id="code")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_content())

    async def show_files(self, files: dict[str, PreviewFile], note: str = "") -> None:
        """Show a new rendering; keeps the chosen tab when the file still exists."""
        self.files = files
        self.note = note
        paths = tab_order(list(files))
        if paths != self.paths:
            self.paths = paths
            tabs = self.query_one(Tabs)
            await tabs.clear()
            for index, path in enumerate(paths):
                await tabs.add_tab(Tab(PREFERRED.get(path, path), id=f"file-{index}"))
            if self.current in paths:
                tabs.active = f"file-{paths.index(self.current)}"
            elif paths:
                self.current = paths[0]
                tabs.active = "file-0"
        self.refresh_content()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab.id is None:
            return
        index = int(event.tab.id.removeprefix("file-"))
        if index < len(self.paths) and self.paths[index] != self.current:
            self.current = self.paths[index]
            self.refresh_content()
            self.query_one("#code-scroll").scroll_home(animate=False)

    def next_file(self) -> None:
        """Show the next file's tab (wrapping)."""
        self.query_one(Tabs).action_next_tab()

    def toggle_diff(self) -> None:
        """Switch between the rendered file and its diff against the disk."""
        self.diff_mode = not self.diff_mode
        self.refresh_content()

    def refresh_content(self) -> None:
        """Redraw the chosen file (or its diff) in the current theme's colours."""
        file = self.files.get(self.current)
        status = self.query_one("#file-status", Static)
        code = self.query_one("#code", Static)
        if file is None:
            status.update(self.note or "nothing to show")
            code.update("")
            return
        change = file.compare(self.target)
        words = STATUS_WORDS[change.status]
        mode = "diff against disk" if self.diff_mode else "preview"
        status.update(f"{file.path} · {words} · {mode}" + (f"\n{self.note}" if self.note else ""))
        status.set_class(bool(self.note), "stale")
        if self.diff_mode:
            text = change.diff() or f"{file.path} is the same as on disk: nothing would change.\n"
            lexer = "diff"
        else:
            text = file.text
            lexer = Syntax.guess_lexer(file.path, text)
        theme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
        background = code.background_colors[1].hex
        code.update(Syntax(text, lexer, theme=theme, background_color=background, word_wrap=False))
