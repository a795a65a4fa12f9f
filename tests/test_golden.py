"""Golden files: what the scaffold writes for a few representative services.

A template change shows up here as a readable diff in review. After an intended change,
regenerate and review the diff:

    NDW_UPDATE_GOLDEN=1 pytest tests/test_golden.py

The answers file is left out: it records the template version, which changes every release.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from wizard.engine.render import Renderer
from wizard.questions import QuestionSet

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NDW_UPDATE_GOLDEN") == "1"

CASES: dict[str, dict[str, Any]] = {
    # The most common service: NestJS + Prisma on npm, migrations as a one-shot job.
    "nest-prisma-npm-job": {
        "service_name": "orders-api",
        "framework": "nestjs",
        "orm": "prisma",
        "package_manager": "npm",
        "node_version": 24,
        "migrations": "job",
        "schema_path": "prisma.config.ts",
    },
    # pnpm on Node 26 (no corepack), Drizzle migrating at start, Redis.
    "express-drizzle-pnpm-entrypoint": {
        "service_name": "inventory-api",
        "framework": "express",
        "orm": "drizzle",
        "package_manager": "pnpm",
        "package_manager_version": "11.28.10",
        "build_command": "pnpm run build",
        "entry": "dist/index.js",
        "migrations": "entrypoint",
        "redis": True,
        "port": 8080,
        "health_path": "/healthz",
    },
    # Plain JavaScript Fastify on Alpine with yarn berry through corepack, dumb-init, no database.
    "fastify-yarn-berry-alpine": {
        "service_name": "edge-gateway",
        "framework": "fastify",
        "orm": "none",
        "package_manager": "yarn",
        "package_manager_version": "4.9.1",
        "node_version": 22,
        "image_flavor": "alpine",
        "init_system": "dumb-init",
        "entry": "src/server.js",
    },
    # Distroless: JavaScript entrypoint, MySQL through mysql2, yarn classic, Docker's init.
    "nest-drizzle-distroless-mysql": {
        "service_name": "billing",
        "framework": "nestjs",
        "orm": "drizzle",
        "database": "mysql",
        "package_manager": "yarn",
        "package_manager_version": "1.22.22",
        "image_flavor": "distroless",
        "migrations": "entrypoint",
    },
    # An app in a subfolder of a monorepo, SQLite in a volume, custom uid, native modules.
    "express-prisma-sqlite-subdir": {
        "service_name": "notes",
        "app_dir": "services/notes",
        "framework": "express",
        "orm": "prisma",
        "database": "sqlite",
        "migrations": "entrypoint",
        "uid": 1234,
        "native_build_tools": True,
        "init_system": "none",
        "entry": "src/index.mjs",
    },
    # A package of a pnpm workspace: shared packages built first, pnpm deploy, Drizzle job.
    "express-pnpm-workspace-drizzle": {
        "service_name": "api",
        "app_dir": "apps/api",
        "layout": "workspace",
        "workspace_package": "@acme/api",
        "workspace_deps": "packages/db packages/shared",
        "package_manager": "pnpm",
        "package_manager_version": "10.18.3",
        "node_version": 24,
        "framework": "express",
        "build_command": "pnpm --filter @acme/api... run build",
        "entry": "dist/index.js",
        "orm": "drizzle",
        "migrations": "job",
        "host_port": 3001,
    },
    # A package of an npm workspace: npm has no deploy, so the runtime keeps the layout.
    "fastify-npm-workspace": {
        "service_name": "worker",
        "app_dir": "apps/worker",
        "layout": "workspace",
        "workspace_package": "@acme/worker",
        "workspace_deps": "packages/shared",
        "package_manager": "npm",
        "node_version": 24,
        "framework": "fastify",
        "build_command": "npm run build --workspace packages/shared",
        "entry": "src/server.js",
        "redis": True,
        "host_port": 4001,
    },
    # An app of a NestJS monorepo (nest-cli.json projects), one package.json at the root.
    "nest-monorepo-app": {
        "service_name": "billing",
        "app_dir": "apps/billing",
        "layout": "nest-monorepo",
        "workspace_deps": "libs/common",
        "framework": "nestjs",
        "package_manager": "npm",
        "node_version": 24,
        "redis": True,
    },
}


def render(answers: dict[str, Any]) -> dict[str, str]:
    resolution = QuestionSet().resolve(answers, folder_name=answers["service_name"])
    assert not resolution.problems, resolution.problems
    files = Renderer().render(resolution.answers)
    return {path: file.text for path, file in files.items() if not path.endswith(".copier-answers.yml")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_scaffold_matches_golden_files(case: str) -> None:
    rendered = render(CASES[case])
    folder = GOLDEN / case
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        for path, text in rendered.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    committed = {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    hint = "regenerate with NDW_UPDATE_GOLDEN=1 pytest tests/test_golden.py and review the diff"
    assert sorted(rendered) == sorted(committed), f"{case}: different files; {hint}"
    for path, text in rendered.items():
        assert text == committed[path], f"{case}/{path} changed; {hint}"
