"""Prisma 5/6 and ORMs in workspaces, built and run (#13, traps 10 and 4).

Trap 10: a prisma-client-js app's runtime image holds the client `prisma generate` wrote (not
the stub a production install leaves in node_modules/.prisma/client) and, when the client loads
the Rust query engine, OpenSSL. The query engine itself is a download from Prisma's own host,
unreachable here: the build runs on a stand-in base with PRISMA_QUERY_ENGINE_LIBRARY at a
placeholder file, so the Prisma 6 app is checked by what its image holds; the Prisma 6.19 app
with engineType "client" and the pg driver adapter needs no engine and runs a real query.

Trap 4: workspaces with Prisma in a shared package (pnpm, packages/db with a custom output),
Prisma 7 with prisma.config.ts in the service, Drizzle in the service, in a shared package
(npm and pnpm, packages/db with drizzle.config.ts and drizzle/) and at the repository root (pnpm,
the service listing drizzle-orm and pg itself), scaffolded by
detection alone (`ndw init --all-services`), built from the repository root and run; the
queries go to the test PostgreSQL, and the Drizzle migration jobs run for real.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import BuiltApp, _Builds
from tests.support.containers import BuildResult, Containers, assert_port_free, wait_for_http
from tests.support.postgres import PostgresServer
from tests.support.rootfs import prisma_offline_image

MONOREPOS = Path(__file__).parents[1] / "fixtures" / "monorepos"
# The committed Prisma migration each fixture's schema starts from.
PRISMA_INIT = "prisma/migrations/20260101000000_init/migration.sql"


def _sh(engine: Containers, image: str, script: str) -> str:
    done = engine.shell_as_root(image, script)
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    return done.stdout.strip()


def _database(postgres: PostgresServer, name: str, migration: Path | None = None) -> str:
    """A fresh database; with MIGRATION, that committed SQL applied (what `prisma migrate deploy`
    would do: Prisma's schema engine is a download this machine cannot make)."""
    database = f"{name.replace('-', '_')}_{os.getpid()}"
    url = postgres.create_database(database)
    if migration is not None:
        postgres.psql(migration.read_text(), database)
    return url


def _serve(engine: Containers, started: list[str], image: str, name: str, *, port: int, url: str) -> None:
    """Start IMAGE as NAME with DATABASE_URL=URL; wait for /health."""
    assert_port_free(port)
    started.append(name)
    engine.start(image, name, {"DATABASE_URL": url})
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60)
    except TimeoutError as error:
        pytest.fail(f"{name}: {error}\n{engine.logs(name)[-3000:]}")


def _db_route(port: int) -> dict[str, object]:
    status, body = wait_for_http(f"http://127.0.0.1:{port}/db", timeout=20)
    assert status == 200, body
    data = json.loads(body)
    assert isinstance(data, dict)
    return data


def _stops_cleanly(engine: Containers, name: str) -> None:
    seconds, code = engine.stop(name, 10)
    assert code == 0 and seconds < 10, (seconds, code, engine.logs(name)[-2000:])


# ---- trap 10: Prisma 5/6, prisma-client-js


@pytest.fixture(scope="module")
def prisma6(builds: _Builds) -> BuiltApp:
    """Express + Prisma 6.19 prisma-client-js (Rust query engine), npm."""
    return builds.get("express-prisma6-npm")


@pytest.fixture(scope="module")
def client_engine(builds: _Builds) -> BuiltApp:
    """Fastify + Prisma 6.19 prisma-client-js with engineType "client" and @prisma/adapter-pg, pnpm."""
    return builds.get("fastify-prisma-client-pnpm")


# Runs in the image: the models of the client that `require('@prisma/client')` loads. The
# uninitialised stub a production install leaves has none (its Prisma namespace is empty).
MODELS_JS = "console.log(JSON.stringify(Object.keys(require('@prisma/client').Prisma.ModelName || {})))"


def test_prisma6_runtime_holds_the_generated_client(prisma6: BuiltApp, engine: Containers) -> None:
    assert _sh(engine, prisma6.tag, f'cd /app && node -e "{MODELS_JS}"') == '["Note"]'
    files = _sh(engine, prisma6.tag, "ls /app/node_modules/.prisma/client").split()
    assert "schema.prisma" in files and "index.js" in files
    # prisma-client-js copies the query engine library in beside the client (here the stand-in).
    assert "true" in files, files


def test_prisma6_runtime_has_openssl_for_the_query_engine(prisma6: BuiltApp, engine: Containers) -> None:
    assert _sh(engine, prisma6.tag, "openssl version").startswith("OpenSSL 3.")
    assert _sh(engine, prisma6.tag, "ls /usr/lib/x86_64-linux-gnu/ | grep -c '^libssl.so.3$'") == "1"
    dockerfile = (prisma6.context / "Dockerfile").read_text()
    assert "Prisma's query engine (prisma-client-js, Prisma 5/6) loads libssl" in dockerfile


def test_prisma6_image_ships_no_prisma_cli(prisma6: BuiltApp, engine: Containers) -> None:
    # `-e` follows links: npm's prune may leave node_modules/.bin/prisma dangling, never working.
    paths = "prisma .bin/prisma @prisma/engines"
    script = f"cd /app/node_modules && for p in {paths}; do [ -e $p ] && echo $p; done; true"
    assert _sh(engine, prisma6.tag, script) == ""


def test_client_engine_app_queries_postgres_through_the_adapter(
    client_engine: BuiltApp, engine: Containers, postgres: PostgresServer, started: list[str]
) -> None:
    assert _sh(engine, client_engine.tag, f'cd /app && node -e "{MODELS_JS}"') == '["Task"]'
    # engineType "client": no query engine, so no OpenSSL in the image either.
    assert "openssl" not in _sh(engine, client_engine.tag, "command -v openssl; true")
    url = _database(postgres, "tasks", client_engine.context / PRISMA_INIT)
    name = f"ndw-e2e-orm-tasks-{os.getpid()}"
    _serve(engine, started, client_engine.tag, name, port=client_engine.app.port, url=url)
    assert _db_route(client_engine.app.port) == {"database": "ok", "one": 1, "tasks": 0}
    _stops_cleanly(engine, name)


# ---- trap 4: ORMs in workspace services


@dataclass(frozen=True)
class WorkspaceService:
    repo: Path
    folder: str
    answers: dict[str, object]
    build: BuildResult

    @property
    def port(self) -> int:
        return int(str(self.answers["port"]))


_scaffolded: dict[str, Path] = {}
_built: dict[tuple[str, str], WorkspaceService] = {}


def _workspace_service(
    repo_name: str, folder: str, engine: Containers, root: Path, target: str | None = None
) -> WorkspaceService:
    """The repository scaffolded by detection (`ndw init --all-services`) and FOLDER's image built."""
    if repo_name not in _scaffolded:
        dest = Path(shutil.copytree(MONOREPOS / repo_name, root / repo_name))
        done = subprocess.run(
            [sys.executable, "-m", "wizard", "init", str(dest), "--all-services", "--set", "node_version=24"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        _scaffolded[repo_name] = dest
    repo = _scaffolded[repo_name]
    key = (repo_name, f"{folder}:{target or 'runtime'}")
    if key not in _built:
        answers = yaml.safe_load((repo / folder / ".copier-answers.yml").read_text())
        tag = f"localhost/ndw-e2e/orm-{repo_name}-{Path(folder).name}{'-' + target if target else ''}:latest"
        result = engine.build(
            repo, tag, {"NODE_IMAGE": prisma_offline_image(int(answers["node_version"]), engine)},
            dockerfile=repo / folder / "Dockerfile", target=target,
        )  # fmt: skip
        _built[key] = WorkspaceService(repo, folder, answers, result)
    return _built[key]


@pytest.fixture(scope="module")
def orm_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orm-workspaces")


def _migrate_job(
    engine: Containers, started: list[str], postgres: PostgresServer, service: WorkspaceService, label: str
) -> tuple[str, str, str]:
    """Run the compose migrate service's command in the service's own image against a new
    database (as compose would); returns the database, its URL and the job's output."""
    compose = yaml.safe_load((service.repo / service.folder / "compose.yaml").read_text())
    # compose names it after the service when the service has a folder of its own
    prefix = "" if service.folder in ("", ".") else f"{service.answers['service_name']}-"
    command = compose["services"][f"{prefix}migrate"]["command"]
    database = f"{label}_{os.getpid()}"
    url = postgres.create_database(database)
    job = f"ndw-e2e-orm-{label.replace('_', '-')}-migrate-{os.getpid()}"
    started.append(job)
    engine.podman(
        "run", "--name", job, "--network", "host", "-e", f"DATABASE_URL={url}", service.build.tag, *command,
        timeout=120,
    )  # fmt: skip
    assert engine.inspect(job, "{{.State.ExitCode}}") == "0", engine.logs(job)
    return database, url, engine.logs(job)


def _answers_then_stops(
    engine: Containers,
    started: list[str],
    service: WorkspaceService,
    *,
    label: str,
    url: str,
    route: str,
    expected: object,
) -> None:
    """Start the app on URL's database; ROUTE answers 200 with EXPECTED (JSON); `stop -t 10` exits 0."""
    name = f"ndw-e2e-orm-{label.replace('_', '-')}-app-{os.getpid()}"
    _serve(engine, started, service.build.tag, name, port=service.port, url=url)
    status, body = wait_for_http(f"http://127.0.0.1:{service.port}{route}", timeout=20)
    assert (status, json.loads(body)) == (200, expected)
    _stops_cleanly(engine, name)


def test_shared_db_package_service_queries_and_stops(
    engine: Containers, orm_root: Path, postgres: PostgresServer, started: list[str]
) -> None:
    """pnpm: apps/api uses @acme/db, whose schema and custom-output client live in packages/db."""
    api = _workspace_service("pnpm-prisma-db", "apps/api", engine, orm_root)
    assert api.answers["orm_dir"] == "packages/db" and api.answers["prisma_client"] == "sources"
    generated = _sh(engine, api.build.tag, "ls /app/node_modules/@acme/db/generated/client")
    assert "index.js" in generated.split() and "schema.prisma" in generated.split()
    migration = api.repo / "packages/db" / PRISMA_INIT
    url = _database(postgres, "shop", migration)
    name = f"ndw-e2e-orm-shop-api-{os.getpid()}"
    _serve(engine, started, api.build.tag, name, port=api.port, url=url)
    assert engine.wait_healthy(name) == "healthy"
    assert _db_route(api.port) == {"database": "ok", "one": 1, "products": 0}
    _stops_cleanly(engine, name)


def test_prisma7_service_migration_job_has_the_schema_and_cli(engine: Containers, orm_root: Path) -> None:
    """The migrate stage runs `prisma migrate deploy` in apps/accounts with the workspace's CLI.

    (Built for Prisma 7: Prisma 6's `prisma --version` loads the query engine, whose stand-in here
    cannot load; tests/test_orm.py checks the shared-package job's Dockerfile.)
    """
    job = _workspace_service("npm-orm-services", "apps/accounts", engine, orm_root, target="migrate")
    image = job.build.tag
    assert engine.podman("image", "inspect", image, "--format", "{{.Config.WorkingDir}}").stdout.strip() == (
        "/app/apps/accounts"
    )
    assert json.loads(engine.inspect(image, "{{json .Config.Cmd}}")) == ["prisma", "migrate", "deploy"]
    version = _sh(engine, image, "cd /app/apps/accounts && DATABASE_URL=postgresql://x@y/z prisma --version")
    assert "prisma" in version and "7.10.0" in version
    assert "20260101000000_init" in _sh(engine, image, "ls /app/apps/accounts/prisma/migrations")


def test_prisma7_config_in_the_service_queries_and_stops(
    engine: Containers, orm_root: Path, postgres: PostgresServer, started: list[str]
) -> None:
    """npm: apps/accounts has prisma.config.ts and a prisma-client generator (Prisma 7)."""
    accounts = _workspace_service("npm-orm-services", "apps/accounts", engine, orm_root)
    assert accounts.answers["schema_path"] == "prisma.config.ts"
    # npm keeps the CLI as @prisma/client's optional peer even with --omit=dev: the image drops it.
    paths = "prisma @prisma/engines @prisma/studio-core"
    script = f"cd /app/node_modules && for p in {paths}; do [ -e $p ] && echo $p; done; true"
    assert _sh(engine, accounts.build.tag, script) == ""
    url = _database(postgres, "accounts", accounts.repo / "apps/accounts" / PRISMA_INIT)
    name = f"ndw-e2e-orm-accounts-{os.getpid()}"
    _serve(engine, started, accounts.build.tag, name, port=accounts.port, url=url)
    assert _db_route(accounts.port) == {"database": "ok", "one": 1, "accounts": 0}
    _stops_cleanly(engine, name)


def test_drizzle_in_a_workspace_service_migration_job_runs(
    engine: Containers, orm_root: Path, postgres: PostgresServer, started: list[str]
) -> None:
    """npm: apps/inventory's compose migrate job (same image, `node docker/migrate.mjs`), then the app."""
    inventory = _workspace_service("npm-orm-services", "apps/inventory", engine, orm_root)
    assert inventory.answers["migrations"] == "job"
    database, url, _ = _migrate_job(engine, started, postgres, inventory, "inventory")
    assert postgres.psql("SELECT to_regclass('public.stock') IS NOT NULL", database) == "t"
    _answers_then_stops(engine, started, inventory, label="inventory", url=url, route="/stock", expected=[])


def test_drizzle_in_a_shared_package_migration_job_runs(
    engine: Containers, orm_root: Path, postgres: PostgresServer, started: list[str]
) -> None:
    """npm: packages/db holds drizzle.config.ts, the schema and drizzle/ (not in its published
    files); apps/api's migrate job resolves drizzle-orm and pg from there, then the app queries."""
    api = _workspace_service("npm-drizzle-db", "apps/api", engine, orm_root)
    assert (api.answers["orm_dir"], api.answers["migrations"]) == ("packages/db", "job")
    database, url, logs = _migrate_job(engine, started, postgres, api, "catalog")
    assert "/app/apps/api/drizzle" in logs
    assert postgres.psql("SELECT to_regclass('public.products') IS NOT NULL", database) == "t"
    _answers_then_stops(engine, started, api, label="catalog", url=url, route="/products", expected=[])


def test_drizzle_in_a_shared_package_with_pnpm_migration_job_runs(
    engine: Containers, orm_root: Path, postgres: PostgresServer, started: list[str]
) -> None:
    """pnpm: `pnpm deploy` copies @acme/db (drizzle.config.ts, schema, drizzle/) into the image's
    node_modules with drizzle-orm and pg beside it in .pnpm; the migrate job resolves them from
    there and applies packages/db/drizzle, then the app queries."""
    api = _workspace_service("pnpm-drizzle-db", "apps/api", engine, orm_root)
    assert (api.answers["orm_dir"], api.answers["migrations"]) == ("packages/db", "job")
    # Nothing laid out like the repository: drizzle-orm is reachable only from @acme/db's own folder.
    listing = _sh(engine, api.build.tag, "cd /app && ls node_modules; ls -d packages 2>&1; true")
    assert "drizzle-orm" not in listing.split() and "No such file" in listing
    database, url, logs = _migrate_job(engine, started, postgres, api, "catalog_pnpm")
    assert "/app/drizzle" in logs
    assert postgres.psql("SELECT to_regclass('public.products') IS NOT NULL", database) == "t"
    _answers_then_stops(engine, started, api, label="catalog_pnpm", url=url, route="/products", expected=[])


def test_drizzle_at_the_root_with_pnpm_migration_job_runs(
    engine: Containers, orm_root: Path, postgres: PostgresServer, started: list[str]
) -> None:
    """pnpm, drizzle.config.ts and drizzle/ at the repository root: `pnpm deploy` leaves the root
    out, so the image carries the root's drizzle/ and the migrate job imports drizzle-orm and pg
    from the service's own node_modules (apps/api lists them), then the app queries."""
    api = _workspace_service("pnpm-drizzle-root", "apps/api", engine, orm_root)
    assert (api.answers["orm_dir"], api.answers["orm_deps_in_app"], api.answers["migrations"]) == (
        ".",
        True,
        "job",
    )
    # The image: the service's own files, its node_modules with drizzle-orm and pg, the root's
    # migrations; none of the root's other files (drizzle.config.ts, db/schema.js).
    listing = _sh(engine, api.build.tag, "cd /app && ls -A; ls node_modules; ls drizzle drizzle/meta")
    names = listing.split()
    assert {"drizzle-orm", "pg", "0000_first_products.sql", "_journal.json", "docker"} <= set(names), listing
    assert not {"drizzle.config.ts", "db", "pnpm-workspace.yaml", "apps"} & set(names), listing
    database, url, logs = _migrate_job(engine, started, postgres, api, "catalog_root")
    assert "Migrations applied from /app/drizzle" in logs
    assert postgres.psql("SELECT to_regclass('public.products') IS NOT NULL", database) == "t"
    postgres.psql("INSERT INTO products (name, price_cents) VALUES ('mug', 900)", database)
    expected = [{"id": 1, "name": "mug", "price_cents": 900}]
    _answers_then_stops(
        engine, started, api, label="catalog_root", url=url, route="/products", expected=expected
    )
