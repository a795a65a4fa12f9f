"""Detection against hand-written fixture projects: proposed values, their sources, warnings."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from wizard.detect import Detection, ServiceCandidate, detect, detect_services
from wizard.detect.noderange import allows_major

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "detect"
Run = Callable[..., tuple[int, str, str]]


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """A writable copy of a fixture project."""
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


def edit_manifest(app: Path, change: Callable[[dict[str, Any]], object]) -> None:
    path = app / "package.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2))


def found(detection: Detection) -> dict[str, tuple[Any, str]]:
    return {name: (f.value, f.source) for name, f in detection.findings.items()}


def warned(detection: Detection, *fragments: str) -> bool:
    """Is there one warning containing every fragment?"""
    return any(all(fragment in warning for fragment in fragments) for warning in detection.warnings)


# ---------------------------------------------------------------- fixture projects

EXPECTED: dict[str, dict[str, tuple[Any, str]]] = {
    "nest-prisma-npm": {
        "service_name": ("billing-api", "package.json name: @acme/billing-api"),
        "package_manager": ("npm", "package-lock.json"),
        "node_version": (24, ".nvmrc: 24.11.0"),
        "framework": ("nestjs", "package.json dependencies: @nestjs/core"),
        "build_command": ("npm run build", "package.json scripts.build: nest build"),
        "entry": ("dist/main.js", "package.json scripts.start:prod: node dist/main"),
        "orm": ("prisma", "package.json dependencies: @prisma/client"),
        "database": ("postgresql", "prisma/schema.prisma datasource provider: postgresql"),
        "schema_path": ("prisma/schema.prisma", "prisma/schema.prisma"),
        "migrations_dir": ("prisma/migrations", "next to prisma/schema.prisma (Prisma's default)"),
        "redis": (True, "package.json dependencies: ioredis"),
        "native_build_tools": (
            True,
            "package.json dependencies: bcrypt@^5.1.1 (downloads a prebuilt binary at install, "
            "else compiles with node-gyp: compilers in the build stages)",
        ),
        "port": (3000, "src/main.ts: process.env.PORT ?? 3000"),
        "health_path": ("/health", "src/health/health.controller.ts: @Controller('health') + @Get()"),
    },
    "express-drizzle-pnpm": {
        "service_name": ("orders-api", "package.json name: orders-api"),
        "package_manager": ("pnpm", "pnpm-lock.yaml"),
        "package_manager_version": (
            "10.18.3",
            "pnpm-lock.yaml lockfileVersion 9.0 (written by pnpm 9 or newer); "
            "inferred pin 10.18.3, set packageManager to be exact",
        ),
        "node_version": (26, "package.json engines.node: >=20 (newest supported LTS line it allows)"),
        "framework": ("express", "package.json dependencies: express"),
        "build_command": ("pnpm run build", "package.json scripts.build: tsc -p tsconfig.json"),
        "entry": ("dist/server.js", "package.json scripts.start: node dist/server.js"),
        "orm": ("drizzle", "package.json dependencies: drizzle-orm"),
        "schema_path": (
            "config/drizzle.config.ts",
            "package.json scripts.db:generate: drizzle-kit generate --config=config/drizzle.config.ts",
        ),
        "database": ("postgresql", "config/drizzle.config.ts dialect: postgresql"),
        "migrations_dir": ("db/migrations", "config/drizzle.config.ts out: ./db/migrations"),
        "db_driver": ("pg", "package.json dependencies: pg"),
        "redis": (True, "package.json dependencies: bullmq"),
        "native_build_tools": (False, "package.json: sharp install prebuilt binaries"),
        "port": (8080, ".env.example: PORT=8080"),
        "health_path": ("/healthz", "src/server.ts: app.get('/healthz')"),
    },
    "fastify-js-yarn": {
        "service_name": ("catalog", "package.json name: catalog"),
        "package_manager": ("yarn", "package.json packageManager: yarn@1.22.22"),
        "package_manager_version": ("1.22.22", "package.json packageManager: yarn@1.22.22"),
        "node_version": (22, ".node-version: 22"),
        "framework": ("fastify", "package.json dependencies: fastify"),
        "build_command": ("", "package.json has no build script and no tsconfig.json (plain JavaScript)"),
        "entry": ("src/server.js", "package.json scripts.start: node src/server.js"),
        "orm": ("none", "package.json: no prisma or drizzle-orm dependency"),
        "database": ("sqlite", "package.json dependencies: better-sqlite3"),
        "redis": (False, "package.json: no Redis client dependency"),
        "native_build_tools": (
            True,
            "package.json dependencies: better-sqlite3@^11.10.0 (downloads a prebuilt binary at install, "
            "else compiles with node-gyp: compilers in the build stages)",
        ),
        "port": (3000, "src/server.js: fastify.listen({ port: 3000 })"),
        "health_path": ("/health", "src/routes.js: fastify.get('/health')"),
    },
    "nest-dist-src": {
        "package_manager": ("pnpm", "package.json packageManager: pnpm@10.18.3"),
        "package_manager_version": ("10.18.3", "package.json packageManager: pnpm@10.18.3"),
        "framework": ("nestjs", "package.json dependencies: @nestjs/core"),
        "build_command": ("pnpm run build", "package.json scripts.build: nest build"),
        "entry": ("dist/src/main.js", "package.json scripts.start:prod: node dist/src/main"),
        "orm": ("prisma", "package.json dependencies: @prisma/client"),
        "schema_path": ("prisma.config.ts", "prisma.config.ts"),
        "database": ("postgresql", "prisma/schema.prisma datasource provider: postgresql"),
        "migrations_dir": ("prisma/migrations", "prisma.config.ts migrations.path: prisma/migrations"),
        "port": (4000, "src/main.ts: app.listen(4000)"),
        "health_path": (
            "/api/health",
            "src/health.controller.ts: @Controller('health') + @Get() (global prefix api)",
        ),
    },
    "subfolder-app": {
        "app_dir": ("service", "service/package.json (the only Node.js service below subfolder-app)"),
        "service_name": ("shipping", "service/package.json name: shipping"),
        "package_manager": ("npm", "service/package-lock.json"),
        "framework": ("express", "service/package.json dependencies: express"),
        "build_command": (
            "",
            "service/package.json has no build script and no tsconfig.json (plain JavaScript)",
        ),
        "entry": ("index.js", "service/package.json scripts.start: node index.js"),
        "database": ("mysql", "service/package.json dependencies: mysql2"),
        "port": (5000, "service/index.js: process.env.PORT || 5000"),
        "health_path": ("/api/health", "service/index.js: app.get('/api/health')"),
    },
    "ts-no-build": {
        "build_command": (
            "npx --no-install tsc -p tsconfig.json",
            "proposed by ndw: TypeScript app (tsconfig.json) with no build script",
        ),
        "entry": (
            "build/out/index.js",
            "conventional entry file src/index.ts compiled by tsconfig.json "
            "(outDir build/out, rootDir src: common folder of the sources)",
        ),
        "redis": (True, "package.json dependencies: redis"),
        "port": (3000, "src/index.ts: app.listen(3000)"),
    },
    "ts-direct": {
        "package_manager": ("npm", "package.json packageManager: npm@11.6.0"),
        "node_version": (
            24,
            ".nvmrc: 22 (src/index.ts runs with Node's own type stripping, which needs Node 24+; "
            "nearest newer LTS line 24)",
        ),
        "framework": ("fastify", "package.json dependencies: fastify"),
        "entry": ("src/index.ts", "package.json scripts.start: node --env-file-if-exists=.env src/index.ts"),
        "build_command": (
            "",
            "package.json scripts.start: node --env-file-if-exists=.env src/index.ts "
            "(Node runs the TypeScript itself; no build)",
        ),
        "port": (7000, "src/index.ts: process.env.PORT ?? 7000"),
        "health_path": ("/livez", "src/health.ts: url: '/livez'"),
    },
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture_values_and_sources(fixture: str) -> None:
    detection = found(detect(FIXTURES / fixture))
    for name, expected in EXPECTED[fixture].items():
        assert detection.get(name) == expected, name


def test_npm_app_proposes_no_package_manager_version() -> None:
    assert "package_manager_version" not in detect(FIXTURES / "nest-prisma-npm").findings


def test_fastify_listen_without_host_warns_about_loopback() -> None:
    detection = detect(FIXTURES / "fastify-js-yarn")
    assert warned(
        detection, "src/server.js: fastify.listen({ port: 3000 }", "127.0.0.1 only", "host: '0.0.0.0'"
    )


def test_fastify_listen_with_host_does_not_warn() -> None:
    assert not warned(detect(FIXTURES / "ts-direct"), "127.0.0.1")


def test_nest_on_fastify_adapter_without_host_warns(tmp_path: Path) -> None:
    app = copy_fixture("nest-prisma-npm", tmp_path)
    edit_manifest(app, lambda m: m["dependencies"].update({"@nestjs/platform-fastify": "^11.1.6"}))
    main = app / "src" / "main.ts"
    main.write_text(
        main.read_text().replace(
            "NestFactory.create(AppModule)", "NestFactory.create(AppModule, new FastifyAdapter())"
        )
    )
    assert warned(detect(app), "src/main.ts: app.listen(process.env.PORT ?? 3000)", "127.0.0.1 only")
    main.write_text(main.read_text().replace("?? 3000)", "?? 3000, '0.0.0.0')"))
    assert not warned(detect(app), "127.0.0.1 only")


def test_loopback_host_warns_for_any_framework(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    index = app / "index.js"
    index.write_text(index.read_text().replace("|| 5000)", "|| 5000, 'localhost')"))
    assert warned(detect(app), "index.js", "binds to loopback")


def test_lowercase_port_variable_is_read_and_warned_about(tmp_path: Path) -> None:
    """`nest generate app` writes process.env.port, which ignores the PORT the image sets."""
    app = copy_fixture("nest-prisma-npm", tmp_path)
    main = app / "src" / "main.ts"
    main.write_text(re.sub(r"process\.env\.PORT \?\? \d+", "process.env.port ?? 3100", main.read_text()))
    detection = detect(app)
    assert found(detection)["port"][0] == 3100
    assert warned(detection, "src/main.ts reads process.env.port", "use process.env.PORT")
    main.write_text(main.read_text().replace("process.env.port", "process.env.PORT"))
    assert not warned(detect(app), "process.env.port")


# ---------------------------------------------------------------- NestJS entry traps


def test_nest_entry_computed_from_tsconfig_when_root_ts_files_widen_rootdir(tmp_path: Path) -> None:
    app = copy_fixture("nest-dist-src", tmp_path)
    edit_manifest(app, lambda m: m["scripts"].pop("start:prod"))
    entry = detect(app).findings["entry"]
    assert entry.value == "dist/src/main.js"
    assert entry.source == (
        "nest-cli.json entry src/main.ts compiled by tsconfig.build.json "
        "(outDir dist, rootDir .: prisma.config.ts outside src/ move rootDir to the app folder)"
    )


def test_nest_entry_is_dist_main_without_root_level_ts(tmp_path: Path) -> None:
    app = copy_fixture("nest-prisma-npm", tmp_path)
    edit_manifest(app, lambda m: m["scripts"].pop("start:prod"))
    entry = detect(app).findings["entry"]
    assert entry.value == "dist/main.js"
    assert "rootDir src" in entry.source


def test_start_prod_disagreeing_with_the_compiler_takes_the_compilers_entry(tmp_path: Path) -> None:
    """A stale `node dist/main` loses to what tsc will emit, and the warning says which file runs."""
    app = copy_fixture("nest-dist-src", tmp_path)
    edit_manifest(app, lambda m: m["scripts"].update({"start:prod": "node dist/main"}))
    detection = detect(app)
    entry = detection.findings["entry"]
    assert entry.value == "dist/src/main.js"
    assert "not dist/main.js from package.json scripts.start:prod" in entry.source
    assert warned(
        detection, "starts dist/main.js", "emits dist/src/main.js", "the image runs dist/src/main.js"
    )


def test_nest_cli_source_root_and_entry_file(tmp_path: Path) -> None:
    app = copy_fixture("nest-prisma-npm", tmp_path)
    edit_manifest(app, lambda m: m["scripts"].pop("start:prod"))
    (app / "nest-cli.json").write_text('{"sourceRoot": "src", "entryFile": "server"}')
    (app / "src" / "main.ts").rename(app / "src" / "server.ts")
    assert detect(app).findings["entry"].value == "dist/server.js"


def _nest_monorepo(app: Path, compiler: dict[str, object], jobs: dict[str, object] | None = None) -> None:
    """nest-cli.json of a monorepo with apps gateway (default) and jobs and a library, as Nest writes it."""
    projects: dict[str, object] = {"common": {"type": "library", "root": "libs/common"}}
    for name in ("gateway", "jobs"):
        projects[name] = {
            "type": "application",
            "root": f"apps/{name}",
            "entryFile": "main",
            "sourceRoot": f"apps/{name}/src",
            "compilerOptions": {
                "tsConfigPath": f"apps/{name}/tsconfig.app.json",
                **((jobs or {}) if name == "jobs" else {}),
            },
        }
        (app / "apps" / name / "src").mkdir(parents=True)
        (app / "apps" / name / "src" / "main.ts").write_text("await bootstrap();\n")
        (app / "apps" / name / "tsconfig.app.json").write_text(
            json.dumps(
                {
                    "extends": "../../tsconfig.json",
                    "compilerOptions": {"rootDir": "../..", "outDir": f"../../dist/apps/{name}"},
                    "include": ["src/**/*"],
                }
            )
        )
    config = {
        "monorepo": True,
        "root": "apps/gateway",
        "sourceRoot": "apps/gateway/src",
        "compilerOptions": {"tsConfigPath": "apps/gateway/tsconfig.app.json", **compiler},
        "projects": projects,
    }
    (app / "nest-cli.json").write_text(json.dumps(config))


@pytest.mark.parametrize(
    ("compiler", "entry", "why"),
    [
        # Nest 10/11 monorepos: `webpack: true`; Nest 12's default for a new monorepo: rspack.
        ({"webpack": True}, "dist/apps/gateway/main.js", "the webpack builder bundles it"),
        ({"builder": "rspack"}, "dist/apps/gateway/main.js", "the rspack builder bundles it"),
        ({"builder": {"type": "webpack", "options": {}}}, "dist/apps/gateway/main.js", "webpack builder"),
        # tsc (the default when nothing is set) and swc keep the tree below rootDir "../..".
        (
            {},
            "dist/apps/gateway/apps/gateway/src/main.js",
            "the tsc builder compiles apps/gateway/src/main.ts",
        ),
        ({"builder": "swc"}, "dist/apps/gateway/apps/gateway/src/main.js", "the swc builder compiles"),
    ],
)
def test_nest_monorepo_entry_follows_the_builder(
    tmp_path: Path, compiler: dict[str, object], entry: str, why: str
) -> None:
    app = copy_fixture("nest-prisma-npm", tmp_path)
    _nest_monorepo(app, compiler)
    detection = detect(app)
    assert detection.findings["entry"].value == entry
    assert why in detection.findings["entry"].source
    assert warned(detection, "more applications (jobs)", "ndw init --service apps/jobs")
    services = detect_services(app)
    assert [(s.name, s.path, s.kind, s.entry, s.shared) for s in services] == [
        ("gateway", "apps/gateway", "nest-app", entry, ("libs/common",)),
        ("jobs", "apps/jobs", "nest-app", entry.replace("gateway", "jobs"), ("libs/common",)),
    ]


def test_nest_monorepo_project_builder_overrides_the_root_one(tmp_path: Path) -> None:
    app = copy_fixture("nest-prisma-npm", tmp_path)
    _nest_monorepo(app, {"builder": "tsc"}, jobs={"builder": "rspack"})
    entries = {s.name: s.entry for s in detect_services(app)}
    assert entries == {
        "gateway": "dist/apps/gateway/apps/gateway/src/main.js",
        "jobs": "dist/apps/jobs/main.js",
    }


# ---------------------------------------------------------------- TypeScript without a build


def test_ts_app_without_build_script_gets_tsc_and_a_warning() -> None:
    detection = detect(FIXTURES / "ts-no-build")
    assert warned(
        detection,
        'no "build" script',
        "npx --no-install tsc -p tsconfig.json",
        '"build": "tsc -p tsconfig.json"',
    )
    assert not warned(detection, "TypeScript compiler is not a dependency")


@pytest.mark.parametrize(
    ("manager", "command"),
    [("pnpm", "pnpm exec tsc -p tsconfig.json"), ("yarn", "yarn tsc -p tsconfig.json")],
)
def test_tsc_command_follows_the_package_manager(tmp_path: Path, manager: str, command: str) -> None:
    app = copy_fixture("ts-no-build", tmp_path)
    edit_manifest(app, lambda m: m.update({"packageManager": f"{manager}@10.18.3"}))
    assert detect(app).findings["build_command"].value == command


def test_ts_app_without_typescript_dependency_warns(tmp_path: Path) -> None:
    app = copy_fixture("ts-no-build", tmp_path)
    edit_manifest(app, lambda m: m["devDependencies"].pop("typescript"))
    assert warned(detect(app), "TypeScript compiler is not a dependency")


def test_ts_direct_without_version_pin_proposes_newest_line(tmp_path: Path) -> None:
    app = copy_fixture("ts-direct", tmp_path)
    (app / ".nvmrc").unlink()
    assert found(detect(app))["node_version"] == (
        26,
        "package.json scripts.start: node --env-file-if-exists=.env src/index.ts "
        "(Node's own type stripping needs Node 24+)",
    )


def test_ts_direct_with_enum_warns(tmp_path: Path) -> None:
    app = copy_fixture("ts-direct", tmp_path)
    (app / "src" / "index.ts").write_text("enum Color { Red }\n" + (app / "src" / "index.ts").read_text())
    assert warned(detect(app), "src/index.ts uses enums", "type stripping")


def test_ts_direct_engines_range_is_narrowed_to_type_stripping_lines(tmp_path: Path) -> None:
    app = copy_fixture("ts-direct", tmp_path)
    (app / ".nvmrc").unlink()
    edit_manifest(app, lambda m: m.update({"engines": {"node": "^22 || ^24"}}))
    value, source = found(detect(app))["node_version"]
    assert value == 24
    assert source.startswith("package.json engines.node: ^22 || ^24")


# ---------------------------------------------------------------- Node line and package manager


@pytest.mark.parametrize(
    ("pin", "line", "warns"),
    [
        ("v26.1.0", 26, False),
        ("lts/jod", 22, False),
        ("lts/*", 26, False),
        ("20.18.0", 22, True),
        ("25", 26, True),
    ],
)
def test_nvmrc_maps_to_a_supported_line(tmp_path: Path, pin: str, line: int, warns: bool) -> None:
    app = copy_fixture("nest-prisma-npm", tmp_path)
    (app / ".nvmrc").write_text(pin + "\n")
    detection = detect(app)
    assert detection.findings["node_version"].value == line
    assert detection.findings["node_version"].source.startswith(f".nvmrc: {pin}")
    assert warned(detection, f".nvmrc pins Node {pin}") is warns


@pytest.mark.parametrize(
    ("engines", "allowed"),
    [
        (">=20", [22, 24, 26]),
        ("^22.12.0", [22]),
        (">=18 <23", [22]),
        ("^20 || ^24", [24]),
        ("20.x", []),
        ("22 - 24", [22, 24]),
        ("~24.1", [24]),
        (">24", [26]),
        ("*", [22, 24, 26]),
    ],
)
def test_engines_ranges(engines: str, allowed: list[int]) -> None:
    assert [line for line in (22, 24, 26) if allows_major(engines, line)] == allowed


def test_engines_allowing_no_supported_line_warns(tmp_path: Path) -> None:
    app = copy_fixture("express-drizzle-pnpm", tmp_path)
    edit_manifest(app, lambda m: m.update({"engines": {"node": "20.x"}}))
    detection = detect(app)
    assert "node_version" not in detection.findings
    assert warned(detection, "engines.node: 20.x allows none of the supported LTS lines")


def test_yarn_berry_lockfile_infers_a_pin(tmp_path: Path) -> None:
    app = copy_fixture("fastify-js-yarn", tmp_path)
    edit_manifest(app, lambda m: m.pop("packageManager"))
    (app / "yarn.lock").write_text(
        '# This file is generated by running "yarn install"\n\n__metadata:\n  version: 8\n  cacheKey: 10c0\n'
    )
    assert found(detect(app))["package_manager_version"] == (
        "4.18.1",
        "yarn.lock __metadata version 8 (yarn berry, yarn 4); "
        "inferred pin 4.18.1, set packageManager to be exact",
    )


def test_yarn_classic_lockfile_infers_a_pin(tmp_path: Path) -> None:
    app = copy_fixture("fastify-js-yarn", tmp_path)
    edit_manifest(app, lambda m: m.pop("packageManager"))
    assert found(detect(app))["package_manager_version"] == (
        "1.22.22",
        "yarn.lock (yarn classic v1 format); inferred pin 1.22.22",
    )


def test_pnpm8_lockfile_infers_pnpm8(tmp_path: Path) -> None:
    app = copy_fixture("express-drizzle-pnpm", tmp_path)
    (app / "pnpm-lock.yaml").write_text("lockfileVersion: '6.0'\n")
    assert detect(app).findings["package_manager_version"].value == "8.15.9"


def test_bun_is_not_supported_and_says_so(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    (app / "package-lock.json").rename(app / "bun.lock")
    detection = detect(app)
    assert "package_manager" not in detection.findings
    assert warned(detection, "bun.lock: Bun is not supported")


def test_several_lockfiles_warn(tmp_path: Path) -> None:
    app = copy_fixture("express-drizzle-pnpm", tmp_path)
    (app / "package-lock.json").write_text("{}")
    assert warned(detect(app), "Several lockfiles (pnpm-lock.yaml, package-lock.json)")


# ---------------------------------------------------------------- data, native modules, health


def test_drizzle_config_found_without_scripts(tmp_path: Path) -> None:
    app = copy_fixture("express-drizzle-pnpm", tmp_path)
    edit_manifest(app, lambda m: [m["scripts"].pop(k) for k in ("db:generate", "db:migrate")])
    (app / "config" / "drizzle.config.ts").rename(app / "drizzle.config.ts")
    assert found(detect(app))["schema_path"] == ("drizzle.config.ts", "drizzle.config.ts")


def test_drizzle_driver_must_match_dialect(tmp_path: Path) -> None:
    app = copy_fixture("express-drizzle-pnpm", tmp_path)
    edit_manifest(app, lambda m: m["dependencies"].update({"better-sqlite3": "^12.0.0"}))
    config = app / "config" / "drizzle.config.ts"
    config.write_text(config.read_text().replace("'postgresql'", "'sqlite'"))
    values = detect(app).values()
    assert (values["database"], values["db_driver"]) == ("sqlite", "better-sqlite3")


def test_prisma_schema_from_package_json_and_unsupported_provider(tmp_path: Path) -> None:
    app = copy_fixture("nest-prisma-npm", tmp_path)
    (app / "prisma").rename(app / "db")
    schema = app / "db" / "schema.prisma"
    schema.write_text(schema.read_text().replace('"postgresql"', '"sqlserver"'))
    edit_manifest(app, lambda m: m.update({"prisma": {"schema": "db/schema.prisma"}}))
    detection = detect(app)
    assert found(detection)["schema_path"] == (
        "db/schema.prisma",
        "package.json prisma.schema: db/schema.prisma",
    )
    assert "database" not in detection.findings
    assert warned(detection, "db/schema.prisma datasource provider sqlserver is not one compose can start")


def test_prisma7_generator_without_output_warns(tmp_path: Path) -> None:
    app = copy_fixture("nest-dist-src", tmp_path)
    schema = app / "prisma" / "schema.prisma"
    schema.write_text(schema.read_text().replace('  output       = "../src/generated/prisma"\n', ""))
    assert warned(detect(app), 'provider "prisma-client" (Prisma 7) without `output`')
    assert not warned(detect(FIXTURES / "nest-dist-src"), "without `output`")


@pytest.mark.parametrize(
    ("package", "spec", "compiles"),
    [
        ("bcrypt", "^6.0.0", False),
        ("bcrypt", "5.1.1", True),
        ("argon2", "^0.31.2", True),
        ("argon2", "^0.44.0", False),
        ("sharp", "^0.34.0", False),
        ("sqlite3", "^5.1.7", True),
    ],
)
def test_native_build_tools(tmp_path: Path, package: str, spec: str, compiles: bool) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    edit_manifest(app, lambda m: m["dependencies"].update({package: spec}))
    assert detect(app).findings["native_build_tools"].value is compiles


def test_missing_health_route_warns(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    index = app / "index.js"
    index.write_text(index.read_text().replace("/api/health", "/orders"))
    detection = detect(app)
    assert detection.findings["health_path"].value == ""
    assert warned(detection, "No health-check route found", "TCP connection", "set health_path")


def test_dependency_and_build_folders_are_never_read(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    index = app / "index.js"
    index.write_text(
        index.read_text().replace("app.get('/api/health'", "app.get('/orders'").replace("|| 5000", "")
    )
    for folder in ("node_modules/trap/src", "dist", ".git/hooks"):
        (app / folder).mkdir(parents=True)
        (app / folder / "server.js").write_text("app.get('/healthz', f);\napp.listen(9999);\n")
    detection = detect(app)
    assert "port" not in detection.findings
    assert detection.findings["health_path"].value == ""


def test_detection_is_fast_and_writes_nothing(tmp_path: Path) -> None:
    app = copy_fixture("nest-dist-src", tmp_path)
    modules = app / "node_modules"
    for index in range(300):
        package = modules / f"pkg{index}"
        package.mkdir(parents=True)
        (package / "index.js").write_text("module.exports = 1;\n")
    before = sorted((p, p.stat().st_mtime_ns) for p in app.rglob("*"))
    started = time.perf_counter()
    detect(app)
    elapsed = time.perf_counter() - started
    assert sorted((p, p.stat().st_mtime_ns) for p in app.rglob("*")) == before
    assert elapsed < 0.25  # measured ~4 ms; generous for a shared 2-core machine


# ---------------------------------------------------------------- repositories with several services


def test_root_without_package_json_and_several_services_warns() -> None:
    detection = detect(FIXTURES / "independent-services")
    assert "app_dir" not in detection.findings
    assert warned(detection, "several services below it (services/billing, services/orders)")


def test_detect_with_app_dir_reads_that_folder() -> None:
    detection = detect(FIXTURES / "independent-services", "services/billing")
    assert found(detection)["framework"] == ("fastify", "services/billing/package.json dependencies: fastify")


def test_independent_services() -> None:
    services = detect_services(FIXTURES / "independent-services")
    assert services == [
        ServiceCandidate(
            name="billing",
            path="services/billing",
            kind="independent",
            framework="fastify",
            lockfile="services/billing/yarn.lock",
            workspace_root=None,
            evidence="services/billing/package.json with its own lockfile",
        ),
        ServiceCandidate(
            name="orders",
            path="services/orders",
            kind="independent",
            framework="express",
            lockfile="services/orders/package-lock.json",
            workspace_root=None,
            evidence="services/orders/package.json with its own lockfile",
        ),
    ]


def test_pnpm_workspace_services_and_shared_packages() -> None:
    services = detect_services(FIXTURES / "pnpm-workspace")
    summary = [(s.name, s.path, s.kind, s.framework, s.lockfile, s.shared, s.shared_names) for s in services]
    assert summary == [
        (
            "@acme/api",
            "apps/api",
            "workspace",
            "express",
            "pnpm-lock.yaml",
            ("packages/shared",),
            ("@acme/shared",),
        ),
        (
            "@acme/worker",
            "apps/worker",
            "workspace",
            None,
            "pnpm-lock.yaml",
            ("packages/db", "packages/shared"),
            ("@acme/db", "@acme/shared"),
        ),
    ]


def test_package_json_workspaces(tmp_path: Path) -> None:
    repo = copy_fixture("pnpm-workspace", tmp_path)
    (repo / "pnpm-workspace.yaml").unlink()
    edit_manifest(repo, lambda m: m.update({"workspaces": {"packages": ["apps/*", "packages/*"]}}))
    edit_manifest(repo / "apps" / "api", lambda m: m["dependencies"].update({"@acme/shared": "1.0.0"}))
    services = detect_services(repo)
    assert [(s.path, s.shared_names) for s in services] == [
        ("apps/api", ("@acme/shared",)),
        ("apps/worker", ("@acme/db", "@acme/shared")),
    ]


def test_workspace_root_warns_and_reads_no_sources() -> None:
    detection = detect(FIXTURES / "pnpm-workspace")
    assert warned(detection, "pnpm-workspace.yaml makes this a workspace (services: apps/api, apps/worker)")
    assert "port" not in detection.findings


# ---------------------------------------------------------------- round trip through the CLI


ROUND_TRIP = [*sorted(EXPECTED), "independent-services/services/orders", "pnpm-workspace/apps/api"]


@pytest.mark.parametrize("fixture", ROUND_TRIP)
def test_detect_output_is_an_answers_file_init_accepts(run_ndw: Run, tmp_path: Path, fixture: str) -> None:
    repo = Path(shutil.copytree(FIXTURES / fixture, tmp_path / "repo"))
    status, out, err = run_ndw("detect", repo)
    assert status == 0, err
    answers = yaml.safe_load(out)
    for name, finding in detect(repo).findings.items():
        assert answers[name] == finding.value, name
        assert f"# from {finding.source}" in out
    assert "INVALID" not in out
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text(out)
    status, _, err = run_ndw("init", repo, "--answers", answers_file)
    assert status == 0, err
    # The Dockerfile goes into the service's own folder (the root for a single app).
    assert (repo / answers.get("app_dir", ".") / "Dockerfile").is_file()


def test_pnpm_workspace_yaml_with_only_settings_is_not_a_workspace(tmp_path: Path) -> None:
    app = copy_fixture("express-drizzle-pnpm", tmp_path)
    (app / "pnpm-workspace.yaml").write_text("allowBuilds:\n  esbuild: true\n")
    detection = detect(app)
    assert not warned(detection, "workspace")
    assert detection.findings["port"].value == 8080
    assert [s.path for s in detect_services(app)] == ["."]


@pytest.mark.parametrize(
    ("start", "entry"),
    [
        ("cross-env NODE_ENV=production node -r dotenv/config dist/main", "dist/main.js"),
        ("node --enable-source-maps dist", "dist/index.js"),
        ("prisma migrate deploy && node build/server.mjs", "build/server.mjs"),
    ],
)
def test_start_script_shapes(tmp_path: Path, start: str, entry: str) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    edit_manifest(app, lambda m: m["scripts"].update({"start": start}))
    assert found(detect(app))["entry"] == (entry, f"package.json scripts.start: {start}")


def test_ts_node_start_is_not_type_stripping(tmp_path: Path) -> None:
    app = copy_fixture("ts-no-build", tmp_path)
    edit_manifest(app, lambda m: m.update({"scripts": {"start": "node -r ts-node/register src/index.ts"}}))
    values = detect(app).values()
    assert values["entry"] == "build/out/index.js"
    assert values["build_command"] == "npx --no-install tsc -p tsconfig.json"


def test_ready_route_counts_as_health_path(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    index = app / "index.js"
    index.write_text(index.read_text().replace("/api/health", "/ready") + "app.get('/deliveries', f);\n")
    assert found(detect(app))["health_path"] == ("/ready", "index.js: app.get('/ready')")


# ---------------------------------------------------------------- install-time traps


def test_pnpm_unapproved_build_scripts_warn(tmp_path: Path) -> None:
    """No approval list at all: the image approves what it needs (pnpm_allow_builds), no warning. A
    list that lacks one is the project's choice: pnpm 10 skips the script, pnpm 11 fails; warned."""
    app = copy_fixture("nest-dist-src", tmp_path)
    detection = detect(app)
    assert {"@prisma/engines", "prisma"} <= set(detection.values()["pnpm_allow_builds"].split())
    assert not warned(detection, "only when approved")
    (app / "pnpm-workspace.yaml").write_text("onlyBuiltDependencies: []\n")
    assert warned(detect(app), "pnpm 10", "@prisma/engines", "onlyBuiltDependencies in pnpm-workspace.yaml")
    edit_manifest(app, lambda m: m.update({"packageManager": "pnpm@11.28.10"}))
    (app / "pnpm-workspace.yaml").write_text("allowBuilds: {}\n")
    assert warned(detect(app), "pnpm 11", "ERR_PNPM_IGNORED_BUILDS", "allowBuilds")
    (app / "pnpm-workspace.yaml").write_text("allowBuilds:\n  '@prisma/engines': true\n")
    assert not warned(detect(app), "install scripts only when approved")


def test_yarn_berry_plug_n_play_warns(tmp_path: Path) -> None:
    app = copy_fixture("fastify-js-yarn", tmp_path)
    edit_manifest(app, lambda m: m.update({"packageManager": "yarn@4.18.1"}))
    assert warned(detect(app), "Plug'n'Play", "nodeLinker: node-modules")
    (app / ".yarnrc.yml").write_text("nodeLinker: node-modules\n")
    assert not warned(detect(app), "Plug'n'Play")


def test_main_field_inside_outdir_is_the_entry(tmp_path: Path) -> None:
    app = copy_fixture("ts-no-build", tmp_path)
    edit_manifest(app, lambda m: m.update({"main": "build/out/server.js"}))
    assert found(detect(app))["entry"] == ("build/out/server.js", "package.json main: build/out/server.js")


def test_build_script_project_flag_picks_the_tsconfig(tmp_path: Path) -> None:
    app = copy_fixture("ts-no-build", tmp_path)
    (app / "tsconfig.build.json").write_text('{"compilerOptions": {"outDir": "other"}, "include": ["src"]}')
    assert detect(app).findings["entry"].value == "other/index.js"
    edit_manifest(app, lambda m: m.update({"scripts": {"build": "tsc -p tsconfig.json"}}))
    assert detect(app).findings["entry"].value == "build/out/index.js"


def test_nest_without_shutdown_hooks_warns() -> None:
    assert warned(detect(FIXTURES / "nest-dist-src"), "enableShutdownHooks")
    assert not warned(detect(FIXTURES / "nest-prisma-npm"), "enableShutdownHooks")


def test_prisma7_client_generated_outside_src_widens_rootdir(tmp_path: Path) -> None:
    app = copy_fixture("nest-dist-src", tmp_path)
    edit_manifest(app, lambda m: m["scripts"].pop("start:prod"))
    (app / "prisma.config.ts").unlink()
    assert detect(app).findings["entry"].value == "dist/main.js"  # client generated into src/
    schema = app / "prisma" / "schema.prisma"
    schema.write_text(schema.read_text().replace("../src/generated/prisma", "../generated/prisma"))
    entry = detect(app).findings["entry"]
    assert entry.value == "dist/src/main.js"
    assert "generated/prisma/client.ts outside src/" in entry.source


def test_unknown_framework_warns(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    edit_manifest(app, lambda m: m.update({"dependencies": {"koa": "^3.0.0"}}))
    detection = detect(app)
    assert "framework" not in detection.findings
    assert warned(detection, "package.json dependencies: koa: ndw knows NestJS, Express and Fastify only")


def test_malformed_package_json_warns_and_proposes_nothing(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    (app / "package.json").write_text('{"name": "shipping",,}')
    detection = detect(app)
    assert detection.findings == {}
    assert warned(detection, "package.json is not a valid JSON object")


def test_package_json_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    app = copy_fixture("subfolder-app", tmp_path) / "service"
    (app / "package.json").write_bytes(b"\xef\xbb\xbf" + (app / "package.json").read_bytes())
    assert detect(app).findings["service_name"].value == "shipping"


def test_fastify_listen_in_a_file_that_only_imports_the_app_warns(tmp_path: Path) -> None:
    app = copy_fixture("fastify-js-yarn", tmp_path)
    (app / "src" / "start.js").write_text(
        "const { build } = require('./build');\nbuild().listen({ port: 3000 });\n"
    )
    assert warned(detect(app), "src/start.js: build().listen({ port: 3000 }) passes no host")
    (app / "src" / "start.js").write_text("require('node:http').createServer(handler).listen(3000);\n")
    assert not warned(detect(app), "src/start.js")


# ---------------------------------------------------------------- real-world repositories (#13)

REAL_APPS = Path(__file__).resolve().parent / "fixtures" / "apps"


def real_app(name: str, tmp_path: Path) -> Path:
    """A writable copy of a fixture app the e2e tier builds."""
    return Path(shutil.copytree(REAL_APPS / name, tmp_path / name))


def test_stale_start_script_loses_to_typescript_6s_root_dir(tmp_path: Path) -> None:
    """No rootDir + a test/ folder beside src/: tsc emits dist/src/main.js whatever start:prod says."""
    detection = detect(real_app("nest-rootdir-pnpm", tmp_path))
    values = detection.values()
    assert values["entry"] == "dist/src/main.js"
    assert "TypeScript 6 defaults rootDir" in detection.findings["entry"].source
    assert warned(detection, "scripts.start:prod: node dist/main", "the image runs dist/src/main.js")


def test_typescript_5_computes_the_common_source_folder(tmp_path: Path) -> None:
    """Before TypeScript 6 the rootDir is the sources' common folder: the test/ folder widens it."""
    app = real_app("nest-rootdir-pnpm", tmp_path)
    edit_manifest(app, lambda m: m["devDependencies"].update({"typescript": "^5.9.3"}))
    assert detect(app).values()["entry"] == "dist/src/main.js"
    shutil.rmtree(app / "test")
    detection = detect(app)
    assert detection.values()["entry"] == "dist/main.js"
    assert not warned(detection, "the image runs")


def test_typescript_6_without_root_dir_and_only_src_warns_ts5011(tmp_path: Path) -> None:
    app = real_app("nest-rootdir-pnpm", tmp_path)
    shutil.rmtree(app / "test")
    detection = detect(app)
    assert warned(detection, "TS5011", '"rootDir": "./src"')
    assert detection.values()["entry"] == "dist/src/main.js"


def test_bundled_build_keeps_the_start_scripts_entry(tmp_path: Path) -> None:
    """tsup/esbuild write one file where the script says: tsc's layout does not apply."""
    app = real_app("nest-rootdir-pnpm", tmp_path)
    edit_manifest(app, lambda m: m["scripts"].update({"build": "tsup src/main.ts --out-dir dist"}))
    detection = detect(app)
    assert found(detection)["entry"] == ("dist/main.js", "package.json scripts.start:prod: node dist/main")
    assert not warned(detection, "the image runs")


def test_start_api_prod_script_and_out_dir_build(tmp_path: Path) -> None:
    """No start script, but start:api:prod; outDir build/ (the compiler's layout is used)."""
    app = real_app("nest-rootdir-pnpm", tmp_path)
    edit_manifest(
        app,
        lambda m: m.update(
            scripts={"build": "tsc -p tsconfig.json && tsc-alias", "start:api:prod": "node build/src/main.js"}
        ),
    )
    config = json.loads((app / "tsconfig.json").read_text())
    config["compilerOptions"]["outDir"] = "./build"
    (app / "tsconfig.json").write_text(json.dumps(config))
    detection = detect(app)
    assert found(detection)["entry"] == (
        "build/src/main.js",
        "package.json scripts.start:api:prod: node build/src/main.js",
    )
    assert not warned(detection, "the image runs")


def test_start_script_flags_and_arguments_are_kept(tmp_path: Path) -> None:
    detection = detect(real_app("express-nolock-npm", tmp_path))
    values = detection.values()
    assert values["entry"] == "server/server.js"
    assert values["node_flags"] == "-r dotenv/config --enable-source-maps"
    assert values["app_args"] == "--production"


def test_env_file_flag_and_shell_pipes_are_left_out(tmp_path: Path) -> None:
    app = real_app("express-nolock-npm", tmp_path)
    edit_manifest(
        app,
        lambda m: m["scripts"].update(start="node --env-file=.env server/server.js --port 80 | pino-pretty"),
    )
    detection = detect(app)
    values = detection.values()
    assert "node_flags" not in detection.findings
    assert values["app_args"] == "--port 80"
    assert warned(detection, "--env-file", "compose's env_file")


def test_missing_lockfile_builds_unfrozen(tmp_path: Path) -> None:
    detection = detect(real_app("express-nolock-npm", tmp_path))
    assert detection.values()["lockfile_committed"] is False
    assert warned(detection, "No lockfile found", "not frozen", "npm install", "lockfile_committed=true")


def test_committed_lockfile_is_not_flagged(tmp_path: Path) -> None:
    detection = detect(real_app("fastify-noroute-yarn", tmp_path))
    assert "lockfile_committed" not in detection.findings
    assert not warned(detection, "No lockfile found")


def test_health_route_under_an_express_router_mount(tmp_path: Path) -> None:
    detection = detect(real_app("express-nolock-npm", tmp_path))
    assert found(detection)["health_path"] == (
        "/v1/health",
        "server/routes/health.js: router.get('/health') (mounted at /v1)",
    )


def test_health_route_under_a_fastify_register_prefix(tmp_path: Path) -> None:
    app = real_app("fastify-noroute-yarn", tmp_path)
    routes = app / "src" / "routes" / "quotes.js"
    routes.write_text(
        routes.read_text().replace(
            "app.get('/quotes',", "app.get('/healthz', async () => 'ok');\n  app.get('/quotes',"
        )
    )
    assert detect(app).values()["health_path"] == "/v2/healthz"


def test_nest_global_prefix_applies_to_the_health_controller(tmp_path: Path) -> None:
    assert detect(real_app("nest-rootdir-pnpm", tmp_path)).values()["health_path"] == "/api/healthcheck"


def test_no_health_route_probes_the_port(tmp_path: Path) -> None:
    detection = detect(real_app("fastify-noroute-yarn", tmp_path))
    assert detection.values()["health_path"] == ""
    assert detection.values()["port"] == 4100
    assert warned(detection, "No health-check route found", "TCP connection")


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("git@example.com:acme/orders-api.git", "https://example.com/acme/orders-api"),
        ("git+https://example.com/acme/orders-api.git", "https://example.com/acme/orders-api"),
        ("https://user:token@example.com/acme/orders-api", "https://example.com/acme/orders-api"),
        ("ssh://git@example.com/acme/orders-api.git", "https://example.com/acme/orders-api"),
    ],
)
def test_image_labels_come_from_package_json(tmp_path: Path, remote: str, url: str) -> None:
    """description, license and the repository as a web URL (never with credentials)."""
    app = real_app("express-nolock-npm", tmp_path)
    edit_manifest(app, lambda m: m.update(repository={"type": "git", "url": remote}))
    values = detect(app).values()
    assert values["description"].startswith("Fixture: Express 5 starter")
    assert values["license"] == "MIT"
    assert values["source_url"] == url


def test_source_url_falls_back_to_the_git_remote(tmp_path: Path) -> None:
    app = real_app("fastify-noroute-yarn", tmp_path)
    (app / ".git").mkdir()
    (app / ".git" / "config").write_text('[remote "origin"]\n\turl = git@example.com:acme/quotes.git\n')
    assert found(detect(app))["source_url"] == (
        "https://example.com/acme/quotes",
        ".git/config remote origin",
    )


def test_patches_for_patch_package_are_install_inputs(tmp_path: Path) -> None:
    detection = detect(real_app("express-nolock-npm", tmp_path))
    assert found(detection)["install_inputs"] == (
        "patches",
        "package.json: patches/ (a hook runs patch-package)",
    )
    assert not warned(detection, "ship unpatched")


def test_patch_package_under_pnpm_warns_and_pnpm_patches_are_inputs(tmp_path: Path) -> None:
    app = real_app("express-nolock-npm", tmp_path)
    edit_manifest(app, lambda m: m.update(packageManager="pnpm@10.34.8"))
    assert warned(detect(app), "patch-package", "ship unpatched", "patchedDependencies")
    edit_manifest(app, lambda m: m["scripts"].pop("postinstall"))
    assert "install_inputs" not in detect(app).findings
    (app / "pnpm-workspace.yaml").write_text("patchedDependencies:\n  dotenv@17.4.1: patches/dotenv.patch\n")
    assert detect(app).values()["install_inputs"] == "patches"


def test_yarn_plugins_and_hook_scripts_are_install_inputs(tmp_path: Path) -> None:
    app = real_app("fastify-noroute-yarn", tmp_path)
    (app / ".yarn" / "plugins").mkdir(parents=True)
    (app / "scripts").mkdir()
    (app / "scripts" / "postinstall.js").write_text("console.log('ok');\n")
    edit_manifest(app, lambda m: m["scripts"].update(postinstall="node scripts/postinstall.js"))
    values = detect(app).values()
    assert values["install_inputs"] == ".yarn/plugins scripts/postinstall.js"


@pytest.mark.parametrize(
    ("code", "port", "variable"),
    [
        ("const port = Number(process.env.API_PORT ?? 3000);", 3000, "API_PORT"),
        ("const port = process.env.PORT || 3170;", 3170, None),
        ("const port = process.env['SERVER_PORT'] || 8081;", 8081, "SERVER_PORT"),
        ("const env = cleanEnv(process.env, { PORT: port({ default: 3300 }) });", 3300, None),
        ("const env = cleanEnv(process.env, { APP_PORT: port({ default: 3301 }) });", 3301, "APP_PORT"),
        ("const Env = z.object({ API_PORT: z.coerce.number().default(3302) });", 3302, "API_PORT"),
        ("const schema = Joi.object({ PORT: Joi.number().default(3303) });", 3303, None),
        ("const DB_PORT = process.env.DB_PORT || 5432;", None, None),  # the database's, not the app's
    ],
)
def test_port_and_the_variable_the_app_reads(
    tmp_path: Path, code: str, port: int | None, variable: str | None
) -> None:
    """A config default or env fallback gives the port; a variable other than PORT becomes port_env."""
    app = real_app("fastify-noroute-yarn", tmp_path)
    server = app / "src" / "app.js"
    server.write_text(code + "\n" + server.read_text().replace("Number(process.env.PORT ?? 4100)", "4100"))
    detection = detect(app)
    assert detection.values().get("port") == port
    assert detection.values().get("port_env") == variable


def test_port_variable_from_env_example(tmp_path: Path) -> None:
    app = real_app("fastify-noroute-yarn", tmp_path)
    (app / ".env.example").write_text("DB_PORT=5432\nAPI_PORT=4500\n")
    assert found(detect(app))["port_env"] == ("API_PORT", ".env.example: API_PORT=4500")


def test_loopback_unless_production_is_fine_in_the_image(tmp_path: Path) -> None:
    app = real_app("fastify-noroute-yarn", tmp_path)
    server = app / "src" / "app.js"
    server.write_text(
        server.read_text().replace(
            "app.listen({ port, host: '0.0.0.0' })",
            "app.listen({ port, host: process.env.NODE_ENV === 'production' ? '0.0.0.0' : 'localhost' })",
        )
    )
    detection = detect(app)
    assert warned(detection, "binds to loopback unless NODE_ENV is production", "fine as it is")
    assert not warned(detection, "unreachable from outside")
