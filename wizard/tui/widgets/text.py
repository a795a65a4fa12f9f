"""Updating a text widget only when its text changes."""

from __future__ import annotations

from textual.widgets import Static


def set_text(widget: Static, text: str) -> None:
    """Show `text` (markup) in the widget, unless it shows it already.

    Every `Static.update` lays out the whole screen again, even with the same text: on each
    typed key the status line, the preview's status and each field's notes were set again.
    """
    if widget.content != text:
        widget.update(text)
