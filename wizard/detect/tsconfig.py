"""What `tsc` would emit: a tsconfig's outDir and the rootDir it uses (explicit or computed)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.detect.app import App
from wizard.detect.files import clean_rel, read_json, rel, walk_files

TS_INPUTS = (".ts", ".tsx", ".mts", ".cts")
JS_INPUTS = (".js", ".jsx", ".mjs", ".cjs")


@dataclass(frozen=True)
class TsConfig:
    """The merged settings of one tsconfig file (after `extends`), relative to the app folder."""

    name: str
    options: dict[str, Any]
    include: list[str] | None
    exclude: list[str] | None
    files: list[str] | None

    @property
    def out_dir(self) -> str:
        """outDir relative to the app ('' when tsc writes next to the sources)."""
        return clean_rel(str(self.options.get("outDir", "")))

    def root_dir(self, app: App) -> tuple[str, str]:
        """(rootDir, why): explicit, else the common folder of every input file, as tsc computes it."""
        if "rootDir" in self.options:
            return clean_rel(str(self.options["rootDir"])), f"{app.label(self.name)} rootDir"
        if typescript_major(app) >= 6:
            folder = clean_rel(str(Path(self.name).parent))
            return folder, "TypeScript 6 defaults rootDir to the tsconfig's folder"
        inputs = self.inputs(app)
        if not inputs:
            return "", "no input files"
        common = os.path.commonpath([str(Path(f).parent) for f in inputs])
        common = clean_rel(common)
        outside = sorted({f for f in inputs if not f.startswith("src/")} if common == "" else set())
        why = (
            f"{', '.join(outside[:3])} outside src/ move rootDir to the app folder"
            if outside
            else "common folder of the sources"
        )
        return common, why

    def inputs(self, app: App) -> list[str]:
        """Files tsc compiles (relative to the app), following include/exclude/files."""
        suffixes = TS_INPUTS + (JS_INPUTS if self.options.get("allowJs") else ())
        out = self.out_dir
        skip = frozenset({out.split("/")[0]}) if out else frozenset()
        include = self.include if self.include is not None else ([] if self.files else ["**/*"])
        exclude = self.exclude if self.exclude is not None else []
        include_re = [_pattern(p) for p in include]
        exclude_re = [_pattern(p) for p in exclude]
        found = {clean_rel(f) for f in self.files or []}
        names = [rel(path, app.root) for path in walk_files(app.root, suffixes, skip)]
        for name in [*names, *app.generated_sources]:
            if any(r.match(name) for r in include_re) and not any(r.match(name) for r in exclude_re):
                found.add(name)
        return sorted(found)


def _pattern(glob: str) -> re.Pattern[str]:
    """A tsconfig include/exclude pattern as a regex ('src' also matches everything below it)."""
    glob = clean_rel(glob)
    out = ""
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
        elif glob.startswith("**", index):
            out, index = out + ".*", index + 2
        elif glob[index] == "*":
            out, index = out + "[^/]*", index + 1
        elif glob[index] == "?":
            out, index = out + "[^/]", index + 1
        else:
            out, index = out + re.escape(glob[index]), index + 1
    last = glob.rsplit("/", 1)[-1]
    if "*" not in last and "." not in last:
        out += "(?:/.*)?"
    return re.compile(f"^{out}$")


def load_tsconfig(app: App, name: str) -> TsConfig | None:
    """Read `name` (relative to the app) and the local files it extends."""
    options: dict[str, Any] = {}
    lists: dict[str, list[str] | None] = {"include": None, "exclude": None, "files": None}
    chain: list[tuple[Path, dict[str, Any]]] = []
    path: Path | None = app.root / name
    while path is not None and len(chain) < 8:
        data = read_json(path)
        if data is None:
            break
        chain.append((path, data))
        parent = data.get("extends")
        path = (path.parent / parent) if isinstance(parent, str) and parent.startswith(".") else None
        if path is not None and path.suffix != ".json":
            path = path.with_name(path.name + ".json")
    if not chain:
        return None
    for config_path, data in reversed(chain):
        base = config_path.parent
        compiler = data.get("compilerOptions") if isinstance(data.get("compilerOptions"), dict) else {}
        for key, value in compiler.items():
            is_dir = key in ("outDir", "rootDir") and isinstance(value, str)
            options[key] = rel(base / value, app.root) if is_dir else value
        for key in lists:
            if isinstance(data.get(key), list):
                lists[key] = [rel(base / str(item), app.root) for item in data[key]]
    return TsConfig(name, options, lists["include"], lists["exclude"], lists["files"])


def emitted(source: str, config: TsConfig, app: App) -> tuple[str, str]:
    """(the .js file tsc emits for `source`, why)."""
    root, why = config.root_dir(app)
    inside = source[len(root) + 1 :] if root and source.startswith(root + "/") else source
    suffix = Path(inside).suffix
    stem = inside[: -len(suffix)] if suffix else inside
    js = {".mts": ".mjs", ".cts": ".cjs"}.get(suffix, ".js")
    out = config.out_dir
    where = f"outDir {out or '.'}, rootDir {root or '.'}: {why}"
    return (f"{out}/{stem}{js}" if out else f"{stem}{js}"), where


def typescript_major(app: App) -> int:
    """The major version of the typescript dependency's range (`~6.0.2` -> 6), 0 when unknown."""
    spec = app.deps.get("typescript", ("", ""))[0]
    match = re.match(r"^\D*(\d+)", spec)
    return int(match.group(1)) if match else 0


def rootdir_error(app: App, config: TsConfig) -> str | None:
    """TypeScript 6's TS5011 (its sources' common folder is not the default rootDir), or None."""
    if "rootDir" in config.options or not config.out_dir:
        return None
    inputs = config.inputs(app)
    if not inputs:
        return None
    common = clean_rel(os.path.commonpath([str(Path(f).parent) for f in inputs]))
    folder = clean_rel(str(Path(config.name).parent))
    if common == folder:
        return None
    return (
        f"{app.label(config.name)} sets outDir but no rootDir, and its sources' common folder is "
        f"{common or '.'}: TypeScript 6 stops the build with error TS5011. "
        f'Set "rootDir": "./{common}" in compilerOptions (the entry is then below {config.out_dir}/).'
    )
