"""Detection entry point: find the app folder, then ask each detector in turn."""

from __future__ import annotations

import re
from pathlib import Path

from wizard.detect.app import App
from wizard.detect.data import detect_data
from wizard.detect.entry import detect_build_and_entry, detect_framework
from wizard.detect.files import clean_rel
from wizard.detect.installs import check_installs
from wizard.detect.model import Detection
from wizard.detect.native import detect_native
from wizard.detect.network import check_listen, detect_health_path, detect_port
from wizard.detect.runtime import detect_node_version, detect_package_manager
from wizard.detect.services import detect_services, service_folders, workspace_patterns
from wizard.detect.signals import check_shutdown


def _locate(root: Path, found: Detection) -> App:
    """The app to read: the root, or the one service folder below a root without package.json."""
    if (root / "package.json").is_file():
        workspace = workspace_patterns(root)
        if workspace is not None:
            services = detect_services(root)
            names = ", ".join(s.path for s in services) or "none found"
            found.warn(
                f"{workspace[1]} makes this a workspace (services: {names}); ndw scaffolds one service at a "
                "time from its own folder, and workspace installs need the root lockfile, so check app_dir "
                "and the Dockerfile's COPY lines."
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
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.split("/")[-1].lower()).strip("-._")[:64].strip("-._")
    if slug:
        source = f"{app.label('package.json')} name: {raw}" if raw else f"folder name: {name}"
        found.propose("service_name", slug, source)


def detect(root: Path, app_dir: str | None = None) -> Detection:
    """Propose answers for the repository at `root`: pure (reads files only) and fast.

    `app_dir` (relative to `root`) reads the app in that folder, as when the user sets app_dir;
    without it the app is the root, or the one service folder below a root with no package.json.
    """
    found = Detection()
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
    manager = str(found.values().get("package_manager", "npm"))
    detect_node_version(app, found)
    check_installs(app, found)
    if workspace_patterns(app.root) is not None and not app.is_service():
        return found  # a workspace root: the services below it are read one at a time
    framework = detect_framework(app, found)
    detect_data(app, found)  # first: Prisma 7's generated client is a tsc input
    detect_build_and_entry(app, found, framework, manager)
    detect_native(app, found)
    detect_port(app, found)
    detect_health_path(app, found, framework)
    check_listen(app, found, framework)
    check_shutdown(app, found, framework)
    return found
