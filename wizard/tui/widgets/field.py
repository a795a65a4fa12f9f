"""One question of copier.yml: its help, an input that fits its type, origin and error."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from wizard.questions import ResolvedQuestion
from wizard.session import origin_text, value_text
from wizard.tui.widgets.text import set_text


class FieldInput(Input):
    """A text box whose ctrl+w and ctrl+d stay the app's keys (write, diff), even while
    writing is disabled (then ctrl+w says why), instead of word and character deletion."""

    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+w", "screen.write_blocked", show=False),
        Binding("ctrl+d", "app.bell", show=False),
    ]

    async def _on_key(self, event: events.Key) -> None:
        """Editing keys (Backspace, End, arrows, ...) act here, in typing order.

        Textual runs a widget's key bindings only after the key has bubbled up to the app
        through every parent's message queue, while typed characters are inserted here at
        once: with the app busy for a moment, `End, Backspace x4, 8080` typed quickly
        became `3080`. Running the text box's own editing bindings here keeps the order.
        """
        for binding in self._bindings.key_to_bindings.get(event.key, []):
            if "." not in binding.action:  # the text box's own action, not the app's
                event.stop()
                event.prevent_default()
                await self.run_action(binding.action)
                return
        await super()._on_key(event)


def yes_no(value: bool) -> str:
    """A checkbox's label, so its state reads without colour."""
    return "yes" if value else "no"


class YesNo(Checkbox):
    """A checkbox that says its state: `✓ yes` when ticked, `  no` when not.

    Textual's compact checkbox draws the same `X` either way and tells them apart by
    colour only.
    """

    def __init__(self, value: bool, **kwargs: Any) -> None:
        super().__init__(yes_no(value), value=value, **kwargs)
        self._say(value)

    def watch_value(self) -> None:
        self._say(self.value)
        super().watch_value()

    def _say(self, value: bool) -> None:
        self.BUTTON_INNER = "✓" if value else " "
        self.label = yes_no(value)


def make_control(question: ResolvedQuestion) -> Widget:
    """The input widget for a question's type: a list of choices, a checkbox or a text box."""
    control_id = f"input-{question.name}"
    if question.choices:
        options = [(choice.label, choice.value) for choice in question.choices]
        known = {choice.value for choice in question.choices}
        return Select(
            options,
            value=question.value if question.value in known else Select.NULL,
            allow_blank=question.value not in known,
            prompt="choose one",
            id=control_id,
            name=question.name,
            compact=True,
        )
    if question.type == "bool":
        return YesNo(bool(question.value), id=control_id, name=question.name, compact=True)
    return FieldInput(
        "" if question.value is None else str(question.value),
        placeholder=question.placeholder or "(empty)",
        id=control_id,
        name=question.name,
        compact=True,
    )


class QuestionField(Vertical):
    """A question with its control; hidden while its `when:` is false.

    A question hidden from the start gets its label, control and notes only when it is first
    shown: most never are, and every widget costs on each key (Textual walks them all for
    focus, layout and styles).
    """

    def __init__(self, question: ResolvedQuestion) -> None:
        super().__init__(id=f"field-{question.name}", classes="field")
        self.question = question
        self._shown: tuple[ResolvedQuestion, bool, Any] | None = None  # what `show` last laid out
        self._control: Widget | None = None
        self._origin = Static("", classes="origin")
        self._error = Static("", classes="error")

    def _parts(self) -> list[Widget]:
        """The label, the control for the current question and the two notes below it."""
        self._control = make_control(self.question)
        return [Label(self.question.help, classes="help"), self._control, self._origin, self._error]

    def compose(self) -> ComposeResult:
        if self.question.applies:
            yield from self._parts()

    def on_mount(self) -> None:
        self.show(self.question, edited=False)

    @property
    def control(self) -> Widget:
        """The input widget (a question never shown yet has none)."""
        if self._control is None:
            raise LookupError(f"{self.question.name} has not been shown yet")
        return self._control

    def on_descendant_focus(self) -> None:
        """Show the whole question when its control gets the focus, label included.

        Textual scrolls only the focused control into view; at 80x24 that often left the
        label of a tall question above the top edge.
        """
        self.call_after_refresh(self._scroll_whole_into_view)

    def _scroll_whole_into_view(self) -> None:
        """Centre the question if any of it is out of view (a scroll repaints the whole form)."""
        focused = self.screen.focused if self.is_attached else None
        if focused is not None and self in focused.ancestors and not self.screen.can_view_entire(self):
            self.screen.scroll_to_center(self, animate=False, origin_visible=True)

    def show(self, question: ResolvedQuestion, *, edited: bool, detected: Any = None) -> None:
        """Bring the field in line with a new resolution (the control only if not edited)."""
        if self._shown == (question, edited, detected):
            return  # unchanged: updating its texts would lay the whole form out again for nothing
        self._shown = (question, edited, detected)
        self.question = question
        self.display = question.applies
        if self._control is None:
            if not question.applies:
                return
            self.mount_all(self._parts())  # first shown: its control holds the current value
        origin = self._origin
        text = origin_text(question, edited)
        if edited and detected is not None and detected != question.value:
            text += f" (detected: {value_text(question, detected)})"
        set_text(origin, text)
        origin.set_class(question.origin == "detected" and not edited, "detected")
        error = self._error
        set_text(error, f"✗ {question.error}" if question.error else "")
        error.display = bool(question.error)
        self.set_class(bool(question.error), "invalid")
        if not edited:
            self._set_control_value(question.value)

    def _set_control_value(self, value: Any) -> None:
        control = self.control
        if isinstance(control, Select):
            if control.value != value and value in {c.value for c in self.question.choices}:
                with control.prevent(Select.Changed):
                    control.value = value
        elif isinstance(control, Checkbox):
            if control.value != bool(value):
                with control.prevent(Checkbox.Changed):
                    control.value = bool(value)
        elif isinstance(control, Input):
            text = "" if value is None else str(value)
            if control.value != text:
                with control.prevent(Input.Changed):
                    control.value = text
