"""Local packages outside a workspace: `"@acme/shared": "file:../shared"` with its own lockfile.

The image's build context must hold the sibling too, so the app has to be scaffolded from a
folder that holds both (app_dir set to the service's folder); the Dockerfile then installs and
builds each sibling from its own package-lock.json before the app's install links it.
"""

from __future__ import annotations

import os
from pathlib import Path

from wizard.detect.app import App
from wizard.detect.model import Detection


def _repository(app: App) -> Path:
    """The folder detection was started in (the app's folder minus its prefix)."""
    root = app.root
    for _ in Path(app.prefix).parts if app.prefix else ():
        root = root.parent
    return root


def detect_siblings(app: App, found: Detection) -> None:
    """Propose sibling_deps from `file:` dependencies on folders outside the app."""
    repository = _repository(app).resolve()
    inside: list[str] = []
    sources: list[str] = []
    for name, (spec, _) in sorted(app.deps.items()):
        if not spec.startswith("file:") or spec.endswith((".tgz", ".tar.gz")):
            continue
        target = (app.root / spec.removeprefix("file:")).resolve()
        if not (target / "package.json").is_file() or app.root.resolve() in (target, *target.parents):
            continue
        try:
            folder = target.relative_to(repository).as_posix()
        except ValueError:
            parent = Path(os.path.commonpath([repository, target]))
            found.warn(
                f"{app.dep_source(name)} is {spec}, outside {repository.name or '.'}/, so a build context "
                f"here cannot hold it: run ndw in {parent} (the folder holding both) with app_dir "
                f"{app.root.resolve().relative_to(parent).as_posix()}."
            )
            continue
        inside.append(folder)
        sources.append(f"{name}: {spec}")
        if not (target / "package-lock.json").is_file():
            found.warn(
                f"{app.dep_source(name)} ({spec}) has no package-lock.json: the image installs each sibling "
                f"with `npm ci` from its own lockfile, so run `npm install` in {folder} and commit it."
            )
    if inside:
        found.propose("sibling_deps", " ".join(inside), f"{app.label('package.json')} " + ", ".join(sources))
