"""Helpers for bench/images: a cold private store, the size floor, Fly's generator."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.apps import FixtureApp
from tests.support.containers import BuildResult, CommandFailed, Containers

FLY_GENERATOR = "@flydotio/dockerfile@0.7.10"
# The source file to edit for the warm rebuild, where it is not the entry's own source.
EDITS = {
    "nest-drizzle-npm": "src/health.controller.ts",
    "nest-prisma-npm": "src/health.controller.ts",
    "express-drizzle-pnpm": "src/index.ts",
    "fastify-yarn": "src/app.js",
}
# Production install per package manager, as the floor's reference (npm: devOptional removed,
# since an optional peer that is a devDependency is not needed in production).
_DROP_DEV_OPTIONAL = (
    'node -e \'const l=require("./package-lock.json");for(const[p,e]of Object.entries(l.packages||{}))'
    'if(p&&e.devOptional)require("fs").rmSync(p,{recursive:true,force:true})\''
)
PROD_INSTALL = {
    "npm": f"npm ci --omit=dev --ignore-scripts --no-audit --no-fund && {_DROP_DEV_OPTIONAL}",
    "pnpm": "npm install -g pnpm@{version} >/dev/null"
    " && pnpm install --prod --frozen-lockfile --ignore-scripts",
    "yarn": "yarn install --production --frozen-lockfile --ignore-scripts",
    # yarn 2+: the release the project names (yarnPath, or corepack), workspace-tools' focus.
    "yarn-berry": "{yarn} workspaces focus --all --production",
    "npm-nolock": "npm install --omit=dev --ignore-scripts --no-audit --no-fund",
}


@dataclass
class Row:
    """One fixture's measurements."""

    name: str
    size: int = 0
    floor: int = 0
    cold: float = 0.0
    warm: float = 0.0
    fly_size: int = 0
    fly_cold: float = 0.0
    fly_error: str = ""
    error: str = ""


def cold_store(main: Containers, root: Path, images: list[str]) -> Containers:
    """A fresh private store (and buildah cache-mount folder) holding only IMAGES."""
    (root / "tmp").mkdir(parents=True)
    store = Containers(root=root, env={"TMPDIR": str(root / "tmp")})
    for image in images:
        main.copy_image_to(image, store)
    return store


def edit_target(app: FixtureApp) -> str:
    """The source file (relative to the app's folder) the warm rebuild edits: EDITS, else the
    entry's source (`dist/src/main.js` and `dist/main.js` come from `src/main.ts`)."""
    if app.name in EDITS:
        return EDITS[app.name]
    entry = str(app.answers.get("entry", "dist/main.js"))
    if (app.source / app.app_dir / entry).is_file():
        return entry
    stem = entry.split("/", 1)[1].removeprefix("src/").removesuffix(".js")
    return f"src/{stem}.ts"


def edit_source(context: Path, relative: str) -> None:
    """Append a harmless, unique line to one source file."""
    path = context / relative
    stamp = f"ndw-bench-{time.time_ns()}"
    extra = f"\nexport const NDW_BENCH_EDIT = '{stamp}';\n" if path.suffix == ".ts" else f"\n// {stamp}\n"
    path.write_text(path.read_text() + extra)


def du_bytes(store: Containers, image: str, paths: list[str], workdir: str) -> int:
    """Apparent size in bytes of PATHS (relative to WORKDIR) inside IMAGE; missing paths count 0."""
    quoted = " ".join(f"'{p}'" for p in paths)
    script = f'cd \'{workdir}\' && for p in {quoted}; do [ -e "$p" ] && du -sb "$p"; done; true'
    out = store.shell_as_root(image, script).stdout
    sizes = [line.split()[0] for line in out.splitlines() if line.split()]
    return sum(int(size) for size in sizes if size.isdigit())


def production_install(app: FixtureApp, folder: Path) -> str:
    """The shell command for a production-only install of the app in FOLDER (a scaffolded copy)."""
    manager = str(app.answers.get("package_manager", "npm"))
    version = str(app.answers.get("package_manager_version", ""))
    if manager == "npm" and app.answers.get("lockfile_committed") is False:
        return PROD_INSTALL["npm-nolock"]
    if manager == "yarn" and not version.startswith("1."):
        rc = folder / ".yarnrc.yml"
        found = re.search(r"^yarnPath:\s*(\S+)", rc.read_text(), re.MULTILINE) if rc.is_file() else None
        yarn = f"node {found.group(1)}" if found else "corepack yarn"
        # .yarnrc.yml's token variables must be set for yarn to read it; this install needs none.
        tokens = "".join(f"{name}= " for name in str(app.answers.get("yarn_token_env", "")).split())
        return tokens + PROD_INSTALL["yarn-berry"].replace("{yarn}", yarn)
    return PROD_INSTALL[manager].replace("{version}", version)


def production_modules_bytes(store: Containers, app: FixtureApp, node_image: str, context: Path) -> int:
    """Size of a production-only install of APP's lockfile (the floor's node_modules), run in a
    copy of the scaffolded CONTEXT (it holds what the install needs, e.g. a yarn release)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / app.name
        shutil.copytree(context, copy, ignore=shutil.ignore_patterns("node_modules", "dist"))
        folder = copy / app.app_dir
        script = f"( {production_install(app, folder)} ) >/dev/null 2>&1; du -sb node_modules"
        result = store.podman(
            "run", "--rm", "--network", "host", "--user", "0", "-v", f"{copy}:/app",
            "-w", f"/app/{app.app_dir}", "--entrypoint", "/bin/sh", node_image, "-c", script,
        )  # fmt: skip
        return int(result.stdout.strip().splitlines()[-1].split()[0])


def build_output_paths(app: FixtureApp) -> list[str]:
    """What the app needs besides node_modules: the entry's top folder and package.json."""
    entry = str(app.answers.get("entry", "dist/main.js"))
    return [entry.split("/", 1)[0], "package.json"]


def fly_dockerfile(main: Containers, app: FixtureApp, node_image: str, dest: Path) -> Path:
    """Copy APP to DEST and run Fly's generator there with npx, on the same Node line."""
    ignore = shutil.ignore_patterns("node_modules", "dist", "ndw-answers.yml")
    shutil.copytree(app.source / app.app_dir, dest, ignore=ignore)
    main.podman(
        "run", "--rm", "--network", "host", "-v", f"{dest}:/app", "-w", "/app", node_image,
        "npx", "--yes", FLY_GENERATOR, "--force", timeout=600,
    )  # fmt: skip
    return dest


def fly_base_names(dockerfile: Path) -> list[str]:
    """The image names Fly's FROM lines expect, with ARG defaults substituted."""
    text = dockerfile.read_text()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, flags=re.MULTILINE))
    names = []
    for ref in re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE):
        name = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), ref)
        stages = re.findall(r"^FROM \S+ AS (\w+)", text, flags=re.MULTILINE | re.IGNORECASE)
        if name not in stages:
            names.append(name if "/" in name else f"docker.io/library/{name}")
    return sorted(set(names))


def build(
    store: Containers,
    context: Path,
    tag: str,
    args: dict[str, str],
    *,
    dockerfile: Path | None = None,
    secrets: dict[str, Path] | None = None,
) -> BuildResult:
    """Build, turning a failure into a short message on the exception."""
    try:
        return store.build(context, tag, args, dockerfile, timeout=1800, secrets=secrets)
    except CommandFailed as error:
        tail = [line for line in str(error).splitlines() if line.strip()][-3:]
        raise RuntimeError(" / ".join(tail)[:300]) from error


def package_json_key(context: Path) -> dict[str, object]:
    """package.json, parsed."""
    data = json.loads((context / "package.json").read_text())
    assert isinstance(data, dict)
    return data
