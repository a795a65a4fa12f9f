"""The app's own configuration in the TUI: each variable it reads and where compose gets it from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.markup import escape
from textual.widgets import Static

from wizard.questions import Resolution

SERVICES = {"db": "database", "redis": "Redis"}


def _target(role: str) -> str:
    """`db.host` -> `database host`."""
    service, _, part = role.partition(".")
    return f"{SERVICES.get(service, service)} {part}"


def config_text(app_env: Any, env_map: Any) -> str:
    """Markup listing every variable: required/default, where it is read, and compose's source."""
    variables = [var for var in app_env or [] if isinstance(var, Mapping) and "name" in var]
    roles = env_map if isinstance(env_map, Mapping) else {}
    if not variables:
        return "[dim]No variables found in the app's code, schemas or .env.example.[/]"
    lines = [f"{len(variables)} variables the app reads; compose points the marked ones at its services:"]
    for var in variables:
        name = str(var["name"])
        traits = ["required" if var.get("required") else "optional"]
        if var.get("secret"):
            traits.append("secret")
        if "default" in var:
            traits.append(f"default {var['default']}")
        role = roles.get(name)
        source = f"[b]→ {_target(str(role))}[/b]" if role else "from .env"
        where = str(var.get("read", "")).split(", ")[0]
        lines.append(f"  {escape(name)}  {source} · {', '.join(traits)} · [dim]{escape(where)}[/]")
    lines.append("[dim]Override the mapping with env_map in an answers file (ndw detect shows it).[/]")
    return "\n".join(lines)


class ConfigSection(Static):
    """The Configuration group's body: detected variables and their mapping (read-only)."""

    @classmethod
    def of(cls, resolution: Resolution, id: str | None = None) -> ConfigSection:
        """The section, filled from the start (its height must not change after the first frame)."""
        section = cls(_text(resolution), id=id)
        section.shown = _text(resolution)
        return section

    shown: str = ""

    def show(self, resolution: Resolution) -> None:
        """Show the variables and mapping of this resolution (only when they changed)."""
        text = _text(resolution)
        if text != self.shown:
            self.shown = text
            self.update(text)


def _text(resolution: Resolution) -> str:
    questions = resolution.by_name()
    app_env = questions["app_env"].value if "app_env" in questions else []
    env_map = questions["env_map"].value if "env_map" in questions else {}
    return config_text(app_env, env_map)
