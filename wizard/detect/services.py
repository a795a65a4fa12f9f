"""Every service in a repository (issue #7): workspaces, folders of services, Nest monorepos.

Detection only: `detect_services(root)` says what is there; scaffolding several services is
built on top of it elsewhere. Pure and fast like `detect`: it reads files and runs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from wizard.detect.app import App
from wizard.detect.entry import detect_framework, nest_cli, nest_project_entry, nest_projects
from wizard.detect.files import IGNORED_DIRS, clean_rel, read_text, rel
from wizard.detect.model import Detection

Kind = Literal["workspace", "independent", "nest-app"]
LOCKFILE_NAMES = (
    "pnpm-lock.yaml",
    "yarn.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "bun.lock",
    "bun.lockb",
)
MAX_DEPTH = 2


@dataclass(frozen=True)
class ServiceCandidate:
    """One deployable Node.js service found in a repository.

    Attributes:
        name: package.json `name` (for a Nest monorepo app: its project name).
        path: the service's folder relative to the repository root, POSIX style ('.' for the root).
        kind: how it was found:
            "workspace"   - a package of a pnpm/yarn/npm workspace that has a start script or a
                            web framework dependency; it installs from the workspace root's lockfile.
            "independent" - a folder with its own package.json and lockfile, in a repository
                            that is not a workspace (a folder of separate services, or the
                            single app at the repository root, path '.').
            "nest-app"    - an application of a NestJS monorepo (`nest-cli.json` `monorepo: true`);
                            it builds from the repository root into `entry`.
        framework: "nestjs", "fastify", "express" or None when the framework is not one ndw knows.
        lockfile: the lockfile its install uses, relative to the repository root (None if there is none).
        workspace_root: folder holding the workspace config and root lockfile ('.' usually); None
            for independent services.
        shared: folders (relative to the repository root) of the workspace packages it depends on,
            directly or through other workspace packages (`workspace:*` or a workspace package name);
            these must be in the image's build context. For a Nest monorepo app: the libraries.
        shared_names: the package names of `shared`, same order.
        entry: the production entry when known (Nest monorepo apps: where its builder writes
            it, relative to the repository root since it builds there).
        entry_source: why `entry` is that file (its builder and tsconfig).
        evidence: human-readable reason it was recognised as a service.
    """

    name: str
    path: str
    kind: Kind
    framework: str | None
    lockfile: str | None
    workspace_root: str | None
    shared: tuple[str, ...] = ()
    shared_names: tuple[str, ...] = ()
    entry: str | None = None
    entry_source: str = ""
    evidence: str = ""


@dataclass
class _Package:
    app: App
    path: str
    name: str
    local_deps: list[str] = field(default_factory=list)


def workspace_patterns(root: Path) -> tuple[list[str], str] | None:
    """(package globs, where they came from) from pnpm-workspace.yaml or package.json#workspaces."""
    text = read_text(root / "pnpm-workspace.yaml")
    if text is not None:
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            data = {}
        packages = data.get("packages") if isinstance(data, dict) else None
        if isinstance(packages, list):  # pnpm 11 also keeps settings (allowBuilds) in this file
            return [str(p) for p in packages], "pnpm-workspace.yaml"
    manifest = App(root).manifest
    spaces = manifest.get("workspaces")
    if isinstance(spaces, dict):
        spaces = spaces.get("packages")
    if isinstance(spaces, list):
        return [str(p) for p in spaces], "package.json workspaces"
    return None


def _expand(root: Path, patterns: list[str]) -> list[str]:
    """Folders (relative) matching workspace globs that hold a package.json; '!' patterns exclude."""
    include = [clean_rel(p) for p in patterns if not p.startswith("!")]
    exclude = [clean_rel(p[1:]) for p in patterns if p.startswith("!")]
    found: set[str] = set()
    for pattern in include:
        glob = pattern.replace("/**", "/*/*") if pattern.endswith("/**") else pattern
        for candidate in [
            *root.glob(glob),
            *(root.glob(pattern.replace("/**", "/*")) if pattern.endswith("/**") else []),
        ]:
            folder = rel(candidate, root)
            if (
                candidate.is_dir()
                and (candidate / "package.json").is_file()
                and not set(folder.split("/")) & IGNORED_DIRS
            ):
                found.add(folder)
    return sorted(f for f in found if not any(Path(f).match(e) for e in exclude))


def _lockfile(root: Path, folder: str) -> str | None:
    for name in LOCKFILE_NAMES:
        if (root / folder / name).is_file():
            return clean_rel(f"{folder}/{name}") or name
    return None


def _framework(app: App) -> str | None:
    return detect_framework(app, Detection())


def _workspace_services(root: Path, patterns: list[str], origin: str) -> list[ServiceCandidate]:
    packages = {}
    for folder in _expand(root, patterns):
        app = App(root / folder, folder)
        name = str(app.manifest.get("name") or folder.rsplit("/", 1)[-1])
        packages[name] = _Package(app, folder, name)
    for package in packages.values():
        package.local_deps = sorted(
            dep for dep in package.app.deps if dep in packages and dep != package.name
        )
    lockfile = _lockfile(root, ".")
    services = []
    for package in sorted(packages.values(), key=lambda p: p.path):
        if not package.app.is_service():
            continue
        closure: list[str] = []
        pending = list(package.local_deps)
        while pending:
            dep = pending.pop(0)
            if dep not in closure and dep != package.name:
                closure.append(dep)
                pending.extend(packages[dep].local_deps)
        why = (
            "start script"
            if {"start", "start:prod", "serve"} & set(package.app.scripts)
            else "framework dependency"
        )
        services.append(
            ServiceCandidate(
                name=package.name,
                path=package.path,
                kind="workspace",
                framework=_framework(package.app),
                lockfile=lockfile,
                workspace_root=".",
                shared=tuple(packages[d].path for d in closure),
                shared_names=tuple(closure),
                evidence=f"{origin} package {package.path} with a {why}",
            )
        )
    return services


def _nest_apps(root: Path) -> list[ServiceCandidate]:
    app = App(root)
    cli = nest_cli(app)
    projects = nest_projects(cli)
    libraries = sorted(
        (clean_rel(str(p.get("root", ""))), n)
        for n, p in projects.items()
        if isinstance(p, dict) and p.get("type") == "library"
    )
    apps = []
    for name, project in sorted(projects.items()):
        if not isinstance(project, dict) or project.get("type", "application") != "application":
            continue
        entry, why = nest_project_entry(app, cli, name)
        apps.append(
            ServiceCandidate(
                name=name,
                path=clean_rel(str(project.get("root", ""))) or ".",
                kind="nest-app",
                framework="nestjs",
                lockfile=_lockfile(root, "."),
                workspace_root=".",
                shared=tuple(path for path, _ in libraries),
                shared_names=tuple(n for _, n in libraries),
                entry=entry,
                entry_source=why,
                evidence=f"nest-cli.json monorepo project {name} (type application)",
            )
        )
    return apps


def service_folders(root: Path) -> list[str]:
    """Folders up to two levels below `root` (not ignored) with a package.json that is a service."""
    found = []
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = (
            sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
            if depth < MAX_DEPTH
            else []
        )
        if depth and "package.json" in files:
            relative = rel(Path(folder), root)
            if App(Path(folder), relative).is_service():
                found.append(relative)
                dirs[:] = []
    return sorted(found)


def detect_services(root: Path) -> list[ServiceCandidate]:
    """Every service in the repository at `root`, ordered by path."""
    if nest_cli(App(root)).get("monorepo"):
        return _nest_apps(root)
    workspace = workspace_patterns(root)
    if workspace is not None:
        return _workspace_services(root, *workspace)
    root_app = App(root)
    if root_app.manifest and root_app.is_service():
        return [
            ServiceCandidate(
                name=str(root_app.manifest.get("name") or root.resolve().name),
                path=".",
                kind="independent",
                framework=_framework(root_app),
                lockfile=_lockfile(root, "."),
                workspace_root=None,
                evidence="package.json at the repository root",
            )
        ]
    services = []
    for folder in service_folders(root):
        app = App(root / folder, folder)
        services.append(
            ServiceCandidate(
                name=str(app.manifest.get("name") or folder.rsplit("/", 1)[-1]),
                path=folder,
                kind="independent",
                framework=_framework(app),
                lockfile=_lockfile(root, folder),
                workspace_root=None,
                evidence=f"{folder}/package.json with its own "
                + ("lockfile" if _lockfile(root, folder) else "manifest (no lockfile)"),
            )
        )
    return services


def enclosing_workspace(folder: Path) -> tuple[Path, str] | None:
    """(workspace root, this package's folder relative to it) when `folder` is a workspace package.

    Walks up as the package managers do: the nearest folder above with pnpm-workspace.yaml or a
    package.json `workspaces` field whose patterns include `folder`. None for a root, a folder
    without package.json, or a package outside any workspace.
    """
    start = folder.resolve()
    if not (start / "package.json").is_file() or workspace_patterns(start) is not None:
        return None
    for parent in start.parents:
        found = workspace_patterns(parent)
        if found is None:
            continue
        relative = rel(start, parent)
        return (parent, relative) if relative in _expand(parent, found[0]) else None
    return None
