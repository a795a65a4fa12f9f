"""Write small image archives shaped like `docker save` / `podman save` output, for unit tests.

A layer is (instruction, {path: content}); content is bytes for a file, DIR for a folder,
WHITEOUT to delete a lower layer's path. Paths are written without a leading slash, as engines do.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

DIR = "dir"
WHITEOUT = "whiteout"
Content = bytes | str
LayerSpec = tuple[str, dict[str, Content]]


def layer_tar(files: dict[str, Content]) -> bytes:
    """One layer tarball."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, content in files.items():
            name = path.lstrip("/")
            data = b"" if content == WHITEOUT else content
            if content == WHITEOUT:
                folder, _, leaf = name.rpartition("/")
                name = f"{folder}/.wh.{leaf}" if folder else f".wh.{leaf}"
            info = tarfile.TarInfo(name)
            if data == DIR:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
                continue
            assert isinstance(data, bytes)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def diff_ids(layers: list[LayerSpec]) -> list[str]:
    """The layers' diff IDs (sha256 of each uncompressed tarball)."""
    return [f"sha256:{hashlib.sha256(layer_tar(files)).hexdigest()}" for _, files in layers]


def write_archive(
    path: Path,
    layers: list[LayerSpec],
    *,
    workdir: str = "/app",
    user: str = "1000:1000",
    entrypoint: list[str] | None = None,
    cmd: list[str] | None = None,
    oci_names: bool = False,
) -> Path:
    """An archive of LAYERS at PATH; OCI_NAMES writes Docker 25's blobs/sha256/ layout."""
    tars = [layer_tar(files) for _, files in layers]
    ids = [hashlib.sha256(data).hexdigest() for data in tars]
    names = [f"blobs/sha256/{digest}" if oci_names else f"{digest}.tar" for digest in ids]
    config = {
        "config": {
            "WorkingDir": workdir, "User": user,
            "Entrypoint": entrypoint if entrypoint is not None else ["/usr/bin/dumb-init", "--"],
            "Cmd": cmd if cmd is not None else ["node", "src/server.js"],
        },
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{digest}" for digest in ids]},
        "history": [
            entry
            for created_by, _ in layers
            for entry in ({"created_by": created_by}, {"created_by": "ENV X=1", "empty_layer": True})
        ],
    }  # fmt: skip
    config_bytes = json.dumps(config).encode()
    config_name = f"{hashlib.sha256(config_bytes).hexdigest()}.json"
    manifest = [{"Config": config_name, "RepoTags": ["localhost/test:1"], "Layers": names}]
    with tarfile.open(path, "w") as archive:
        for name, data in [*zip(names, tars, strict=True), (config_name, config_bytes)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if not oci_names:  # podman also writes <id>/layer.tar links to the tarballs
            link = tarfile.TarInfo(f"{ids[0]}x/layer.tar")
            link.type = tarfile.SYMTYPE
            link.linkname = f"../{names[0]}"
            archive.addfile(link)
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


BASE: list[LayerSpec] = [
    (
        "ADD file:debian in /",
        {"etc": DIR, "etc/ssl/certs/ca.pem": b"-----BEGIN CERTIFICATE-----\n" + b"x" * 4000},
    ),
    (
        "COPY dir:node in /usr/local/",
        {
            "usr/local/bin/node": b"\x7fELF" + b"n" * 900_000,
            "usr/local/bin/npm": b"#!/usr/bin/env node\n",
            "usr/local/lib/node_modules/npm/package.json": b'{"name":"npm"}',
            "usr/local/lib/node_modules/npm/test/fixtures/x.js": b"1",
        },
    ),
]


def app_layers(*extra: dict[str, Content]) -> list[LayerSpec]:
    """BASE, the scaffold's runtime layers for a small Fastify app, then EXTRA layers."""
    return [
        *BASE,
        ("/bin/sh -c apt-get install dumb-init", {"usr/bin/dumb-init": b"d" * 20_000}),
        (
            "/bin/sh -c rm -rf /usr/local/lib/node_modules && rm -f /usr/local/bin/npm",
            {"usr/local/lib/node_modules": WHITEOUT, "usr/local/bin/npm": WHITEOUT},
        ),
        (
            "COPY dir:prod-deps in ./node_modules",
            {
                "app/node_modules/fastify/package.json": b'{"name":"fastify","dependencies":{"pino":"^9"}}',
                "app/node_modules/fastify/index.js": b"f" * 30_000,
                "app/node_modules/pino/package.json": b'{"name":"pino"}',
                "app/node_modules/pino/index.js": b"p" * 10_000,
            },
        ),
        *[(f"COPY extra {index}", files) for index, files in enumerate(extra, start=1)],
        (
            "COPY dir:context in .",
            {"app/package.json": b"{}", "app/src/server.js": b"s" * 2000, "app/.env.example": b"PORT=\n"},
        ),
    ]


def write_layer_dirs(
    root: Path, layers: list[LayerSpec], *, whiteout_files: bool = False
) -> dict[str, object]:
    """LAYERS as overlay diff folders under ROOT, as podman and docker keep them; returns the
    `image inspect` JSON that points at them. Whiteouts are 0/0 character devices (kernel
    overlay), or `.wh.NAME` files with WHITEOUT_FILES (or where mknod is not allowed)."""
    import os
    import stat

    folders = []
    for number, (_, files) in enumerate(layers, start=1):
        folder = root / f"layer{number}" / "diff"
        folder.mkdir(parents=True)
        for path, content in files.items():
            target = folder / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if content == WHITEOUT:
                try:
                    if whiteout_files:
                        raise PermissionError
                    os.mknod(target, stat.S_IFCHR | 0o600, 0)
                except PermissionError:
                    (target.parent / f".wh.{target.name}").write_bytes(b"")
            elif content == DIR:
                target.mkdir(exist_ok=True)
            else:
                assert isinstance(content, bytes)
                target.write_bytes(content)
        folders.append(folder)
    tars = [layer_tar(files) for _, files in layers]
    return {
        "Config": {"WorkingDir": "/app", "User": "1000:1000", "Entrypoint": ["/usr/bin/dumb-init", "--"],
                   "Cmd": ["node", "src/server.js"]},
        "RootFS": {"Type": "layers", "Layers": diff_ids(layers)},
        "History": [{"created_by": created_by} for created_by, _ in layers],
        "Size": sum(len(data) for data in tars),
        "GraphDriver": {"Name": "overlay", "Data": {
            "LowerDir": ":".join(str(folder) for folder in reversed(folders[:-1])),
            "UpperDir": str(folders[-1]),
        }},
    }  # fmt: skip
