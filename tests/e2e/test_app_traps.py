"""Run-time files, the database the app really uses, and native modules (#13 traps 8, 9, 16), built and run.

test_images.py runs the common checks on every fixture app (healthy, non-root, graceful stop,
no devDependencies); these tests check each trap's own consequence in the built image.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import APPS, BuiltApp, _Builds
from tests.support.apps import _place_yarn_release as place_yarn_release
from tests.support.containers import Containers, assert_port_free, http_get, wait_for_http
from tests.support.rootfs import SUITE_FOR_MAJOR, node_base_image


@pytest.fixture(scope="module")
def guestbook(builds: _Builds) -> BuiltApp:
    """Express + EJS views/ + public/ + knex on better-sqlite3 12.5.0 (no engines), npm."""
    return builds.get("express-views-knex-npm")


@pytest.fixture(scope="module")
def greeter(builds: _Builds) -> BuiltApp:
    """NestJS + mongoose, src/i18n as nest-cli.json assets, proto/ read at run time, npm."""
    return builds.get("nest-assets-mongo-npm")


@pytest.fixture(scope="module")
def quotes(builds: _Builds) -> BuiltApp:
    """Fastify in api/ linking ../shared (file:, its own lockfile and tsc build), npm."""
    return builds.get("fastify-sibling-npm")


@pytest.fixture(scope="module")
def quotes_pnpm_sibling(builds: _Builds) -> BuiltApp:
    """The same API (npm) whose ../shared is locked and built with pnpm 10.18.3."""
    return builds.get("fastify-sibling-pnpm")


@pytest.fixture(scope="module")
def accounts(builds: _Builds) -> BuiltApp:
    """Fastify + bcrypt 6 on pnpm 11 with no build-approval list and no engines."""
    return builds.get("fastify-bcrypt-pnpm")


def test_views_and_static_files_ship_and_serve(
    guestbook: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """tsc emits no .ejs or .css: views/ and public/ were copied, root-owned, and the page renders
    from the SQLite database knex opens with its default client (in the /data volume)."""
    listing = engine.shell_as_root(
        guestbook.tag, "stat -c '%U %a %n' views/index.ejs public/style.css; ls /app"
    ).stdout
    assert "root 644 views/index.ejs" in listing and "root 644 public/style.css" in listing
    assert "src" not in listing.split()  # sources stay out: only the run-time files came along
    port = guestbook.app.port
    name = f"ndw-e2e-guestbook-{os.getpid()}"
    assert_port_free(port)
    engine.start(guestbook.tag, name, {})
    started.append(name)
    wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/sign", data=b"name=ada", method="POST")
    urllib.request.urlopen(request, timeout=5).close()  # follows the redirect to the rendered page
    status, page = http_get(f"http://127.0.0.1:{port}/")
    assert status == 200 and "<h1>Guestbook</h1>" in page and "<li>ada</li>" in page
    status, css = http_get(f"http://127.0.0.1:{port}/style.css")
    assert status == 200 and "font-family" in css
    assert "app.db" in engine.podman("exec", name, "ls", "/data").stdout


def test_native_module_compiled_for_the_line_its_lock_allows(guestbook: BuiltApp, engine: Containers) -> None:
    """better-sqlite3 12.5.0's engines stop at Node 25: the image runs Node 24 and loads the addon
    it compiled in the build stage; the runtime image has no compiler."""
    dockerfile = (guestbook.context / "Dockerfile").read_text()
    assert "python3 make g++" in dockerfile
    out = engine.shell_as_root(
        guestbook.tag,
        "node -p \"process.versions.node + ' ' + new (require('better-sqlite3'))(':memory:')"
        ".prepare('select 41 + 1 as n').get().n\"; command -v g++ make || true",
    ).stdout.split()
    assert out[0].startswith("24.") and out[1] == "42"
    assert len(out) == 2  # no g++ or make in the runtime image


def test_nest_assets_and_proto_reach_the_app_which_waits_for_mongodb(
    greeter: BuiltApp, engine: Containers, started: list[str], tcp_standin: int
) -> None:
    """The entrypoint waits for the MongoDB URL (a TCP stand-in: no MongoDB server can be installed
    here), then the app answers from dist/i18n (copied by nest build) and proto/ (copied by the
    Dockerfile); with MongoDB unreachable, the entrypoint gives up and the app never starts."""
    port = greeter.app.port
    name = f"ndw-e2e-greeter-{os.getpid()}"
    assert_port_free(port)
    url = f"mongodb://app:secret@127.0.0.1:{tcp_standin}/app?authSource=admin"
    engine.start(greeter.tag, name, {"DATABASE_URL": url})
    started.append(name)
    wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60)
    assert f"DATABASE_URL: 127.0.0.1:{tcp_standin} is up" in engine.logs(name)
    assert http_get(f"http://127.0.0.1:{port}/greeting/fr") == (200, '{"greeting":"Bonjour"}')
    assert http_get(f"http://127.0.0.1:{port}/contract") == (200, '{"package":"greeter.v1"}')
    engine.remove_container(name)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    engine.start(
        greeter.tag, name, {"DATABASE_URL": url.replace(str(tcp_standin), str(closed)), "WAIT_TIMEOUT": "2"}
    )
    assert engine.wait_exit(name, timeout=30) == 1
    assert "did not accept connections within 2s" in engine.logs(name)


def _serve_a_quote(built: BuiltApp, label: str, port: int, engine: Containers, started: list[str]) -> str:
    """Start BUILT's image; its /quote answers from the sibling's compiled code. Returns the container."""
    name = f"ndw-e2e-{label}-{os.getpid()}"
    assert_port_free(port)
    engine.start(built.tag, name, {})
    started.append(name)
    wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60)
    status, body = http_get(f"http://127.0.0.1:{port}/quote")
    assert status == 200 and "(3 hours ago)" in body, body
    return name


def test_sibling_package_is_built_and_linked(
    quotes: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """The build context is the repository; shared/ was installed from its own lockfile, built by tsc
    and pruned, root-owned: the app's answer comes from its compiled code and its own dependency."""
    listing = engine.shell_as_root(
        quotes.tag,
        "readlink node_modules/@acme/shared; ls /shared/dist /shared/node_modules; stat -c %U /shared/dist",
    ).stdout.split()
    assert listing[0] == "../../../shared"  # node_modules/@acme/shared -> /shared
    assert {"index.js", "ms", "root"} <= set(listing)
    assert "typescript" not in listing  # pruned to the sibling's production dependencies
    _serve_a_quote(quotes, "quotes", quotes.app.port, engine, started)


def test_sibling_locked_by_pnpm_is_installed_and_built_by_pnpm(
    quotes_pnpm_sibling: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """An npm app linking a pnpm sibling: shared/ has pnpm's layout (node_modules/.pnpm, from its
    frozen pnpm-lock.yaml), tsc's output, no devDependencies; the app answers from that build."""
    built = quotes_pnpm_sibling
    listing = engine.shell_as_root(
        built.tag,
        "readlink node_modules/@acme/shared; ls /shared/dist /shared/node_modules/.pnpm; "
        "readlink /shared/node_modules/ms; stat -c %U /shared/dist",
    ).stdout.split()
    assert listing[0] == "../../../shared"  # node_modules/@acme/shared -> /shared
    assert {"index.js", "ms@2.1.3", ".pnpm/ms@2.1.3/node_modules/ms", "root"} <= set(listing)
    assert not [entry for entry in listing if entry.startswith(("typescript@", "@types+ms@"))]
    _serve_a_quote(built, "quotes-pnpm", built.app.port, engine, started)


YARN1_LOCK = Path(__file__).resolve().parents[1] / "fixtures" / "sibling-yarn1" / "yarn.lock"


@pytest.fixture(scope="module")
def quotes_yarn_sibling(engine: Containers, tmp_path_factory: pytest.TempPathFactory) -> BuiltApp:
    """fastify-sibling-npm with shared/ locked by yarn 1 instead (its package-lock.json swapped for
    the yarn.lock yarn 1.22.22 wrote for the same package.json), scaffolded from what detection says."""
    app = APPS["fastify-sibling-npm"]
    context = Path(shutil.copytree(app.source, tmp_path_factory.mktemp("yarn1") / app.name))
    (context / "shared" / "package-lock.json").unlink()
    shutil.copy(YARN1_LOCK, context / "shared" / "yarn.lock")
    detected = subprocess.run(
        [sys.executable, "-m", "wizard", "detect", str(context)], capture_output=True, text=True, check=False
    )  # fmt: skip
    assert yaml.safe_load(detected.stdout)["sibling_deps"] == "shared:yarn@1.22.22", detected.stdout
    answers = {**app.answers, "sibling_deps": "shared:yarn@1.22.22", "port": 3488}
    (context / "ndw-answers.yml").write_text(yaml.safe_dump(answers))
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "init", str(context), "--answers", str(context / "ndw-answers.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    tag = "localhost/ndw-e2e/fastify-sibling-yarn1:latest"
    base = {"NODE_IMAGE": app.node_image(engine)}
    return BuiltApp(app, context, engine.build(context, tag, base, dockerfile=context / "api" / "Dockerfile"))


def test_sibling_locked_by_yarn_1_is_installed_and_built_by_yarn(
    quotes_yarn_sibling: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """yarn 1 installed shared/ frozen (its integrity file is there), tsc built it, the production
    reinstall dropped typescript; the app answers from that build and stops cleanly."""
    built = quotes_yarn_sibling
    listing = engine.shell_as_root(
        built.tag, "ls -a /shared/dist /shared/node_modules; stat -c %U /shared/dist"
    ).stdout.split()
    assert {"index.js", "ms", ".yarn-integrity", "root"} <= set(listing)
    assert "typescript" not in listing and ".package-lock.json" not in listing
    name = _serve_a_quote(built, "quotes-yarn1", 3488, engine, started)
    elapsed, code = engine.stop(name, grace=10)
    assert code == 0 and elapsed < 10


YARN4_SIBLING = Path(__file__).resolve().parents[1] / "fixtures" / "sibling-yarn4"


def _berry_sibling(
    engine: Containers,
    tmp_path_factory: pytest.TempPathFactory,
    label: str,
    release: str = "",
    **answers: object,
) -> BuiltApp:
    """fastify-sibling-pnpm with shared/ locked by yarn 4.18.1 instead (its package.json pins it, and
    the yarn.lock that yarn wrote), scaffolded from what detection says. With RELEASE, shared/
    commits that release as its .yarnrc.yml yarnPath (and asks for Plug'n'Play explicitly);
    without, it has no .yarnrc.yml: Plug'n'Play by default."""
    app = APPS["fastify-sibling-pnpm"]
    context = Path(shutil.copytree(app.source, tmp_path_factory.mktemp(label) / app.name))
    (context / "shared" / "pnpm-lock.yaml").unlink()
    for name in ("package.json", "yarn.lock"):
        shutil.copy(YARN4_SIBLING / name, context / "shared" / name)
    # What a local Plug'n'Play install leaves in the working tree: .dockerignore keeps it out.
    (context / "shared" / ".pnp.cjs").write_text("throw new Error('a local PnP loader');\n")
    if release:
        (context / "shared" / ".yarnrc.yml").write_text(f"nodeLinker: pnp\nyarnPath: {release}\n")
        place_yarn_release(context / "shared")
    detected = subprocess.run(
        [sys.executable, "-m", "wizard", "detect", str(context)], capture_output=True, text=True, check=False
    )  # fmt: skip
    sibling = "shared:yarn@4.18.1" + (f":{release}" if release else "")
    assert yaml.safe_load(detected.stdout)["sibling_deps"] == sibling, detected.stdout
    answers = {**app.answers, "sibling_deps": sibling, **answers}
    (context / "ndw-answers.yml").write_text(yaml.safe_dump(answers))
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "init", str(context), "--answers", str(context / "ndw-answers.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    tag = f"localhost/ndw-e2e/fastify-sibling-{label}:latest"
    major = int(str(answers["node_version"]))
    base = {"NODE_IMAGE": node_base_image(major, SUITE_FOR_MAJOR[major], engine)}
    return BuiltApp(app, context, engine.build(context, tag, base, dockerfile=context / "api" / "Dockerfile"))


@pytest.fixture(scope="module")
def quotes_berry_sibling(engine: Containers, tmp_path_factory: pytest.TempPathFactory) -> BuiltApp:
    """Node 24: corepack installs the sibling's yarn 4.18.1."""
    return _berry_sibling(engine, tmp_path_factory, "berry", port=3489)


@pytest.fixture(scope="module")
def quotes_berry_release_sibling(engine: Containers, tmp_path_factory: pytest.TempPathFactory) -> BuiltApp:
    """Node 26 (no corepack): the sibling's committed yarn release runs its install."""
    release = ".yarn/releases/yarn-4.18.1.cjs"
    return _berry_sibling(engine, tmp_path_factory, "berry-release", release, port=3490, node_version=26)


def _check_berry_sibling(
    built: BuiltApp, label: str, port: int, engine: Containers, started: list[str]
) -> None:
    """shared/ was installed into node_modules (yarn's state file there, no .pnp.cjs) although
    Plug'n'Play is its default, tsc built it, `workspaces focus --production` dropped typescript;
    the app answers from that build and stops cleanly."""
    listing = engine.shell_as_root(
        built.tag,
        "readlink node_modules/@acme/shared; ls -a /shared /shared/dist /shared/node_modules; "
        "stat -c %U /shared/dist",
    ).stdout.split()
    assert listing[0] == "../../../shared"  # node_modules/@acme/shared -> /shared
    assert {"index.js", "ms", ".yarn-state.yml", "root"} <= set(listing)
    assert "typescript" not in listing and ".pnp.cjs" not in listing
    assert ".yarn" not in listing  # yarn's state (and a committed release) stayed in the build stage
    name = _serve_a_quote(built, label, port, engine, started)
    elapsed, code = engine.stop(name, grace=10)
    assert code == 0 and elapsed < 10


def test_sibling_locked_by_yarn_berry_is_installed_and_built_by_its_yarn(
    quotes_berry_sibling: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """yarn 4 through corepack (Node 24); see _check_berry_sibling."""
    assert (
        "corepack install --global yarn@4.18.1"
        in (quotes_berry_sibling.context / "api" / "Dockerfile").read_text()
    )
    _check_berry_sibling(quotes_berry_sibling, "quotes-berry", 3489, engine, started)


def test_sibling_yarn_berry_release_runs_its_install_on_node_26(
    quotes_berry_release_sibling: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """Node 26 has no corepack: the release shared/ commits ran; its explicit `nodeLinker: pnp`
    was overridden; see _check_berry_sibling."""
    built = quotes_berry_release_sibling
    assert engine.shell_as_root(built.tag, "node --version").stdout.startswith("v26.")
    assert (
        "exec node /shared/.yarn/releases/yarn-4.18.1.cjs"
        in (built.context / "api" / "Dockerfile").read_text()
    )
    _check_berry_sibling(built, "quotes-berry-release", 3490, engine, started)


def test_pnpm_build_approval_lets_the_native_module_load(
    accounts: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """pnpm 11 fails an install with an unapproved build script; the Dockerfile approved bcrypt's (the
    project has no list), the image runs Node 26 without compilers, and bcrypt hashes at start-up."""
    assert not (accounts.context / "pnpm-workspace.yaml").exists()  # the project's tree is untouched
    assert "'allowBuilds:' '  \"bcrypt\": true'" in (accounts.context / "Dockerfile").read_text()
    out = engine.shell_as_root(accounts.tag, "node --version; command -v g++ make || true").stdout.split()
    assert out[0].startswith("v26.") and len(out) == 1
    port = accounts.app.port
    name = f"ndw-e2e-accounts-{os.getpid()}"
    assert_port_free(port)
    engine.start(accounts.tag, name, {})
    started.append(name)
    wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60)
    _login_answers(port)


def _login_answers(port: int) -> None:
    """bcrypt checks the password at /login: the right one 200, a wrong one 401."""
    for password, expected in (("correct horse battery staple", 200), ("wrong", 401)):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/login",
            data=json.dumps({"password": password}).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == expected, password


PNPM10 = "10.18.3"


@pytest.fixture(scope="module")
def accounts_pnpm10(engine: Containers, tmp_path_factory: pytest.TempPathFactory) -> BuiltApp:
    """fastify-bcrypt-pnpm on pnpm 10 (packageManager and answers changed in a copy): pnpm 10
    skips an unapproved build script with a warning instead of failing the install."""
    app = APPS["fastify-bcrypt-pnpm"]
    context = Path(shutil.copytree(app.source, tmp_path_factory.mktemp("pnpm10") / app.name))
    manifest = json.loads((context / "package.json").read_text())
    (context / "package.json").write_text(json.dumps({**manifest, "packageManager": f"pnpm@{PNPM10}"}))
    answers = {**app.answers, "package_manager_version": PNPM10}
    (context / "ndw-answers.yml").write_text(yaml.safe_dump(answers))
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "init", str(context), "--answers", str(context / "ndw-answers.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    tag = "localhost/ndw-e2e/fastify-bcrypt-pnpm10:latest"
    return BuiltApp(app, context, engine.build(context, tag, {"NODE_IMAGE": app.node_image(engine)}))


def test_pnpm10_only_built_dependencies_approval_runs_the_native_build(
    accounts_pnpm10: BuiltApp, engine: Containers, started: list[str]
) -> None:
    """With no approval list, pnpm 10 would skip bcrypt's install script ("Ignored build scripts");
    the Dockerfile lists it in onlyBuiltDependencies, so both installs ran it and bcrypt hashes."""
    dockerfile = (accounts_pnpm10.context / "Dockerfile").read_text()
    assert "'onlyBuiltDependencies:' '  - \"bcrypt\"'" in dockerfile and "allowBuilds" not in dockerfile
    output = accounts_pnpm10.build.output
    assert "Ignored build scripts" not in output, output[-3000:]
    port = accounts_pnpm10.app.port
    name = f"ndw-e2e-accounts10-{os.getpid()}"
    assert_port_free(port)
    engine.start(accounts_pnpm10.tag, name, {})
    started.append(name)
    wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60)
    _login_answers(port)
