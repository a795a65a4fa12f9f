"""Detection entry point (first cut: package.json name, framework, package manager)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from wizard.detect.model import Detection

FRAMEWORKS = {"@nestjs/core": "nestjs", "fastify": "fastify", "express": "express"}
LOCKFILES = {"pnpm-lock.yaml": "pnpm", "yarn.lock": "yarn", "package-lock.json": "npm"}


def detect(root: Path) -> Detection:
    """Propose answers for the repository at `root`."""
    found = Detection()
    manifest_path = root / "package.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    name = str(manifest.get("name") or root.resolve().name)
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.split("/")[-1].lower()).strip("-._") or "service"
    found.propose("service_name", slug, "package.json name" if manifest.get("name") else "folder name")
    deps = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    for package, framework in FRAMEWORKS.items():
        if package in deps:
            found.propose("framework", framework, f"package.json dependencies: {package}")
    for lockfile, manager in LOCKFILES.items():
        if (root / lockfile).is_file():
            found.propose("package_manager", manager, lockfile)
    return found
