"""Package-manager shapes of real repositories (#13 traps 3, 6 and 11): detection and Dockerfiles.

Fixtures: tests/fixtures/monorepos/pnpm-catalog (catalog:, overrides, patchedDependencies, root
`preinstall: npx only-allow pnpm` and `prepare: husky`), yarn1-workspace (yarn 1 workspaces, root
`prepare: husky`, two services on one shared package), npm-workspace (root `prepare: husky`),
yarn-workspace (yarn 4, root `postinstall: husky`).
The e2e tier (tests/e2e/test_pm_shapes.py, test_monorepo.py) builds and runs them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from wizard.detect import detect, detect_service, detect_services

Run = Callable[..., tuple[int, str, str]]
MONOREPOS = Path(__file__).parent / "fixtures" / "monorepos"
HOOKS_REMOVED = "npm pkg delete scripts.preinstall scripts.install scripts.postinstall"


def scaffold(run_ndw: Run, tmp_path: Path, repo_name: str, service: str) -> tuple[Path, str]:
    """Scaffold SERVICE of a fixture repository in a temp copy; returns (repo, its Dockerfile)."""
    repo = Path(shutil.copytree(MONOREPOS / repo_name, tmp_path / repo_name))
    status, _, err = run_ndw("init", repo, "--service", service, "--defaults")
    assert status == 0, err
    return repo, (repo / service / "Dockerfile").read_text()


def service_values(repo_name: str, path: str) -> dict[str, object]:
    root = MONOREPOS / repo_name
    [service] = [s for s in detect_services(root) if s.path == path]
    return detect_service(root, service).values()


def prod_step(dockerfile: str) -> str:
    """The prod-deps stage of a Dockerfile."""
    return dockerfile.split("AS prod-deps", 1)[1].split("\nFROM ", 1)[0]


# ---------------------------------------------------------------- trap 3: hooks in workspace services


def test_pnpm_workspace_deploy_runs_without_the_workspace_hooks(run_ndw: Run, tmp_path: Path) -> None:
    _, dockerfile = scaffold(run_ndw, tmp_path, "pnpm-catalog", "apps/shop")
    step = prod_step(dockerfile)
    # The hooks are removed from every manifest in the build before `pnpm deploy` reads them.
    assert f"for folder in . packages/money apps/shop; do {HOOKS_REMOVED}" in step
    assert step.index(HOOKS_REMOVED) < step.index("pnpm --filter @acme/shop deploy --prod")
    # The full install (build stage) keeps them: husky is installed there.
    assert HOOKS_REMOVED not in dockerfile.split("AS prod-deps", 1)[0]


def test_npm_workspace_production_install_runs_without_the_root_prepare(run_ndw: Run, tmp_path: Path) -> None:
    repo, dockerfile = scaffold(run_ndw, tmp_path, "npm-workspace", "apps/api")
    assert json.loads((repo / "package.json").read_text())["scripts"]["prepare"] == "husky"
    step = prod_step(dockerfile)
    assert f"for folder in . packages/shared apps/api; do {HOOKS_REMOVED}" in step
    assert step.index(HOOKS_REMOVED) < step.index("npm ci --omit=dev --workspace apps/api")
    assert "own install hooks" in (repo / "apps/api/DOCKER.md").read_text()


def test_yarn_berry_workspace_focus_runs_without_the_workspace_hooks(run_ndw: Run, tmp_path: Path) -> None:
    repo, dockerfile = scaffold(run_ndw, tmp_path, "yarn-workspace", "apps/api")
    # husky's advice for yarn 2+: postinstall (yarn berry runs no prepare on install).
    assert json.loads((repo / "package.json").read_text())["scripts"]["postinstall"] == "husky"
    step = prod_step(dockerfile)
    assert f"for folder in . packages/shared apps/api; do {HOOKS_REMOVED}" in step
    assert step.index(HOOKS_REMOVED) < step.index("yarn workspaces focus --all --production")


# ---------------------------------------------------------------- trap 6: yarn 1 workspaces


def test_yarn1_workspace_service_is_detected_with_its_shared_package() -> None:
    values = service_values("yarn1-workspace", "apps/api")
    assert (values["layout"], values["package_manager"], values["package_manager_version"]) == (
        "workspace", "yarn", "1.22.22",
    )  # fmt: skip
    assert values["workspace_package"] == "@acme/api"
    assert values["workspace_deps"] == "packages/util"  # "@acme/util": "1.0.0", a workspace's name
    assert values["entry"] == "src/server.js"


def test_yarn1_workspace_builds_packages_in_order_with_cwd(tmp_path: Path) -> None:
    root = Path(shutil.copytree(MONOREPOS / "yarn1-workspace", tmp_path / "repo"))
    for folder in ("packages/util", "apps/api"):
        manifest = root / folder / "package.json"
        data = json.loads(manifest.read_text())
        data.setdefault("scripts", {})["build"] = "tsc"
        manifest.write_text(json.dumps(data))
    [service] = [s for s in detect_services(root) if s.path == "apps/api"]
    values = detect_service(root, service).values()
    # yarn 1 has no `workspaces foreach`.
    assert values["build_command"] == "yarn --cwd packages/util run build && yarn --cwd apps/api run build"


def test_yarn1_workspace_installs_production_from_a_pruned_manifest(run_ndw: Run, tmp_path: Path) -> None:
    repo, dockerfile = scaffold(run_ndw, tmp_path, "yarn1-workspace", "apps/api")
    step = prod_step(dockerfile)
    # Only the service and the package it uses are workspaces of the production install.
    assert "JSON.stringify({ private: true, workspaces: process.argv.slice(1)" in step
    assert "' packages/util apps/api \\" in step
    assert "yarn --cwd /prod install --production --frozen-lockfile" in step
    assert "npm pack --ignore-scripts --silent --pack-destination /tmp ./packages/util" in step
    assert f"for folder in packages/util apps/api; do {HOOKS_REMOVED}" in step
    assert "apps/admin" not in dockerfile
    assert "COPY --from=prod-deps --chown=root:root /prod/ /app/" in dockerfile
    assert "WORKDIR /app/apps/api" in dockerfile
    assert "pruned root manifest" in (repo / "apps/api/DOCKER.md").read_text()


# ---------------------------------------------------------------- trap 6: pnpm settings


def test_pnpm_catalog_patches_are_copied_before_the_install(run_ndw: Run, tmp_path: Path) -> None:
    values = service_values("pnpm-catalog", "apps/shop")
    assert values["install_inputs"] == "patches"  # patchedDependencies in pnpm-workspace.yaml
    assert values["workspace_deps"] == "packages/money"
    _, dockerfile = scaffold(run_ndw, tmp_path, "pnpm-catalog", "apps/shop")
    deps = dockerfile.split("FROM base AS deps", 1)[1]
    # pnpm-workspace.yaml (catalog, overrides, patchedDependencies) and patches/ before the install.
    assert (
        deps.index("pnpm-workspace.yam[l]")
        < deps.index("COPY patches ./patches")
        < deps.index("pnpm install --frozen-lockfile")
    )


# ---------------------------------------------------------------- trap 6: a stale second lockfile


def _two_lockfiles(tmp_path: Path) -> Path:
    """The pnpm-catalog workspace root with a stale package-lock.json beside pnpm-lock.yaml."""
    root = Path(shutil.copytree(MONOREPOS / "pnpm-catalog", tmp_path / "repo"))
    (root / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}\n')
    return root


def test_stale_lockfile_loses_to_the_package_manager_field(tmp_path: Path) -> None:
    root = _two_lockfiles(tmp_path)
    [service] = [s for s in detect_services(root) if s.path == "apps/shop"]
    found = detect_service(root, service)
    assert found.values()["package_manager"] == "pnpm"
    [warning] = [w for w in found.warnings if "Several lockfiles" in w]
    assert "installs with pnpm from pnpm-lock.yaml (package.json packageManager names pnpm)" in warning
    assert "package-lock.json looks stale" in warning


def test_stale_lockfile_without_package_manager_field_follows_the_tooling(tmp_path: Path) -> None:
    """No packageManager: `preinstall: npx only-allow npm` names npm, so yarn.lock (which the
    lockfile order alone would pick) is the stale one."""
    app = tmp_path / "app"
    app.mkdir()
    scripts = {"preinstall": "npx only-allow npm", "start": "node index.js"}
    (app / "package.json").write_text(json.dumps({"name": "a", "scripts": scripts}))
    (app / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}\n')
    (app / "yarn.lock").write_text("# yarn lockfile v1\n")
    found = detect(app)
    assert found.values()["package_manager"] == "npm"
    assert "package_manager_version" not in found.values()
    [warning] = [w for w in found.warnings if "Several lockfiles" in w]
    assert "installs with npm from package-lock.json (scripts.preinstall: npx only-allow npm)" in warning
    assert "yarn.lock looks stale" in warning


def test_stale_pnpm_lockfile_loses_to_yarn_tooling(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "a", "scripts": {"start": "node index.js"}}))
    (app / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\n")
    (app / "yarn.lock").write_text("__metadata:\n  version: 8\n")
    (app / ".yarnrc.yml").write_text("nodeLinker: node-modules\n")
    found = detect(app)
    assert (found.values()["package_manager"], found.values()["package_manager_version"]) == (
        "yarn",
        "4.18.1",
    )
    assert [
        w
        for w in found.warnings
        if "installs with yarn from yarn.lock" in w and "pnpm-lock.yaml looks stale" in w
    ]


# ---------------------------------------------------------------- trap 11: .npmrc settings and tokens

APPS = Path(__file__).parent / "fixtures" / "apps"


def _app(tmp_path: Path, npmrc: str, manifest: Mapping[str, object] | None = None) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    data = manifest or {
        "name": "svc",
        "scripts": {"start": "node index.js"},
        "dependencies": {"express": "5"},
    }
    (app / "package.json").write_text(json.dumps(data))
    (app / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}\n')
    (app / ".npmrc").write_text(npmrc)
    return app


def test_token_bearing_npmrc_wires_the_secret_and_carries_its_settings() -> None:
    found = detect(APPS / "express-npmrc-npm")
    values = found.values()
    assert values["npmrc_settings"] == "legacy-peer-deps=true"
    assert values["npmrc_secret"] is True
    assert found.sources()["npmrc_secret"] == ".npmrc: _authToken (registry credentials)"
    [warning] = [w for w in found.warnings if "registry credentials" in w]
    assert "docker build --secret id=npmrc,src=$HOME/.npmrc" in warning
    assert "literal token" not in warning  # ${NPM_TOKEN}: nothing committed to rotate
    # The fixture's answers are what detection proposes.
    answers = yaml.safe_load((APPS / "express-npmrc-npm" / "ndw-answers.yml").read_text())
    assert (answers["npmrc_settings"], answers["npmrc_secret"]) == ("legacy-peer-deps=true", True)


def test_literal_token_is_never_a_setting_and_asks_for_rotation(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "registry=https://npm.acme.test/\n_auth=dXNlcjpwYXNz\n"
        "//npm.acme.test/:_authToken=abc123\nstrict-peer-deps=false ; old style\n",
    )
    found = detect(app)
    values = found.values()
    assert values["npmrc_secret"] is True
    settings = values["npmrc_settings"]
    assert settings.split()[0] == "registry=https://npm.acme.test/"
    assert "abc123" not in settings and "dXNlcjpwYXNz" not in settings
    assert [w for w in found.warnings if "literal token (_auth, //npm.acme.test/:_authToken)" in w]


def test_settings_only_npmrc_has_no_secret(tmp_path: Path) -> None:
    found = detect(_app(tmp_path, "# hoisted for the bundler\nlegacy-peer-deps=true\nengine-strict=true\n"))
    assert found.values()["npmrc_settings"] == "legacy-peer-deps=true engine-strict=true"
    assert "npmrc_secret" not in found.values()
    assert not [w for w in found.warnings if ".npmrc" in w]


def test_npmrc_setting_from_the_environment_is_not_carried(tmp_path: Path) -> None:
    found = detect(_app(tmp_path, "legacy-peer-deps=true\nregistry=${NPM_REGISTRY}\n"))
    assert found.values()["npmrc_settings"] == "legacy-peer-deps=true"
    assert [w for w in found.warnings if ".npmrc: registry is not carried into the image" in w]


def test_pnpm11_ignores_npmrc_settings_other_than_registry_and_says_so(tmp_path: Path) -> None:
    manifest = {"name": "svc", "packageManager": "pnpm@11.1.0", "scripts": {"start": "node index.js"}}
    app = _app(
        tmp_path,
        "node-linker=hoisted\nshamefully-hoist=true\n@acme:registry=https://npm.acme.test/\n",
        manifest,
    )
    found = detect(app)
    [warning] = [w for w in found.warnings if "pnpm 11 reads only registry and auth" in w]
    assert "node-linker, shamefully-hoist no longer apply" in warning
    assert "nodeLinker: hoisted" in warning


def test_yarn_berry_ignores_npmrc_and_flags_a_literal_yarnrc_token(tmp_path: Path) -> None:
    manifest = {"name": "svc", "packageManager": "yarn@4.18.1", "scripts": {"start": "node index.js"}}
    app = _app(tmp_path, "legacy-peer-deps=true\n", manifest)
    (app / ".yarnrc.yml").write_text('nodeLinker: node-modules\nnpmAuthToken: "abc123"\n')
    found = detect(app)
    assert "npmrc_settings" not in found.values()
    assert [w for w in found.warnings if "does not read .npmrc" in w]
    assert [w for w in found.warnings if "npmAuthToken is a literal token" in w]
    (app / ".yarnrc.yml").write_text("nodeLinker: node-modules\nnpmAuthToken: ${NPM_TOKEN}\n")
    assert not [w for w in detect(app).warnings if "literal token" in w]


YARNRC_TOKENS = """nodeLinker: node-modules
npmScopes:
  acme:
    npmAuthToken: "${NPM_TOKEN}"
  tools:
    npmAuthToken: ${GITHUB_TOKEN:-}
"""


def test_yarn_berry_tokens_from_the_environment_are_wired_to_build_secrets(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(MONOREPOS / "yarn-workspace", tmp_path / "repo"))
    (repo / ".yarnrc.yml").write_text(YARNRC_TOKENS)
    [service] = [s for s in detect_services(repo) if s.path == "apps/api"]
    found = detect_service(repo, service)
    assert found.values()["yarn_token_env"] == "NPM_TOKEN GITHUB_TOKEN"
    assert found.sources()["yarn_token_env"] == ".yarnrc.yml: npmAuthToken from ${NPM_TOKEN}, ${GITHUB_TOKEN}"
    [warning] = [w for w in found.warnings if "registry tokens" in w]
    assert (
        "docker build --secret id=npm_token,env=NPM_TOKEN --secret id=github_token,env=GITHUB_TOKEN"
        in warning
    )
    assert not [w for w in found.warnings if "literal token" in w]


def test_every_yarn_berry_install_reads_the_tokens_from_secrets_only(run_ndw: Run, tmp_path: Path) -> None:
    repo = Path(shutil.copytree(MONOREPOS / "yarn-workspace", tmp_path / "repo"))
    (repo / ".yarnrc.yml").write_text(YARNRC_TOKENS)
    status, _, err = run_ndw("init", repo, "--service", "apps/api", "--defaults")
    assert status == 0, err
    dockerfile = (repo / "apps/api/Dockerfile").read_text()
    mounts = "--mount=type=secret,id=npm_token --mount=type=secret,id=github_token"
    exports = 'NPM_TOKEN="$(cat /run/secrets/npm_token)" GITHUB_TOKEN="$(cat /run/secrets/github_token)" yarn'
    steps = [step for step in dockerfile.split("\nRUN ") if "yarn workspaces focus" in step]
    assert len(steps) == 2  # the full install and the production one
    for step in steps:
        assert mounts in step.splitlines()[0]
        assert f"{exports} workspaces focus --all" in step
    # Every other yarn command (the build, yarn pack) reads .yarnrc.yml too: the image's copy
    # falls back to empty, so no token value is ever set outside the installs.
    sed = (
        "RUN sed -i -e 's/\\([$]{NPM_TOKEN\\)}/\\1:-}/g' -e 's/\\([$]{GITHUB_TOKEN\\)}/\\1:-}/g' .yarnrc.yml"
    )
    assert sed in dockerfile
    assert dockerfile.index(sed) < dockerfile.index("yarn workspaces focus --all")
    assert "ENV NPM_TOKEN" not in dockerfile and "ARG NPM_TOKEN" not in dockerfile
    compose = yaml.safe_load((repo / "apps/api/compose.yaml").read_text())
    assert compose["x-build"]["secrets"] == [
        {"source": "api-npm_token", "target": "npm_token"},
        {"source": "api-github_token", "target": "github_token"},
    ]
    assert compose["secrets"] == {
        "api-npm_token": {"environment": "NPM_TOKEN"},
        "api-github_token": {"environment": "GITHUB_TOKEN"},
    }
    docs = (repo / "apps/api/DOCKER.md").read_text()
    assert (
        "docker build --secret id=npm_token,env=NPM_TOKEN --secret id=github_token,env=GITHUB_TOKEN" in docs
    )


def test_a_yarn_token_variable_that_is_not_a_name_exits_2(run_ndw: Run, tmp_path: Path) -> None:
    app = Path(shutil.copytree(APPS / "fastify-yarnpath-yarn", tmp_path / "app"))
    status, _, err = run_ndw(
        "init", app, "--answers", app / "ndw-answers.yml", "--set", "yarn_token_env=NPM-TOKEN"
    )
    assert status == 2
    assert "'NPM-TOKEN' is not an environment variable name" in " ".join(err.split()), err
    assert not (app / "Dockerfile").exists()


def test_every_install_of_a_pnpm_workspace_service_mounts_the_secret(run_ndw: Run, tmp_path: Path) -> None:
    repo = Path(shutil.copytree(MONOREPOS / "pnpm-catalog", tmp_path / "repo"))
    (repo / ".npmrc").write_text("//${REGISTRY_HOST}/:_authToken=${NPM_TOKEN}\nauto-install-peers=true\n")
    status, _, err = run_ndw("init", repo, "--service", "apps/shop", "--defaults")
    assert status == 0, err
    dockerfile = (repo / "apps/shop/Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if line.startswith("RUN --mount=type=cache")]
    assert len(installs) == 2  # the full install and pnpm deploy (corepack needs no npm install)
    assert all("--mount=type=secret,id=npmrc,target=/root/.npmrc" in line for line in installs)
    assert "RUN printf '%s\\n' 'auto-install-peers=true' > .npmrc" in dockerfile
    assert "**/.npmrc" in (repo / ".dockerignore").read_text().splitlines()
    compose = yaml.safe_load((repo / "apps/shop/compose.yaml").read_text())
    assert compose["x-build"]["secrets"] == [{"source": "shop-npmrc", "target": "npmrc"}]
    assert compose["secrets"] == {"shop-npmrc": {"file": "~/.npmrc"}}
    assert "docker build --secret id=npmrc,src=$HOME/.npmrc" in (repo / "apps/shop/DOCKER.md").read_text()


def test_a_credential_given_as_a_setting_exits_2(run_ndw: Run, tmp_path: Path) -> None:
    app = Path(shutil.copytree(APPS / "express-npmrc-npm", tmp_path / "app"))
    status, _, err = run_ndw(
        "init", app, "--answers", app / "ndw-answers.yml", "--set", "npmrc_settings=//h/:_authToken=abc"
    )
    assert status == 2
    assert "'//h/:_authToken' is a credential" in " ".join(err.split()), err
    assert not (app / "Dockerfile").exists()


# ---------------------------------------------------------------- trap 6: yarn berry's committed release


def test_committed_yarn_release_is_an_install_input_and_runs_yarn(run_ndw: Run, tmp_path: Path) -> None:
    app = Path(shutil.copytree(APPS / "fastify-yarnpath-yarn", tmp_path / "app"))
    missing = detect(app)
    assert "install_inputs" not in missing.values()
    assert [w for w in missing.warnings if "yarnPath: .yarn/releases/yarn-4.18.1.cjs is missing" in w]
    release = app / ".yarn/releases/yarn-4.18.1.cjs"
    release.parent.mkdir(parents=True)
    release.write_text("#!/usr/bin/env node\n")  # detection only checks that it is committed
    found = detect(app)
    assert found.values()["install_inputs"] == ".yarn/releases/yarn-4.18.1.cjs"
    assert found.values()["node_version"] == 26
    status, _, err = run_ndw("init", app, "--answers", app / "ndw-answers.yml")
    assert status == 0, err
    dockerfile = (app / "Dockerfile").read_text()
    base = dockerfile.split("FROM base AS deps", 1)[0]
    assert 'exec node /app/.yarn/releases/yarn-4.18.1.cjs "$@"' in base
    runs = [line for line in base.splitlines() if not line.startswith("#")]
    assert not [line for line in runs if "corepack" in line or "npm install --global" in line]
    assert "YARN_IGNORE_PATH" not in dockerfile
    assert "committed release `.yarn/releases/yarn-4.18.1.cjs`" in (app / "DOCKER.md").read_text()


def test_yarn_without_a_release_on_node_26_installs_the_pinned_cli_with_npm(
    run_ndw: Run, tmp_path: Path
) -> None:
    """Only packageManager on Node 26 (no corepack there): the pinned yarn comes from npm."""
    app = Path(shutil.copytree(APPS / "fastify-yarnpath-yarn", tmp_path / "app"))
    (app / ".yarnrc.yml").write_text("nodeLinker: node-modules\n")
    status, _, err = run_ndw("init", app, "--answers", app / "ndw-answers.yml", "--set", "install_inputs=")
    assert status == 0, err
    dockerfile = (app / "Dockerfile").read_text()
    assert "npm install --global @yarnpkg/cli-dist@4.18.1" in dockerfile
    assert "YARN_IGNORE_PATH=1" in dockerfile
