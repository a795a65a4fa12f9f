"""Local packages outside a workspace: `"@acme/shared": "file:../shared"` with its own lockfile.

The image's build context must hold the sibling too, so the app has to be scaffolded from a
folder that holds both (app_dir set to the service's folder); the Dockerfile then installs and
builds each sibling with its own package manager (npm, pnpm, yarn 1 or yarn berry, from its
packageManager field or lockfile, whatever the app uses; a berry sibling's committed yarnPath
release runs its install) before the app's install links it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from wizard.detect.app import App
from wizard.detect.files import read_text
from wizard.detect.inputs import committed_yarn_release
from wizard.detect.model import Detection
from wizard.detect.runtime import (
    PNPM_BY_LOCKFILE,
    YARN_BERRY_BY_METADATA,
    YARN_CLASSIC,
    pnpm_lockfile_version,
    yarn_metadata_version,
)

LOCKFILE = {"npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock"}


def sibling_manager(folder: Path) -> tuple[str, str, str]:
    """(manager, exact version or "" for npm, evidence) for one sibling package.

    packageManager names the exact version; else its lockfile tells the manager (pnpm's
    lockfileVersion the pin; yarn.lock the classic line, or with __metadata the berry one);
    else npm, as before.
    """
    sibling = App(folder)
    declared = str(sibling.manifest.get("packageManager") or "")
    match = re.match(r"^(npm|pnpm|yarn)@(\d+\.\d+\.\d+)", declared)
    if match:
        manager, version = match.group(1), match.group(2)
        evidence = f"packageManager {declared.split('+', maxsplit=1)[0]}"
        return manager, "" if manager == "npm" else version, evidence
    if sibling.exists("pnpm-lock.yaml"):
        parsed = pnpm_lockfile_version(sibling.head("pnpm-lock.yaml", 400))
        version = PNPM_BY_LOCKFILE.get(parsed[0] if parsed else "9", PNPM_BY_LOCKFILE["9"])[0]
        return "pnpm", version, "pnpm-lock.yaml"
    if sibling.exists("yarn.lock") and not sibling.exists("package-lock.json"):
        metadata = yarn_metadata_version(sibling.head("yarn.lock", 400))
        if metadata:
            version = YARN_BERRY_BY_METADATA.get(metadata, YARN_BERRY_BY_METADATA["8"])[0]
            return "yarn", version, f"yarn.lock __metadata version {metadata}"
        return "yarn", YARN_CLASSIC, "yarn.lock"
    return "npm", "", "package-lock.json"


def yarn_release(folder: Path) -> str:
    """The committed release a yarn berry sibling's .yarnrc.yml yarnPath names, or "" without one."""
    return committed_yarn_release(App(folder))[0] or ""


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
        manager, version, evidence = sibling_manager(target)
        entry = folder if manager == "npm" else f"{folder}:{manager}@{version}"
        release = yarn_release(target) if manager == "yarn" and not version.startswith("1.") else ""
        if release:
            entry, evidence = f"{entry}:{release}", f"{evidence}, .yarnrc.yml yarnPath {release}"
        if manager == "yarn" and not version.startswith("1."):
            _warn_berry_gaps(found, f"{app.dep_source(name)} ({spec})", folder, version, target)
        inside.append(entry)
        sources.append(f"{name}: {spec}" + ("" if manager == "npm" else f" ({manager}, {evidence})"))
        if not (target / LOCKFILE[manager]).is_file():
            found.warn(
                f"{app.dep_source(name)} ({spec}) has no {LOCKFILE[manager]}: the image installs each "
                f"sibling frozen from its own lockfile, so run `{manager} install` in {folder} and commit it."
            )
    if inside:
        found.propose("sibling_deps", " ".join(inside), f"{app.label('package.json')} " + ", ".join(sources))


def _warn_berry_gaps(found: Detection, what: str, folder: str, version: str, target: Path) -> None:
    """Warn about what a yarn berry sibling's stage does not provide: plugins, variables, yarn < 4."""
    rc = read_text(target / ".yarnrc.yml") or ""
    if re.search(r"^plugins:", rc, re.MULTILINE):
        found.warn(
            f"{what}: {folder}/.yarnrc.yml loads plugins, which its stage does not copy before the "
            "install; add `COPY` lines for them to that stage."
        )
    variables = sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", rc)))
    if variables:
        found.warn(
            f"{what}: {folder}/.yarnrc.yml reads {', '.join(variables)} from the environment, which its "
            "stage does not set; pass them as build secrets in that stage."
        )
    if int(version.split(".", maxsplit=1)[0]) < 4:
        found.warn(
            f"{what} is locked by yarn {version}: its stage prunes with `yarn workspaces focus`, "
            "built into yarn 4 but a plugin (workspace-tools) in yarn 2 and 3."
        )
