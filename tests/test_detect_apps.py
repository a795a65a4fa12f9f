"""Detection on real-world shapes (#13): run-time files, the database the app uses, native modules."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from wizard.detect import Detection, detect
from wizard.lint import lint_dockerfile

REAL_APPS = Path(__file__).resolve().parent / "fixtures" / "apps"


def real_app(name: str, tmp_path: Path) -> Path:
    """A writable copy of a fixture app the e2e tier builds."""
    return Path(shutil.copytree(REAL_APPS / name, tmp_path / name))


def write(app: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    return app


def manifest(app: Path, **fields: object) -> None:
    (app / "package.json").write_text(json.dumps({"name": "svc", "scripts": {}, **fields}))


def warned(detection: Detection, *fragments: str) -> bool:
    return any(all(fragment in warning for fragment in fragments) for warning in detection.warnings)


@pytest.mark.parametrize(
    ("fixture", "keys"),
    [
        (
            "express-views-knex-npm",
            ("runtime_files", "database", "redis", "native_build_tools", "node_version"),
        ),
        ("nest-assets-mongo-npm", ("runtime_files", "database", "redis", "entry", "build_command")),
        ("fastify-sibling-npm", ("app_dir", "sibling_deps", "build_command", "entry", "health_path")),
        ("fastify-sibling-pnpm", ("app_dir", "sibling_deps", "package_manager", "entry", "health_path")),
        (
            "fastify-bcrypt-pnpm",
            ("node_version", "native_build_tools", "pnpm_allow_builds", "package_manager"),
        ),
    ],
)
def test_fixture_answers_are_what_detection_proposes(
    fixture: str, keys: tuple[str, ...], tmp_path: Path
) -> None:
    """The answers the e2e tier builds are the detected ones, for every trap the fixture covers."""
    app = real_app(fixture, tmp_path)
    values = detect(app).values()
    answers = yaml.safe_load((app / "ndw-answers.yml").read_text())
    for key in keys:
        assert values[key] == answers[key], key


def test_nest_assets_are_in_dist_and_a_root_proto_folder_is_copied(tmp_path: Path) -> None:
    """src/i18n is a nest-cli.json asset (nest build copies it): not listed; proto/ is copied."""
    detection = detect(real_app("nest-assets-mongo-npm", tmp_path))
    assert detection.values()["runtime_files"] == [
        {"path": "proto", "copy": True, "why": "src/greeting.controller.ts names 'proto'"}
    ]
    assert not warned(detection, "Not in the build output")


# ---------------------------------------------------------------- trap 9: run-time files


def test_views_and_public_beside_the_tsc_output_are_copied(tmp_path: Path) -> None:
    detection = detect(real_app("express-views-knex-npm", tmp_path))
    assert detection.values()["runtime_files"] == [
        {"path": "views", "copy": True, "why": "src/server.ts names 'views'"},
        {"path": "public", "copy": True, "why": "src/server.ts names 'public'"},
    ]
    assert "views, public copied into the image" in detection.findings["runtime_files"].source


def test_no_build_step_copies_the_whole_app(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5"}, scripts={"start": "node server.js"})
    write(app, {"server.js": "app.set('views', 'views')", "views/a.ejs": "x"})
    detection = detect(app)
    assert detection.values()["runtime_files"] == []
    assert "whole app folder" in detection.findings["runtime_files"].source


def test_assets_folder_is_copied_only_when_the_code_names_it(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5"}, scripts={"build": "tsc", "start": "node dist/main.js"})
    write(app, {"src/main.ts": "listen(3000)", "assets/logo.png": "x", "locales/en.json": "{}"})
    assert [f["path"] for f in detect(app).values()["runtime_files"]] == ["locales"]
    write(app, {"src/mail.ts": "readFile(join(__dirname, '../assets/logo.png'))"})
    files = detect(app).values()["runtime_files"]
    assert [f["path"] for f in files] == ["locales", "assets"]
    assert files[1]["why"] == "src/mail.ts names 'assets'"


def test_env_example_read_by_dotenv_safe_is_copied(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(
        app,
        dependencies={"express": "^5", "dotenv-safe": "^9"},
        scripts={"build": "tsc", "start": "node dist/main.js"},
    )
    write(app, {"src/main.ts": "import 'dotenv-safe/config'", ".env.example": "A=\n"})
    (entry,) = detect(app).values()["runtime_files"]
    assert entry["path"] == ".env.example" and entry["copy"] is True
    assert "dotenv-safe" in entry["why"]


def test_nest_assets_in_nest_cli_are_in_dist_the_others_are_listed(tmp_path: Path) -> None:
    """nest build copies configured assets into dist; src/i18n without an assets entry and a loose
    .proto are listed (not copied: they belong in the build output) and warned about."""
    app = tmp_path / "svc"
    app.mkdir()
    manifest(
        app,
        dependencies={"@nestjs/core": "^11"},
        scripts={"build": "nest build", "start:prod": "node dist/main"},
    )
    cli = {"sourceRoot": "src", "compilerOptions": {"assets": [{"include": "i18n/**/*"}]}}
    write(
        app,
        {
            "nest-cli.json": json.dumps(cli),
            "src/main.ts": "listen(3000)",
            "src/i18n/en/common.json": "{}",
            "src/mail/templates/welcome.hbs": "hi",
            "src/hero/hero.proto": "syntax = 'proto3';",
        },
    )
    detection = detect(app)
    files = detection.values()["runtime_files"]
    assert [(f["path"], f["copy"]) for f in files] == [
        ("src/mail/templates", False),
        ("src/hero/hero.proto", False),
    ]
    assert "nest-cli.json compilerOptions.assets" in files[0]["why"]
    assert warned(detection, "src/mail/templates", "src/hero/hero.proto", "DOCKER.md")


def test_a_build_script_that_copies_the_folder_counts_as_output(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(
        app,
        dependencies={"express": "^5"},
        scripts={"build": "tsc && cp -r src/views dist/views", "start": "node dist/main.js"},
    )
    write(app, {"src/main.ts": "listen(3000)", "src/views/a.ejs": "x"})
    assert detect(app).values()["runtime_files"] == []


# ---------------------------------------------------------------- trap 7: sibling packages


def test_file_sibling_outside_the_app_is_proposed_from_the_repository(tmp_path: Path) -> None:
    detection = detect(real_app("fastify-sibling-npm", tmp_path))
    values = detection.values()
    assert values["app_dir"] == "api"
    assert values["sibling_deps"] == "shared"
    assert detection.findings["sibling_deps"].source == "api/package.json @acme/shared: file:../shared"
    assert not detection.warnings or not warned(detection, "file:../shared")


def test_file_sibling_seen_from_inside_the_app_says_where_to_run(tmp_path: Path) -> None:
    app = real_app("fastify-sibling-npm", tmp_path)
    detection = detect(app / "api")
    assert "sibling_deps" not in detection.findings
    assert warned(detection, "file:../shared, outside api/", f"run ndw in {app.resolve()}", "app_dir api")


def test_sibling_without_a_lockfile_warns(tmp_path: Path) -> None:
    app = real_app("fastify-sibling-npm", tmp_path)
    (app / "shared" / "package-lock.json").unlink()
    detection = detect(app)
    assert detection.values()["sibling_deps"] == "shared"
    assert warned(detection, "has no package-lock.json", "run `npm install` in shared")


def test_sibling_locked_by_pnpm_is_built_with_its_pinned_pnpm(tmp_path: Path) -> None:
    """The app stays on npm; the sibling's packageManager names the pnpm its stage installs."""
    detection = detect(real_app("fastify-sibling-pnpm", tmp_path))
    values = detection.values()
    assert values["package_manager"] == "npm"
    assert values["sibling_deps"] == "shared:pnpm@10.18.3"
    assert "(pnpm, packageManager pnpm@10.18.3)" in detection.findings["sibling_deps"].source
    assert not warned(detection, "file:../shared")


def drop_package_manager(folder: Path) -> None:
    """Remove packageManager from FOLDER's package.json: the lockfile alone must tell the pin."""
    manifest = json.loads((folder / "package.json").read_text())
    del manifest["packageManager"]
    (folder / "package.json").write_text(json.dumps(manifest))


def test_sibling_pnpm_pin_comes_from_its_lockfile_without_package_manager(tmp_path: Path) -> None:
    app = real_app("fastify-sibling-pnpm", tmp_path)
    drop_package_manager(app / "shared")
    detection = detect(app)
    assert detection.values()["sibling_deps"] == "shared:pnpm@10.18.3"
    assert "(pnpm, pnpm-lock.yaml)" in detection.findings["sibling_deps"].source


def test_sibling_locked_by_yarn_classic_pins_yarn_1(tmp_path: Path) -> None:
    app = real_app("fastify-sibling-npm", tmp_path)
    (app / "shared" / "package-lock.json").unlink()
    write(app, {"shared/yarn.lock": "# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n\n"})
    assert detect(app).values()["sibling_deps"] == "shared:yarn@1.22.22"


YARN4_SIBLING = Path(__file__).parent / "fixtures" / "sibling-yarn4"


def yarn4_sibling_app(tmp_path: Path) -> Path:
    """fastify-sibling-pnpm whose shared/ is locked by yarn 4.18.1 instead (its yarn.lock, written
    by that yarn, and packageManager), with no .yarnrc.yml: Plug'n'Play by default."""
    app = real_app("fastify-sibling-pnpm", tmp_path)
    (app / "shared" / "pnpm-lock.yaml").unlink()
    for name in ("package.json", "yarn.lock"):
        shutil.copy(YARN4_SIBLING / name, app / "shared" / name)
    return app


def test_sibling_locked_by_yarn_berry_is_built_with_its_pinned_yarn(tmp_path: Path) -> None:
    detection = detect(yarn4_sibling_app(tmp_path))
    assert detection.values()["sibling_deps"] == "shared:yarn@4.18.1"
    assert "(yarn, packageManager yarn@4.18.1)" in detection.findings["sibling_deps"].source
    assert not warned(detection, "file:../shared")


def test_sibling_yarn_berry_pin_comes_from_its_lockfile_metadata(tmp_path: Path) -> None:
    app = yarn4_sibling_app(tmp_path)
    drop_package_manager(app / "shared")
    detection = detect(app)
    assert detection.values()["sibling_deps"] == "shared:yarn@4.18.1"
    assert "(yarn, yarn.lock __metadata version 10)" in detection.findings["sibling_deps"].source


def test_yarn_berry_sibling_warns_about_what_its_stage_does_not_provide(tmp_path: Path) -> None:
    app = yarn4_sibling_app(tmp_path)
    write(
        app,
        {
            "shared/.yarnrc.yml": "plugins:\n  - path: .yarn/plugins/@yarnpkg/plugin-x.cjs\n"
            'npmAuthToken: "${NPM_TOKEN}"\n'
        },
    )
    detection = detect(app)
    assert detection.values()["sibling_deps"] == "shared:yarn@4.18.1"
    assert warned(detection, "shared/.yarnrc.yml loads plugins")
    assert warned(detection, "shared/.yarnrc.yml reads NPM_TOKEN from the environment")
    assert not warned(detection, "workspace-tools")


def test_yarn_3_sibling_is_pinned_from_its_metadata_and_warned_about_focus(tmp_path: Path) -> None:
    app = yarn4_sibling_app(tmp_path)
    drop_package_manager(app / "shared")
    write(app, {"shared/yarn.lock": "__metadata:\n  version: 6\n  cacheKey: 8\n"})
    detection = detect(app)
    assert detection.values()["sibling_deps"] == "shared:yarn@3.8.7"
    assert warned(detection, "locked by yarn 3.8.7", "a plugin (workspace-tools) in yarn 2 and 3")


def test_sibling_committed_yarn_release_is_named_when_it_is_there(tmp_path: Path) -> None:
    app = yarn4_sibling_app(tmp_path)
    write(app, {"shared/.yarnrc.yml": "nodeLinker: pnp\nyarnPath: .yarn/releases/yarn-4.18.1.cjs\n"})
    assert detect(app).values()["sibling_deps"] == "shared:yarn@4.18.1"  # not committed: corepack's
    write(app, {"shared/.yarn/releases/yarn-4.18.1.cjs": "// the release\n"})
    detection = detect(app)
    assert detection.values()["sibling_deps"] == "shared:yarn@4.18.1:.yarn/releases/yarn-4.18.1.cjs"
    assert ".yarnrc.yml yarnPath .yarn/releases/yarn-4.18.1.cjs" in detection.findings["sibling_deps"].source


def test_pnpm_sibling_without_its_lockfile_warns_with_pnpm(tmp_path: Path) -> None:
    app = real_app("fastify-sibling-pnpm", tmp_path)
    (app / "shared" / "pnpm-lock.yaml").unlink()
    detection = detect(app)
    assert detection.values()["sibling_deps"] == "shared:pnpm@10.18.3"
    assert warned(detection, "has no pnpm-lock.yaml", "run `pnpm install` in shared")


def _sibling_stage(dockerfile: str) -> str:
    start = dockerfile.index("FROM base AS sibling-shared")
    return dockerfile[start : dockerfile.index("FROM base AS deps")]


def test_pnpm_sibling_stage_installs_frozen_with_its_own_pnpm_and_lints_clean(
    run_ndw: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    app = real_app("fastify-sibling-pnpm", tmp_path)
    status, _, err = run_ndw("init", app, "--answers", app / "ndw-answers.yml")
    assert status == 0, err
    stage = _sibling_stage((app / "api" / "Dockerfile").read_text())
    assert "npm install --global --force --no-audit --no-fund pnpm@10.18.3" in stage
    assert "COPY shared/package.json shared/pnpm-lock.yaml shared/pnpm-workspace.yam[l] ./" in stage
    assert "pnpm install --frozen-lockfile --store-dir=/pnpm/store" in stage
    assert "pnpm install --prod --frozen-lockfile" in stage
    assert "npm ci" not in stage and "package-lock.json" not in stage
    assert lint_dockerfile(app / "api" / "Dockerfile") == []


def test_yarn_sibling_stage_installs_frozen_with_yarn_1_for_a_pnpm_app(
    run_ndw: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    """The app's pnpm stays in base; the sibling's yarn 1 is its own, installed for its stage."""
    app = real_app("fastify-sibling-npm", tmp_path)
    answers = yaml.safe_load((app / "ndw-answers.yml").read_text())
    answers.update(
        sibling_deps="shared:yarn@1.22.22", package_manager="pnpm", package_manager_version="10.18.3"
    )
    (tmp_path / "answers.yml").write_text(yaml.safe_dump(answers))
    status, _, err = run_ndw("init", app, "--answers", tmp_path / "answers.yml")
    assert status == 0, err
    dockerfile = (app / "api" / "Dockerfile").read_text()
    stage = _sibling_stage(dockerfile)
    assert "yarn@1.22.22" in stage and "(the app uses pnpm)" in stage
    assert "yarn install --frozen-lockfile --non-interactive" in stage
    assert "yarn install --frozen-lockfile --production --non-interactive" in stage
    assert "pnpm install" not in stage and "--store-dir" not in stage
    assert lint_dockerfile(app / "api" / "Dockerfile") == []


def _init_yarn4_sibling(
    run_ndw: Callable[..., tuple[int, str, str]], tmp_path: Path, **changes: object
) -> tuple[Path, str]:
    """Scaffold the yarn 4 sibling app with CHANGES to its answers: (app, the sibling's stage)."""
    app = yarn4_sibling_app(tmp_path)
    answers = {**yaml.safe_load((app / "ndw-answers.yml").read_text()), "sibling_deps": "shared:yarn@4.18.1"}
    (tmp_path / "answers.yml").write_text(yaml.safe_dump({**answers, **changes}))
    status, _, err = run_ndw("init", app, "--answers", tmp_path / "answers.yml")
    assert status == 0, err
    assert lint_dockerfile(app / "api" / "Dockerfile") == []
    return app, _sibling_stage((app / "api" / "Dockerfile").read_text())


def test_yarn_berry_sibling_stage_installs_immutable_into_node_modules_with_corepack(
    run_ndw: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    """Node 24: corepack installs the sibling's yarn 4; node-modules whatever its .yarnrc.yml says."""
    app, stage = _init_yarn4_sibling(run_ndw, tmp_path)
    assert "corepack install --global yarn@4.18.1" in stage and "(the app uses npm)" in stage
    assert "ENV YARN_NODE_LINKER=node-modules YARN_IGNORE_PATH=1" in stage
    assert "COPY shared/package.json shared/yarn.lock shared/.yarnrc.ym[l] ./" in stage
    assert stage.index("yarn install --immutable") < stage.index("COPY shared/ ./")
    build = "npm run build --if-present \\\n    && yarn workspaces focus --all --production \\\n"
    assert build + "    && rm -rf .yarn" in stage
    assert "--frozen-lockfile" not in stage and "npm ci" not in stage
    assert "**/.pnp.cjs\n**/.pnp.loader.mjs\n" in (app / ".dockerignore").read_text()


def test_yarn_berry_sibling_on_node_26_installs_its_yarn_with_npm(
    run_ndw: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    _, stage = _init_yarn4_sibling(run_ndw, tmp_path, node_version=26)
    assert "npm install --global --force --no-audit --no-fund @yarnpkg/cli-dist@4.18.1" in stage
    assert "(Node 26 ships no corepack)" in stage and "corepack" not in stage.replace("ships no corepack", "")


def test_yarn_berry_sibling_runs_its_committed_release(
    run_ndw: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    """Even when the app pins the same yarn, the release runs: nothing downloaded, yarnPath honoured."""
    release = ".yarn/releases/yarn-4.18.1.cjs"
    app, stage = _init_yarn4_sibling(
        run_ndw,
        tmp_path,
        sibling_deps=f"shared:yarn@4.18.1:{release}",
        package_manager="yarn",
        package_manager_version="4.18.1",
    )
    assert f"exec node /shared/{release} " in stage
    assert f"COPY shared/{release} ./{release}" in stage
    assert stage.index(f"COPY shared/{release}") < stage.index("yarn install --immutable")
    assert "ENV YARN_NODE_LINKER=node-modules\n" in stage
    assert "corepack install" not in stage and "cli-dist" not in stage
    docker_md = " ".join((app / "api" / "DOCKER.md").read_text().split())
    assert "`shared/` with yarn 4.18.1" in docker_md
    assert f"`shared/` runs the yarn release it commits, `{release}`" in docker_md


# ---------------------------------------------------------------- trap 8: the database the app uses


def test_knex_default_client_wins_over_an_optional_driver(tmp_path: Path) -> None:
    detection = detect(real_app("express-views-knex-npm", tmp_path))
    value, source = detection.values()["database"], detection.findings["database"].source
    assert value == "sqlite"
    assert source == "src/db.ts: knex client better-sqlite3 by default; pg optional"


def test_knexfile_client_names_the_database(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5", "knex": "^3", "pg": "^8", "sqlite3": "^5"})
    write(app, {"knexfile.js": "module.exports = { client: 'pg', connection: process.env.DATABASE_URL }"})
    assert detect(app).values()["database"] == "postgresql"
    write(app, {"knexfile.js": "module.exports = { client: process.env.DB_CLIENT || 'sqlite3' }"})
    assert detect(app).values()["database"] == "sqlite"


def test_an_optional_driver_ranks_after_a_required_one(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5", "mysql2": "^3"}, optionalDependencies={"pg": "^8"})
    assert detect(app).values()["database"] == "mysql"


def test_redis_used_only_when_its_url_is_set_is_offered_off(tmp_path: Path) -> None:
    detection = detect(real_app("express-views-knex-npm", tmp_path))
    assert detection.values()["redis"] is False
    source = detection.findings["redis"].source
    assert "ioredis, used only when REDIS_URL is set (src/cache.ts)" in source
    assert "set redis true" in source


def test_redis_used_unconditionally_is_on(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5", "ioredis": "^5"})
    write(
        app,
        {
            "src/cache.js": "const Redis = require('ioredis');\n"
            "module.exports = new Redis(process.env.REDIS_URL);"
        },
    )
    assert detect(app).values()["redis"] is True


def test_mongoose_is_mongodb(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"@nestjs/core": "^11", "@nestjs/mongoose": "^11", "mongoose": "^8"})
    detection = detect(app)
    assert detection.values()["database"] == "mongodb"
    assert detection.findings["database"].source == "package.json dependencies: mongoose"
    assert not warned(detection, "MongoDB")


def test_prisma_mongodb_provider_is_mongodb_without_migrations(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5", "@prisma/client": "^6"}, devDependencies={"prisma": "^6"})
    write(
        app,
        {
            "prisma/schema.prisma": 'datasource db {\n  provider = "mongodb"\n'
            '  url = env("DATABASE_URL")\n}\n'
            'generator client {\n  provider = "prisma-client-js"\n}\n'
        },
    )
    detection = detect(app)
    assert detection.values()["database"] == "mongodb"
    assert detection.values()["migrations"] == "none"
    assert "db push" in detection.findings["migrations"].source


# ---------------------------------------------------------------- trap 16: native modules, Node line


def test_locked_native_engines_pick_the_node_line(tmp_path: Path) -> None:
    """No engines: better-sqlite3 12.5.0's lockfile engines stop at 25, so Node 24, and compilers."""
    detection = detect(real_app("express-views-knex-npm", tmp_path))
    values = detection.values()
    assert values["node_version"] == 24
    source = detection.findings["node_version"].source
    assert "better-sqlite3 12.5.0 (package-lock.json) engines.node: 20.x" in source
    assert "not Node 26" in source
    assert values["native_build_tools"] is True
    assert "12.5.0 locked in package-lock.json" in detection.findings["native_build_tools"].source


def _lock(app: Path, name: str, version: str, node: str) -> None:
    entry = {"version": version, "engines": {"node": node}, "hasInstallScript": True}
    lock = {"lockfileVersion": 3, "packages": {"": {}, f"node_modules/{name}": entry}}
    (app / "package-lock.json").write_text(json.dumps(lock))


def test_app_engines_outside_the_native_range_warn(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5", "better-sqlite3": "^12"}, engines={"node": ">=26"})
    _lock(app, "better-sqlite3", "12.5.0", "20.x || 22.x || 24.x")
    detection = detect(app)
    assert detection.values()["node_version"] == 26
    assert warned(detection, "better-sqlite3 12.5.0", "Node 26 is outside that range", "use Node 24")


def test_bundled_prebuilds_need_no_compilers_but_still_bound_the_line(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"express": "^5", "better-sqlite3": "^13"})
    _lock(app, "better-sqlite3", "13.2.0", ">=22")
    values = detect(app).values()
    assert values["native_build_tools"] is False
    assert values["node_version"] == 26


def test_pnpm_lock_records_engines_too(tmp_path: Path) -> None:
    app = tmp_path / "svc"
    app.mkdir()
    manifest(app, dependencies={"fastify": "^5", "bcrypt": "^5.1.1"})
    (app / "pnpm-lock.yaml").write_text(
        "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      bcrypt:\n"
        "        specifier: ^5.1.1\n        version: 5.1.1\npackages:\n  bcrypt@5.1.1:\n"
        "    resolution: {integrity: sha512-x}\n    engines: {node: '>= 10.0.0 < 25'}\n"
    )
    detection = detect(app)
    assert detection.values()["node_version"] == 24
    assert "bcrypt 5.1.1 (pnpm-lock.yaml)" in detection.findings["node_version"].source
    assert detection.values()["native_build_tools"] is True


def test_pnpm_without_an_approval_list_approves_what_the_image_needs(tmp_path: Path) -> None:
    """pnpm 11, bcrypt, no allowBuilds anywhere: bcrypt is approved, and no warning says the install fails."""
    detection = detect(real_app("fastify-bcrypt-pnpm", tmp_path))
    assert detection.values()["pnpm_allow_builds"] == "bcrypt"
    assert "package.json approves none: the image approves bcrypt" in (
        detection.findings["pnpm_allow_builds"].source
    )
    assert not warned(detection, "ERR_PNPM_IGNORED_BUILDS")


def test_an_existing_approval_list_is_the_projects_choice(tmp_path: Path) -> None:
    """Even an empty list is a decision: nothing is approved for it, and the missing one is warned about."""
    app = real_app("fastify-bcrypt-pnpm", tmp_path)
    (app / "pnpm-workspace.yaml").write_text("allowBuilds: {}\n")
    detection = detect(app)
    assert "pnpm_allow_builds" not in detection.findings
    assert warned(detection, "bcrypt need theirs", "ERR_PNPM_IGNORED_BUILDS")


# ---------------------------------------------------------------- answers the traps add


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ("app_dir: .\nsibling_deps: shared\n", "'shared' is outside the app folder"),
        ("app_dir: api\nsibling_deps: ../shared\n", "'../shared' is not a relative folder"),
        ("app_dir: api\nsibling_deps: api/lib\n", "'api/lib' is inside the app folder (api)"),
        ("app_dir: api\nsibling_deps: lib\n", "'lib' could land on a system folder of the image"),
        (
            "app_dir: api\nsibling_deps: shared:bun@1.3.0\n",
            "'shared:bun@1.3.0': the package manager after the folder must be pnpm@x.y.z or yarn@x.y.z",
        ),
        (  # a committed release lives under .yarn/releases, and only yarn berry has one
            "app_dir: api\nsibling_deps: shared:yarn@4.18.1:bin/yarn.cjs\n",
            "'shared:yarn@4.18.1:bin/yarn.cjs': the package manager after the folder must be pnpm@x.y.z",
        ),
        (
            "app_dir: api\nsibling_deps: shared:yarn@1.22.22:.yarn/releases/yarn-1.22.22.cjs\n",
            "optionally followed by its committed release (yarn@4.18.1:.yarn/releases/yarn-4.18.1.cjs)",
        ),
        (
            "runtime_files: [{path: ../views, copy: true}]\n",
            "entry 1 needs a path relative to the app folder",
        ),
        ("runtime_files: views\n", "runtime_files: 'views' is not allowed; must be a list"),
        ("orm: drizzle\ndatabase: mongodb\n", "Drizzle does not support MongoDB"),
        ("orm: prisma\ndatabase: mongodb\nmigrations: job\n", "prisma migrate does not support MongoDB"),
    ],
)
def test_bad_trap_answers_exit_2_and_write_nothing(
    run_ndw: Callable[..., tuple[int, str, str]], tmp_path: Path, answers: str, expected: str
) -> None:
    app = real_app("fastify-sibling-npm", tmp_path)
    before = sorted(p.relative_to(app).as_posix() for p in app.rglob("*"))
    (tmp_path / "answers.yml").write_text("service_name: quotes\n" + answers)
    status, _, err = run_ndw("init", app, "--answers", tmp_path / "answers.yml")
    assert status == 2
    assert expected in " ".join(err.split())
    assert sorted(p.relative_to(app).as_posix() for p in app.rglob("*")) == before
