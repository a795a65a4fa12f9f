"""The footer of key bindings, redrawn only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


def shown_bindings(screen: Screen[Any]) -> tuple[Any, ...]:
    """What a footer shows for the screen: each shown binding, whether enabled, its tooltip."""
    return tuple(
        (binding, enabled, tooltip)
        for (_, binding, enabled, tooltip) in screen.active_bindings.values()
        if binding.show
    )


class KeysFooter(Footer):
    """Textual's footer, minus its rebuild on every focus change.

    Textual's footer removes and mounts all its keys whenever the focus moves (twice per
    Tab), and each rebuild lays out the whole screen again: most of a Tab's cost in a
    long form. The keys shown here are the screen's, the same for every question, so it
    rebuilds only when the shown keys or their enabled state change (Ctrl-W while the
    answers are invalid).
    """

    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        shown = shown_bindings(screen)
        # `_bindings_ready` is Textual's own flag (its first build done); without it, as in a
        # Textual version that renames it, the footer rebuilds every time, as Textual's does.
        if getattr(self, "_bindings_ready", False) and shown == self._shown:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # a rebuild is on its way (Textual skips it while the app is unfocused)
