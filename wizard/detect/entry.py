"""Framework, build command and the production entry file."""

from __future__ import annotations

import re
import shlex
from typing import Any

from wizard.detect.app import App
from wizard.detect.files import clean_rel, read_json
from wizard.detect.model import Detection
from wizard.detect.tsconfig import TsConfig, emitted, load_tsconfig

FRAMEWORKS = (("@nestjs/core", "nestjs"), ("fastify", "fastify"), ("express", "express"))
OTHER_FRAMEWORKS = (
    "koa",
    "hono",
    "@hapi/hapi",
    "restify",
    "h3",
    "polka",
    "@adonisjs/core",
    "@feathersjs/feathers",
)
START_SCRIPTS = ("start:prod", "start", "serve")
# node options that take a separate value (`node -r dotenv/config dist/main.js`).
NODE_VALUE_FLAGS = {
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "--env-file",
    "-C",
    "--conditions",
}
MAIN_CANDIDATES = ("main", "index", "server", "app")
EXEC = {"npm": "npx", "pnpm": "pnpm exec", "yarn": "yarn"}


def node_target(command: str) -> str | None:
    """The file a script runs with `node` (`cross-env X=1 node -r a dist/main` -> dist/main.js)."""
    for segment in reversed(re.split(r"&&|\|\||;", command)):
        try:
            words = shlex.split(segment)
        except ValueError:
            continue
        if "node" not in words:
            continue
        args = words[words.index("node") + 1 :]
        if any(re.search(r"ts-node|tsx|@swc-node|esbuild-register", arg) for arg in args):
            return None  # a TypeScript loader, not Node's own type stripping: the image compiles instead
        index = 0
        while index < len(args):
            word = args[index]
            if word in NODE_VALUE_FLAGS:
                index += 2
                continue
            if word.startswith("-"):
                index += 1
                continue
            target = clean_rel(word)
            if target in ("dist", "build", "out", "lib"):
                target += "/index.js"
            elif not re.search(r"\.(c|m)?(j|t)s$", target):
                target += ".js"
            return target
    return None


def detect_framework(app: App, found: Detection) -> str | None:
    """NestJS before Fastify before Express (a Nest app also depends on its HTTP adapter)."""
    for package, framework in FRAMEWORKS:
        if package in app.deps and app.deps[package][1] != "devDependencies":
            found.propose("framework", framework, app.dep_source(package))
            return framework
    other = app.has(*OTHER_FRAMEWORKS)
    if other:
        found.warn(
            f"{app.dep_source(other)}: ndw knows NestJS, Express and Fastify only; the image runs any HTTP "
            "server started with `node <entry>`, so answer framework: express and check entry, port and "
            "health_path by hand."
        )
    return None


def nest_cli(app: App) -> dict[str, Any]:
    """nest-cli.json (or .nest-cli.json), {} when absent."""
    return read_json(app.root / "nest-cli.json") or read_json(app.root / ".nest-cli.json") or {}


def nest_projects(cli: dict[str, Any]) -> dict[str, Any]:
    """nest-cli.json's `projects` (a monorepo's apps and libraries), {} when absent."""
    projects = cli.get("projects")
    return projects if isinstance(projects, dict) else {}


def detect_build_and_entry(app: App, found: Detection, framework: str | None, manager: str) -> None:
    """Propose build_command and entry, strongest evidence first."""
    cli = nest_cli(app)
    if framework == "nestjs" and cli.get("monorepo"):
        _nest_monorepo(app, cli, found, manager)
        return
    started = next(((s, t) for s in START_SCRIPTS if (t := node_target(app.scripts.get(s, "")))), None)
    target = started[1] if started else None
    if started and target and target.endswith((".ts", ".mts", ".cts")):
        found.propose("entry", target, app.script_source(started[0]))
        found.propose(
            "build_command",
            "",
            f"{app.script_source(started[0])} (Node runs the TypeScript itself; no build)",
        )
        if "build" in app.scripts:
            found.warn(
                f"{app.script_source(started[0])} runs TypeScript directly, so the image skips "
                f"scripts.build; set build_command if the server needs it."
            )
        _type_stripping_checks(app, target, found)
        return
    _build_command(app, found, framework, manager)
    config = _tsconfig(app, cli) if app.is_typescript else None
    computed = _computed_entry(app, cli, config, framework)
    if started and target:
        found.propose("entry", target, app.script_source(started[0]))
        if config and computed and computed[0] != target and not app.exists(target):
            found.warn(
                f"{app.script_source(started[0])} starts {target}, but "
                f"{app.label(config.name)} "
                f"emits {computed[0]} ({computed[1]}); the container would fail to start, so fix the script "
                f"or set entry: {computed[0]}."
            )
        return
    if computed:
        found.propose("entry", computed[0], computed[1])


def _tsconfig(app: App, cli: dict[str, Any]) -> TsConfig | None:
    options = cli.get("compilerOptions")
    named = options.get("tsConfigPath") if isinstance(options, dict) else None
    project = re.search(r"\btsc\b.*?(?:-p|--project)[=\s]+(\S+)", app.scripts.get("build", ""))
    for name in (named, project and clean_rel(project.group(1)), "tsconfig.build.json", "tsconfig.json"):
        if isinstance(name, str) and app.exists(name):
            return load_tsconfig(app, name)
    return None


def _computed_entry(
    app: App, cli: dict[str, Any], config: TsConfig | None, framework: str | None
) -> tuple[str, str] | None:
    """(entry, why) from nest-cli.json, tsconfig and the package's main field."""
    if framework == "nestjs":
        source_root = clean_rel(str(cli.get("sourceRoot") or "src"))
        entry_file = str(cli.get("entryFile") or "main")
        source = f"{source_root}/{entry_file}.ts"
        origin = f"{app.label('nest-cli.json')} entry" if cli else "NestJS default entry"
    else:
        main = app.manifest.get("main")
        in_output = (
            config is not None
            and bool(config.out_dir)
            and clean_rel(str(main)).startswith(config.out_dir + "/")
        )
        if (
            isinstance(main, str)
            and re.search(r"\.(c|m)?js$", main)
            and (config is None or in_output or app.exists(main))
        ):
            return clean_rel(main), f"{app.label('package.json')} main: {main}"
        source_opt = _main_source(app, ".ts" if config else ".js")
        if not source_opt:
            return None
        source, origin = source_opt, "conventional entry file"
    if config is None:
        return source, f"{origin} {app.label(source)}"
    entry, why = emitted(source, config, app)
    return (
        entry,
        f"{origin} {app.label(source)} compiled by {app.label(config.name)} ({why})",
    )


def _main_source(app: App, suffix: str) -> str | None:
    for folder in ("src/", ""):
        for stem in MAIN_CANDIDATES:
            if app.exists(f"{folder}{stem}{suffix}"):
                return f"{folder}{stem}{suffix}"
    return None


def _build_command(app: App, found: Detection, framework: str | None, manager: str) -> None:
    if "build" in app.scripts:
        found.propose("build_command", f"{manager} run build", app.script_source("build"))
        return
    if not app.is_typescript:
        found.propose(
            "build_command",
            "",
            f"{app.label('package.json')} has no build script and no tsconfig.json (plain JavaScript)",
        )
        return
    nest = framework == "nestjs" and "@nestjs/cli" in app.deps
    tool = (
        "nest build"
        if nest
        else "tsc -p " + ("tsconfig.build.json" if app.exists("tsconfig.build.json") else "tsconfig.json")
    )
    command = f"{EXEC.get(manager, 'npx')} {tool}"
    found.propose(
        "build_command",
        command,
        f"proposed by ndw: TypeScript app ({app.label('tsconfig.json')}) with no build script",
    )
    found.warn(
        f'{app.label("package.json")} has no "build" script, so ndw proposes `{command}` to compile the '
        f'TypeScript in the image; add "build": "{tool}" to package.json so local and container builds agree.'
    )
    if not nest and "typescript" not in app.deps:
        found.warn(
            "The TypeScript compiler is not a dependency, so `tsc` is missing in the image's build stage; "
            "add typescript to devDependencies."
        )


def _nest_option(cli: dict[str, Any], project: str, path: str) -> Any:
    """A nest-cli.json setting as `nest build <project>` reads it: the project's over the root's."""
    for scope in (nest_projects(cli).get(project), cli):
        value: Any = scope
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            return value
    return None


def nest_builder(cli: dict[str, Any], project: str) -> str:
    """The builder `nest build <project>` runs: webpack if `webpack: true`, else `builder` (default tsc)."""
    if _nest_option(cli, project, "compilerOptions.webpack") is True:
        return "webpack"
    builder = _nest_option(cli, project, "compilerOptions.builder")
    if isinstance(builder, dict):
        builder = builder.get("type")
    return builder if isinstance(builder, str) and builder else "tsc"


def nest_project_entry(app: App, cli: dict[str, Any], project: str) -> tuple[str, str]:
    """(entry, why) for one application of a Nest monorepo, `app` being the repository root.

    webpack and rspack bundle the app into dist/<project root>/<entryFile>.js; tsc and swc keep
    the source tree below the project's outDir, relative to its tsconfig's rootDir (with Nest's
    generated rootDir "../.." that is dist/apps/<name>/apps/<name>/src/main.js).
    """
    root = clean_rel(str(_nest_option(cli, project, "root") or f"apps/{project}"))
    entry_file = str(_nest_option(cli, project, "entryFile") or "main")
    builder = nest_builder(cli, project)
    bundled = f"dist/{root}/{entry_file}.js"
    where = f"{app.label('nest-cli.json')} project {project}"
    if builder in ("webpack", "rspack"):
        return bundled, f"{where}: the {builder} builder bundles it into {bundled}"
    tsconfig = clean_rel(
        str(_nest_option(cli, project, "compilerOptions.tsConfigPath") or "tsconfig.build.json")
    )
    config = load_tsconfig(app, tsconfig) if app.exists(tsconfig) else None
    if config is None:
        return bundled, f"{where}: {builder} builder, but its tsconfig {app.label(tsconfig)} is missing"
    source_root = clean_rel(str(_nest_option(cli, project, "sourceRoot") or f"{root}/src"))
    entry, why = emitted(f"{source_root}/{entry_file}.ts", config, app)
    return entry, f"{where}: the {builder} builder compiles {source_root}/{entry_file}.ts ({why})"


def _nest_monorepo(app: App, cli: dict[str, Any], found: Detection, manager: str) -> None:
    """The whole Nest monorepo read as one app: `nest build` builds its default project."""
    projects = nest_projects(cli)
    root = clean_rel(str(cli.get("root") or ""))
    name = next(
        (n for n, p in projects.items() if isinstance(p, dict) and clean_rel(str(p.get("root", ""))) == root),
        root.rsplit("/", 1)[-1] if root else None,
    )
    if "build" in app.scripts:
        found.propose("build_command", f"{manager} run build", app.script_source("build"))
    if name:
        entry, why = nest_project_entry(app, cli, name)
        found.propose("entry", entry, f"default project {name}: {why}")
    others = sorted(
        n for n, p in projects.items() if isinstance(p, dict) and p.get("type") == "application" and n != name
    )
    if others:
        found.warn(
            f"{app.label('nest-cli.json')} is a monorepo with more applications ({', '.join(others)}); "
            f"this scaffold builds {name} only: scaffold each app in its own folder "
            f"(`ndw init --service {clean_rel(str(projects[others[0]].get('root') or others[0]))}`), "
            "or all of them with `ndw init --all-services`."
        )


def _type_stripping_checks(app: App, target: str, found: Detection) -> None:
    text = app.text(target) or ""
    if re.search(
        r"^\s*(export\s+)?enum\s|^\s*namespace\s|constructor\s*\(\s*(private|public|protected|readonly)\s",
        text,
        re.M,
    ):
        found.warn(
            f"{app.label(target)} uses enums, namespaces or parameter properties, which Node's type "
            "stripping rejects at start-up; replace them or add a build step (set build_command and entry)."
        )
