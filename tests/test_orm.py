"""Prisma 5/6 and ORMs in workspaces (#13, traps 10 and 4): detection and the files it leads to.

tests/e2e/test_orm.py builds and runs the same fixtures for real.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from wizard.detect import detect, detect_service, detect_services
from wizard.lint import lint_composes, lint_dockerfile, lint_shells

FIXTURES = Path(__file__).resolve().parent / "fixtures"
Run = Callable[..., tuple[int, str, str]]


def values(found: Any) -> dict[str, Any]:
    return {name: finding.value for name, finding in found.findings.items()}


def service(repo: Path, folder: str) -> dict[str, Any]:
    candidate = next(s for s in detect_services(repo) if s.path == folder)
    return values(detect_service(repo, candidate))


def copy(kind: str, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / kind / name, tmp_path / name))


# ---- detection


@pytest.mark.parametrize(
    ("app", "client", "engine"),
    [("express-prisma6-npm", "node_modules", True), ("fastify-prisma-client-pnpm", "node_modules", False)],
)
def test_prisma6_generator_is_read(app: str, client: str, engine: bool) -> None:
    """prisma-client-js with the default output; engineType "client" means no query engine."""
    found = detect(FIXTURES / "apps" / app)
    got = values(found)
    assert (got["orm"], got["prisma_client"], got["prisma_query_engine"]) == ("prisma", client, engine)
    assert "default output (node_modules/.prisma/client)" in found.findings["prisma_client"].source


def test_prisma7_generator_writes_into_the_sources() -> None:
    got = values(detect(FIXTURES / "apps" / "nest-prisma-npm"))
    assert (got["prisma_client"], got["prisma_query_engine"]) == ("sources", False)


def test_prisma_in_a_shared_workspace_package() -> None:
    """apps/api has no schema: packages/db (a workspace dependency) holds it, with a custom output."""
    got = service(FIXTURES / "monorepos" / "pnpm-prisma-db", "apps/api")
    assert got["orm"] == "prisma" and got["orm_dir"] == "packages/db"
    assert got["schema_path"] == "prisma/schema.prisma" and got["migrations_dir"] == "prisma/migrations"
    assert (got["prisma_client"], got["prisma_query_engine"]) == ("sources", False)
    assert got["database"] == "postgresql"


def test_prisma7_and_drizzle_in_their_own_services() -> None:
    repo = FIXTURES / "monorepos" / "npm-orm-services"
    accounts = service(repo, "apps/accounts")
    assert (accounts["orm"], accounts["orm_dir"], accounts["schema_path"]) == (
        "prisma",
        "apps/accounts",
        "prisma.config.ts",
    )
    inventory = service(repo, "apps/inventory")
    assert (inventory["orm"], inventory["orm_dir"], inventory["schema_path"]) == (
        "drizzle",
        "apps/inventory",
        "drizzle.config.ts",
    )
    assert inventory["migrations_dir"] == "drizzle"


def test_prisma_schema_at_the_workspace_root(tmp_path: Path) -> None:
    """A root prisma/ folder and the CLI in the root's devDependencies: orm_dir is '.'."""
    repo = copy("monorepos", "pnpm-prisma-db", tmp_path)
    shutil.move(repo / "packages/db/prisma", repo / "prisma")
    root = json.loads((repo / "package.json").read_text())
    root["devDependencies"]["prisma"] = "6.19.3"
    (repo / "package.json").write_text(json.dumps(root))
    got = service(repo, "apps/api")
    assert (got["orm"], got["orm_dir"], got["schema_path"]) == ("prisma", ".", "prisma/schema.prisma")


# ---- generated files


def init(run_ndw: Run, repo: Path, *args: str | Path) -> None:
    status, _, err = run_ndw("init", repo, *args)
    assert status == 0, err


def test_prisma6_runtime_gets_the_generated_client_and_openssl(run_ndw: Run, tmp_path: Path) -> None:
    app = copy("apps", "express-prisma6-npm", tmp_path)
    init(run_ndw, app, "--answers", app / "ndw-answers.yml")
    dockerfile = (app / "Dockerfile").read_text()
    build, rest = dockerfile.split("# ---- prod-deps", 1)
    prod_deps, runtime = rest.split("# ---- runtime", 1)
    assert "prisma generate --schema prisma/schema.prisma" in build and "/tmp/prisma-client" in build
    # The copy lands where the production install's @prisma/client looks for .prisma/client.
    assert "COPY --from=build /tmp/prisma-client /tmp/prisma-client" in prod_deps
    assert '"${manifest%/@prisma/client/package.json}/.prisma/client"' in prod_deps
    assert "apt-get install --yes --no-install-recommends tini openssl" in runtime
    assert "Prisma 5/6" in build and "Prisma 7" not in dockerfile
    assert "DATABASE_URL=" not in build  # no prisma.config.ts: generate reads no env()


@pytest.mark.parametrize(
    ("flavor", "wanted", "unwanted"),
    [
        ("alpine", "apk add --no-cache tini openssl", "apt-get"),
        ("distroless", "the distroless base image ships it (libssl3)", "openssl"),
    ],
)
def test_prisma6_openssl_per_flavor(
    run_ndw: Run, tmp_path: Path, flavor: str, wanted: str, unwanted: str
) -> None:
    app = copy("apps", "express-prisma6-npm", tmp_path)
    init_system = "docker-init" if flavor == "distroless" else "tini"
    init(
        run_ndw, app, "--answers", app / "ndw-answers.yml",
        "--set", f"image_flavor={flavor}", "--set", f"init_system={init_system}",
        *(["--set", "uid=65532"] if flavor == "distroless" else []),
    )  # fmt: skip
    runtime = (app / "Dockerfile").read_text().split("# ---- runtime", 1)[1]
    assert wanted in runtime
    assert unwanted not in runtime.replace("OpenSSL", "")


def test_client_engine_needs_no_openssl_and_pnpm_drops_the_cli(run_ndw: Run, tmp_path: Path) -> None:
    app = copy("apps", "fastify-prisma-client-pnpm", tmp_path)
    init(run_ndw, app, "--answers", app / "ndw-answers.yml")
    dockerfile = (app / "Dockerfile").read_text()
    runtime = dockerfile.split("# ---- runtime", 1)[1]
    assert "openssl" not in runtime
    assert "rm -rf ./node_modules/.pnpm/prisma@* ./node_modules/.pnpm/@prisma+engines@*" in dockerfile


def test_shared_db_package_generates_and_migrates_from_there(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy("monorepos", "pnpm-prisma-db", tmp_path)
    init(run_ndw, repo, "--all-services")
    answers = yaml.safe_load((repo / "apps/api/.copier-answers.yml").read_text())
    assert answers["orm_dir"] == "packages/db"
    dockerfile = (repo / "apps/api/Dockerfile").read_text()
    assert "RUN pnpm --dir packages/db exec prisma generate --schema prisma/schema.prisma \\\n" in dockerfile
    migrate = dockerfile.split("FROM build AS migrate", 1)[1].split("# ---- prod-deps", 1)[0]
    assert "WORKDIR /app/packages/db" in migrate
    assert 'CMD ["prisma", "migrate", "deploy", "--schema", "prisma/schema.prisma"]' in migrate
    compose = yaml.safe_load((repo / "apps/api/compose.yaml").read_text())
    assert compose["services"]["api-migrate"]["build"]["target"] == "migrate"


def test_root_schema_is_copied_into_the_build(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy("monorepos", "pnpm-prisma-db", tmp_path)
    init(
        run_ndw, repo, "--service", "apps/api", "--defaults",
        "--set", "orm_dir=.", "--set", "migrations=entrypoint",
    )  # fmt: skip
    dockerfile = (repo / "apps/api/Dockerfile").read_text()
    assert (
        "# The Prisma schema and migrations live at the repository root.\nCOPY prisma prisma\n" in dockerfile
    )
    assert "RUN pnpm exec prisma generate --schema prisma/schema.prisma" in dockerfile
    # Migrations at start: the runtime carries the schema and migrations from the root.
    assert "COPY --chown=root:root prisma ./prisma" in dockerfile


def test_npm_workspace_prisma7_service(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy("monorepos", "npm-orm-services", tmp_path)
    init(run_ndw, repo, "--all-services")
    dockerfile = (repo / "apps/accounts/Dockerfile").read_text()
    assert (
        'RUN DATABASE_URL="postgresql://build:build@localhost:5432/build" '
        "npm exec --workspace apps/accounts -- prisma generate \\\n"
        '    && DATABASE_URL="postgresql://build:build@localhost:5432/build" '
        "npm run build --workspace apps/accounts"
    ) in dockerfile
    assert "Prisma 7 no longer generates on install" in dockerfile
    assert "openssl" not in dockerfile.split("# ---- runtime", 1)[1]


def test_drizzle_in_a_shared_package_is_detected() -> None:
    """apps/api has no drizzle.config: packages/db (a workspace dependency) holds it and drizzle/."""
    got = service(FIXTURES / "monorepos" / "npm-drizzle-db", "apps/api")
    assert (got["orm"], got["orm_dir"], got["schema_path"]) == ("drizzle", "packages/db", "drizzle.config.ts")
    assert (got["migrations_dir"], got["db_driver"], got["database"]) == ("drizzle", "pg", "postgresql")
    assert got["workspace_deps"] == "packages/db"


def test_drizzle_in_a_shared_package_migrator(run_ndw: Run, tmp_path: Path) -> None:
    """The image carries packages/db/drizzle beside docker/migrate.mjs (the package's `files` leave it
    out), and the migrator loads drizzle-orm and pg from packages/db, where npm installed them."""
    repo = copy("monorepos", "npm-drizzle-db", tmp_path)
    init(run_ndw, repo, "--service", "apps/api", "--defaults")
    runtime = (repo / "apps/api/Dockerfile").read_text().split("# ---- runtime", 1)[1]
    assert "COPY --chown=root:root apps/api/ .\n" in runtime
    assert "COPY --chown=root:root packages/db/drizzle ./drizzle\n" in runtime
    migrator = (repo / "apps/api/docker/migrate.mjs").read_text()
    # /app/apps/api/docker/migrate.mjs -> /app/packages/db/package.json
    assert 'createRequire(new URL("../../../packages/db/package.json", import.meta.url))' in migrator
    assert 'const { migrate } = fromOrm("drizzle-orm/node-postgres/migrator");' in migrator
    assert 'from "pg"' not in migrator and 'new URL("../drizzle", import.meta.url)' in migrator
    compose = yaml.safe_load((repo / "apps/api/compose.yaml").read_text())
    assert compose["services"]["api-migrate"]["command"] == ["node", "docker/migrate.mjs"]


def test_drizzle_outside_the_services_packages_is_refused_for_pnpm(run_ndw: Run, tmp_path: Path) -> None:
    """`pnpm deploy` copies only the workspace packages the service uses: elsewhere (here a folder
    apps/api does not depend on) the migrator would find no drizzle-orm in the image."""
    repo = copy("monorepos", "pnpm-workspace", tmp_path)
    folder = next(s.path for s in detect_services(repo))
    drizzle = ("--set", "orm=drizzle", "--set", "orm_dir=packages/db")
    status, _, err = run_ndw("init", repo, "--service", folder, "--defaults", *drizzle)
    assert status == 2
    said = " ".join(err.split())
    assert "orm_dir: 'packages/db' is not allowed" in said
    assert "a workspace package the service uses (workspace_deps: packages/shared)" in said
    assert not (repo / folder / "Dockerfile").exists()


def test_drizzle_in_a_shared_package_with_pnpm_is_detected() -> None:
    """pnpm: packages/db holds the Drizzle config; its package name is where `pnpm deploy` puts it."""
    got = service(FIXTURES / "monorepos" / "pnpm-drizzle-db", "apps/api")
    assert (got["package_manager"], got["orm"], got["orm_dir"]) == ("pnpm", "drizzle", "packages/db")
    assert (got["orm_package"], got["workspace_deps"], got["migrations_dir"]) == (
        "@acme/db",
        "packages/db",
        "drizzle",
    )
    # npm has no deploy: the migrator finds the package by its folder, so no name is proposed.
    assert "orm_package" not in service(FIXTURES / "monorepos" / "npm-drizzle-db", "apps/api")


def test_drizzle_in_a_shared_package_with_pnpm_migrator(run_ndw: Run, tmp_path: Path) -> None:
    """The migrator resolves drizzle-orm and pg from @acme/db's real folder (the node_modules link
    `pnpm deploy` made), and the image carries packages/db/drizzle beside it."""
    repo = copy("monorepos", "pnpm-drizzle-db", tmp_path)
    init(run_ndw, repo, "--service", "apps/api", "--defaults")
    dockerfile = (repo / "apps/api/Dockerfile").read_text()
    assert "pnpm --filter @acme/api deploy --prod --legacy" in dockerfile
    runtime = dockerfile.split("# ---- runtime", 1)[1]
    assert "COPY --chown=root:root packages/db/drizzle ./drizzle\n" in runtime
    migrator = (repo / "apps/api/docker/migrate.mjs").read_text()
    # /app/docker/migrate.mjs -> /app/node_modules/@acme/db -> /app/node_modules/.pnpm/@acme+db@.../@acme/db
    assert (
        "createRequire(realpathSync(fileURLToPath("
        'new URL("../node_modules/@acme/db/package.json", import.meta.url))))'
    ) in migrator
    assert 'const { migrate } = fromOrm("drizzle-orm/node-postgres/migrator");' in migrator
    assert "packages/db/package.json" not in migrator and 'new URL("../drizzle", import.meta.url)' in migrator
    assert "`@acme/db` (`orm_package`) as `pnpm deploy` copied it" in " ".join(
        (repo / "apps/api/DOCKER.md").read_text().split()
    )
    compose = yaml.safe_load((repo / "apps/api/compose.yaml").read_text())
    assert compose["services"]["api-migrate"]["command"] == ["node", "docker/migrate.mjs"]


def test_drizzle_in_a_shared_package_with_pnpm_needs_a_package_name(run_ndw: Run, tmp_path: Path) -> None:
    """orm_package is the node_modules name the migrator loads from: a bad one is refused."""
    repo = copy("monorepos", "pnpm-drizzle-db", tmp_path)
    status, _, err = run_ndw(
        "init", repo, "--service", "apps/api", "--defaults", "--set", "orm_package=packages/db"
    )
    assert status == 2
    assert (
        "orm_package: 'packages/db' is not allowed; must be an npm package name such as @acme/db"
        in " ".join(err.split())
    )
    assert not (repo / "apps/api/Dockerfile").exists()


def test_drizzle_at_the_root_with_pnpm_is_detected() -> None:
    """pnpm, drizzle.config.ts and drizzle/ at the root, apps/api listing drizzle-orm and pg itself:
    proposed as orm_dir '.', with no orm_package (nothing of the root is deployed)."""
    repo = FIXTURES / "monorepos" / "pnpm-drizzle-root"
    found = detect_service(repo, next(s for s in detect_services(repo) if s.path == "apps/api"))
    got = values(found)
    assert (got["package_manager"], got["orm"], got["orm_dir"]) == ("pnpm", "drizzle", ".")
    assert (got["migrations_dir"], got["db_driver"], got["orm_deps_in_app"]) == ("drizzle", "pg", True)
    assert found.findings["orm_deps_in_app"].source == "apps/api/package.json dependencies: drizzle-orm, pg"
    assert "orm_package" not in got and not found.warnings


def _without_orm_deps(repo: Path, *packages: str) -> None:
    """Drop `packages` from apps/api's dependencies (the service then relies on the root's)."""
    manifest_path = repo / "apps/api/package.json"
    manifest = json.loads(manifest_path.read_text())
    for package in packages:
        del manifest["dependencies"][package]
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


def test_drizzle_at_the_root_with_pnpm_migrator(run_ndw: Run, tmp_path: Path) -> None:
    """Accepted: the migrator imports drizzle-orm and pg from the deployed service's own
    node_modules, and the runtime carries the root's drizzle/ beside it."""
    repo = copy("monorepos", "pnpm-drizzle-root", tmp_path)
    init(run_ndw, repo, "--service", "apps/api", "--defaults")
    answers = yaml.safe_load((repo / "apps/api/.copier-answers.yml").read_text())
    assert (answers["orm_dir"], answers["orm_deps_in_app"]) == (".", True) and "orm_package" not in answers
    dockerfile = (repo / "apps/api/Dockerfile").read_text()
    assert "pnpm --filter @acme/api deploy --prod --legacy" in dockerfile
    runtime = dockerfile.split("# ---- runtime", 1)[1]
    copied = (
        "# beside it: `pnpm deploy` leaves the root's files out.\nCOPY --chown=root:root drizzle ./drizzle\n"
    )
    assert copied in runtime
    migrator = (repo / "apps/api/docker/migrate.mjs").read_text()
    assert 'import pg from "pg";\nimport { drizzle } from "drizzle-orm/node-postgres";\n' in migrator
    assert "createRequire" not in migrator and 'new URL("../drizzle", import.meta.url)' in migrator
    docker_md = " ".join((repo / "apps/api/DOCKER.md").read_text().split())
    assert 'keep both in `apps/api/package.json` "dependencies" (`orm_deps_in_app`)' in docker_md
    compose = yaml.safe_load((repo / "apps/api/compose.yaml").read_text())
    assert compose["services"]["api-migrate"]["command"] == ["node", "docker/migrate.mjs"]
    assert lint_dockerfile(repo / "apps/api/Dockerfile") == []
    assert lint_shells([repo / "apps/api/docker-entrypoint.sh"]) == []
    assert lint_composes([repo / "apps/api/compose.yaml", repo / "compose.yaml"]) == []


@pytest.mark.parametrize("dropped", [("pg",), ("drizzle-orm", "pg")])
def test_drizzle_at_the_root_with_pnpm_is_refused_without_the_services_own_deps(
    run_ndw: Run, tmp_path: Path, dropped: tuple[str, ...]
) -> None:
    """Without drizzle-orm and the driver in apps/api's dependencies, the deployed image has none
    for the migrator: refused with what to add, nothing written."""
    repo = copy("monorepos", "pnpm-drizzle-root", tmp_path)
    _without_orm_deps(repo, *dropped)
    found = values(detect_service(repo, next(s for s in detect_services(repo) if s.path == "apps/api")))
    assert (found["orm_dir"], found["orm_deps_in_app"]) == (".", False)
    status, _, err = run_ndw("init", repo, "--service", "apps/api", "--defaults")
    assert status == 2, err
    said = " ".join(err.split())
    assert (
        "orm_deps_in_app: false is not allowed; "
        'add drizzle-orm and pg to "dependencies" in apps/api/package.json'
    ) in said
    assert not (repo / "apps/api/Dockerfile").exists() and not (repo / "compose.yaml").exists()


def test_drizzle_at_the_root_with_pnpm_without_a_migrator(run_ndw: Run, tmp_path: Path) -> None:
    """migrations none: no migrator in the image, so the root's dependencies are not asked about."""
    repo = copy("monorepos", "pnpm-drizzle-root", tmp_path)
    _without_orm_deps(repo, "pg")
    init(run_ndw, repo, "--service", "apps/api", "--defaults", "--set", "migrations=none")
    answers = yaml.safe_load((repo / "apps/api/.copier-answers.yml").read_text())
    assert answers["orm_dir"] == "." and "orm_deps_in_app" not in answers
    assert not (repo / "apps/api/docker/migrate.mjs").exists()
