"""Files the app reads at run time that the build does not emit: views, static files, i18n, .proto.

A build stage's output (`dist/`) holds what the compiler emits: tsc copies no `.ejs`, `.json`
(unless imported), `.proto` or static file. The runtime image then lacks `views/` or
`public/` and the app fails on its first page. This proposes `runtime_files`: a list of
`{path, copy, why}` (paths relative to the app folder). `copy: true` entries are copied into
the runtime image beside the build output; `copy: false` ones looked likely but cannot be
copied as they are (sources the build should carry into its output), and DOCKER.md lists them.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.detect.app import App
from wizard.detect.entry import nest_cli
from wizard.detect.files import IGNORED_DIRS, clean_rel
from wizard.detect.model import Detection

# Folders apps read at run time by convention; at the app root they are copied when present.
CONVENTIONAL = ("views", "public", "static", "templates", "i18n", "locales", "proto", "protos")
# Copied from the app root only when the code names them (often design files or docs otherwise).
WHEN_NAMED = ("assets", "emails", "mail-templates", "fixtures", "data")
CODE_SUFFIXES = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".d.ts")
COPY_TOOLS = re.compile(r"\b(cp|cpx|cpy|copyfiles|copy-files|rsync|ncp|shx\s+cp)\b")
MAX_SCANNED = 300


def _named_in_code(app: App, name: str) -> str | None:
    """`src/app.ts` when a source file names `name` as a path string ('views', "../public", `i18n/`)."""
    pattern = re.compile(rf"""['"`](?:\.{{1,2}}/)*{re.escape(name)}(?:/[^'"`]*)?['"`]""")
    for relative in app.source_files[:MAX_SCANNED]:
        if relative.endswith(CODE_SUFFIXES) and pattern.search(app.text(relative) or ""):
            return relative
    return None


def _nest_assets(app: App) -> list[str]:
    """nest-cli.json compilerOptions.assets globs (strings or {include}), relative to sourceRoot."""
    options = nest_cli(app).get("compilerOptions")
    assets = options.get("assets") if isinstance(options, dict) else None
    globs: list[str] = []
    for item in assets if isinstance(assets, list) else []:
        include = item.get("include") if isinstance(item, dict) else item
        if isinstance(include, str):
            globs.append(clean_rel(include))
    return globs


def _covered_by_build(app: App, name: str, globs: list[str]) -> str | None:
    """Why the source-root folder `name` is already in the build output, or None."""
    for pattern in globs:
        if pattern.split("/")[0] in (name, "**") or pattern.startswith(f"{name}/"):
            return f"{app.label('nest-cli.json')} compilerOptions.assets: {pattern} (nest build copies it)"
    build = app.scripts.get("build", "")
    if COPY_TOOLS.search(build) and name in build:
        return f"{app.script_source('build')} (the build copies it)"
    return None


def _source_folders(app: App) -> list[tuple[str, str]]:
    """(folder, name) of conventional runtime folders inside the source root (src/i18n, src/views)."""
    source_root = clean_rel(str(nest_cli(app).get("sourceRoot") or "src"))
    base = app.root / source_root
    if not base.is_dir():
        return []
    found = []
    for child in sorted(base.rglob("*")):
        relative = child.relative_to(app.root).as_posix()
        if child.is_dir() and child.name in CONVENTIONAL and not set(relative.split("/")) & IGNORED_DIRS:
            found.append((relative, child.name))
    return found


def _loose_protos(app: App, skip: list[str]) -> list[str]:
    """`.proto` files in the source root outside folders already listed."""
    source_root = clean_rel(str(nest_cli(app).get("sourceRoot") or "src"))
    base = app.root / source_root
    if not base.is_dir():
        return []
    protos = []
    for path in sorted(base.rglob("*.proto")):
        relative = path.relative_to(app.root).as_posix()
        if not any(relative.startswith(folder + "/") for folder in skip):
            protos.append(relative)
    return protos


def detect_runtime_files(app: App, found: Detection) -> None:
    """Propose runtime_files (after build_command and entry are known)."""
    if not found.values().get("build_command"):
        found.propose(
            "runtime_files",
            [],
            "no build step: the image holds the whole app folder, views and static files included",
        )
        return
    entries: list[dict[str, Any]] = []
    out_dir = str(found.values().get("entry", "dist/main.js")).split("/")[0]
    for name in (*CONVENTIONAL, *WHEN_NAMED):
        if name == out_dir or not (app.root / name).is_dir():
            continue
        named = _named_in_code(app, name)
        if name in WHEN_NAMED and not named:
            continue
        why = f"{app.label(named)} names '{name}'" if named else f"{app.label(name)}/ (read at run time)"
        entries.append({"path": name, "copy": True, "why": why})
    reads_example = app.has("dotenv-safe") or _named_in_code(app, ".env.example")
    if reads_example and app.exists(".env.example"):
        reader = app.dep_source("dotenv-safe") if app.has("dotenv-safe") else "the code"
        entries.append({"path": ".env.example", "copy": True, "why": f"read at start-up ({reader})"})
    globs = _nest_assets(app)
    listed: list[str] = []
    for folder, name in _source_folders(app):
        listed.append(folder)
        if _covered_by_build(app, name, globs):
            continue
        entries.append(
            {
                "path": folder,
                "copy": False,
                "why": f"{app.label(folder)}/ is not compiled, so the build output lacks it; add "
                f"'{name}/**/*' to nest-cli.json compilerOptions.assets or copy it in the build script",
            }
        )
    for proto in _loose_protos(app, listed):
        if not any(p.endswith(".proto") or p.startswith("**") for p in globs):
            entries.append(
                {
                    "path": proto,
                    "copy": False,
                    "why": f"{app.label(proto)} is not compiled; add '**/*.proto' to nest-cli.json "
                    "compilerOptions.assets or copy it in the build script",
                }
            )
    if not entries:
        found.propose("runtime_files", [], f"nothing besides {out_dir}/ that the app reads at run time")
        return
    copied = [e["path"] for e in entries if e["copy"]]
    missing = [e["path"] for e in entries if not e["copy"]]
    if missing:
        found.warn(
            "Not in the build output, so the image lacks them: "
            + ", ".join(app.label(p) for p in missing)
            + " (read at run time?). Add them to nest-cli.json compilerOptions.assets or copy them "
            "in the build script; DOCKER.md lists them."
        )
    found.propose(
        "runtime_files",
        entries,
        f"read at run time, not emitted into {out_dir}/: "
        + (", ".join(copied) + " copied into the image" if copied else "none copied")
        + (f"; {', '.join(missing)} listed in DOCKER.md" if missing else ""),
    )
