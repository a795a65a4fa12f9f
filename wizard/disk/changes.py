"""The one classifier: what writing a render would do to each file of the repository.

The writer (`Worker.plan`), the TUI preview and the confirm screens all use `compare`, so
what the person sees is what is written: seeds (`_skip_if_exists`) kept, a kept
`.env.example` extended with what compose reads, the shared root `.dockerignore` kept
for services in subfolders, and the root compose.yaml's include added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from wizard.disk.compose_root import ROOT_COMPOSE, include_change
from wizard.disk.env_block import extend_kept_env
from wizard.disk.paths import normalize_dir
from wizard.disk.plan import FileChange, Plan, classify

# A service in a subfolder shares the root .dockerignore with the repository's other services.
SHARED_SEEDS = ("/.dockerignore",)


class RenderedFile(Protocol):
    """What a render gives for one file (`wizard.engine.render.RenderedFile`)."""

    @property
    def path(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def mode(self) -> int: ...


def compare(
    files: Mapping[str, RenderedFile],
    target: Path,
    *,
    seeds: Sequence[str],
    app_dir: object = ".",
    root_compose: str | None = None,
) -> Plan:
    """Each rendered file against the file at the same place under `target`.

    `root_compose` stands in for the root compose.yaml on disk when several services are
    planned at once.
    """
    folder = normalize_dir(str(app_dir or "."))
    patterns = [*seeds, *(SHARED_SEEDS if folder != "." else ())]
    changes = []
    for path, file in files.items():
        destination = target / path
        existing = destination.read_bytes() if destination.is_file() else None
        status = classify(path, file.content, existing, patterns)
        changes.append(extend_kept_env(FileChange(path, status, file.content, existing, file.mode)))
    plan = Plan(tuple(sorted(changes, key=lambda change: change.path)))
    if folder == ".":
        return plan
    return plan.plus(include_change(target, f"{folder}/{ROOT_COMPOSE}", root_compose))
