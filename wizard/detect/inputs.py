"""Files the dependency install reads besides the manifests: patches, yarn plugins, hook scripts."""

from __future__ import annotations

import re
import shlex

from wizard.detect.app import App
from wizard.detect.files import clean_rel
from wizard.detect.model import Detection

# The package's own install hooks (npm, pnpm and yarn run them on install).
HOOKS = ("preinstall", "install", "postinstall", "prepare")
HOOK_FILE = re.compile(r"^[\w./-]+\.(c|m)?(j|t)s$|^[\w./-]+\.sh$")


def _hook_files(app: App) -> list[tuple[str, str]]:
    """(file, hook) for each local file a hook runs (`postinstall: node scripts/setup.js`)."""
    files = []
    for hook in HOOKS:
        try:
            words = shlex.split(app.scripts.get(hook, ""))
        except ValueError:
            continue
        for word in words:
            path = clean_rel(word)
            if HOOK_FILE.match(path) and not path.startswith("node_modules/") and app.exists(path):
                files.append((path, hook))
    return files


def committed_yarn_release(app: App) -> tuple[str | None, str]:
    """The committed yarn release .yarnrc.yml's yarnPath names, when it is there; else None and
    why not ('' when there is no yarnPath at all)."""
    match = re.search(r"^yarnPath:\s*['\"]?([^'\"\s#]+)", app.text(".yarnrc.yml") or "", re.MULTILINE)
    if not match:
        return None, ""
    path = clean_rel(match.group(1))
    if not re.match(r"^\.yarn/releases/[^/]+\.c?js$", path):
        return None, f"yarnPath: {match.group(1)} is not a release under .yarn/releases"
    if not app.exists(path):
        return None, f"yarnPath: {path} is missing (is it committed?)"
    return path, ""


def _yarn_release(app: App, found: Detection) -> str | None:
    """The committed yarn release, warning when yarnPath names none that the image can use."""
    path, problem = committed_yarn_release(app)
    if problem:
        instead = "the image installs the yarn version of packageManager instead"
        found.warn(f"{app.label('.yarnrc.yml')} {problem}; {instead}.")
    return path


def detect_install_inputs(app: App, found: Detection, manager: str) -> None:
    """Propose install_inputs: what must be in the build before the install step runs."""
    paths: list[str] = []
    why: list[str] = []
    hooks = " ".join(app.scripts.get(hook, "") for hook in HOOKS)
    workspace_yaml = app.text("pnpm-workspace.yaml") or ""
    pnpm_settings = app.manifest.get("pnpm")
    patched = "patchedDependencies" in workspace_yaml or (
        isinstance(pnpm_settings, dict) and "patchedDependencies" in pnpm_settings
    )
    patch_package = "patch-package" in hooks
    if (app.root / "patches").is_dir() and (patched or patch_package):
        paths.append("patches")
        why.append(
            "patches/ (" + ("pnpm patchedDependencies" if patched else "a hook runs patch-package") + ")"
        )
        if patch_package and manager != "npm":
            found.warn(
                "patch-package runs from a postinstall hook, which the image's production install skips "
                f"(its tools are devDependencies); {manager} reinstalls the production packages there, so "
                "they would ship unpatched: use "
                + (
                    "pnpm's patchedDependencies (`pnpm patch`)"
                    if manager == "pnpm"
                    else "yarn's patch: protocol"
                )
                + " instead, which the production install applies itself."
            )
    release = _yarn_release(app, found) if manager == "yarn" else None
    if release:
        paths.append(release)
        why.append(f"{release} (.yarnrc.yml yarnPath: the committed yarn release runs the install)")
    for folder in (".yarn/patches", ".yarn/plugins"):
        if manager == "yarn" and (app.root / folder).is_dir():
            paths.append(folder)
            why.append(f"{folder}/ (yarn reads it on install)")
    for path, hook in _hook_files(app):
        if path not in paths:
            paths.append(path)
            why.append(f"{path} (scripts.{hook})")
    if paths:
        found.propose("install_inputs", " ".join(paths), f"{app.label('package.json')}: " + ", ".join(why))
