"""What is in the image: size against its floor, the entry file, and files that should not ship.

Pure: every check reads an ImageContents (layers.py) and the service's package.json and returns
report Steps. A finding names each offending path and the layer that added it; a secret or a
devDependency fails, clutter (sources, tests, caches, a package manager, a large image) warns.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wizard.verify.layers import Entry, ImageContents
from wizard.verify.report import Status, Step, human_size

SHOWN = 5  # offending paths named in the table; the JSON report lists them all
RATIO_WARN = 1.25
ENV_KEPT = (".env.example", ".env.sample", ".env.template", ".env.defaults")
KEY_NAMES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
TS_SOURCE = re.compile(r"\.(?:ts|mts|cts|tsx)$")
TEST_FOLDERS = ("test", "tests", "__tests__", "__mocks__", "spec", "e2e")
TEST_FILE = re.compile(r"\.(?:test|spec|e2e-spec)\.[cm]?[jt]sx?$")
CACHE_MARKERS = (
    "/.npm/_cacache", "/.cache/yarn", "/.yarn/cache", "/.yarn/berry/cache", "/.local/share/pnpm/store",
    "/.pnpm-store", "/.cache/pnpm", "/usr/local/share/.cache/yarn", "/.cache/node/corepack",
)  # fmt: skip
PACKAGE_MANAGERS = ("npm", "npx", "yarn", "yarnpkg", "pnpm", "pnpx", "corepack")
PM_PATHS = tuple(f"/usr/local/bin/{name}" for name in PACKAGE_MANAGERS) + tuple(
    f"/usr/local/lib/node_modules/{name}" for name in ("npm", "corepack", "yarn", "pnpm")
)
YARN_DIRS = "/opt/yarn-v*"
# What the checks need from the base image's layers (the package managers); nothing else is read there.
BASE_PATTERNS = (*PM_PATHS, YARN_DIRS)
NODE_VALUE_FLAGS = ("-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file")


def _in_node_modules(path: str) -> bool:
    return "/node_modules/" in path + "/"


def _under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return folder in ("/", path) or path.startswith(folder + "/")


def _where(contents: ImageContents, entry: Entry) -> str:
    made = contents.layer(entry.layer).created_by
    made = re.sub(r"^/bin/sh -c (#\(nop\) )?", "", made).strip()
    made = re.sub(r"\s+", " ", made)
    return f"layer {entry.layer}" + (f" ({made[:60]})" if made else "")


def _finding(
    name: str, status: Status, contents: ImageContents, found: list[Entry], *, what: str, hint: str
) -> Step:
    """A step for FOUND entries (passed when there are none)."""
    if not found:
        return Step(name, "passed", detail=f"no {what}", data={"paths": []})
    listed = [{"path": entry.path, "layer": entry.layer} for entry in found]
    shown = ", ".join(f"{entry.path} ({_where(contents, entry)})" for entry in found[:SHOWN])
    more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return Step(name, status, detail=f"{what}: {shown}{more}", hint=hint, data={"paths": listed})


def _top(entries: Iterable[Entry], roots: Iterable[str]) -> list[Entry]:
    """ENTRIES reduced to the first one under each root path (a folder stands for its files)."""
    chosen: dict[str, Entry] = {}
    for entry in entries:
        for root in roots:
            if _under(entry.path, root) and root not in chosen:
                chosen[root] = entry
    return list(chosen.values())


# ---- size


def _top_package(path: str) -> str | None:
    """The package a path in a top-level node_modules belongs to (`@scope/name` or `name`)."""
    head, _, rest = path.partition("/node_modules/")
    if not rest or "/node_modules/" in head + "/":
        return None
    parts = rest.split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") and len(parts) > 1 else parts[0]


def production_modules_size(contents: ImageContents, production: set[str]) -> int:
    """Bytes of node_modules in the app folder, without the packages no production dependency needs."""
    total = 0
    for path, entry in contents.final.items():
        if not _under(path, contents.workdir) or not _in_node_modules(path):
            continue
        package = _top_package(path)
        if (
            package is None
            or package.startswith(".")
            or package in production
            or package not in contents.packages
        ):
            total += entry.size
    return total


def size_step(
    contents: ImageContents, base: str | None, output_dirs: list[str], production: set[str]
) -> Step:
    """Size, layers, bytes over the base, and the floor: base + production node_modules + output."""
    workdir = contents.workdir
    modules = production_modules_size(contents, production)
    output = sum(contents.tree_size(posixpath.join(workdir, folder)) for folder in output_dirs)
    data: dict[str, Any] = {
        "size_bytes": contents.size, "layers": len(contents.layers), "base": base,
        "base_layers": sum(1 for layer in contents.layers if layer.base),
        "user": contents.user, "entrypoint": contents.entrypoint, "cmd": contents.cmd,
    }  # fmt: skip
    detail = f"{human_size(contents.size)} in {len(contents.layers)} layers"
    if not contents.base_known:
        data.update(
            base_bytes=None, added_bytes=None, node_modules_bytes=None, output_bytes=None, floor_bytes=None,
            ratio=None,
        )  # fmt: skip
        return Step(
            "image", "warning", detail=f"{detail}; base image {base or '?'} not found locally", data=data,
            hint="Without the base image's layers ndw cannot tell what the Dockerfile added: "
            f"pull it ({base or 'the FROM image'}) and run verify again.",
        )  # fmt: skip
    floor = contents.base_size + modules + output
    ratio = contents.size / floor if floor else 0.0
    added = contents.size - contents.base_size
    data.update(
        base_bytes=contents.base_size, added_bytes=added, node_modules_bytes=modules, output_bytes=output,
        floor_bytes=floor, ratio=round(ratio, 3),
    )  # fmt: skip
    detail += f", {human_size(added)} over the base; {ratio:.2f}x the floor ({human_size(floor)})"
    if ratio > RATIO_WARN:
        return Step(
            "image", "warning", detail=detail, data=data,
            hint="The image is larger than the base, production node_modules and the build output "
            "together: look at the largest layers (`docker history IMAGE`); a COPY of the whole "
            "context, devDependencies or a cache left in a RUN layer are the usual causes.",
        )  # fmt: skip
    return Step("image", "passed", detail=detail, data=data)


# ---- the entry file


def entry_script(argv: list[str]) -> str | None:
    """The script Node runs in ENTRYPOINT + CMD (`node --enable-source-maps dist/main.js` -> dist/main.js)."""
    for index, arg in enumerate(argv):
        if posixpath.basename(arg) == "node":
            rest = argv[index + 1 :]
            skip = False
            for item in rest:
                if skip:
                    skip = False
                    continue
                if item in NODE_VALUE_FLAGS:
                    skip = True
                    continue
                if item.startswith("-"):
                    continue
                return item
            return None
    return None


OUTPUT_FOLDERS = ("dist", "build", "out", "lib", "src", ".output")


def output_dirs(script: str | None) -> list[str]:
    """What the floor counts as the app's own code: the entry's output folder and package.json."""
    if not script:
        return ["package.json"]
    parts = posixpath.normpath(script).split("/")
    for index, part in enumerate(parts[:-1]):
        if part in OUTPUT_FOLDERS:
            return ["/".join(parts[: index + 1]), "package.json"]
    folder = posixpath.dirname(posixpath.normpath(script))
    return [folder or script, "package.json"]


def entry_step(contents: ImageContents) -> Step:
    """The file ENTRYPOINT/CMD has Node run is in the image."""
    argv = [*contents.entrypoint, *contents.cmd]
    script = entry_script(argv)
    if script is None:
        return Step("entry", "skipped", detail="the command runs no script through node", data={"argv": argv})
    path = posixpath.normpath(posixpath.join(contents.workdir, script))
    data: dict[str, Any] = {"script": script, "path": path, "argv": argv}
    if path in contents.final:
        return Step("entry", "passed", detail=f"node runs {script}, which is in the image", data=data)
    built = sorted(
        name
        for name in contents.final
        if posixpath.dirname(name) == posixpath.dirname(path) and name.endswith((".js", ".mjs", ".cjs"))
    )
    near = f"; next to it: {', '.join(posixpath.basename(name) for name in built[:SHOWN])}" if built else ""
    return Step(
        "entry", "failed", detail=f"node runs {script}, but {path} is not in the image{near}", data=data,
        hint="The start command names a file the build does not produce: set `entry` to the file "
        "the build writes (see the build output folder) and run `ndw update`.",
    )  # fmt: skip


# ---- files that should not ship


def secrets_step(contents: ImageContents) -> Step:
    """`.env` files, `.npmrc` and private keys in any layer the Dockerfile added."""
    found = []
    for entry in contents.added_entries():
        if entry.kind != "file" or _in_node_modules(entry.path):
            continue
        leaf = posixpath.basename(entry.path)
        dotenv = (leaf == ".env" or leaf.startswith(".env.")) and leaf not in ENV_KEPT
        key = leaf.endswith((".pem", ".key")) and b"PRIVATE KEY" in contents.texts.get(entry.path, b"")
        if dotenv or key or leaf == ".npmrc" or leaf in KEY_NAMES:
            found.append(entry)
    return _finding(
        "secrets", "failed", contents, found, what="secrets in the image",
        hint="Anyone who pulls the image can read them, even where a later layer deletes them. Keep "
        "them out of the build context (.dockerignore: **/.env, **/.env.*, **/.npmrc, **/*.pem), "
        "pass build-time tokens with `--secret`, and give the container its variables at run time.",
    )  # fmt: skip


def manifests(service_dir: Path) -> tuple[set[str], set[str]]:
    """(dependencies, devDependencies) of the service's package.json."""
    try:
        data = json.loads((service_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set(), set()
    if not isinstance(data, dict):
        return set(), set()

    def names(key: str) -> set[str]:
        value = data.get(key)
        return set(value) if isinstance(value, dict) else set()

    return names("dependencies") | names("optionalDependencies"), names("devDependencies")


def _reachable(roots: set[str], packages: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(packages.get(name, ()))
    return seen


def dev_dependencies_step(contents: ImageContents, service_dir: Path) -> Step:
    """devDependencies installed in a top-level node_modules that no production dependency needs."""
    dependencies, dev = manifests(service_dir)
    wanted = dev - _reachable(dependencies, contents.packages)
    found = []
    for entry in contents.added_entries():
        if entry.kind == "whiteout" or not entry.path.endswith("/package.json"):
            continue
        folder = posixpath.dirname(entry.path)
        parent, name = posixpath.split(folder)
        if posixpath.basename(parent).startswith("@"):
            parent, scope = posixpath.split(parent)
            name = f"{scope}/{name}"
        if posixpath.basename(parent) != "node_modules" or _in_node_modules(posixpath.dirname(parent)):
            continue
        if name in wanted and entry.path in contents.final:
            found.append(Entry(folder, entry.layer, entry.size, "dir"))
    return _finding(
        "dev-dependencies", "failed", contents, found, what="devDependencies in the runtime image",
        hint="Copy node_modules into the runtime stage from a production-only install (the scaffold's "
        "`prod-deps` stage), not from the full install or the build context.",
    )  # fmt: skip


def sources_step(contents: ImageContents, runs_typescript: bool) -> Step:
    """TypeScript sources in the app folder (unless Node runs them itself, by type stripping)."""
    if runs_typescript:
        return Step("sources", "passed", detail="Node runs the TypeScript sources itself (type stripping)")
    found = [
        entry
        for entry in contents.added_entries()
        if entry.kind == "file"
        and _under(entry.path, contents.workdir)
        and not _in_node_modules(entry.path)
        and TS_SOURCE.search(entry.path)
        and not entry.path.endswith(".d.ts")
    ]
    return _finding(
        "sources", "warning", contents, found, what="TypeScript sources in the image",
        hint="Only the build output runs: copy the compiled folder (`COPY --from=build /app/dist ./dist`) "
        "instead of the whole context, or list src/ in .dockerignore for the runtime stage.",
    )  # fmt: skip


def tests_step(contents: ImageContents) -> Step:
    """Test folders and test files of the app (a folder stands for everything in it)."""
    found: dict[str, Entry] = {}
    workdir = contents.workdir.rstrip("/")
    for entry in contents.added_entries():
        path = entry.path
        if entry.kind == "whiteout" or not _under(path, contents.workdir) or _in_node_modules(path):
            continue
        parts = path[len(workdir) :].strip("/").split("/")
        inside = next((index for index, part in enumerate(parts) if part in TEST_FOLDERS), None)
        if inside is not None and (inside < len(parts) - 1 or entry.kind == "dir"):
            folder = "/".join([workdir, *parts[: inside + 1]])
            found.setdefault(folder, Entry(folder, entry.layer, entry.size, "dir"))
        elif entry.kind == "file" and TEST_FILE.search(path):
            found.setdefault(path, entry)
    return _finding(
        "tests", "warning", contents, list(found.values()), what="tests in the image",
        hint="Tests do not run in production: add them to .dockerignore (test/, **/*.spec.ts) or copy "
        "only what runs.",
    )  # fmt: skip


def caches_step(contents: ImageContents) -> Step:
    """Package-manager caches left in a layer."""
    roots: list[str] = []
    for entry in contents.added_entries():
        for marker in CACHE_MARKERS:
            at = entry.path.find(marker)
            if at >= 0 and entry.kind != "whiteout":
                roots.append(entry.path[: at + len(marker)])
    found = _top(contents.added_entries(), dict.fromkeys(roots))
    return _finding(
        "caches", "warning", contents, found, what="package-manager caches in the image",
        hint="Install with a cache mount (`RUN --mount=type=cache,target=...`) or clean the cache in the "
        "same RUN; a cache in a layer only adds size.",
    )  # fmt: skip


def package_manager_step(contents: ImageContents) -> Step:
    """npm, yarn, pnpm or corepack still in the final image (the service never calls them)."""
    present = [contents.final[path] for path in PM_PATHS if path in contents.final]
    present += [entry for path, entry in contents.final.items() if fnmatch.fnmatchcase(path, YARN_DIRS)]
    if not present:
        return Step(
            "package-manager", "passed", detail="no package manager in the final image", data={"paths": []}
        )
    return _finding(
        "package-manager", "warning", contents, present, what="a package manager in the image",
        hint="The service never calls it, an intruder could: delete it in the runtime stage (`RUN rm -rf "
        "/usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack`) or "
        "use the distroless flavor.",
    )  # fmt: skip


def inspect_steps(
    contents: ImageContents, service_dir: Path, base: str | None, runs_typescript: bool
) -> list[Step]:
    """Every image check, in report order."""
    script = entry_script([*contents.entrypoint, *contents.cmd])
    production = _reachable(manifests(service_dir)[0], contents.packages)
    return [
        size_step(contents, base, output_dirs(script), production),
        entry_step(contents),
        secrets_step(contents),
        dev_dependencies_step(contents, service_dir),
        sources_step(contents, runs_typescript),
        tests_step(contents),
        caches_step(contents),
        package_manager_step(contents),
    ]
