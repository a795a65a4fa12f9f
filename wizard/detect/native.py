"""Does `npm install` compile native code in the image (python3, make, g++ in the build stage)?"""

from __future__ import annotations

import re

from wizard.detect.app import App
from wizard.detect.model import Detection

# package -> first version that ships prebuilt binaries inside the package (installs without
# compilers or downloads), or None when every version may compile. Older versions download
# binaries from GitHub at install time and fall back to node-gyp, which needs compilers.
NATIVE_PACKAGES: dict[str, tuple[int, ...] | None] = {
    "bcrypt": (6,),  # 6.0 bundles prebuilds (node-gyp-build); 5.x: node-pre-gyp --fallback-to-build
    "argon2": (0, 40),  # 0.40 bundles prebuilds; older: node-pre-gyp --fallback-to-build
    "better-sqlite3": (13,),  # 13 ships prebuilds; older: prebuild-install || node-gyp rebuild
    "sqlite3": None,  # prebuild-install -r napi || node-gyp rebuild
    "canvas": None,
    "node-gyp": None,
    "re2": None,
    "isolated-vm": None,
    "libxmljs2": None,
    "@mapbox/node-pre-gyp": None,
}
# Packages people expect to need compilers but that install prebuilt binaries.
PREBUILT = ("sharp", "bufferutil", "utf-8-validate", "@node-rs/bcrypt", "@node-rs/argon2", "bcryptjs")


def _version(spec: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)(?:\.(\d+))?", spec)
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def detect_native(app: App, found: Detection) -> None:
    """Propose native_build_tools from dependencies that compile on install."""
    for package, prebuilt_from in NATIVE_PACKAGES.items():
        if package not in app.deps or app.deps[package][1] == "devDependencies":
            continue
        spec = app.deps[package][0]
        version = _version(spec)
        if prebuilt_from is not None and (version is None or version >= prebuilt_from):
            continue
        found.propose(
            "native_build_tools",
            True,
            f"{app.dep_source(package)}@{spec} (may compile with node-gyp on install)",
        )
        return
    prebuilt = [p for p in (*PREBUILT, *NATIVE_PACKAGES) if p in app.deps]
    why = (
        f"{', '.join(prebuilt)} install prebuilt binaries"
        if prebuilt
        else "no dependency that compiles native code"
    )
    found.propose("native_build_tools", False, f"{app.label('package.json')}: {why}")
