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
from wizard.session import origin_text


class FieldInput(Input):
    """A text box whose ctrl+w and ctrl+d stay the app's keys (write, diff), even while
    writing is disabled, instead of falling through to word and character deletion."""

    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+w", "app.bell", show=False),
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
        value = bool(question.value)
        return Checkbox(yes_no(value), value=value, id=control_id, name=question.name, compact=True)
    return FieldInput(
        "" if question.value is None else str(question.value),
        placeholder=question.placeholder or "(empty)",
        id=control_id,
        name=question.name,
        compact=True,
    )


class QuestionField(Vertical):
    """A question with its control; hidden while its `when:` is false."""

    def __init__(self, question: ResolvedQuestion) -> None:
        super().__init__(id=f"field-{question.name}", classes="field")
        self.question = question

    def compose(self) -> ComposeResult:
        yield Label(self.question.help, classes="help")
        yield make_control(self.question)
        yield Static("", classes="origin")
        yield Static("", classes="error")

    def on_mount(self) -> None:
        self.show(self.question, edited=False)

    @property
    def control(self) -> Widget:
        """The input widget."""
        return self.query_one(f"#input-{self.question.name}")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = yes_no(event.value)

    def show(self, question: ResolvedQuestion, *, edited: bool, detected: Any = None) -> None:
        """Bring the field in line with a new resolution (the control only if not edited)."""
        self.question = question
        self.display = question.applies
        origin = self.query_one(".origin", Static)
        text = origin_text(question, edited)
        if edited and detected is not None and detected != question.value:
            text += f" (detected: {detected})"
        origin.update(text)
        origin.set_class(question.origin == "detected" and not edited, "detected")
        error = self.query_one(".error", Static)
        error.update(f"✗ {question.error}" if question.error else "")
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
                control.label = yes_no(bool(value))
        elif isinstance(control, Input):
            text = "" if value is None else str(value)
            if control.value != text:
                with control.prevent(Input.Changed):
                    control.value = text
