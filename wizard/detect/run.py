"""Detection entry point: find the app folder, then ask each detector in turn."""

from __future__ import annotations

import re
from pathlib import Path

from wizard.detect.app import App
from wizard.detect.config import detect_config
from wizard.detect.data import detect_data
from wizard.detect.entry import PACKAGE_EXEC, detect_build_and_entry, detect_framework
from wizard.detect.files import clean_rel
from wizard.detect.inputs import detect_install_inputs
from wizard.detect.installs import check_installs
from wizard.detect.labels import detect_labels
from wizard.detect.model import Detection
from wizard.detect.native import approve_builds, detect_native
from wizard.detect.network import check_listen, detect_health_path, detect_port
from wizard.detect.platform import detect_ci
from wizard.detect.runfiles import detect_runtime_files
from wizard.detect.runtime import detect_node_version, detect_package_manager
from wizard.detect.services import ServiceCandidate, detect_services, service_folders, workspace_patterns
from wizard.detect.siblings import detect_siblings
from wizard.detect.signals import check_shutdown
from wizard.names import service_slug


def _locate(root: Path, found: Detection) -> App:
    """The app to read: the root, or the one service folder below a root without package.json."""
    if (root / "package.json").is_file():
        workspace = workspace_patterns(root)
        if workspace is not None:
            services = detect_services(root)
            names = ", ".join(s.path for s in services) or "none found"
            found.warn(
                f"{workspace[1]} makes this a workspace (services: {names}); scaffold one with "
                "`ndw init --service PATH`, or all with `ndw init --all-services`."
            )
        return App(root)
    folders = service_folders(root)
    if len(folders) == 1:
        found.propose(
            "app_dir",
            folders[0],
            f"{folders[0]}/package.json (the only Node.js service below {root.name or '.'})",
        )
        return App(root / folders[0], folders[0])
    if folders:
        found.warn(
            f"No package.json at the root, and several services below it ({', '.join(folders)}); "
            "run ndw in one of them, or pass --set app_dir=<folder>."
        )
    else:
        found.warn("No package.json found here or in the folders below it; is this a Node.js service?")
    return App(root)


def _service_name(app: App, root: Path, found: Detection) -> None:
    raw = app.manifest.get("name")
    name = str(raw) if isinstance(raw, str) and raw else (app.root.resolve().name or root.resolve().name)
    slug = service_slug(name)
    if slug:
        source = f"{app.label('package.json')} name: {raw}" if raw else f"folder name: {name}"
        found.propose("service_name", slug, source)


def _read_app(app: App, found: Detection, elsewhere: tuple[App, ...] = ()) -> None:
    """Framework, data, build and entry, and the runtime checks of the app in `app`.

    `elsewhere`: a workspace service's packages and root, where its ORM schema may live.
    """
    manager = str(found.values().get("package_manager", "npm"))
    framework = detect_framework(app, found)
    detect_labels(app, found)
    detect_install_inputs(app, found, manager)
    detect_siblings(app, found)
    detect_data(app, found, elsewhere)  # first: Prisma 7's generated client is a tsc input
    detect_build_and_entry(app, found, framework, manager)
    detect_runtime_files(app, found)
    detect_native(app, found)
    approve_builds(app, found)
    detect_port(app, found)
    detect_health_path(app, found, framework)
    check_listen(app, found, framework)
    check_shutdown(app, found, framework)
    detect_config(app, found)


def _pnpm_injects(root: Path) -> bool:
    """Whether pnpm-workspace.yaml sets injectWorkspacePackages (pnpm deploy then needs no --legacy)."""
    text = (
        (root / "pnpm-workspace.yaml").read_text(encoding="utf-8")
        if (root / "pnpm-workspace.yaml").is_file()
        else ""
    )
    return bool(re.search(r"^injectWorkspacePackages:\s*true\s*$", text, re.MULTILINE))


def _read_nest_app(root: Path, service: ServiceCandidate, found: Detection, manager: str) -> None:
    """One application of a Nest monorepo: the root's manifest, its own code (then its libraries')."""
    workspace_root = App(root)
    code = App(root, scan_only=(service.path, *service.shared))
    found.propose(
        "build_command",
        f"{PACKAGE_EXEC[manager]} nest build {service.name}",
        f"nest-cli.json project {service.name}",
    )
    if service.entry:
        found.propose("entry", service.entry, service.entry_source)
    framework = detect_framework(workspace_root, found)
    detect_data(workspace_root, found, (workspace_root,))
    detect_native(workspace_root, found)
    detect_port(code, found)
    detect_health_path(code, found, framework)
    check_listen(code, found, framework)
    check_shutdown(code, found, framework)
    detect_config(code, found)


def detect_service(root: Path, service: ServiceCandidate) -> Detection:
    """Propose answers for one service of a multi-service repository (`detect_services`)."""
    found = Detection()
    detect_ci(root, found)
    app = App(root / service.path, service.path) if service.path != "." else App(root)
    found.propose("app_dir", service.path, service.evidence)
    slug = service_slug(service.name)
    if slug:
        named = (
            "nest-cli.json project" if service.kind == "nest-app" else f"{app.label('package.json')} name:"
        )
        found.propose("service_name", slug, f"{named} {service.name}")
    if service.kind == "independent":
        found.propose("layout", "standalone", f"{service.path}/ has its own package.json and lockfile")
        detect_package_manager(app, found)
        detect_node_version(app, found)
        check_installs(app, found)
        _read_app(app, found)
        return found
    workspace_root = App(root)
    deps = " ".join(service.shared)
    if service.kind == "nest-app":
        found.propose("layout", "nest-monorepo", service.evidence)
        if deps:
            found.propose("workspace_deps", deps, "nest-cli.json libraries")
    else:
        found.propose("layout", "workspace", service.evidence)
        found.propose("workspace_package", service.name, f"{app.label('package.json')} name")
        found.propose(
            "workspace_deps",
            deps,
            "workspace:* dependencies of " + service.name if deps else "no workspace dependencies",
        )
    detect_package_manager(workspace_root, found)
    detect_node_version(app, found)
    detect_node_version(workspace_root, found)
    check_installs(workspace_root, found)
    manager = str(found.values().get("package_manager", "npm"))
    if service.kind == "nest-app":
        _read_nest_app(root, service, found, manager)
        return found
    if manager == "pnpm":
        found.propose("pnpm_injected", _pnpm_injects(root), "pnpm-workspace.yaml injectWorkspacePackages")
    classic = str(found.values().get("package_manager_version", "")).startswith("1.")
    # Dependencies before dependents: the shared packages deepest first, the service last.
    order = (*reversed(service.shared), service.path)
    builders = [folder for folder in order if "build" in App(root / folder, folder).scripts]
    if builders and manager == "pnpm":
        found.propose(
            "build_command",
            f"pnpm --filter {service.name}... run build",
            "build scripts in " + ", ".join(builders) + " (pnpm builds them in dependency order)",
        )
    elif builders and manager == "yarn" and classic:
        found.propose(
            "build_command",
            " && ".join(f"yarn --cwd {folder} run build" for folder in builders),
            "build scripts in " + ", ".join(builders) + " (run in dependency order; yarn 1 has no foreach)",
        )
    elif builders and manager == "yarn":
        found.propose(
            "build_command",
            f"yarn workspaces foreach --recursive --topological --from {service.name} run build",
            "build scripts in " + ", ".join(builders) + " (yarn builds them in dependency order)",
        )
    elif builders:
        found.propose(
            "build_command",
            " && ".join(f"npm run build --workspace {folder}" for folder in builders),
            "build scripts in " + ", ".join(builders) + " (run in dependency order)",
        )
    else:
        found.propose("build_command", "", f"no build script in {service.name} or the packages it uses")
    # The install runs at the workspace root: its patches/ and .yarn/plugins are the inputs.
    detect_install_inputs(workspace_root, found, manager)
    _read_app(app, found, (*(App(root / folder, folder) for folder in service.shared), workspace_root))
    return found


def detect(root: Path, app_dir: str | None = None) -> Detection:
    """Propose answers for the repository at `root`: pure (reads files only) and fast.

    `app_dir` (relative to `root`) reads the app in that folder, as when the user sets app_dir;
    without it the app is the root, or the one service folder below a root with no package.json.
    """
    found = Detection()
    detect_ci(root, found)
    folder = clean_rel(app_dir or "")
    app = App(root / folder, folder) if folder else _locate(root, found)
    if not app.manifest:
        if app.exists("package.json"):
            found.warn(
                f"{app.label('package.json')} is not a valid JSON object, so nothing was detected and every "
                "install in the image would fail; fix it (`npm pkg get name` shows the error)."
            )
        return found
    _service_name(app, root, found)
    detect_package_manager(app, found)
    detect_node_version(app, found)
    check_installs(app, found)
    if workspace_patterns(app.root) is not None and not app.is_service():
        return found  # a workspace root: the services below it are read one at a time
    _read_app(app, found)
    return found
