"""A local stand-in for `gcr.io/distroless/nodejs<major>-debian13:nonroot`.

Distroless images are themselves assembled from Debian packages (no dpkg, apt or shell run in
them): the data of a fixed package list unpacked into an empty root, plus the passwd/group
files, home folders, /tmp, the CA bundle and os-release they write, and the official Node
binary at /nodejs/bin/node. This module does the same with Debian 13 (trixie) packages from
the machine's own mirror, fetched by `apt-get download` inside the local Debian stand-in, and
the Node binary of the local `node:<major>-trixie-slim` stand-in.

The result is tagged with the very name the generated distroless Dockerfile's
`ARG RUNTIME_IMAGE` defaults to, in the tests' private store only, so the file builds with
`--pull=never` and only NODE_IMAGE overridden. It is a test fixture, never pushed.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from tests.support.containers import Containers, cache_dir
from tests.support.rootfs import DEFAULT_PATH, _label, _locked, debian_base_image, node_base_image

SUITE = "trixie"  # distroless nodejs images exist for debian13 only
NONROOT = 65532
NOBODY = 65534
# distroless's package lists for debian13: static (base-files ... media-types), base (libc6,
# libssl3t64, libzstd1, zlib1g), cc (libgomp1, libstdc++6, libgcc-s1, gcc-14-base); the CA
# bundle is built from ca-certificates' data. Node 26's binary also needs libatomic1.
PACKAGES = (
    "base-files", "netbase", "tzdata", "tzdata-legacy", "media-types",
    "libc6", "libssl3t64", "libzstd1", "zlib1g",
    "libgomp1", "libstdc++6", "libgcc-s1", "gcc-14-base",
)  # fmt: skip
CA_PACKAGE = "ca-certificates"
EXTRA_PACKAGES = {26: ("libatomic1",)}
# Bump when the recipe changes: cached stand-ins with another value are rebuilt.
DISTROLESS_VERSION = "1"

_PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    f"nobody:x:{NOBODY}:{NOBODY}:nobody:/nonexistent:/sbin/nologin\n"
    f"nonroot:x:{NONROOT}:{NONROOT}:nonroot:/home/nonroot:/sbin/nologin\n"
)
_GROUP = f"root:x:0:\nnobody:x:{NOBODY}:\ntty:x:5:\nstaff:x:50:\nnonroot:x:{NONROOT}:\n"
_NSSWITCH = (
    "passwd:         compat\ngroup:          compat\nshadow:         compat\ngshadow:        files\n\n"
    "hosts:          files dns\nnetworks:       files\n\n"
    "protocols:      db files\nservices:       db files\n"
    "ethers:         db files\nrpc:            db files\n\n"
    "netgroup:       nis\n"
)
_OS_RELEASE = (
    'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="13"\n'
    'VERSION="Debian GNU/Linux 13 (trixie)"\n'
)


def distroless_tag(major: int) -> str:
    """The name the generated Dockerfile's RUNTIME_IMAGE defaults to for Node MAJOR."""
    return f"gcr.io/distroless/nodejs{major}-debian13:nonroot"


def _download(engine: Containers, names: list[str], dest: Path) -> list[Path]:
    """`apt-get download NAMES` from the machine's trixie mirror, inside the Debian stand-in."""
    base = debian_base_image(SUITE, engine)
    script = (
        "set -e; apt-get update -qq; cd /debs; "
        f"apt-get download -qq -o APT::Sandbox::User=root {' '.join(names)}"
    )
    engine.podman(
        "run", "--rm", "--network", "host", "-v", f"{dest}:/debs", "--entrypoint", "/bin/sh",
        base, "-c", script, timeout=600,
    )  # fmt: skip
    debs = sorted(dest.glob("*.deb"))
    found = {path.name.split("_", 1)[0] for path in debs}
    missing = sorted(set(names) - found)
    if missing:
        raise RuntimeError(f"apt-get download did not fetch {missing} (got {sorted(found)})")
    return debs


def _unpack(debs: list[Path], root: Path) -> None:
    """Unpack each package's data into ROOT and record its control file in /var/lib/dpkg/status.d
    (as distroless does, so scanners see the packages)."""
    status = root / "var/lib/dpkg/status.d"
    status.mkdir(parents=True)
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        control = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True)
        (status / deb.name.split("_", 1)[0]).write_text(control.stdout)


def _ca_bundle(ca_deb: Path, root: Path) -> None:
    """/etc/ssl/certs/ca-certificates.crt from ca-certificates' Mozilla certificates (what
    update-ca-certificates would write), without the package's scripts."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(ca_deb), tmp], check=True)
        certs = sorted((Path(tmp) / "usr/share/ca-certificates").rglob("*.crt"))
        if not certs:
            raise RuntimeError(f"{ca_deb.name} holds no certificates")
        bundle = root / "etc/ssl/certs/ca-certificates.crt"
        bundle.parent.mkdir(parents=True, exist_ok=True)
        bundle.write_text("".join(cert.read_text().rstrip("\n") + "\n" for cert in certs))
        copyright_file = Path(tmp) / "usr/share/doc/ca-certificates/copyright"
        if copyright_file.exists():
            target = root / "usr/share/doc/ca-certificates"
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(copyright_file, target / "copyright")


def _node_binary(engine: Containers, node_image: str, dest: Path) -> None:
    """Copy the stand-in Node image's /usr/local/bin/node to DEST."""
    container = engine.podman("create", node_image).stdout.strip()
    try:
        engine.podman("cp", f"{container}:/usr/local/bin/node", str(dest))
    finally:
        engine.podman("rm", "--force", container, check=False)


def _system_files(root: Path) -> None:
    """What distroless writes besides packages: users, groups, homes, /tmp, nsswitch, os-release."""
    etc = root / "etc"
    (etc / "passwd").write_text(_PASSWD)
    (etc / "group").write_text(_GROUP)
    (etc / "nsswitch.conf").write_text(_NSSWITCH)
    os_release = etc / "os-release"
    if os_release.is_symlink() or os_release.exists():
        os_release.unlink()
    os_release.write_text(_OS_RELEASE)
    for folder in ("root", "home/nonroot", "tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)


def _owner(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """Everything belongs to root, except nonroot's home; /root 0700, /tmp 1777."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    name = member.name.removeprefix("./")
    if name == "home/nonroot":
        member.uid = member.gid = NONROOT
        member.mode = 0o700
    elif name == "root":
        member.mode = 0o700
    elif name == "tmp":
        member.mode = 0o1777
    return member


def distroless_image(major: int, engine: Containers | None = None) -> str:
    """Build (once) and return the distroless stand-in for Node MAJOR (see the module doc)."""
    engine = engine or Containers()
    tag = distroless_tag(major)
    node_image = node_base_image(major, SUITE, engine)
    node_id = engine.podman("image", "inspect", node_image, "--format", "{{.Id}}").stdout.strip()
    key = f"{DISTROLESS_VERSION}+{node_id[:12]}"  # a rebuilt Node stand-in rebuilds this one
    with _locked(f"image-distroless-{major}"):
        if engine.image_exists(tag) and _label(engine, tag) == key:
            return tag
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix=f"distroless{major}-") as tmp:
            work = Path(tmp)
            downloads = work / "debs"
            downloads.mkdir()
            names = [*PACKAGES, *EXTRA_PACKAGES.get(major, ()), CA_PACKAGE]
            debs = _download(engine, names, downloads)
            root = work / "root"
            root.mkdir()
            _unpack([deb for deb in debs if not deb.name.startswith(f"{CA_PACKAGE}_")], root)
            _ca_bundle(next(deb for deb in debs if deb.name.startswith(f"{CA_PACKAGE}_")), root)
            _system_files(root)
            (root / "nodejs/bin").mkdir(parents=True)
            _node_binary(engine, node_image, root / "nodejs/bin/node")
            archive = work / "rootfs.tar"
            with tarfile.open(archive, "w") as tar:
                for child in sorted(root.iterdir()):
                    tar.add(child, arcname=child.name, filter=_owner)
            engine.podman(
                "import",
                "--change", f"ENV PATH={DEFAULT_PATH}",
                "--change", "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                "--change", f"USER {NONROOT}",
                "--change", "WORKDIR /home/nonroot",
                "--change", 'ENTRYPOINT ["/nodejs/bin/node"]',
                "--change", f"LABEL org.ndw.e2e.standin={key}",
                str(archive), tag,
            )  # fmt: skip
    return tag
