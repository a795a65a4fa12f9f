"""The repository's own compose.yaml when services live in subfolders.

Each service scaffolded in a subfolder gets its own `<folder>/compose.yaml`, owned by that
service's answers file (so `ndw update` and `copier update` merge it per service). The
root compose.yaml only lists them under `include:`, so `docker compose up` at the root
runs every service. ndw adds one line per service and leaves everything else in the
file (comments, the user's own services, other includes) exactly as it was.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from wizard.disk.plan import FileChange, Status
from wizard.errors import UsageError

ROOT_COMPOSE = "compose.yaml"

HEADER = """\
# Local stack of every service in this repository (written by node-docker-wizard).
# Each service keeps its own compose file next to its Dockerfile; this file includes them,
# so `docker compose up --build` here starts all of them (`docker compose up <service>`
# starts one, with what it depends on). ndw adds a line when it scaffolds a service.
"""

_INCLUDE_KEY = re.compile(r"^include:[ \t]*(#.*)?$")
_TOP_LEVEL = re.compile(r"^[^\s#-]")
_ITEM = re.compile(r"^([ \t]+)-[ \t]")


class ComposeIncludeError(UsageError):
    """The root compose.yaml exists but ndw cannot add an include to it safely."""


def project_name(root: Path) -> str:
    """A compose project name from the repository folder (lowercase letters, digits, '-', '_')."""
    name = re.sub(r"[^a-z0-9_-]+", "-", root.resolve().name.lower()).strip("-_")
    return name or "services"


def included(text: str) -> list[str]:
    """The paths a compose file includes (short and long syntax)."""
    data = yaml.safe_load(text) or {}
    entries: Any = data.get("include") if isinstance(data, dict) else None
    paths: list[str] = []
    for entry in entries or []:
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, dict):
            path = entry.get("path")
            paths.extend([path] if isinstance(path, str) else [str(p) for p in path or []])
    return [p.removeprefix("./") for p in paths]


def with_include(existing: str | None, service_compose: str, project: str) -> str:
    """`existing` (or a new root file) with `service_compose` in its include list."""
    if existing is None:
        return f"{HEADER}name: {project}\n\ninclude:\n  - {service_compose}\n"
    try:
        if service_compose in included(existing):
            return existing
    except yaml.YAMLError as error:
        raise ComposeIncludeError(f"{ROOT_COMPOSE} is not valid YAML ({error})") from error
    lines = existing.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if _INCLUDE_KEY.match(line)), None)
    if start is None:
        result = "".join(lines) + f"\ninclude:\n  - {service_compose}\n"
    else:
        end = start + 1
        indent = "  "
        for i in range(start + 1, len(lines)):
            if _TOP_LEVEL.match(lines[i]):
                break
            item = _ITEM.match(lines[i])
            if item:
                indent = item.group(1)
            if lines[i].strip() and not lines[i].lstrip().startswith("#"):
                end = i + 1
        lines.insert(end, f"{indent}- {service_compose}\n")
        result = "".join(lines)
    try:
        if service_compose not in included(result):
            raise ValueError("the include list did not take the new entry")
    except (yaml.YAMLError, ValueError) as error:
        raise ComposeIncludeError(
            f"cannot add {service_compose} to the include list of {ROOT_COMPOSE} ({error})",
            hint=f"Add `- {service_compose}` under `include:` in {ROOT_COMPOSE} by hand.",
        ) from error
    return result


def root_compose_change(root: Path, text: str) -> FileChange:
    """Writing `text` as the root compose.yaml: NEW, SAME, or EXTEND (never a silent replace)."""
    path = root / ROOT_COMPOSE
    on_disk = path.read_bytes() if path.is_file() else None
    rendered = text.encode()
    status = Status.NEW if on_disk is None else Status.SAME if rendered == on_disk else Status.EXTEND
    return FileChange(ROOT_COMPOSE, status, rendered, on_disk, 0o644)


def include_change(root: Path, service_compose: str, existing_text: str | None = None) -> FileChange:
    """What adding `service_compose` does to the root compose.yaml.

    `existing_text` stands in for the file on disk (several services planned in one go).
    """
    path = root / ROOT_COMPOSE
    if existing_text is None and path.is_file():
        existing_text = path.read_text(encoding="utf-8")
    return root_compose_change(root, with_include(existing_text, service_compose, project_name(root)))
