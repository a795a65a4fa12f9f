"""Node.js line and package manager (with the exact version to pin)."""

from __future__ import annotations

import re

from wizard.detect.app import App
from wizard.detect.model import Detection
from wizard.detect.noderange import allows_major

# The LTS lines the template offers (copier.yml node_version choices), newest first.
NODE_LINES = (26, 24, 22)
# Node runs .ts files itself (type stripping) from 23.6; of the LTS lines, 24 and newer.
TYPE_STRIPPING_MIN = 24
# nvm's names for LTS lines.
LTS_CODENAMES = {"jod": 22, "krypton": 24}

# Exact versions pinned when only a lockfile tells the package manager (never a range).
PNPM_BY_LOCKFILE = {"9": ("10.18.3", "pnpm 9 or newer"), "6": ("8.15.9", "pnpm 8"), "5": ("7.33.7", "pnpm 7")}
YARN_CLASSIC = "1.22.22"
YARN_BERRY_BY_METADATA = {"8": ("4.18.1", "yarn 4"), "6": ("3.8.7", "yarn 3"), "7": ("3.8.7", "yarn 3")}
LOCKFILES = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
BUN_LOCKFILES = ("bun.lock", "bun.lockb")


def detect_package_manager(app: App, found: Detection) -> None:
    """package.json#packageManager first (it names the exact version), else the lockfile."""
    declared = app.manifest.get("packageManager")
    source = f"{app.label('package.json')} packageManager: {declared}"
    match = re.match(r"^(npm|pnpm|yarn|bun)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)", str(declared or ""))
    if match and match.group(1) == "bun":
        found.warn(
            f"{source}: Bun is not supported; the image will be built with npm, pnpm or yarn from "
            "their own lockfile, so commit one of those or build the image yourself."
        )
    elif match:
        found.propose("package_manager", match.group(1), source)
        if match.group(1) != "npm":
            found.propose("package_manager_version", match.group(2), source)
    elif declared:
        found.warn(
            f"{source} is not `name@x.y.z`; ndw pins the version it detects from the lockfile instead."
        )

    present = [(name, manager) for name, manager in LOCKFILES if app.exists(name)]
    bun = [name for name in BUN_LOCKFILES if app.exists(name)]
    if bun and not present and not match:
        found.warn(
            f"{app.label(bun[0])}: Bun is not supported; commit a package-lock.json, pnpm-lock.yaml "
            "or yarn.lock (the image installs from that lockfile) or build the image yourself."
        )
    if len({manager for _, manager in present}) > 1:
        names = ", ".join(app.label(name) for name, _ in present)
        chosen, why = _tooling_manager(app, match.group(1) if match else None)
        if chosen in {manager for _, manager in present}:
            present.sort(key=lambda item: item[1] != chosen)
        stale = ", ".join(app.label(name) for name, manager in present if manager != present[0][1])
        found.warn(
            f"Several lockfiles ({names}): the image installs with {present[0][1]} from "
            f"{app.label(present[0][0])} ({why}); {stale} looks stale: delete it so local and "
            "container installs resolve the same versions."
        )
    if not present:
        if app.manifest:
            manager = match.group(1) if match else "npm"
            found.propose(
                "lockfile_committed",
                False,
                f"no package-lock.json, pnpm-lock.yaml or yarn.lock in {app.prefix or 'the app folder'}",
            )
            found.warn(
                "No lockfile found: the image installs without one (not frozen, so each build may resolve "
                f"different versions); run `{manager} install` once and commit its lockfile, then "
                "`ndw update --set lockfile_committed=true`."
            )
        return
    name, manager = present[0]
    found.propose("package_manager", manager, app.label(name))
    if manager == "pnpm":
        _pnpm_version(app, name, found)
    elif manager == "yarn":
        _yarn_version(app, name, found)


def _tooling_manager(app: App, declared: str | None) -> tuple[str | None, str]:
    """The package manager the project's own tooling names, and the evidence (first match wins)."""
    if declared:
        return declared, f"package.json packageManager names {declared}"
    preinstall = app.scripts.get("preinstall", "")
    allowed = re.search(r"only-allow\s+(npm|pnpm|yarn)\b", preinstall)
    if allowed:
        return allowed.group(1), f"scripts.preinstall: {preinstall}"
    for marker, manager in (
        ("pnpm-workspace.yaml", "pnpm"),
        (".yarnrc.yml", "yarn"),
        (".yarn/releases", "yarn"),
    ):
        if (app.root / marker).exists():
            return manager, f"{app.label(marker)} is pnpm's or yarn's own configuration"
    runs = " ".join(str(script) for script in app.scripts.values())
    for manager in ("pnpm", "yarn"):
        if re.search(rf"(^|[\s;&|(]){manager}\s", runs):
            return manager, f"package.json scripts run {manager}"
    return None, "the first lockfile in pnpm, yarn, npm order; nothing else names a package manager"


def pnpm_lockfile_version(head: str) -> tuple[str, str] | None:
    """(major, full) lockfileVersion from the start of a pnpm-lock.yaml, e.g. ("9", "9.0")."""
    match = re.search(r"^lockfileVersion:\s*['\"]?(\d+)(?:\.(\d+))?", head[:400], re.MULTILINE)
    if not match:
        return None
    return match.group(1), match.group(1) + (f".{match.group(2)}" if match.group(2) else "")


def yarn_metadata_version(head: str) -> str | None:
    """The `__metadata` version of a yarn berry yarn.lock (None for a yarn 1 lockfile)."""
    metadata = re.search(r"^__metadata:\s*\n\s+version:\s*(\d+)", head, re.MULTILINE)
    return metadata.group(1) if metadata else None


def _pnpm_version(app: App, name: str, found: Detection) -> None:
    parsed = pnpm_lockfile_version(app.head(name))
    if not parsed or parsed[0] not in PNPM_BY_LOCKFILE:
        return
    version, writers = PNPM_BY_LOCKFILE[parsed[0]]
    lockfile_version = parsed[1]
    found.propose(
        "package_manager_version",
        version,
        f"{app.label(name)} lockfileVersion {lockfile_version} (written by {writers}); "
        f"inferred pin {version}, set packageManager to be exact",
    )


def _yarn_version(app: App, name: str, found: Detection) -> None:
    metadata = yarn_metadata_version(app.head(name))
    if metadata or app.exists(".yarnrc.yml"):
        key = metadata or "8"
        version, line = YARN_BERRY_BY_METADATA.get(key, YARN_BERRY_BY_METADATA["8"])
        evidence = f"__metadata version {key}" if metadata else "and .yarnrc.yml"
        found.propose(
            "package_manager_version",
            version,
            f"{app.label(name)} {evidence} (yarn berry, {line}); inferred pin {version}, "
            "set packageManager to be exact",
        )
    else:
        found.propose(
            "package_manager_version",
            YARN_CLASSIC,
            f"{app.label(name)} (yarn classic v1 format); inferred pin {YARN_CLASSIC}",
        )


def runs_typescript_directly(app: App) -> tuple[str, str] | None:
    """(script name, .ts file) when a start script runs a .ts file with plain `node`."""
    from wizard.detect.entry import node_target  # noqa: PLC0415  (entry imports runtime constants)

    for script in ("start:prod", "start"):
        target = node_target(app.scripts.get(script, ""))
        if target and target.endswith((".ts", ".mts", ".cts")):
            return script, target
    return None


def detect_node_version(app: App, found: Detection) -> None:
    """.nvmrc / .node-version, else engines.node, mapped onto a supported LTS line."""
    direct = runs_typescript_directly(app)
    floor = TYPE_STRIPPING_MIN if direct else 0
    why_floor = (
        f"; {direct[1]} runs with Node's own type stripping, which needs Node {TYPE_STRIPPING_MIN}+"
        if direct
        else ""
    )
    for name in (".nvmrc", ".node-version"):
        raw = (app.text(name) or "").strip().splitlines()
        if raw:
            _from_pin(app.label(name), raw[0].strip(), floor, why_floor, found)
            break
    engines = app.manifest.get("engines")
    wanted = engines.get("node") if isinstance(engines, dict) else None
    if isinstance(wanted, str) and "node_version" not in found.findings:
        source = f"{app.label('package.json')} engines.node: {wanted}"
        allowed = [line for line in NODE_LINES if line >= floor and allows_major(wanted, line)]
        if allowed:
            note = "" if len(allowed) == 1 else " (newest supported LTS line it allows)"
            found.propose("node_version", allowed[0], source + note + why_floor)
        elif allows_major(wanted, 0) is not None or re.search(r"\d", wanted):
            found.warn(
                f"{source} allows none of the supported LTS lines ({', '.join(map(str, NODE_LINES))}); "
                "the image uses the one you choose, so test the app on it and update engines.node."
            )
    if direct and "node_version" not in found.findings:
        found.propose(
            "node_version",
            NODE_LINES[0],
            f"{app.script_source(direct[0])} (Node's own type stripping needs Node {TYPE_STRIPPING_MIN}+)",
        )


def _from_pin(label: str, pin: str, floor: int, why_floor: str, found: Detection) -> None:
    source = f"{label}: {pin}"
    lowered = pin.lower().removeprefix("lts/")
    if lowered in ("*", "node", "latest", "current", "stable"):
        found.propose("node_version", NODE_LINES[0], f"{source} (newest LTS line)")
        return
    major_match = re.match(r"^v?(\d+)", pin)
    major = LTS_CODENAMES.get(lowered) if not major_match else int(major_match.group(1))
    if major is None:
        return
    if major in NODE_LINES and major >= floor:
        found.propose("node_version", major, source)
        return
    newer = [line for line in NODE_LINES if line >= max(major, floor)]
    choice = min(newer) if newer else NODE_LINES[0]
    reason = (
        why_floor.removeprefix("; ")
        if major < floor and major in NODE_LINES
        else (f"Node {major} is not a supported LTS line")
    )
    found.propose("node_version", choice, f"{source} ({reason}; nearest newer LTS line {choice})")
    found.warn(
        f"{label} pins Node {pin}, but the image uses Node {choice} ({reason}); "
        f"test the app on Node {choice} and update {label}."
    )
