"""The configuration the app reads: environment variables, with defaults, required-ness and origin.

Sources, strongest first: validation schemas (Joi, zod, envalid, `@t3-oss/env`, class-validator
env classes), Nest's `ConfigService.get`/`getOrThrow`, `process.env` reads (dot, brackets,
destructuring, `??`/`||` defaults, `registerAs` factories), Prisma's `env()`, then the project's
`.env.example`/`.env.sample`. The variables become the `app_env` answer; the ones that name a
service compose runs (database, Redis) become `env_map`, which compose.yaml wires to that service.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from wizard.detect.app import App
from wizard.detect.model import Detection
from wizard.disk.env_block import BEGIN

MAX_SCANNED_FILES = 400
MAX_PLACES = 3
SECRET_NAME = re.compile(r"(^|_)(SECRET|KEY|PASSWORD|PASS|TOKEN)$")
# Read by Node, npm, CI or the shell, not settings of this app.
IGNORED = re.compile(r"^(PATH|HOME|PWD|HOSTNAME|CI|TZ|TERM|SHELL|USER|npm_.*|NODE_OPTIONS|JEST_.*|VITEST.*)$")
EXAMPLE_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist", "example.env")
NAME = r"[A-Z][A-Z0-9_]*"
_LITERAL = r"""(?:(?P<q>['"`])((?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)|(-?\d+(?:\.\d+)?)|(true|false))"""
_PROCESS_ENV = re.compile(
    rf"""process\.env(?:\.({NAME})\b|\[\s*['"]({NAME})['"]\s*\])"""
    rf"""(?:\s*(\?\?|\|\|)\s*{_LITERAL})?"""
)
_DESTRUCTURE = re.compile(r"(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*process\.env\b")
_CONFIG_GET = re.compile(
    rf"""\b\w*[cC]onfig\w*\s*\.\s*(get|getOrThrow)\s*(?:<[^>()]*>)?\(\s*['"]({NAME})['"]"""
    rf"""(?:\s*,\s*{_LITERAL})?"""
)
_PRISMA_ENV = re.compile(rf"""\benv\(\s*['"]({NAME})['"]\s*\)""")
# A schema entry: `NAME: Joi.string()...`, `NAME: z.string()`, `NAME: str({...})`.
_SCHEMA_KEY = re.compile(
    rf"""^[ \t]*['"]?({NAME})['"]?\s*:\s*(Joi\.|joi\.|z\.|(?:str|bool|num|email|host|port|url|json)\s*\()""",
    re.MULTILINE,
)
_ENTRY_END = re.compile(rf"""\n[ \t]*(?:['"]?{NAME}['"]?\s*:|[}}\]])""")
# class-validator env class: decorators, then `NAME!: string = 'x';`
_CLASS_FIELD = re.compile(
    rf"""((?:@\w+\([^()]*(?:\([^()]*\))?[^()]*\)\s*)+)({NAME})\s*([!?])?\s*:\s*[\w.<>| ]+?"""
    rf"""(?:\s*=\s*{_LITERAL})?\s*;"""
)
_DEFAULT_CALL = re.compile(rf"""\.default\(\s*{_LITERAL}\s*\)""")
_DEFAULT_OPTION = re.compile(rf"""\b(?:default|devDefault)\s*:\s*{_LITERAL}""")
# `function required(name) { ... process.env[name] ... }` or `const env = (key) => process.env[key]`.
_HELPER = re.compile(
    r"""(?:function\s+(\w+)\s*\(\s*(\w+)[^)]*\)|(?:const|let)\s+(\w+)\s*=\s*\(?\s*(\w+)[^)=]*\)?\s*=>)"""
)
# What compose.yaml itself reads from .env (the scaffold's own .env.example lists them).
COMPOSE_OWNED = re.compile(
    r"^(\w+_)?HOST_PORT$|^(WAIT_TIMEOUT|RUN_MIGRATIONS|POSTGRES_(USER|PASSWORD|DB)|MYSQL_(USER|PASSWORD|DATABASE|ROOT_PASSWORD)|MONGO_(USER|PASSWORD|DB))$"
)
GENERATED = "node-docker-wizard"
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")

# Variables that point at a service compose runs, by name: role in compose.yaml.
URL_ROLES = {
    "db.url": (
        "DATABASE_URL",
        "DB_URL",
        "POSTGRES_URL",
        "POSTGRESQL_URL",
        "PG_URL",
        "PG_CONNECTION_STRING",
        "DATABASE_CONNECTION_STRING",
        "MYSQL_URL",
        "MONGODB_URI",
        "MONGODB_URL",
        "MONGO_URI",
        "MONGO_URL",
    ),
    "redis.url": ("REDIS_URL", "REDIS_URI", "REDIS_CONNECTION_STRING", "CACHE_URL"),
}
PART_PREFIXES = {
    "db": ("DB_", "DATABASE_", "POSTGRES_", "POSTGRESQL_", "PG_", "PG", "TYPEORM_", "MYSQL_"),
    "redis": ("REDIS_",),
}
PART_SUFFIXES = {
    "host": ("HOST", "HOSTNAME"),
    "port": ("PORT",),
    "user": ("USER", "USERNAME"),
    "password": ("PASSWORD", "PASS"),
    "name": ("NAME", "DATABASE", "DB"),
}


@dataclass
class EnvVar:
    """One variable the app reads."""

    name: str
    required: bool = False
    default: str | None = None
    places: list[str] = field(default_factory=list)
    # A development-only switch: the value compose sets, and the devDependency it would load.
    production: str | None = None
    dev_package: str = ""

    @property
    def secret(self) -> bool:
        """Secret-looking by name (`*_SECRET`, `*_KEY`, `*_PASSWORD`, `*_TOKEN`)."""
        return bool(SECRET_NAME.search(self.name))

    def answer(self) -> dict[str, Any]:
        """The variable as an `app_env` entry."""
        entry: dict[str, Any] = {"name": self.name, "required": self.required, "secret": self.secret}
        if self.default is not None:
            entry["default"] = self.default
        entry["read"] = ", ".join(self.places[:MAX_PLACES])
        if self.production is not None:
            entry["production"] = self.production
            entry["why"] = f"{self.dev_package} is a devDependency, not in the image"
        return entry


@dataclass
class EnvReads:
    """Every variable found so far, in order of discovery."""

    variables: dict[str, EnvVar] = field(default_factory=dict)

    def add(self, name: str, place: str, *, required: bool = False, default: str | None = None) -> None:
        """Record one read of `name` at `place`."""
        if IGNORED.match(name):
            return
        var = self.variables.setdefault(name, EnvVar(name))
        var.required = var.required or required
        if var.default is None and default is not None:
            var.default = default
        if place not in var.places:
            var.places.append(place)


def _literal(match: re.Match[str], first: int) -> str | None:
    """The literal captured by _LITERAL's four groups starting at group `first`."""
    quoted, number, boolean = match.group(first + 1), match.group(first + 2), match.group(first + 3)
    if match.group(first) is not None:
        return str(quoted)
    return number if number is not None else boolean


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _scan_schema(text: str, where: str, reads: EnvReads) -> None:
    """Joi, zod (and `@t3-oss/env`), envalid entries: required unless optional or defaulted."""
    for match in _SCHEMA_KEY.finditer(text):
        name, kind = match.group(1), match.group(2)
        end = _ENTRY_END.search(text, match.end())
        body = text[match.end() : end.start() if end else len(text)]
        default_match = _DEFAULT_CALL.search(body) or _DEFAULT_OPTION.search(body)
        default = _literal(default_match, 1) if default_match else None
        if kind.lower().startswith("joi"):
            required, library = ".required()" in body, "Joi"
        elif kind.startswith("z."):
            required = default is None and not re.search(r"\.(optional|nullish)\(\)", body)
            library = "zod"
        else:
            required, library = default is None, "envalid"
        place = f"{where}:{_line(text, match.start())} ({library})"
        reads.add(name, place, required=required, default=default)


def _scan_class(text: str, where: str, reads: EnvReads) -> None:
    """class-validator env classes: decorated upper-case fields, optional with @IsOptional or `?`."""
    if "class-validator" not in text:
        return
    for match in _CLASS_FIELD.finditer(text):
        decorators, name, mark = match.group(1), match.group(2), match.group(3)
        default = _literal(match, 4)
        required = "@IsOptional" not in decorators and mark != "?" and default is None
        reads.add(name, f"{where}:{_line(text, match.start(2))} (class-validator)", required=required,
                  default=default)  # fmt: skip


def _scan_code(text: str, where: str, reads: EnvReads) -> None:
    """`process.env` reads, destructuring, ConfigService.get/getOrThrow, Prisma's env()."""
    for match in _CONFIG_GET.finditer(text):
        method, name = match.group(1), match.group(2)
        reads.add(name, f"{where}:{_line(text, match.start())} (ConfigService.{method})",
                  required=method == "getOrThrow", default=_literal(match, 3))  # fmt: skip
    for match in _PROCESS_ENV.finditer(text):
        name = match.group(1) or match.group(2)
        default = _literal(match, 4) if match.group(3) else None
        reads.add(name, f"{where}:{_line(text, match.start())}", default=default)
    for match in _DESTRUCTURE.finditer(text):
        for item in match.group(1).split(","):
            found = re.match(rf"\s*({NAME})\s*(?::\s*\w+\s*)?(?:=\s*{_LITERAL})?\s*$", item)
            if found:
                reads.add(found.group(1), f"{where}:{_line(text, match.start())}",
                          default=_literal(found, 2))  # fmt: skip
    if "prisma/config" in text:
        for match in _PRISMA_ENV.finditer(text):
            reads.add(match.group(1), f"{where}:{_line(text, match.start())} (Prisma env())", required=True)


def _helpers(texts: list[tuple[str, str]]) -> dict[str, bool]:
    """Functions that read `process.env[param]`: name -> whether they throw when it is unset."""
    found: dict[str, bool] = {}
    for _, text in texts:
        for match in _HELPER.finditer(text):
            name, param = match.group(1) or match.group(3), match.group(2) or match.group(4)
            body = text[match.end() : match.end() + 400]
            if re.search(rf"process\.env\[\s*{re.escape(param)}\s*\]", body):
                found[name] = "throw " in body or "process.exit" in body
    return found


def _scan_helper_calls(texts: list[tuple[str, str]], reads: EnvReads) -> None:
    """Calls such as `required('SESSION_SECRET')` of a helper that reads process.env[name]."""
    helpers = _helpers(texts)
    if not helpers:
        return
    names = "|".join(map(re.escape, helpers))
    call = re.compile(rf"""\b({names})\(\s*['"]({NAME})['"](?:\s*,\s*{_LITERAL})?""")
    for where, text in texts:
        for match in call.finditer(text):
            default = _literal(match, 3)
            reads.add(match.group(2), f"{where}:{_line(text, match.start())} ({match.group(1)}())",
                      required=helpers[match.group(1)] and default is None, default=default)  # fmt: skip


def _scan_examples(app: App, reads: EnvReads) -> None:
    """Names listed in the project's own `.env.example` (or `.env.sample`)."""
    for name in EXAMPLE_FILES:
        text = app.text(name)
        if not text:
            continue
        if BEGIN in text:
            text = text[: text.index(BEGIN)]  # ndw's own block in a kept file
        for number, line in enumerate(text.splitlines(), 1):
            match = _ENV_LINE.match(line)
            if match and match.group(1).isupper() and not COMPOSE_OWNED.match(match.group(1)):
                reads.add(match.group(1), f"{app.label(name)}:{number}")


_LOADS = re.compile(
    r"""(?:\bdotenv\b[\s\S]{0,40}?\.config|\bconfig|loadEnvFile|envFilePath)\s*(?:\(|:)\s*([^;]{0,240})"""
)
_LOADED_PATH = re.compile(r"""['"`]([^'"`\s]*(?:\.env[\w.-]*|\.json))['"`]""")
_COMPARED = re.compile(rf"""process\.env\.({NAME})\s*===?\s*['"](\w+)['"]""")
FALSE_FOR = {"1": "0", "true": "false", "yes": "no", "on": "off"}


def _ignored_by_git(app: App, relative: str) -> bool:
    """Whether a .gitignore of the app lists the file (then it is local, not committed configuration)."""
    name = relative.rsplit("/", 1)[-1]
    for line in (app.text(".gitignore") or "").splitlines():
        pattern = line.strip().lstrip("/")
        if (
            pattern
            and not pattern.startswith(("#", "!"))
            and (fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(relative, pattern))
        ):
            return True
    return False


def _resolve_loaded(app: App, written: str) -> str | None:
    """The file a load call names, relative to the app ('../configs/.env' from src/ -> configs/.env)."""
    parts = [part for part in written.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        if candidate and app.exists(candidate):
            return candidate
    return None


def _scan_loaded_files(app: App, texts: list[tuple[str, str]], reads: EnvReads, found: Detection) -> None:
    """Committed files the app loads at start-up (dotenv, loadEnvFile, Nest envFilePath)."""
    seen: set[str] = set()
    for where, text in texts:
        for match in _LOADS.finditer(text):
            for literal in _LOADED_PATH.findall(match.group(1)):
                loaded = _resolve_loaded(app, literal)
                if (
                    not loaded
                    or loaded in seen
                    or loaded.endswith(EXAMPLE_FILES)
                    or _ignored_by_git(app, loaded)
                ):
                    continue
                seen.add(str(loaded))
                place = f"{where}:{_line(text, match.start())}"
                _committed_file(app, str(loaded), place, reads, found)


def _committed_file(app: App, loaded: str, place: str, reads: EnvReads, found: Detection) -> None:
    """Its variables join app_env (values of non-secrets as defaults); say plainly it is not in the image."""
    name = loaded.rsplit("/", 1)[-1]
    if name.startswith(".env"):
        for number, line in enumerate((app.text(loaded) or "").splitlines(), 1):
            match = _ENV_LINE.match(line)
            if match and not SECRET_NAME.search(match.group(1)):
                value = match.group(2).strip().strip("'\"")
                reads.add(match.group(1), f"{app.label(loaded)}:{number}", default=value or None)
            elif match:
                reads.add(match.group(1), f"{app.label(loaded)}:{number}")
        found.warn(
            f"{place} loads {app.label(loaded)}, a committed file (not in .gitignore), but .dockerignore "
            "keeps .env files out of the image, so the app starts without it there; its variables are "
            "listed in .env.example so compose passes them from .env "
            "(put real secrets only in .env, never in a committed file)."
        )
    elif found.values().get("build_command"):
        _not_in_image(app, loaded, f"{place} loads {app.label(loaded)}", found)


def _not_in_image(app: App, loaded: str, why: str, found: Detection) -> None:
    """A committed file the built app reads at start-up: the runtime stage copies only the build output."""
    found.warn(
        f"{why} at start-up, but the image's runtime stage copies only the build output, package.json "
        f"and node_modules, so the app would start without it: add `COPY {app.label(loaded)} ./{loaded}` "
        "to the Dockerfile's runtime stage (or pass those settings as environment variables in .env)."
    )


def _node_config_files(app: App, found: Detection) -> None:
    """node-config (`config` package) reads config/*.json|yml from the working directory at start-up."""
    if "config" not in app.deps or not found.values().get("build_command"):
        return
    for name in ("default", "production"):
        for suffix in (".json", ".json5", ".yml", ".yaml", ".js", ".cjs", ".ts"):
            path = f"config/{name}{suffix}"
            if app.exists(path):
                reader = f"node-config ({app.dep_source('config')}) reads {app.label(path)}"
                _not_in_image(app, path, reader, found)


def _dev_only_switches(app: App, texts: list[tuple[str, str]], reads: EnvReads) -> None:
    """Variables that switch on a devDependency at run time (`LOG_PRETTY` -> pino-pretty)."""
    dev = {name for name, (_, kind) in app.deps.items() if kind == "devDependencies"}
    for _, text in texts:
        for package in dev:
            for mention in re.finditer(rf"""['"]{re.escape(package)}['"]""", text):
                lines = text[: mention.start()].count("\n")
                window = "\n".join(text.splitlines()[max(0, lines - 3) : lines + 4])
                for name in set(re.findall(rf"process\.env\.({NAME})", window)):
                    var = reads.variables.get(name)
                    if var is None:
                        continue
                    compared = dict(_COMPARED.findall(window)).get(name)
                    var.production = FALSE_FOR.get(compared.lower(), "") if compared else ""
                    var.dev_package = package


def read_env(app: App, found: Detection | None = None) -> EnvReads:
    """Every environment variable the app's code, schemas and example files name."""
    reads = EnvReads()
    files = app.source_files[:MAX_SCANNED_FILES]
    texts = [(app.label(name), app.text(name) or "") for name in files]
    texts = [(where, text) for where, text in texts if GENERATED not in text[:600]]  # ndw's own files
    for where, text in texts:
        _scan_schema(text, where, reads)
        _scan_class(text, where, reads)
    for where, text in texts:
        _scan_code(text, where, reads)
    _scan_helper_calls(texts, reads)
    _scan_loaded_files(app, texts, reads, found if found is not None else Detection())
    _dev_only_switches(app, texts, reads)
    for schema in ("prisma/schema.prisma", "schema.prisma"):
        text = app.text(schema) or ""
        for match in _PRISMA_ENV.finditer(text):
            reads.add(match.group(1), f"{app.label(schema)}:{_line(text, match.start())}", required=True)
    _scan_examples(app, reads)
    return reads


def role_of(name: str) -> str | None:
    """The compose role a variable name points at (`db.host`, `redis.url`), or None."""
    for role, names in URL_ROLES.items():
        if name in names:
            return role
    for service, prefixes in PART_PREFIXES.items():
        for prefix in prefixes:
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            for part, suffixes in PART_SUFFIXES.items():
                if rest in suffixes and not (service == "redis" and part in ("user", "name")):
                    return f"{service}.{part}"
    return None


def detect_config(app: App, found: Detection) -> None:
    """Propose `app_env` (what the app reads) and `env_map` (what compose points at its services)."""
    reads = read_env(app, found)
    _node_config_files(app, found)
    variables = list(reads.variables.values())
    if not variables:
        found.propose("app_env", [], "no process.env reads, config schema or .env.example found")
        return
    where = sorted({place.split(":")[0] for var in variables for place in var.places})
    found.propose(
        "app_env",
        [var.answer() for var in variables],
        f"{len(variables)} variables read in " + ", ".join(where[:4]) + (" ..." if len(where) > 4 else ""),
    )
    mapping = {var.name: role for var in variables if (role := role_of(var.name))}
    if mapping:
        found.propose("env_map", mapping, "variable names that point at the database or Redis")
