"""Framework, build command and the production entry file."""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass
from typing import Any

from wizard.detect.app import App
from wizard.detect.files import clean_rel, read_json
from wizard.detect.model import Detection
from wizard.detect.tsconfig import TsConfig, emitted, load_tsconfig, rootdir_error, typescript_major

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
# `start:api:prod`, `start:production`, `prod`: tried after START_SCRIPTS, in package.json's order.
OTHER_START_SCRIPT = re.compile(r"^(start:([\w-]+:)?prod(uction)?|start:prod(uction)?:[\w-]+|prod(uction)?)$")
SHELL_OPERATOR = re.compile(r"^(\||&|\d?>|<|>>)")
# Words the copier questions node_flags and app_args accept (no quotes or shell syntax).
PLAIN_WORD = re.compile(r"^[A-Za-z0-9_./:=@+,-]+$")
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
# How each package manager runs a tool from the installed dependencies; npx is told never to
# download one (the build stage has every devDependency; a missing tool should fail, not fetch).
# The template's partials/vars.jinja holds the same map for the files it writes.
PACKAGE_EXEC = {"npm": "npx --no-install", "pnpm": "pnpm exec", "yarn": "yarn"}


@dataclass(frozen=True)
class NodeCommand:
    """What a script runs with `node`: the file, Node's own options before it, the app's arguments after."""

    target: str
    flags: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


def node_command(command: str) -> NodeCommand | None:
    """`cross-env X=1 node -r a dist/main --prod` -> dist/main.js, ('-r', 'a'), ('--prod',)."""
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
            rest = list(itertools.takewhile(lambda w: not SHELL_OPERATOR.match(w), args[index + 1 :]))
            return NodeCommand(target, tuple(args[:index]), tuple(rest))
    return None


def node_target(command: str) -> str | None:
    """The file a script runs with `node` (`cross-env X=1 node -r a dist/main` -> dist/main.js)."""
    found = node_command(command)
    return found.target if found else None


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
    start = _start_script(app)
    started = (start[0], start[1].target) if start else None
    target = started[1] if started else None
    if start:
        _propose_run_args(app, found, *start)
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
    if config and typescript_major(app) >= 6 and (error := rootdir_error(app, config)):
        found.warn(error)
    if started and target:
        bundler = _bundler(app, cli, framework)
        if config and computed and computed[0] != target and not app.exists(target) and not bundler:
            found.propose(
                "entry",
                computed[0],
                f"{computed[1]}, not {target} from {app.script_source(started[0])}",
            )
            found.warn(
                f"{app.script_source(started[0])} starts {target}, but {app.label(config.name)} emits "
                f"{computed[0]} ({computed[1]}): the image runs {computed[0]}, what the compiler emits, "
                f"since {target} would not exist. Fix the script to `node {computed[0]}` so both agree."
            )
            return
        found.propose("entry", target, app.script_source(started[0]))
        return
    if computed:
        found.propose("entry", computed[0], computed[1])


def _start_script(app: App) -> tuple[str, NodeCommand] | None:
    """The first script that runs `node <file>`: start:prod, start, serve, then start:api:prod and kin."""
    others = [name for name in app.scripts if name not in START_SCRIPTS and OTHER_START_SCRIPT.match(name)]
    for name in (*START_SCRIPTS, *others):
        command = node_command(app.scripts.get(name, ""))
        if command:
            return name, command
    return None


def _propose_run_args(app: App, found: Detection, script: str, command: NodeCommand) -> None:
    """node_flags and app_args from the start script; --env-file is dropped (.env never enters the image)."""
    flags: list[str] = []
    words = list(command.flags)
    while words:
        word = words.pop(0)
        value = [words.pop(0)] if word in NODE_VALUE_FLAGS and words else []
        if word == "--env-file" or word.startswith("--env-file="):
            found.warn(
                f"{app.script_source(script)} loads an env file with --env-file; the image leaves it out "
                "(.env stays out of images, and Node exits when the file is missing): set the variables "
                "in the container's environment (compose's env_file does that)."
            )
            continue
        flags += [word, *value]
    unsafe = [w for w in [*flags, *command.args] if not PLAIN_WORD.match(w)]
    if unsafe:
        found.warn(
            f"{app.script_source(script)} passes {' '.join(unsafe)}, which ndw cannot put in the image's "
            "command as is; set node_flags and app_args by hand."
        )
    kept_flags = " ".join(w for w in flags if PLAIN_WORD.match(w))
    kept_args = " ".join(w for w in command.args if PLAIN_WORD.match(w))
    if kept_flags:
        found.propose("node_flags", kept_flags, app.script_source(script))
    if kept_args:
        found.propose("app_args", kept_args, app.script_source(script))


def _bundler(app: App, cli: dict[str, Any], framework: str | None) -> str | None:
    """A bundler that writes the entry itself (its output is not tsc's layout), or None."""
    match = re.search(
        r"\b(tsup|tsdown|esbuild|webpack|rollup|rspack|ncc|vite|bun build)\b", app.scripts.get("build", "")
    )
    if match:
        return match.group(1)
    if framework == "nestjs" and nest_builder(cli, "") in ("webpack", "rspack"):
        return nest_builder(cli, "")
    return None


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
    command = f"{PACKAGE_EXEC.get(manager, PACKAGE_EXEC['npm'])} {tool}"
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
