"""ORM, database, driver, Redis, migrations folder and schema/config path."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from wizard.detect.app import App
from wizard.detect.files import clean_rel
from wizard.detect.model import Detection

PRISMA_PROVIDERS = {
    "mongodb": "mongodb",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "sqlite": "sqlite",
}
DRIZZLE_DIALECTS = {"postgresql": "postgresql", "mysql": "mysql", "sqlite": "sqlite"}
DRIVERS = (
    ("pg", "postgresql"),
    ("postgres", "postgresql"),
    ("mysql2", "mysql"),
    ("better-sqlite3", "sqlite"),
)
# Drivers used without an ORM (or by TypeORM, Knex, Sequelize, MikroORM): database only.
PLAIN_DRIVERS = (*DRIVERS, ("mysql", "mysql"), ("sqlite3", "sqlite"))
REDIS_CLIENTS = (
    "ioredis",
    "redis",
    "bullmq",
    "bull",
    "@nestjs/bullmq",
    "@nestjs/bull",
    "@keyv/redis",
    "connect-redis",
)
MONGO_CLIENTS = ("mongoose", "mongodb", "@nestjs/mongoose", "@typegoose/typegoose")
# knex `client` names -> database.
KNEX_CLIENTS = {
    "pg": "postgresql",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "pgnative": "postgresql",
    "mysql": "mysql",
    "mysql2": "mysql",
    "sqlite3": "sqlite",
    "better-sqlite3": "sqlite",
}
KNEX_FILES = ("knexfile.js", "knexfile.ts", "knexfile.cjs", "knexfile.mjs")
_KNEX_CLIENT = re.compile(r"""\bclient\s*[:=]\s*(?:[\w.]*env\.\w+\s*(?:\?\?|\|\|)\s*)?['"]([\w-]+)['"]""")
# `if (process.env.REDIS_URL)`, `process.env.REDIS_URL ? new Redis(...) : ...`, `REDIS_URL && ...`.
_REDIS_GUARD = re.compile(
    r"""(?:if\s*\(\s*!?\s*(?:[\w.]*env\.|\w+\.)?(REDIS_\w+)\s*\)|(?:env\.)(REDIS_\w+)\s*(?:\?[^?.]|&&))"""
)
UNSUPPORTED_DATABASES = {
    "@libsql/client": "libSQL/Turso",
    "mssql": "SQL Server",
    "tedious": "SQL Server",
    "oracledb": "Oracle",
    "cassandra-driver": "Cassandra",
}
OTHER_DRIZZLE_DRIVERS = (
    "@libsql/client",
    "@neondatabase/serverless",
    "@planetscale/database",
    "@vercel/postgres",
)
DRIZZLE_CONFIGS = (
    "drizzle.config.ts",
    "drizzle.config.js",
    "drizzle.config.mjs",
    "drizzle.config.cjs",
    "drizzle.config.mts",
    "drizzle.config.json",
)


def _string_field(text: str, key: str) -> str | None:
    """`key: 'value'` (or "value", `value`) in a JS/TS config object; None when not a literal."""
    match = re.search(rf"""(?<![\w.]){key}\s*:\s*(['"`])([^'"`]+)\1""", text)
    return match.group(2) if match else None


PRISMA_CONFIGS = ("prisma.config.ts", "prisma.config.mts", "prisma.config.js", "prisma.config.mjs")


def _has_orm_files(app: App) -> bool:
    """A Prisma schema or config, or a Drizzle config, in the app's own folder."""
    if app.has("@prisma/client", "prisma"):
        return _prisma_schema(app) is not None
    return app.has("drizzle-orm") is not None and _drizzle_config(app) is not None


def orm_home(app: App, elsewhere: Sequence[App]) -> App:
    """Where a workspace service's ORM lives: the service itself, else the first of `elsewhere`
    (its workspace packages, then the repository root) holding a Prisma schema or Drizzle config."""
    if _has_orm_files(app):
        return app
    return next((other for other in elsewhere if _has_orm_files(other)), app)


def detect_data(app: App, found: Detection, elsewhere: Sequence[App] = ()) -> None:
    """Prisma, else Drizzle, else plain drivers; then Redis.

    `elsewhere` (workspace services, Nest monorepo apps): the packages and the root where the
    schema or config may live instead; the folder found is proposed as orm_dir.
    """
    home = orm_home(app, elsewhere)
    if elsewhere or home is not app:
        found.propose(
            "orm_dir",
            home.prefix or ".",
            f"{home.prefix or 'the repository root'} holds the Prisma schema or Drizzle config",
        )
    if home.has("@prisma/client", "prisma"):
        _prisma(home, found)
    elif home.has("drizzle-orm"):
        _drizzle(home, found)
        _deployed_orm_package(app, home, found)
        _root_orm_deps(app, home, found)
    else:
        found.propose("orm", "none", f"{app.label('package.json')}: no prisma or drizzle-orm dependency")
        if app.has("knex"):
            _knex(app, found)
        mongo = app.has(*MONGO_CLIENTS)
        if mongo and app.deps[mongo][1] != "devDependencies":
            found.propose("database", "mongodb", app.dep_source(mongo))
        # Drivers the app must have first: an optional one (`pg` beside a SQLite default) is a choice.
        for package, database in sorted(PLAIN_DRIVERS, key=lambda d: _optional(app, d[0])):
            if package in app.deps and app.deps[package][1] != "devDependencies":
                found.propose("database", database, app.dep_source(package))
                break
    for package, name in UNSUPPORTED_DATABASES.items():
        if package in app.deps and "database" not in found.findings:
            found.warn(
                f"{app.dep_source(package)}: {name} is not one of the databases compose can start "
                "(PostgreSQL, MySQL, SQLite, MongoDB); point the service at your own instance with "
                "environment variables."
            )
    client = app.has(*REDIS_CLIENTS)
    guard = _redis_guard(app, client) if client else None
    if client and guard:
        found.propose(
            "redis",
            False,
            f"{app.dep_source(client)}, used only when {guard[0]} is set ({guard[1]}): optional, so "
            "compose starts no Redis; set redis true to run one",
        )
    found.propose(
        "redis",
        bool(client),
        app.dep_source(client) if client else f"{app.label('package.json')}: no Redis client dependency",
    )


def _deployed_orm_package(app: App, home: App, found: Detection) -> None:
    """pnpm: the name `pnpm deploy` gives the shared package holding the Drizzle config in node_modules."""
    name = home.manifest.get("name")
    if home is app or not home.prefix or found.values().get("package_manager") != "pnpm":
        return
    if isinstance(name, str) and name:
        found.propose("orm_package", name, f"{home.label('package.json')} name")


def _root_orm_deps(app: App, home: App, found: Detection) -> None:
    """pnpm, Drizzle config at the root: does the service list drizzle-orm and the driver itself?

    `pnpm deploy` copies only the service's own dependencies into the image, where the migrator
    loads them; the root's stay out.
    """
    if home is app or home.prefix or found.values().get("package_manager") != "pnpm":
        return
    driver = str(found.values().get("db_driver") or "pg")
    missing = [p for p in ("drizzle-orm", driver) if app.deps.get(p, ("", ""))[1] != "dependencies"]
    where = app.label("package.json")
    if not missing:
        found.propose("orm_deps_in_app", True, f"{where} dependencies: drizzle-orm, {driver}")
        return
    found.propose("orm_deps_in_app", False, f"{where}: no {' or '.join(missing)} in dependencies")
    found.warn(
        f"The Drizzle config is at the repository root, but {where} does not list {' and '.join(missing)} "
        "in dependencies: `pnpm deploy` leaves the root's dependencies out of the image, so the migrator "
        f"would not find them. Add {' and '.join(missing)} to the service's dependencies."
    )


def _optional(app: App, package: str) -> bool:
    """Is `package` declared in optionalDependencies (the app runs without it)?"""
    return package in app.deps and app.deps[package][1] == "optionalDependencies"


def _knex(app: App, found: Detection) -> None:
    """The database of knex's client: the knexfile, else the code that calls knex({ client })."""
    files = [name for name in KNEX_FILES if app.exists(name)]
    files += [f for f in app.source_files[:300] if f not in files and "knex" in (app.text(f) or "")]
    for name in files:
        match = _KNEX_CLIENT.search(app.text(name) or "")
        if match and match.group(1) in KNEX_CLIENTS:
            database = KNEX_CLIENTS[match.group(1)]
            optional = [p for p, d in PLAIN_DRIVERS if _optional(app, p) and d != database]
            extra = f"; {', '.join(optional)} optional" if optional else ""
            found.propose(
                "database", database, f"{app.label(name)}: knex client {match.group(1)} by default{extra}"
            )
            return


def _redis_guard(app: App, client: str) -> tuple[str, str] | None:
    """(variable, file) when the code that loads `client` runs only if a REDIS_* variable is set."""
    for name in app.source_files[:300]:
        text = app.text(name) or ""
        if f"'{client}'" not in text and f'"{client}"' not in text:
            continue
        match = _REDIS_GUARD.search(text)
        return (match.group(1) or match.group(2), app.label(name)) if match else None
    return None


def _prisma_schema(app: App) -> tuple[str, str] | None:
    """(schema file or folder, why) from prisma.config.ts, package.json#prisma.schema or the defaults."""
    for config in PRISMA_CONFIGS:
        text = app.text(config)
        if text and (schema := _string_field(text, "schema")):
            return clean_rel(schema), f"{app.label(config)} schema: {schema}"
    section = app.manifest.get("prisma")
    if isinstance(section, dict) and isinstance(section.get("schema"), str):
        return clean_rel(section["schema"]), f"{app.label('package.json')} prisma.schema: {section['schema']}"
    for default in ("prisma/schema.prisma", "schema.prisma", "prisma/schema"):
        if (app.root / default).exists():
            return default, app.label(default)
    return None


def _prisma_text(app: App, schema: str) -> str:
    path = app.root / schema
    if path.is_dir():
        return "\n".join(app.text(p.relative_to(app.root)) or "" for p in sorted(path.glob("*.prisma")))
    return app.text(schema) or ""


def _prisma(app: App, found: Detection) -> None:
    package = app.has("@prisma/client", "prisma") or "prisma"
    found.propose("orm", "prisma", app.dep_source(package))
    config = next((c for c in PRISMA_CONFIGS if app.exists(c)), None)
    located = _prisma_schema(app)
    if config:
        found.propose("schema_path", config, app.label(config))
    elif located and not (app.root / located[0]).is_dir():
        found.propose("schema_path", located[0], located[1])
    if not located:
        found.warn(
            "Prisma is a dependency but no schema.prisma was found; `prisma generate` in the image will fail."
        )
        return
    schema = located[0]
    text = _prisma_text(app, schema)
    datasource = re.search(r"datasource\s+\w+\s*\{([^}]*)\}", text)
    provider = re.search(r"""provider\s*=\s*["'](\w+)["']""", datasource.group(1)) if datasource else None
    label = app.label(schema)
    if provider and provider.group(1) in PRISMA_PROVIDERS:
        found.propose(
            "database",
            PRISMA_PROVIDERS[provider.group(1)],
            f"{label} datasource provider: {provider.group(1)}",
        )
        if provider.group(1) == "mongodb":
            found.propose(
                "migrations",
                "none",
                f"{label} datasource provider: mongodb (prisma migrate does not support MongoDB; "
                "indexes are applied with `prisma db push`)",
            )
    elif provider:
        found.warn(
            f"{label} datasource provider {provider.group(1)} is not one compose can start "
            "(postgresql, mysql, sqlite, mongodb); choose database yourself and point DATABASE_URL at "
            "your server."
        )
    config_text = (app.text(config) or "") if config else ""
    block = re.search(r"migrations\s*:\s*\{([^}]*)\}", config_text)
    migrations = _string_field(block.group(1), "path") if block else None
    schema_dir = schema if (app.root / schema).is_dir() else schema.rpartition("/")[0]
    if migrations:
        found.propose(
            "migrations_dir",
            clean_rel(migrations),
            f"{app.label(config or '')} migrations.path: {migrations}",
        )
    else:
        folder = f"{schema_dir}/migrations" if schema_dir else "migrations"
        found.propose("migrations_dir", folder, f"next to {label} (Prisma's default)")
    _prisma_generator(app, found, text, label, schema_dir)


def _prisma_generator(app: App, found: Detection, text: str, label: str, schema_dir: str) -> None:
    """Where the client is generated, and whether it loads the Rust query engine (OpenSSL)."""
    for generator in re.finditer(r"generator\s+(\w+)\s*\{([^}]*)\}", text):
        body = generator.group(2)
        kind = re.search(r"""provider\s*=\s*["']([\w-]+)["']""", body)
        output = re.search(r"""\boutput\s*=\s*["']([^"']+)["']""", body)
        engine = re.search(r"""\bengineType\s*=\s*["'](\w+)["']""", body)
        where = f"{label} generator {generator.group(1)}"
        if kind and kind.group(1) == "prisma-client-js":
            found.propose(
                "prisma_client",
                "sources" if output else "node_modules",
                f"{where}: prisma-client-js, output {output.group(1)}"
                if output
                else f"{where}: prisma-client-js with the default output (node_modules/.prisma/client)",
            )
            client_engine = bool(engine and engine.group(1) == "client")
            found.propose(
                "prisma_query_engine",
                not client_engine,
                f'{where}: engineType = "client" (a driver adapter, no query engine)'
                if client_engine
                else f"{where}: prisma-client-js loads the Rust query engine (needs OpenSSL)",
            )
        elif kind and kind.group(1) == "prisma-client":
            found.propose("prisma_client", "sources", f"{where}: prisma-client (Prisma 7)")
            found.propose("prisma_query_engine", False, f"{where}: prisma-client has no query engine")
        if kind and kind.group(1) == "prisma-client" and output:
            folder = os.path.normpath(Path(schema_dir) / output.group(1))
            if not folder.startswith(".."):
                app.generated_sources.append(f"{Path(folder).as_posix()}/client.ts")
        elif kind and kind.group(1) == "prisma-client":
            found.warn(
                f'{label} generator {generator.group(1)} uses provider "prisma-client" (Prisma 7) without '
                "`output`, which Prisma 7 requires; `prisma generate` in the image fails until you set it."
            )


def _drizzle_config(app: App) -> tuple[str, str] | None:
    """(config path, why): the file a drizzle-kit script names, else drizzle.config.* in the app."""
    for name, command in app.scripts.items():
        if "drizzle-kit" in command:
            match = re.search(r"--config(?:=|\s+)(['\"]?)([^\s'\"]+)\1", command)
            if match:
                return clean_rel(match.group(2)), f"{app.label('package.json')} scripts.{name}: {command}"
    for name in DRIZZLE_CONFIGS:
        if app.exists(name):
            return name, app.label(name)
    return None


def _drizzle(app: App, found: Detection) -> None:
    found.propose("orm", "drizzle", app.dep_source("drizzle-orm"))
    located = _drizzle_config(app)
    database: str | None = None
    if located:
        path, why = located
        found.propose("schema_path", path, why)
        text = app.text(path) or ""
        if not text:
            found.warn(f"{why} names {path}, which does not exist; drizzle-kit in the image will fail.")
        dialect = _string_field(text, "dialect")
        if dialect in DRIZZLE_DIALECTS:
            database = DRIZZLE_DIALECTS[dialect]
            found.propose("database", database, f"{app.label(path)} dialect: {dialect}")
        elif dialect:
            found.warn(
                f"{app.label(path)} dialect {dialect} is not one compose can start "
                "(postgresql, mysql, sqlite); "
                "choose database yourself and point the service at your server."
            )
        out = _string_field(text, "out")
        if out:
            found.propose("migrations_dir", clean_rel(out), f"{app.label(path)} out: {out}")
    else:
        found.warn(
            "drizzle-orm is a dependency but no drizzle.config.* was found; "
            "set schema_path and migrations_dir."
        )
    drivers = [(p, d) for p, d in DRIVERS if p in app.deps and (database is None or d == database)]
    if drivers:
        package, driver_database = drivers[0]
        found.propose("db_driver", package, app.dep_source(package))
        found.propose("database", driver_database, app.dep_source(package))
    elif other := app.has(*OTHER_DRIZZLE_DRIVERS):
        found.warn(
            f"{app.dep_source(other)}: "
            "the scaffold runs Drizzle on pg, postgres, mysql2 or better-sqlite3; "
            "migrations in the container need one of those drivers."
        )
