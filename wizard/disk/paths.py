"""The one spelling of a service folder, and where its answers file lives."""

from __future__ import annotations

from pathlib import PurePath

ANSWERS_FILE = ".copier-answers.yml"


def normalize_dir(path: str | PurePath | None) -> str:
    """'./apps/api/' -> 'apps/api'; the repository root is '.' (app_dir's one spelling)."""
    text = "" if path is None else PurePath(path).as_posix() if isinstance(path, PurePath) else str(path)
    parts = [part for part in text.replace("\\", "/").split("/") if part not in ("", ".")]
    return "/".join(parts) or "."


def answers_file_for(app_dir: object) -> str:
    """Where a service's answers file lives: in its own folder, so each service updates alone."""
    folder = normalize_dir(str(app_dir or "."))
    return ANSWERS_FILE if folder == "." else f"{folder}/{ANSWERS_FILE}"
