"""The one main screen: the grouped form beside the live preview."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static

from wizard.errors import InvalidAnswer, TemplateError, WizardError
from wizard.session import Session, Settled
from wizard.tui.screens.confirm import ConfirmReplace
from wizard.tui.screens.save import SaveAnswers
from wizard.tui.widgets.config import ConfigSection
from wizard.tui.widgets.field import QuestionField
from wizard.tui.widgets.keys import KeysFooter
from wizard.tui.widgets.preview import PreviewPane, warnings_label
from wizard.tui.widgets.text import set_text

if TYPE_CHECKING:
    from wizard.disk.plan import Plan
    from wizard.engine.render import Renderer


def blocked_text(problems: tuple[InvalidAnswer, ...]) -> str:
    """Why writing is blocked: the first invalid answer in full, and how many others."""
    others = [problem.field for problem in problems[1:]]
    more = f" · also {', '.join(others)}" if others else ""
    return f"✗ Cannot write: {problems[0]}{more}"


def _same(resolved: Any, shown: Any) -> bool:
    """Whether a control's value is the resolved value (inputs hold text)."""
    if isinstance(shown, str) and not isinstance(resolved, str):
        return shown == ("" if resolved is None else str(resolved))
    return bool(resolved == shown)


class PlanReady(Message):
    """A preview render finished (posted from the render thread)."""

    def __init__(self, generation: int, answers: dict[str, Any], plan: Plan | None, error: str) -> None:
        super().__init__()
        self.generation, self.answers, self.plan, self.error = generation, answers, plan, error


class MainScreen(Screen[None]):
    """Questions grouped as in copier.yml's `_ndw_groups`; the preview follows every change."""

    # The footer lists keys in the order the focused widget's bindings meet them: a text
    # box's own ctrl+d comes before its ctrl+w, so Diff is declared first here too, and the
    # footer reads the same on every question (and need not be rebuilt on each Tab).
    BINDINGS = [  # noqa: RUF012 (Textual's declared class attribute)
        Binding("ctrl+d", "toggle_diff", "Diff", priority=True),
        Binding("ctrl+w", "write", "Write", priority=True),
        # While writing is disabled (shown dimmed), the same key says what blocks it.
        Binding("ctrl+w", "write_blocked", show=False),
        Binding("ctrl+t", "next_file", "Next file", priority=True),
        Binding("ctrl+o", "zoom", "Zoom", priority=True),
        Binding("ctrl+s", "save_answers", "Save answers", priority=True),
    ]

    # Textual repaints the whole screen when the focus moves (its `focused` reactive); the
    # widgets that gain and lose the focus repaint themselves, so a Tab need not repaint all.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, session: Session, renderer: Renderer) -> None:
        super().__init__()
        self.session = session
        self.renderer = renderer
        self._form_focus: Widget | None = None
        # The preview renders in a thread, one render at a time; the newest answers win.
        self._generation = 0  # bumped on every change; a render of an older one is dropped
        self._rendering = False
        self._pending = False
        self._plan: tuple[dict[str, Any], Plan] | None = None  # the answers shown, and their plan
        # The form's widgets, kept from compose: a DOM query per change walked every widget.
        self._fields: list[QuestionField] = []
        self._sections: list[ConfigSection] = []

    def compose(self) -> ComposeResult:
        resolution = self.session.resolution
        detected = sum(1 for q in resolution.questions if q.origin == "detected")
        folder = str(self.session.given.get("app_dir") or ".")
        where = self.session.worker.target.resolve().name + ("" if folder == "." else f"/{folder}")
        warnings = self.session.worker.detection_for(self.session.given.get("app_dir")).warnings
        yield Static(
            f"ndw · containerize [b]{escape(where)}[/b] · {detected} answers detected"
            + (f" · {warnings_label(len(warnings))} (first tab)" if warnings else ""),
            id="title",
        )
        with Horizontal(id="body"):
            with VerticalScroll(id="form"):
                group, config_shown = "", False
                for question in resolution.questions:
                    if question.group != group:
                        group = question.group
                        yield Static(group, classes="group", id=self._group_id(group))
                    if question.hidden and not config_shown:
                        config_shown = True  # detection-fed answers share one read-only section
                        self._sections.append(ConfigSection.of(resolution, id="config-section"))
                        yield self._sections[-1]
                    elif not question.hidden:
                        self._fields.append(QuestionField(question))
                        yield self._fields[-1]
            yield PreviewPane(self.session.worker.target, warnings=warnings, id="preview")
        yield Static("", id="status")
        yield KeysFooter()

    def _group_id(self, title: str) -> str:
        """A widget id for a group title (titles may hold any character)."""
        titles = list(dict.fromkeys(q.group for q in self.session.resolution.questions))
        return f"group-{titles.index(title)}"

    async def on_mount(self) -> None:
        await self.refresh_all()
        first = next((f for f in self._fields if f.question.applies), None)
        if first is not None:
            first.control.focus()

    def set_focus(
        self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False
    ) -> None:
        """Focus a widget; a question's control is scrolled into view by its field, whole.

        Textual scrolls the control alone into view first, and the field then scrolls again
        for its label: two scrolls, each repainting the form, for one Tab.
        """
        if widget is not None and any(isinstance(node, QuestionField) for node in widget.ancestors):
            scroll_visible = False
        super().set_focus(widget, scroll_visible=scroll_visible, from_app_focus=from_app_focus)

    # Changes -----------------------------------------------------------------------

    async def on_input_changed(self, event: Input.Changed) -> None:
        await self._changed(event.input.name, event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a text box moves on to the next question, as in a paper form."""
        event.stop()
        self.focus_next()

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            await self._changed(event.select.name, event.value)

    async def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        await self._changed(event.checkbox.name, event.value)

    async def _changed(self, name: str | None, value: Any) -> None:
        if name is None:
            return
        shown = self.session.resolution.by_name()[name]
        if not self.session.is_edited(name) and _same(shown.value, value):
            return  # the control echoing a value it was given, not a person's edit
        self.session.set(name, value)
        await self.refresh_all()

    async def refresh_all(self) -> None:
        """Show the current resolution: fields, groups, status line, preview."""
        resolution = self.session.resolution
        questions = resolution.by_name()
        detected = self.session.worker.detection.values()
        for field in self._fields:
            name = field.question.name
            field.show(questions[name], edited=self.session.is_edited(name), detected=detected.get(name))
        for section in self._sections:
            section.show(resolution)
        for title in {q.group for q in resolution.questions}:
            visible = any(q.applies for q in resolution.questions if q.group == title)
            self.query_one(f"#{self._group_id(title)}").display = visible
        problems = resolution.problems
        status = self.query_one("#status", Static)
        if problems:
            set_text(status, escape(blocked_text(problems)))
        else:
            set_text(status, "✓ All answers valid · Tab: next question · ^w writes the files")
        status.set_class(bool(problems), "invalid")
        await self._refresh_preview(invalid=bool(problems))
        self.refresh_bindings()

    async def _refresh_preview(self, *, invalid: bool) -> None:
        self._generation += 1
        if invalid:
            pane = self.query_one(PreviewPane)
            await pane.show_files(pane.files, note="Preview paused until the answers are valid.")
            return
        if self._rendering:
            self._pending = True  # started when the running render ends, with the answers then
            return
        self._start_render()

    def _start_render(self) -> None:
        """Render the current answers off the UI loop (a Textual thread worker)."""
        self._rendering, self._pending = True, False
        generation, answers = self._generation, dict(self.session.resolution.answers)
        self.run_worker(
            lambda: self._plan_in_thread(generation, answers),
            thread=True,
            group="preview",
            exit_on_error=False,
        )

    def _plan_in_thread(self, generation: int, answers: dict[str, Any]) -> None:
        """In the worker thread: plan the answers, then hand the result to the UI loop."""
        plan: Plan | None = None
        error = ""
        try:
            plan = self.session.worker.plan(answers, renderer=self.renderer)
        except TemplateError as failure:
            error = failure.message
        except Exception as failure:  # the UI must survive any render failure
            error = str(failure)
        self.post_message(PlanReady(generation, answers, plan, error))  # thread-safe

    async def on_plan_ready(self, message: PlanReady) -> None:
        """On the UI loop: show the render unless newer answers came meanwhile (then render those)."""
        generation, answers, plan, error = message.generation, message.answers, message.plan, message.error
        self._rendering = False
        if not self.is_attached:  # the app is quitting: a render that lands now has no screen to show on
            return
        if generation == self._generation:
            pane = self.query_one(PreviewPane)
            if plan is None:
                await pane.show_files(pane.files, note=f"Preview failed: {error}")
            else:
                self._plan = (answers, plan)
                await pane.show_files({change.path: change for change in plan.changes})
        if self._pending:
            self._start_render()

    async def preview_settled(self) -> None:
        """Wait until the preview shows the current answers (for tests and the write step)."""
        while self._rendering or self._pending:
            await asyncio.sleep(0.005)

    def current_plan(self, answers: dict[str, Any]) -> Plan:
        """The plan of `answers`: the one the preview shows, else planned now."""
        if self._plan is not None and self._plan[0] == answers:
            return self._plan[1]
        return self.session.worker.plan(answers, renderer=self.renderer)

    # Actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Writing is shown disabled while any answer is invalid."""
        if action == "write" and self.session.resolution.problems:
            return None
        return True

    def action_write_blocked(self) -> None:
        """Ctrl-W while answers are invalid: say which one and why, and go to it."""
        problems = self.session.resolution.problems
        if not problems:
            return
        self.app.bell()
        self.query_one("#status", Static).update(escape(blocked_text(problems)))
        fields = {field.question.name: field for field in self._fields if field.display}
        first = next((fields[problem.field] for problem in problems if problem.field in fields), None)
        if first is not None and (self.focused is None or first not in self.focused.ancestors):
            first.control.focus()

    def action_toggle_diff(self) -> None:
        self.query_one(PreviewPane).toggle_diff()

    def action_zoom(self) -> None:
        """Give the preview the whole width (arrows scroll it), or bring the form back."""
        self.toggle_class("zoomed")
        if self.has_class("zoomed"):
            self._form_focus = self.focused
            self.query_one("#code-scroll").focus()
        elif self._form_focus is not None:
            self._form_focus.focus()

    def action_next_file(self) -> None:
        self.query_one(PreviewPane).next_file()

    def action_save_answers(self) -> None:
        self.app.push_screen(SaveAnswers(self.session))

    def action_write(self) -> None:
        """Write, after asking if files the tool would replace exist and differ."""
        resolution = self.session.resolution
        if resolution.problems:
            self.action_write_blocked()
            return
        answers = resolution.answers
        try:
            plan = self.current_plan(answers)
        except WizardError as failure:
            self.app.bell()
            self.query_one("#status", Static).update(escape(f"✗ Cannot write: {failure.message}"))
            self.query_one("#status", Static).add_class("invalid")
            return
        if not plan.replaced:
            self.app.exit(Settled(answers, force=False, plan=plan))
            return

        def confirmed(replace: bool | None) -> None:
            if replace:
                self.app.exit(Settled(answers, force=True, plan=plan))

        self.app.push_screen(ConfirmReplace(plan), confirmed)
