"""Read an image's layers from a `docker save` / `podman save` archive: what each layer holds.

Both engines write the same layout: `manifest.json` names the config and the layer tarballs in
order (base first). Only tar headers are read, plus the few small files the checks need
(package.json in node_modules, the text of `*.pem` files), so a 300 MB image reads in about
a second. Whiteouts (`.wh.NAME`, `.wh..wh..opq`) are applied to get the final file tree.
"""

from __future__ import annotations

import glob
import json
import os
import posixpath
import stat
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

Kind = Literal["file", "dir", "link", "whiteout"]
BLOCK = 512
# Small files whose content a check reads, by how their path ends.
READ_SUFFIXES = (".pem", ".key")
READ_LIMIT = 64 * 1024


class ArchiveError(ValueError):
    """The archive is not a docker/podman image archive."""


@dataclass(frozen=True)
class Entry:
    """One path in one layer."""

    path: str  # absolute: /app/src/server.js
    layer: int  # 1-based, base first
    size: int  # bytes it takes in the layer tarball (header and padding included)
    kind: Kind


@dataclass(frozen=True)
class Layer:
    """One layer: its number, diff ID, size and the instruction that made it."""

    index: int
    diff_id: str
    size: int
    created_by: str
    base: bool


@dataclass
class ImageContents:
    """Every layer's entries, the final tree, and the image config."""

    layers: list[Layer]
    entries: list[Entry]
    final: dict[str, Entry]
    workdir: str
    user: str
    entrypoint: list[str]
    cmd: list[str]
    base_known: bool
    texts: dict[str, bytes] = field(default_factory=dict)  # path -> content (last layer wins)
    packages: dict[str, set[str]] = field(default_factory=dict)  # installed name -> dependency names
    total_size: int | None = None  # set when the base layers were not read

    @property
    def size(self) -> int:
        """All layers' bytes (the engine's figure when the layers were read from its store)."""
        return self.total_size if self.total_size is not None else sum(layer.size for layer in self.layers)

    @property
    def base_size(self) -> int:
        """The base image's layers' bytes."""
        return self.size - sum(layer.size for layer in self.layers if not layer.base)

    def layer(self, index: int) -> Layer:
        """Layer INDEX (1-based)."""
        return self.layers[index - 1]

    def added_entries(self) -> list[Entry]:
        """Entries of the layers above the base image (every layer when the base is unknown)."""
        return [entry for entry in self.entries if not self.layers[entry.layer - 1].base]

    def tree_size(self, prefix: str) -> int:
        """Bytes of the final tree at PREFIX and below."""
        prefix = prefix.rstrip("/")
        return sum(
            entry.size
            for path, entry in self.final.items()
            if path == prefix or path.startswith(prefix + "/")
        )


def footprint(size: int) -> int:
    """Bytes a file of SIZE takes in a tarball: a header block plus its data padded to blocks."""
    return BLOCK + -(-size // BLOCK) * BLOCK


def _normal(name: str) -> str:
    """`./app/x`, `app/x`, `/app/x` -> `/app/x`."""
    path = posixpath.normpath("/" + name.removeprefix("./").lstrip("/"))
    return "/" if path in ("/.", "//") else path


def _remove(final: dict[str, Entry], path: str) -> None:
    doomed = [key for key in final if key == path or key.startswith(path.rstrip("/") + "/")]
    for key in doomed:
        del final[key]


def _package_name(path: str) -> str | None:
    """`.../node_modules/@scope/name/package.json` -> `@scope/name`; None for other paths."""
    parts = path.split("/")
    if len(parts) < 3 or parts[-1] != "package.json":
        return None
    if parts[-3] == "node_modules":
        return parts[-2]
    if len(parts) >= 4 and parts[-4] == "node_modules" and parts[-3].startswith("@"):
        return f"{parts[-3]}/{parts[-2]}"
    return None


def _dependency_names(data: bytes) -> set[str]:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return set()
    if not isinstance(manifest, dict):
        return set()
    names: set[str] = set()
    for key in ("dependencies", "optionalDependencies", "peerDependencies"):
        value = manifest.get(key)
        if isinstance(value, dict):
            names |= set(value)
    return names


def _history(config: dict[str, Any], count: int) -> list[str]:
    """The instruction behind each layer (history entries that made no layer are skipped)."""
    made = [
        str(item.get("created_by") or "")
        for item in config.get("history") or []
        if isinstance(item, dict) and not item.get("empty_layer")
    ]
    return made if len(made) == count else [""] * count


def read_archive(archive: Path, base_diff_ids: list[str] | None) -> ImageContents:
    """The contents of the image in ARCHIVE; BASE_DIFF_IDS marks the base image's layers."""
    try:
        outer = tarfile.open(archive)  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as error:
        raise ArchiveError(f"cannot open {archive}: {error}") from error
    with outer:
        try:
            manifest = json.load(_member(outer, "manifest.json")[0])[0]
            config = json.load(_member(outer, manifest["Config"])[0])
        except (KeyError, IndexError, ValueError) as error:
            raise ArchiveError(f"{archive}: no image manifest ({error})") from error
        diff_ids = [str(item) for item in (config.get("rootfs") or {}).get("diff_ids") or []]
        paths = [str(item) for item in manifest.get("Layers") or []]
        if len(diff_ids) != len(paths):
            diff_ids = [""] * len(paths)
        base = base_diff_ids or []
        base_count = len(base) if base and diff_ids[: len(base)] == base else 0
        created = _history(config, len(paths))
        contents = ImageContents(
            layers=[],
            entries=[],
            final={},
            workdir=str((config.get("config") or {}).get("WorkingDir") or "/"),
            user=str((config.get("config") or {}).get("User") or ""),
            entrypoint=list((config.get("config") or {}).get("Entrypoint") or []),
            cmd=list((config.get("config") or {}).get("Cmd") or []),
            base_known=base_count > 0,
        )
        for number, path in enumerate(paths, start=1):
            handle, size = _member(outer, path)
            _read_layer(handle, number, number <= base_count, contents)
            is_base = number <= base_count
            contents.layers.append(Layer(number, diff_ids[number - 1], size, created[number - 1], is_base))
    return contents


def _member(outer: tarfile.TarFile, name: str) -> tuple[IO[bytes], int]:
    """The member NAME (links followed) and its size."""
    member = outer.getmember(name)
    while member.issym():  # podman's per-layer folders link to the tarballs
        target = posixpath.join(posixpath.dirname(member.name), member.linkname)
        member = outer.getmember(posixpath.normpath(target))
    handle = outer.extractfile(member)
    if handle is None:
        raise KeyError(name)
    return handle, member.size


def _record(
    contents: ImageContents,
    name: str,
    number: int,
    size: int,
    *,
    kind: Kind | None,
    body: Callable[[], bytes] | None,
) -> None:
    """Add one path of layer NUMBER (KIND None: a whiteout marker named `.wh.*`) to CONTENTS.

    BODY reads the file's content; given only for files of layers above the base.
    """
    folder, leaf = posixpath.split(name)
    if leaf == ".wh..wh..opq":
        _remove(contents.final, folder + "/")
        contents.entries.append(Entry(folder, number, size, "whiteout"))
        return
    if leaf.startswith(".wh.") or kind == "whiteout":
        gone = posixpath.join(folder, leaf[4:]) if leaf.startswith(".wh.") else name
        contents.entries.append(Entry(gone, number, size, "whiteout"))
        _remove(contents.final, gone)
        return
    entry = Entry(name, number, size, kind or "file")
    contents.entries.append(entry)
    contents.final[name] = entry
    if body is None:
        return
    package = _package_name(name)
    if package or (leaf.endswith(READ_SUFFIXES) and "/node_modules/" not in name):
        data = body()
        if package:
            contents.packages.setdefault(package, set()).update(_dependency_names(data))
        else:
            contents.texts[name] = data


def _read_layer(handle: IO[bytes], number: int, base: bool, contents: ImageContents) -> None:
    """Add layer NUMBER's entries to CONTENTS (and the final tree)."""
    with tarfile.open(fileobj=handle, mode="r:*") as layer:
        for member in layer:
            kind: Kind = "dir" if member.isdir() else "link" if (member.issym() or member.islnk()) else "file"
            body = None
            if not base and member.isfile() and member.size <= READ_LIMIT:

                def body(member: tarfile.TarInfo = member) -> bytes:
                    data = layer.extractfile(member)
                    return data.read() if data else b""

            size = footprint(member.size if member.isfile() else 0)
            _record(contents, _normal(member.name), number, size, kind=kind, body=body)


# ---- straight from the engine's overlay store (no copy of the image: much faster)

OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")


def _walk_layer(root: Path, number: int, contents: ImageContents) -> int:
    """Add an overlay diff folder's entries to CONTENTS; return its bytes (as tarball footprints)."""
    total = 0
    for folder, dirs, files in os.walk(root):
        relative = "/" + os.path.relpath(folder, root) if folder != str(root) else "/"
        relative = posixpath.normpath(relative)
        if folder != str(root) and _opaque(folder):
            _record(contents, posixpath.join(relative, ".wh..wh..opq"), number, BLOCK, kind=None, body=None)
        for name in [*dirs, *files]:
            path = f"{folder}/{name}"
            info = os.lstat(path)
            target = posixpath.join(relative, name)
            if stat.S_ISCHR(info.st_mode) and info.st_rdev == 0:
                _record(contents, target, number, BLOCK, kind="whiteout", body=None)
                total += BLOCK
                continue
            kind: Kind = (
                "dir" if stat.S_ISDIR(info.st_mode) else "link" if stat.S_ISLNK(info.st_mode) else "file"
            )
            size = footprint(info.st_size if kind == "file" else 0)
            total += size
            body = None
            if kind == "file" and info.st_size <= READ_LIMIT:

                def body(path: str = path) -> bytes:
                    return Path(path).read_bytes()

            _record(contents, target, number, size, kind=kind, body=body)
    return total


def _opaque(folder: str) -> bool:
    for attribute in OPAQUE_XATTRS:
        try:
            if os.getxattr(folder, attribute, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False


def read_layer_dirs(
    dirs: list[Path], inspect: dict[str, Any], base_diff_ids: list[str] | None, base_paths: tuple[str, ...]
) -> ImageContents:
    """The contents of an image whose layers are overlay diff folders DIRS (base first).

    INSPECT is `image inspect`'s JSON. Only the layers above the base are walked; of the base,
    only BASE_PATHS are looked up (the checks on the final tree need no more). Raises
    ArchiveError when the folders do not match the image's layers or cannot be read.
    """
    config = inspect.get("Config") or {}
    diff_ids = [str(item) for item in (inspect.get("RootFS") or {}).get("Layers") or []]
    if len(diff_ids) != len(dirs) or not all(os.access(folder, os.R_OK | os.X_OK) for folder in dirs):
        raise ArchiveError("the image's layer folders do not match its layers or are not readable")
    base = base_diff_ids or []
    base_count = len(base) if base and diff_ids[: len(base)] == base else 0
    history = {"history": [
        {"created_by": item.get("created_by"), "empty_layer": item.get("empty_layer")}
        for item in inspect.get("History") or []
        if isinstance(item, dict)
    ]}  # fmt: skip
    created = _history(history, len(dirs))
    contents = ImageContents(
        layers=[], entries=[], final={}, workdir=str(config.get("WorkingDir") or "/"),
        user=str(config.get("User") or ""), entrypoint=list(config.get("Entrypoint") or []),
        cmd=list(config.get("Cmd") or []), base_known=base_count > 0,
    )  # fmt: skip
    for number, folder in enumerate(dirs, start=1):
        if number <= base_count:
            for pattern in base_paths:  # literal paths or globs, e.g. /opt/yarn-v*
                # glob.glob, not Path.glob: it keeps links whose target is outside the folder.
                for found in sorted(glob.glob(str(folder) + pattern)):  # noqa: PTH207
                    path = "/" + os.path.relpath(found, folder)
                    _record(contents, path, number, BLOCK, kind="file", body=None)
            size = 0
        else:
            size = _walk_layer(folder, number, contents)
        contents.layers.append(
            Layer(number, diff_ids[number - 1], size, created[number - 1], number <= base_count)
        )
    added = sum(layer.size for layer in contents.layers)
    contents.total_size = max(int(inspect.get("Size") or 0), added)
    return contents


def overlay_dirs(inspect: dict[str, Any]) -> list[Path] | None:
    """An image's overlay diff folders, base first (`image inspect`'s GraphDriver); None if not overlay."""
    driver = inspect.get("GraphDriver") or {}
    if str(driver.get("Name") or "") not in ("overlay", "overlay2"):
        return None
    data = driver.get("Data") or {}
    lower = [Path(item) for item in str(data.get("LowerDir") or "").split(":") if item]
    upper = str(data.get("UpperDir") or "")
    if not upper:
        return None
    return [*reversed(lower), Path(upper)]
