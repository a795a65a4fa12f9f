"""The live preview: one tab per file of the plan, highlighted, or its diff against the disk.

It shows the same plan that writing applies (`wizard.disk.changes.compare`): kept seeds,
an extended `.env.example`, the root compose.yaml's include for a service in a subfolder.
"""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical
from textual.widgets import Static, Tab, Tabs

from wizard.disk.env_block import added_keys
from wizard.disk.plan import FileChange, Status
from wizard.tui.widgets.text import set_text

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
WARNINGS = "⚠ warnings"  # the detection warnings' tab (no file has this path)
WARNINGS_TAB_ID = "detection-warnings"


def tab_order(paths: list[str]) -> list[str]:
    """Preferred files first, then the rest in path order, the answers file last."""
    first = [path for path in PREFERRED if path in paths]
    rest = sorted(path for path in paths if path not in PREFERRED and path != LAST)
    return first + rest + ([LAST] if LAST in paths else [])


def warnings_label(count: int) -> str:
    """The warnings tab's label: how many there are."""
    return f"⚠ {count} warning{'s' if count != 1 else ''}"


class PreviewPane(Vertical):
    """Tabs of file names above the content of the chosen file.

    Detection warnings, if any, get the first tab and are shown first: they stay
    reachable (Ctrl-T cycles through every tab) instead of covering the preview.
    """

    def __init__(self, target: Path, *, warnings: list[str] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.target = target
        self.warnings = list(warnings or [])
        self.files: dict[str, FileChange] = {}
        self.paths: list[str] = []
        self.current = WARNINGS if self.warnings else ""
        self.diff_mode = False
        self.note = ""
        self._ids: dict[str, str] = {WARNINGS: WARNINGS_TAB_ID}
        self._code_shown: tuple[str, str, str, str] | None = None  # what #code shows (see _show_code)

    def compose(self) -> ComposeResult:
        first = [Tab(warnings_label(len(self.warnings)), id=WARNINGS_TAB_ID)] if self.warnings else []
        yield Tabs(*first, id="files")
        yield Static("", id="file-status")
        with ScrollableContainer(id="code-scroll"):
            yield Static("", id="code")
            yield Static(self._warnings_text(), id="warnings-list")

    def _warnings_text(self) -> Text:
        text = Text()
        for number, warning in enumerate(self.warnings, 1):
            text.append(f"{number}. ", style="bold")
            text.append(warning + "\n\n")
        text.append("ndw detect prints these too. Ctrl-T shows the files.", style="dim")
        return text

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_content())

    async def show_files(self, files: dict[str, FileChange], note: str = "") -> None:
        """Show a new plan (its changes by path); keeps the chosen tab when the file still exists."""
        self.files = files
        self.note = note
        paths = tab_order(list(files))
        if paths != self.paths:
            await self._update_tabs(paths)
        self.refresh_content()

    async def _update_tabs(self, paths: list[str]) -> None:
        """Remove and add only the tabs whose files came or went (each tab keeps its id)."""
        tabs = self.query_one(Tabs)
        for gone in [path for path in self.paths if path not in paths]:
            await tabs.remove_tab(self._tab_id(gone))
        for index, path in enumerate(paths):
            if path in self.paths:
                continue
            if not tabs.is_attached:  # quit while the tabs were being changed: nothing left to show
                return
            tab = Tab(PREFERRED.get(path, path), id=self._tab_id(path))
            if index:  # tabs before this one are in place already
                await tabs.add_tab(tab, after=self._tab_id(paths[index - 1]))
            else:
                following = next((p for p in paths[1:] if p in self.paths), None)
                await tabs.add_tab(tab, before=self._tab_id(following) if following else None)
        self.paths = paths
        if self.current not in paths and self.current != WARNINGS:
            self.current = paths[0] if paths else ""
        if self.current:
            tabs.active = self._tab_id(self.current)

    def _position(self) -> str:
        """Which tab of how many, so tabs scrolled out of a narrow pane are known to exist."""
        tabs = ([WARNINGS] if self.warnings else []) + self.paths
        where = tabs.index(self.current) + 1 if self.current in tabs else 0
        return f"{where}/{len(tabs)}"

    def _tab_id(self, path: str) -> str:
        """A stable widget id for a file path."""
        if path not in self._ids:
            self._ids[path] = f"file-{len(self._ids)}"
        return self._ids[path]

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab.id is None:
            return
        path = next((p for p, tab_id in self._ids.items() if tab_id == event.tab.id), None)
        if path is not None and (path in self.paths or path == WARNINGS) and path != self.current:
            self.current = path
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
        change = self.files.get(self.current)
        status = self.query_one("#file-status", Static)
        code = self.query_one("#code", Static)
        showing_warnings = self.current == WARNINGS
        self.query_one("#warnings-list").display = showing_warnings
        code.display = not showing_warnings
        if showing_warnings:
            set_text(status, f"{self._position()} · detection warnings")
            status.set_class(False, "stale")
            return
        if change is None:
            set_text(status, self.note or "nothing to show")
            self._show_code(code, None)
            return
        words = change.status.description
        missing, added = change.missing_env_keys, added_keys(change)
        if missing:
            words += f" (it lacks {', '.join(missing)})"
        if added:
            words += f" (adds {', '.join(added)})"
        mode = "diff against disk" if self.diff_mode else "preview"
        set_text(
            status,
            f"{self._position()} · {change.path} · {words} · {mode}"
            + (f"\n{self.note}" if self.note else ""),
        )
        status.set_class(bool(self.note), "stale")
        if self.diff_mode and change.status is Status.KEEP:
            text = (
                f"# {change.path} is yours and stays as it is. The scaffold's version differs:\n"
                + change.content_diff()
            )
            lexer = "diff"
        elif self.diff_mode:
            text = change.diff() or f"{change.path} is the same as on disk: nothing would change.\n"
            lexer = "diff"
        else:
            text = change.rendered.decode("utf-8", errors="replace")
            lexer = Syntax.guess_lexer(change.path, text)
        theme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
        background = code.background_colors[1].hex
        self._show_code(code, (text, lexer, theme, background))

    def _show_code(self, code: Static, shown: tuple[str, str, str, str] | None) -> None:
        """Show highlighted text (text, lexer, theme, background), or nothing; only if it changed
        (a new render of the same plan leaves the code as it is: no re-highlighting, no layout)."""
        if shown == self._code_shown:
            return
        self._code_shown = shown
        if shown is None:
            code.update("")
            return
        text, lexer, theme, background = shown
        code.update(Syntax(text, lexer, theme=theme, background_color=background, word_wrap=False))
