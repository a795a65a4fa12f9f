"""Scaffolded services on disk: finding them, and reading their answers files.

A service in a subfolder keeps its answers in `<folder>/.copier-answers.yml`; commands
that act on a scaffold (`update`, `check`, `verify`) find it here, and `ndw init` reads
the ports that other services of the repository already publish.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wizard.answers import read_answers_mapping
from wizard.disk.paths import ANSWERS_FILE, normalize_dir
from wizard.errors import AnswersFileError, UsageError


def locate_scaffold(path: Path, service: str | None = None) -> tuple[Path, str]:
    """(repository folder, answers file relative to it) for `path` and an optional `--service`.

    A service in a subfolder keeps its answers in `<folder>/.copier-answers.yml` and is
    rendered from the repository root: `ndw update apps/api`, `ndw update --service apps/api`
    (from the root) and a root holding exactly one such service all find it.
    """
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    path = path.resolve()
    if service is not None:
        folder = normalize_dir(service)
        if folder == ".":
            return path, ANSWERS_FILE
        if not (path / folder / ANSWERS_FILE).is_file():
            raise UsageError(
                f"--service {service}: no {folder}/{ANSWERS_FILE} in {path}",
                hint=_scaffolded_hint(path),
            )
        return path, f"{folder}/{ANSWERS_FILE}"
    own = path / ANSWERS_FILE
    if own.is_file():
        app_dir = normalize_dir(str(_load_answers(own).get("app_dir") or "."))
        parts = [] if app_dir == "." else app_dir.split("/")
        if parts and path.parts[-len(parts) :] == tuple(parts):
            return path.parents[len(parts) - 1], f"{'/'.join(parts)}/{ANSWERS_FILE}"
        return path, ANSWERS_FILE
    services = scaffolded_services(path)
    if len(services) == 1:
        return path, f"{services[0]}/{ANSWERS_FILE}"
    if services:
        raise UsageError(
            f"{path} holds {len(services)} scaffolded services: " + ", ".join(services),
            hint="Update one at a time with --service PATH and commit in between "
            "(copier merges against a clean work tree).",
        )
    return path, ANSWERS_FILE


def scaffolded_services(root: Path, depth: int = 4, *, with_root: bool = False) -> list[str]:
    """Folders below `root` that hold an ndw answers file, in path order ('.' too if `with_root`)."""
    from wizard.detect.files import IGNORED_DIRS  # noqa: PLC0415

    found = ["."] if with_root and (root / ANSWERS_FILE).is_file() else []
    for folder, dirs, files in os.walk(root):
        level = len(Path(folder).relative_to(root).parts)
        dirs[:] = (
            sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
            if level < depth
            else []
        )
        if level and ANSWERS_FILE in files:
            found.append(Path(folder).relative_to(root).as_posix())
    return sorted(found)


def _scaffolded_hint(root: Path) -> str:
    services = scaffolded_services(root)
    return ("Scaffolded services here: " + ", ".join(services) + ".") if services else "Run `ndw init` first."


STORED_HINT = (
    "Fix that line, or put the committed version back with `git restore {name}`, then run the command again."
)


def _load_answers(answers_path: Path) -> dict[str, Any]:
    return read_answers_mapping(answers_path, STORED_HINT.format(name=answers_path.name))


def read_answers_file(path: Path, answers_file: str = ANSWERS_FILE) -> dict[str, Any]:
    """The answers file of a scaffold, with copier's `_` keys; errors say to run `ndw init`."""
    answers_path = path / answers_file
    if not answers_path.is_file():
        raise UsageError(
            f"no {answers_file} in {path}: this folder was not scaffolded by ndw (or the file was deleted)",
            hint="Run `ndw init` first; `ndw update` merges template changes into an existing scaffold.",
        )
    return _load_answers(answers_path)


def recorded_answers(root: Path, depth: int = 4) -> dict[str, dict[str, Any]]:
    """folder -> stored answers of every scaffolded service here; unreadable files are skipped."""
    found: dict[str, dict[str, Any]] = {}
    for folder in scaffolded_services(root, depth, with_root=True):
        try:
            found[folder] = read_answers_mapping(root / folder / ANSWERS_FILE)
        except AnswersFileError:
            continue
    return found
