"""Install-time traps of the package manager: pnpm's build-script approval, Yarn Plug'n'Play."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import yaml

from wizard.detect.app import App
from wizard.detect.model import Detection
from wizard.detect.npmrc import detect_npmrc

# Dependencies whose install scripts must run for the app to work in the image:
# package in package.json -> the package whose script pnpm must be allowed to run.
NEEDS_BUILD_SCRIPT = {
    "prisma": "@prisma/engines",  # downloads the schema engine that `prisma migrate` runs
    "bcrypt": "bcrypt",
    "argon2": "argon2",
    "better-sqlite3": "better-sqlite3",
    "sqlite3": "sqlite3",
    "canvas": "canvas",
}


def _approved(app: App) -> set[str]:
    """Packages pnpm may run build scripts for (allowBuilds, onlyBuiltDependencies)."""
    names: set[str] = set()
    sources: list[Any] = []
    text = app.text("pnpm-workspace.yaml")
    if text:
        with contextlib.suppress(yaml.YAMLError):
            sources.append(yaml.safe_load(text))
    sources.append(app.manifest.get("pnpm"))
    for data in sources:
        if not isinstance(data, dict):
            continue
        for key in ("allowBuilds", "onlyBuiltDependencies"):
            value = data.get(key)
            if isinstance(value, dict):
                names.update(str(k) for k, allowed in value.items() if allowed)
            elif isinstance(value, list):
                names.update(str(item) for item in value)
    return names


def declares_approvals(app: App) -> bool:
    """Does the project keep an approval list at all (even an empty one that approves nothing)?"""
    text = app.text("pnpm-workspace.yaml") or ""
    settings = app.manifest.get("pnpm")
    return bool(re.search(r"^(allowBuilds|onlyBuiltDependencies|ignoredBuiltDependencies):", text, re.M)) or (
        isinstance(settings, dict) and bool({"allowBuilds", "onlyBuiltDependencies"} & set(settings))
    )


def check_installs(app: App, found: Detection) -> None:
    """Warn about installs that fail or silently skip work inside the image."""
    values = found.values()
    manager, version = values.get("package_manager"), str(values.get("package_manager_version", ""))
    major = int(version.split(".", maxsplit=1)[0]) if re.match(r"^\d+\.", version) else 0
    if manager == "pnpm" and major >= 10:
        needed = sorted({script for dep, script in NEEDS_BUILD_SCRIPT.items() if dep in app.deps})
        missing = [name for name in needed if name not in _approved(app)]
        # Without any approval list, the scaffold approves what the image needs (pnpm_allow_builds).
        if missing and declares_approvals(app):
            key = "allowBuilds" if major >= 11 else "onlyBuiltDependencies"
            effect = (
                "fails with ERR_PNPM_IGNORED_BUILDS"
                if major >= 11
                else "skips their install scripts silently"
            )
            found.warn(
                f"pnpm {major} runs dependency build scripts only when approved, and {', '.join(missing)} "
                f"need theirs: the install in the image {effect}; list them under {key} in "
                f"{app.label('pnpm-workspace.yaml')}."
            )
    detect_npmrc(app, found, str(manager or "npm"), version)
    if manager == "yarn" and not version.startswith("1."):
        rc = app.text(".yarnrc.yml") or ""
        linker = re.search(r"^nodeLinker:\s*['\"]?([\w-]+)", rc, re.M)
        if not linker or linker.group(1) == "pnp":
            found.warn(
                f"Yarn {version or 'berry'} uses Plug'n'Play unless .yarnrc.yml sets "
                "`nodeLinker: node-modules`; "
                "the image starts `node <entry>`, which cannot resolve packages without .pnp.cjs, "
                f"so add `nodeLinker: node-modules` to {app.label('.yarnrc.yml')}."
            )
