"""Package-manager shapes (#13 traps 3, 6 and 11), built and run from tests/fixtures/monorepos.

- pnpm-catalog: a pnpm workspace with `catalog:` specifiers, `overrides`, `patchedDependencies`
  and the root hooks `preinstall: npx only-allow pnpm` and `prepare: husky` (husky is a
  devDependency): the production step must not run those hooks, and the patch must be applied
  in the image.
- express-npmrc-npm (tests/fixtures/apps): `legacy-peer-deps=true` and a token line in .npmrc:
  the setting reaches `npm ci`, the token (a build secret) reaches no layer.
- fastify-yarnpath-yarn (tests/fixtures/apps): yarn 4 with its release committed (yarnPath), on
  Node 26, which has no corepack: the release runs the installs; .yarnrc.yml's registry token
  comes from NPM_TOKEN, which the installs read from a build secret that reaches no layer.
- yarn1-workspace: yarn 1 workspaces (two services on one shared package, root `prepare: husky`):
  the image holds the service, the shared package and their production dependencies only.

Each service is scaffolded with `ndw init --service`, built from the repository root with its
generated Dockerfile unchanged, started (health answers) and stopped (`stop -t 10` exits 0).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import BuiltApp, _Builds
from tests.support.apps import NPM_TOKEN_MARKER
from tests.support.containers import BuildResult, Containers, assert_port_free, wait_for_http
from tests.support.rootfs import SUITE_FOR_MAJOR, node_base_image

MONOREPOS = Path(__file__).parents[1] / "fixtures" / "monorepos"


@dataclass(frozen=True)
class Built:
    repo: Path
    service: str
    answers: dict[str, object]
    build: BuildResult

    @property
    def dockerfile(self) -> str:
        return (self.repo / self.service / "Dockerfile").read_text()


_built: dict[tuple[str, str], Built] = {}


def build_service(
    engine: Containers, tmp: Path, repo_name: str, service: str, secrets: dict[str, Path] | None = None
) -> Built:
    """Scaffold SERVICE of REPO_NAME in a temp copy and build its image (once per session)."""
    key = (repo_name, service)
    if key not in _built:
        repo = Path(shutil.copytree(MONOREPOS / repo_name, tmp / repo_name))
        done = subprocess.run(
            [sys.executable, "-m", "wizard", "init", str(repo), "--service", service, "--defaults"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        answers = yaml.safe_load((repo / service / ".copier-answers.yml").read_text())
        major = int(answers["node_version"])
        result = engine.build(
            repo, f"localhost/ndw-e2e/pm-{repo_name}:latest",
            {"NODE_IMAGE": node_base_image(major, SUITE_FOR_MAJOR[major], engine)},
            dockerfile=repo / service / "Dockerfile", secrets=secrets,
        )  # fmt: skip
        _built[key] = Built(repo, service, answers, result)
    return _built[key]


def run_and_stop(engine: Containers, built: Built, started: list[str], path: str) -> dict[str, object]:
    """Start the image, GET PATH (JSON), check the health check passes and `stop -t 10` exits 0."""
    port = int(str(built.answers["port"]))
    name = f"ndw-e2e-pm-{built.repo.name}-{os.getpid()}"
    assert_port_free(port)
    engine.start(built.build.tag, name, {})
    started.append(name)
    status, body = wait_for_http(f"http://127.0.0.1:{port}{path}", timeout=60)
    assert status == 200, body + engine.logs(name)
    assert engine.wait_healthy(name) == "healthy", engine.logs(name)
    elapsed, code = engine.stop(name, 10)
    assert code == 0 and elapsed < 10, (elapsed, code, engine.logs(name))
    data = json.loads(body)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def pnpm_catalog(engine: Containers, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_service(engine, tmp_path_factory.mktemp("pm"), "pnpm-catalog", "apps/shop")


def test_pnpm_workspace_hooks_skipped_patch_applied(
    pnpm_catalog: Built, engine: Containers, started: list[str]
) -> None:
    """Root `prepare: husky` and `preinstall: npx only-allow pnpm` stay out of the production
    step (husky is not installed there: running it fails the build); the patched escape-html and
    the catalog's express are in the image and answer."""
    assert "npm pkg delete scripts.preinstall" in pnpm_catalog.dockerfile
    assert "COPY patches ./patches" in pnpm_catalog.dockerfile
    # `pnpm deploy` runs the root's hooks unless they are gone (husky is still installed in the
    # build stage, so they would pass there): its log, when it ran, shows neither hook.
    log = pnpm_catalog.build.output
    deploy = log[log.index("deploy --prod") :].split("\nSTEP ", 1)[0].split("\n", 1)[1]
    if "Using cache" not in deploy:
        assert "husky" not in deploy and "only-allow" not in deploy, deploy
    data = run_and_stop(engine, pnpm_catalog, started, "/price?label=%3Cb%3E")
    assert data == {"price": "19.99 EUR", "label": "&lt;b&gt;", "patched": True}
    listing = engine.shell_as_root(
        pnpm_catalog.build.tag, "ls /app/node_modules /app/node_modules/.pnpm; cat /app/package.json"
    )
    assert listing.returncode == 0, listing.stderr
    assert "husky" not in listing.stdout.split("{", 1)[0]  # devDependencies never ship
    # The image's package.json is the service's own, unchanged.
    manifest = json.loads("{" + listing.stdout.split("{", 1)[1])
    assert manifest == json.loads((MONOREPOS / "pnpm-catalog/apps/shop/package.json").read_text())


@pytest.fixture(scope="module")
def yarn1(engine: Containers, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_service(engine, tmp_path_factory.mktemp("pm"), "yarn1-workspace", "apps/api")


def test_yarn1_workspace_service_runs_with_its_package_only(
    yarn1: Built, engine: Containers, started: list[str]
) -> None:
    """The pruned production install: express and @acme/util (its published files), no fastify
    (the other service's), no husky or nodemon (devDependencies), and the root `prepare: husky`
    did not run (husky is not installed there: running it fails the build)."""
    assert run_and_stop(engine, yarn1, started, "/hello") == {"message": "hello from api"}
    listing = engine.shell_as_root(
        yarn1.build.tag,
        "ls /app /app/apps /app/node_modules/@acme /app/packages/util;"
        " readlink -f /app/node_modules/@acme/util; for name in express fastify husky nodemon;"
        " do test -e /app/node_modules/$name && echo has-$name; done; true",
    )
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.split()
    assert lines[:4] == ["/app:", "apps", "node_modules", "packages"]  # no root manifest or lockfile
    assert "admin" not in lines  # the other service
    assert "/app/packages/util" in lines and "index.js" in lines  # the shared package, linked
    assert [line for line in lines if line.startswith("has-")] == ["has-express"]


@pytest.fixture(scope="module")
def npmrc_app(builds: _Builds) -> BuiltApp:
    """Express with react-dom 18 beside react 17 (legacy-peer-deps) and a token-bearing .npmrc."""
    return builds.get("express-npmrc-npm")


def test_npmrc_settings_reach_the_install_and_the_token_no_layer(
    npmrc_app: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """`npm ci` passed (it fails with ERESOLVE without legacy-peer-deps); the registry token came
    from the build secret and is in no layer of the image, nor in its history or the context."""
    dockerfile = (npmrc_app.context / "Dockerfile").read_text()
    assert "--mount=type=secret,id=npmrc,target=/root/.npmrc" in dockerfile
    assert "'legacy-peer-deps=true'" in dockerfile
    port = npmrc_app.app.port
    name = f"ndw-e2e-npmrc-{os.getpid()}"
    assert_port_free(port)
    engine.start(npmrc_app.tag, name, {})
    started.append(name)
    status, body = wait_for_http(f"http://127.0.0.1:{port}/preview?name=Ada", timeout=60)
    assert status == 200, body
    assert json.loads(body) == {"html": "<p>Hello Ada</p>", "react": "17.0.2"}
    # The token: not in the saved image (every layer, the config and history), not in the context.
    _assert_token_in_no_layer(engine, npmrc_app.tag, b"mailer listening on")
    history = engine.podman("history", "--no-trunc", npmrc_app.tag).stdout
    assert "legacy-peer-deps" in history and NPM_TOKEN_MARKER not in history
    assert not (npmrc_app.context / ".npmrc").read_text().count(NPM_TOKEN_MARKER)
    assert "**/.npmrc" in (npmrc_app.context / ".dockerignore").read_text()
    listing = engine.shell_as_root(npmrc_app.tag, "ls -A /app /root; cat /app/.npmrc 2>&1; true").stdout
    assert ".npmrc" not in listing.split("cat:", 1)[0], listing  # no .npmrc in the runtime image


def _assert_token_in_no_layer(engine: Containers, tag: str, app_code: bytes) -> None:
    """NPM_TOKEN_MARKER is in no layer of TAG's saved image, nor its config or history
    (APP_CODE, bytes of the app's own code, proves the scan read the layers' files)."""
    with tempfile.TemporaryDirectory(dir=engine.root) as tmp:
        archive = Path(tmp) / "image.tar"
        engine.podman("save", "--format", "docker-archive", "-o", str(archive), tag)
        seen_app_code = False
        with tarfile.open(archive) as outer:
            for member in outer.getmembers():
                data = outer.extractfile(member)
                if data is None:
                    continue
                blob = data.read()
                if member.name.endswith((".tar", "/layer.tar")) or blob[:2] == b"\x1f\x8b":
                    blob = _layer_bytes(blob)
                assert NPM_TOKEN_MARKER.encode() not in blob, f"the token is in {member.name}"
                seen_app_code = seen_app_code or app_code in blob
        assert seen_app_code, "the scan did not read the layers' files"  # the scan itself works
    history = engine.podman("history", "--no-trunc", tag).stdout
    assert NPM_TOKEN_MARKER not in history


def _layer_bytes(blob: bytes) -> bytes:
    """A layer's files' contents, concatenated (the archive holds them compressed or not)."""
    parts = []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz" if blob[:2] == b"\x1f\x8b" else "r:") as layer:
        for member in layer.getmembers():
            data = layer.extractfile(member) if member.isfile() else None
            if data is not None:
                parts.append(data.read())
    return b"".join(parts)


@pytest.fixture(scope="module")
def yarnpath(builds: _Builds) -> BuiltApp:
    """Fastify on yarn 4 with the release committed under .yarn/releases, on Node 26."""
    return builds.get("fastify-yarnpath-yarn")


def test_committed_yarn_release_runs_the_install_on_node_26(
    yarnpath: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """Node 26 ships neither corepack nor yarn, and nothing installs one: the build passed, so the
    committed release ran `yarn install --immutable` and the production focus."""
    dockerfile = (yarnpath.context / "Dockerfile").read_text()
    stages = dockerfile.split("AS runtime", 1)[0]  # the runtime stage only removes package managers
    runs = [line for line in stages.splitlines() if not line.startswith("#")]
    assert not [line for line in runs if "corepack" in line or "npm install --global" in line]
    assert "exec node /app/.yarn/releases/yarn-4.18.1.cjs" in dockerfile
    assert "COPY .yarn/releases/yarn-4.18.1.cjs ./.yarn/releases/yarn-4.18.1.cjs" in dockerfile
    deps = dockerfile.split("FROM base AS deps", 1)[1]
    assert deps.index("COPY .yarn/releases") < deps.index("yarn install --immutable")
    assert "yarn install --immutable" in yarnpath.build.output or "Using cache" in yarnpath.build.output
    # .yarnrc.yml's `npmAuthToken: "${NPM_TOKEN}"` (#13 trap 11): the install read NPM_TOKEN from
    # the build secret npm_token (mounted: no "No such file" from its cat), and no layer holds it.
    install = '--mount=type=secret,id=npm_token \\\n    NPM_TOKEN="$(cat /run/secrets/npm_token)" yarn'
    assert install in dockerfile
    assert "/run/secrets/npm_token: No such file" not in yarnpath.build.output
    _assert_token_in_no_layer(engine, yarnpath.tag, b"inventory")
    port = yarnpath.app.port
    name = f"ndw-e2e-yarnpath-{os.getpid()}"
    assert_port_free(port)
    engine.start(yarnpath.tag, name, {})
    started.append(name)
    status, body = wait_for_http(f"http://127.0.0.1:{port}/stock", timeout=60)
    assert status == 200 and json.loads(body) == {"items": 3}, body
    assert engine.wait_healthy(name) == "healthy", engine.logs(name)
    elapsed, code = engine.stop(name, 10)
    assert code == 0 and elapsed < 10, (elapsed, code, engine.logs(name))
