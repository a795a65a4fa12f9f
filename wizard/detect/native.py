"""Native modules: does the install compile (python3, make, g++ in the build stage), on which Node line?

A native module's locked version either bundles prebuilt binaries (N-API, any Node line), or
downloads one for the running Node's ABI at install time (prebuild-install, node-pre-gyp) and
compiles with node-gyp when none exists or the download fails. Its `engines.node`, recorded in
the lockfile (npm lockfile v2/v3, pnpm-lock.yaml), lists the Node lines it was built for, so
with no `engines`/.nvmrc of its own the app gets the newest LTS line every locked native
module supports, not simply the newest LTS.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from wizard.detect.app import App
from wizard.detect.installs import NEEDS_BUILD_SCRIPT, declares_approvals
from wizard.detect.model import Detection
from wizard.detect.noderange import allows_major
from wizard.detect.runtime import NODE_LINES

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
NATIVE = (*NATIVE_PACKAGES, "sharp")
# Packages whose install scripts the image needs (engines, native addons, binary checks); pnpm 10+
# runs them only when approved, and pnpm 11 fails the install while one is unapproved.
BUILD_SCRIPTS = (
    *sorted(set(NEEDS_BUILD_SCRIPT.values())),
    "prisma",
    "esbuild",
    "sharp",
    "@swc/core",
)


def _version(spec: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)(?:\.(\d+))?", spec)
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


# A pnpm-lock.yaml `packages:` entry: `  bcrypt@6.0.0:` (v9) or `  /bcrypt@5.1.1:` (v6), quoted or not.
_PNPM_ENTRY = re.compile(r"""^  ['"]?/?((?:@[^/@\s'"]+/)?[^@\s'"/]+)@(\d[^:'"(\s]*)[^:\n]*:\s*$""", re.M)
_PNPM_ENGINES = re.compile(r"""^    engines:\s*\{[^}\n]*\bnode:\s*['"]?([^'"}\n]+?)['"]?\s*[,}]""", re.M)


class Locks:
    """The lockfile's view of installed packages: version and engines.node, read once per app.

    pnpm-lock.yaml is scanned with patterns rather than parsed: a YAML parse of a large
    workspace's lockfile alone would take longer than the whole detection may.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._npm: dict[str, Any] | None = None
        self._pnpm: dict[str, tuple[str, str | None]] | None = None

    def npm(self) -> dict[str, Any]:
        """package-lock.json (or npm-shrinkwrap.json) `packages`."""
        if self._npm is None:
            self._npm = {}
            text = self.app.text("package-lock.json") or self.app.text("npm-shrinkwrap.json")
            with contextlib.suppress(ValueError, AttributeError):
                self._npm = dict(json.loads(text or "{}").get("packages") or {})
        return self._npm

    def pnpm(self) -> dict[str, tuple[str, str | None]]:
        """name -> (version, engines.node) of the first entry per package in pnpm-lock.yaml."""
        if self._pnpm is None:
            self._pnpm = {}
            text = self.app.text("pnpm-lock.yaml") or ""
            section = text.find("\npackages:\n")
            body = text[section:] if section >= 0 else ""
            entries = list(_PNPM_ENTRY.finditer(body))
            for here, after in zip(entries, [*entries[1:], None], strict=False):
                chunk = body[here.end() : after.start() if after else len(body)]
                engines = _PNPM_ENGINES.search(chunk)
                self._pnpm.setdefault(here.group(1), (here.group(2), engines.group(1) if engines else None))
        return self._pnpm

    def locked(self, name: str) -> tuple[str, str | None, str] | None:
        """(locked version, its engines.node or None, lockfile) of a dependency."""
        entry = self.npm().get(f"node_modules/{name}")
        if isinstance(entry, dict):
            engines = entry.get("engines")
            node = engines.get("node") if isinstance(engines, dict) else None
            return str(entry.get("version", "")), str(node) if node else None, "package-lock.json"
        if name in self.pnpm():
            version, node = self.pnpm()[name]
            return version, node, "pnpm-lock.yaml"
        return None


def _node_line(app: App, found: Detection, natives: list[tuple[str, str, str | None, str]]) -> None:
    """Propose (or check) node_version against every locked native module's engines.node."""
    ranged = [(n, v, e, lf) for n, v, e, lf in natives if e]
    if not ranged:
        return
    allowed = [line for line in NODE_LINES if all(allows_major(e or "", line) for _, _, e, _ in ranged)]
    why = "; ".join(f"{n} {v} ({app.label(lf)}) engines.node: {e}" for n, v, e, lf in ranged)
    chosen = found.findings.get("node_version")
    if chosen is None and allowed:
        note = "" if allowed[0] == NODE_LINES[0] else f", not Node {NODE_LINES[0]}"
        found.propose("node_version", allowed[0], f"{why} (newest LTS line it supports{note})")
    elif chosen is not None and int(chosen.value) not in allowed:
        target = allowed[0] if allowed else "a line it supports"
        found.warn(
            f"{why}: Node {chosen.value} is outside that range, so no prebuilt binary matches and the "
            f"install compiles it from source (or fails); use Node {target}"
            " or update the package."
        )
    elif chosen is None:
        found.warn(f"{why}: allows none of the LTS lines ({', '.join(map(str, NODE_LINES))}); update it.")


def detect_native(app: App, found: Detection) -> None:
    """Propose native_build_tools, and the Node line, from the native dependencies' locked versions."""
    natives: list[tuple[str, str, str | None, str]] = []
    locks = Locks(app)
    compiles: tuple[str, str] | None = None
    for package in NATIVE:
        if package not in app.deps or app.deps[package][1] == "devDependencies":
            continue
        spec = app.deps[package][0]
        pinned = locks.locked(package)
        if pinned:
            natives.append((package, pinned[0], pinned[1], pinned[2]))
        prebuilt_from = NATIVE_PACKAGES.get(package, ())
        if prebuilt_from == ():
            continue
        version_text = pinned[0] if pinned else spec
        version = _version(version_text)
        if prebuilt_from is not None and (version is None or version >= prebuilt_from):
            continue
        if compiles is None:
            where = f" {pinned[0]} locked in {app.label(pinned[2])}" if pinned else f"@{spec}"
            compiles = (
                package,
                f"{app.dep_source(package)}{where} (downloads a prebuilt binary at install, "
                "else compiles with node-gyp: compilers in the build stages)",
            )
    _node_line(app, found, natives)
    if compiles:
        found.propose("native_build_tools", True, compiles[1])
        return
    prebuilt = [p for p in (*PREBUILT, *NATIVE_PACKAGES) if p in app.deps]
    why = (
        f"{', '.join(prebuilt)} install prebuilt binaries"
        if prebuilt
        else "no dependency that compiles native code"
    )
    found.propose("native_build_tools", False, f"{app.label('package.json')}: {why}")


def approve_builds(app: App, found: Detection) -> None:
    """Propose pnpm_allow_builds: with pnpm 10+ and no approval list, the build scripts the image needs."""
    values = found.values()
    version = str(values.get("package_manager_version", ""))
    major = int(version.split(".", maxsplit=1)[0]) if re.match(r"^\d+\.", version) else 0
    standalone = values.get("layout", "standalone") == "standalone"  # a workspace's list is at its root
    if values.get("package_manager") != "pnpm" or major < 10 or not standalone or declares_approvals(app):
        return
    locked_names = Locks(app).pnpm()
    declared = {NEEDS_BUILD_SCRIPT.get(dep, dep) for dep in app.deps} | set(app.deps)
    wanted = [name for name in BUILD_SCRIPTS if name in locked_names or name in declared]
    if not wanted:
        return
    effect = "fails the install while any is unapproved" if major >= 11 else "skips unapproved ones silently"
    found.propose(
        "pnpm_allow_builds",
        " ".join(wanted),
        f"pnpm {major} runs dependencies' build scripts only when approved ({effect}) and "
        f"{app.label('package.json')} approves none: the image approves {', '.join(wanted)}",
    )
