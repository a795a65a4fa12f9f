"""`ndw verify`'s image checks on archives written here in the shape `docker save`/`podman save` write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.image_archive import BASE, DIR, app_layers, diff_ids, write_archive, write_layer_dirs
from wizard.verify.dockerfile import runtime_base
from wizard.verify.inspect import BASE_PATTERNS, entry_script, inspect_steps, output_dirs
from wizard.verify.layers import ArchiveError, ImageContents, overlay_dirs, read_archive, read_layer_dirs
from wizard.verify.report import Step

PRIVATE_KEY = b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n"


def _service(tmp_path: Path) -> Path:
    folder = tmp_path / "svc"
    folder.mkdir(exist_ok=True)
    manifest = {"dependencies": {"fastify": "^5"}, "devDependencies": {"pino-pretty": "^13", "pino": "^9"}}
    (folder / "package.json").write_text(json.dumps(manifest))
    return folder


def _contents(tmp_path: Path, *extra: dict[str, Any], base: bool = True, **config: Any) -> ImageContents:
    archive = write_archive(tmp_path / "image.tar", app_layers(*extra), **config)
    return read_archive(archive, diff_ids(BASE) if base else None)


def _steps(
    tmp_path: Path, *extra: dict[str, Any], typescript: bool = False, **config: Any
) -> dict[str, Step]:
    contents = _contents(tmp_path, *extra, **config)
    steps = inspect_steps(contents, _service(tmp_path), "node:22-bookworm-slim", typescript)
    return {step.name: step for step in steps}


def test_a_clean_image_passes_every_check_with_its_figures(tmp_path: Path) -> None:
    contents = _contents(tmp_path)
    assert [layer.base for layer in contents.layers] == [True, True, False, False, False, False]
    assert "/usr/local/bin/npm" not in contents.final and "/usr/local/bin/node" in contents.final
    assert contents.packages["fastify"] == {"pino"}
    steps = _steps(tmp_path)
    assert {name: step.status for name, step in steps.items()} == dict.fromkeys(
        ["image", "entry", "secrets", "dev-dependencies", "sources", "tests", "caches", "package-manager"],
        "passed",
    )
    image = steps["image"].data
    assert image["layers"] == 6 and image["base_layers"] == 2
    assert image["size_bytes"] == sum(layer.size for layer in contents.layers)
    assert image["added_bytes"] == image["size_bytes"] - image["base_bytes"] > 60_000
    # The floor: base + node_modules (about 42 kB of files) + src/ and package.json.
    assert 40_000 < image["node_modules_bytes"] < 50_000 and 2000 < image["output_bytes"] < 5000
    assert image["floor_bytes"] == image["base_bytes"] + image["node_modules_bytes"] + image["output_bytes"]
    assert 1.0 < image["ratio"] < 1.25
    assert image["cmd"] == ["node", "src/server.js"] and image["user"] == "1000:1000"
    assert "over the base" in steps["image"].detail and "x the floor" in steps["image"].detail
    # npm's own test folder and the CA certificate are in the base image: not the Dockerfile's doing.
    assert steps["tests"].data == {"paths": []} and steps["secrets"].data == {"paths": []}


def test_docker_25_oci_layout_reads_the_same(tmp_path: Path) -> None:
    contents = read_archive(write_archive(tmp_path / "i.tar", app_layers(), oci_names=True), diff_ids(BASE))
    assert len(contents.layers) == 6 and contents.base_known and "/app/src/server.js" in contents.final


def test_secrets_fail_naming_path_and_layer_even_when_deleted_later(tmp_path: Path) -> None:
    steps = _steps(
        tmp_path,
        {"app/.env": b"DATABASE_URL=postgres://u:p@db/app\n", "app/.npmrc": b"//registry/:_authToken=x\n"},
        {"app/.env": "whiteout", "app/deploy/id_ed25519": b"k", "app/certs/tls.pem": PRIVATE_KEY},
    )
    secrets = steps["secrets"]
    assert secrets.status == "failed"
    assert [(item["path"], item["layer"]) for item in secrets.data["paths"]] == [
        ("/app/.env", 6), ("/app/.npmrc", 6), ("/app/deploy/id_ed25519", 7), ("/app/certs/tls.pem", 7),
    ]  # fmt: skip
    assert "/app/.env (layer 6 (COPY extra 1))" in secrets.detail
    assert ".dockerignore" in secrets.hint and "--secret" in secrets.hint
    # .env.example and a certificate without a key are fine.
    assert "/app/.env.example" not in secrets.detail


def test_a_dev_dependency_fails_unless_a_production_dependency_needs_it(tmp_path: Path) -> None:
    steps = _steps(
        tmp_path,
        {
            "app/node_modules/pino-pretty/package.json": b'{"name":"pino-pretty"}',
            "app/node_modules/pino-pretty/index.js": b"x" * 60_000,
            "app/node_modules/fastify/node_modules/pino-pretty/package.json": b"{}",
        },
    )
    dev = steps["dev-dependencies"]
    # pino is a devDependency too, but fastify needs it at run time; the nested copy is fastify's own.
    assert dev.status == "failed" and [item["path"] for item in dev.data["paths"]] == [
        "/app/node_modules/pino-pretty"
    ]
    assert "prod-deps" in dev.hint
    # The floor counts production node_modules only: the devDependency's 60 kB are over it.
    assert steps["image"].data["node_modules_bytes"] < 50_000


def test_sources_tests_and_caches_warn(tmp_path: Path) -> None:
    steps = _steps(
        tmp_path,
        {
            "app/src/main.ts": b"x", "app/src/types.d.ts": b"x", "app/test": DIR, "app/test/a.js": b"x",
            "app/src/user.spec.ts": b"x", "root/.npm/_cacache/index-v5/aa": b"x" * 3000,
            "usr/local/share/.cache/yarn/v6/pkg/index.js": b"x",
        },
    )  # fmt: skip
    assert steps["sources"].status == "warning"
    assert [item["path"] for item in steps["sources"].data["paths"]] == [
        "/app/src/main.ts",
        "/app/src/user.spec.ts",
    ]
    assert [item["path"] for item in steps["tests"].data["paths"]] == ["/app/test", "/app/src/user.spec.ts"]
    assert [item["path"] for item in steps["caches"].data["paths"]] == [
        "/root/.npm/_cacache/index-v5/aa", "/usr/local/share/.cache/yarn/v6/pkg/index.js",
    ]  # fmt: skip
    assert all(steps[name].status == "warning" for name in ("tests", "caches"))
    assert _steps(tmp_path, {"app/src/main.ts": b"x"}, typescript=True)["sources"].status == "passed"
    # A test folder is found from its files too (a layer tarball need not list the folder itself).
    only_files = _steps(tmp_path, {"app/__tests__/unit/a.js": b"x", "app/src/test-utils.js": b"x"})["tests"]
    assert [item["path"] for item in only_files.data["paths"]] == ["/app/__tests__"]


def test_a_package_manager_left_in_the_image_warns(tmp_path: Path) -> None:
    steps = _steps(tmp_path, {"usr/local/bin/pnpm": b"#!/bin/sh\n"})
    pm = steps["package-manager"]
    assert pm.status == "warning" and pm.data["paths"] == [{"path": "/usr/local/bin/pnpm", "layer": 6}]


def test_a_wrong_entry_fails_and_names_what_is_there(tmp_path: Path) -> None:
    steps = _steps(tmp_path, cmd=["node", "--enable-source-maps", "dist/main.js"])
    entry = steps["entry"]
    assert entry.status == "failed" and entry.data["path"] == "/app/dist/main.js"
    assert "is not in the image" in entry.detail and "`entry`" in entry.hint and "ndw update" in entry.hint
    near = _steps(tmp_path, cmd=["node", "src/index.js"])["entry"]
    assert "next to it: server.js" in near.detail


def test_an_image_far_over_its_floor_warns(tmp_path: Path) -> None:
    image = _steps(tmp_path, {"app/big/blob.bin": b"z" * 400_000})["image"]
    assert image.status == "warning" and image.data["ratio"] > 1.25 and "largest layers" in image.hint


def test_an_unknown_base_warns_and_leaves_the_floor_out(tmp_path: Path) -> None:
    contents = _contents(tmp_path, base=False)
    image = inspect_steps(contents, _service(tmp_path), "node:22", False)[0]
    assert image.status == "warning" and image.data["floor_bytes"] is None and "pull it" in image.hint


@pytest.mark.parametrize("whiteout_files", [False, True])
def test_the_store_folders_read_like_the_archive(tmp_path: Path, whiteout_files: bool) -> None:
    """Reading the overlay folders in place (no copy of the base) finds what the archive finds."""
    extra: dict[str, bytes | str] = {
        "app/.env": b"A=1\n",
        "app/node_modules/pino-pretty/package.json": b"{}",
        "usr/local/bin/pnpm": b"x",
    }
    layers = app_layers(extra)
    inspect = write_layer_dirs(tmp_path / "store", layers, whiteout_files=whiteout_files)
    dirs = overlay_dirs(inspect)
    assert dirs is not None and len(dirs) == len(layers)
    from_store = read_layer_dirs(dirs, inspect, diff_ids(BASE), BASE_PATTERNS)
    from_archive = read_archive(write_archive(tmp_path / "i.tar", layers), diff_ids(BASE))
    assert (
        "/usr/local/bin/npm" not in from_store.final and "/usr/local/lib/node_modules" not in from_store.final
    )
    assert [layer.size for layer in from_store.layers[:2]] == [0, 0]  # the base is not walked
    service = _service(tmp_path)
    store_steps = inspect_steps(from_store, service, "node", False)
    archive_steps = inspect_steps(from_archive, service, "node", False)
    assert [(step.name, step.status) for step in store_steps] == [
        (step.name, step.status) for step in archive_steps
    ]
    for store, archive in zip(store_steps[1:], archive_steps[1:], strict=True):
        assert store.data.get("paths") == archive.data.get("paths"), store.name
    assert store_steps[0].data["base_layers"] == 2 and store_steps[0].data["ratio"] > 1.0
    # npm in the base, deleted by a whiteout: gone; a base where it stays is found.
    kept = [*BASE, layers[2], *layers[4:]]  # without the layer that deletes npm
    inspect = write_layer_dirs(tmp_path / "kept", kept)
    contents = read_layer_dirs(overlay_dirs(inspect) or [], inspect, diff_ids(BASE), BASE_PATTERNS)
    assert "/usr/local/bin/npm" in contents.final


def test_unreadable_or_mismatched_store_folders_fall_back(tmp_path: Path) -> None:
    inspect = write_layer_dirs(tmp_path / "store", app_layers())
    dirs = overlay_dirs(inspect) or []
    with pytest.raises(ArchiveError):
        read_layer_dirs(dirs[1:], inspect, None, BASE_PATTERNS)
    assert overlay_dirs({"GraphDriver": {"Name": "vfs"}}) is None and overlay_dirs({}) is None


def test_a_file_that_is_no_archive_is_an_archive_error(tmp_path: Path) -> None:
    (tmp_path / "x.tar").write_text("not a tarball")
    with pytest.raises(ArchiveError):
        read_archive(tmp_path / "x.tar", None)


def test_entry_script_and_output_folders() -> None:
    assert entry_script(["/usr/bin/tini", "--", "node", "-r", "./otel.js", "dist/main.js"]) == "dist/main.js"
    assert (
        entry_script(["./docker-entrypoint.sh", "node", "--import", "x", "src/a.mjs", "--flag"])
        == "src/a.mjs"
    )
    assert entry_script(["/nodejs/bin/node", "dist/main.js"]) == "dist/main.js"
    assert entry_script(["node"]) is None and entry_script(["npm", "start"]) is None
    assert output_dirs("dist/apps/api/main.js") == ["dist", "package.json"]
    assert output_dirs("apps/api/dist/main.js") == ["apps/api/dist", "package.json"]
    assert output_dirs("server.js") == ["server.js", "package.json"]


def test_runtime_base_follows_stages_and_build_args() -> None:
    text = (
        "# syntax=docker/dockerfile:1\nARG NODE_IMAGE=node:22-bookworm-slim\n"
        "FROM ${NODE_IMAGE} AS base\nRUN x \\\n  && y\nFROM base AS deps\nFROM deps AS build\n"
        'FROM base AS runtime\nCMD ["node"]\n'
    )
    assert runtime_base(text, {}) == "node:22-bookworm-slim"
    assert runtime_base(text, {"NODE_IMAGE": "localhost/node:22"}) == "localhost/node:22"
    assert runtime_base("FROM gcr.io/distroless/nodejs22-debian12 AS runtime\n", {}) == (
        "gcr.io/distroless/nodejs22-debian12"
    )
    assert runtime_base("FROM scratch\n", {}) is None and runtime_base("", {}) is None
    assert runtime_base("ARG V=22\nFROM node:$V-slim AS a\nFROM a\n", {}, target="a") == "node:22-slim"
