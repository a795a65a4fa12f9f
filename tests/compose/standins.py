"""Stand-in images for the services a generated compose.yaml names (postgres, redis).

No registry is reachable, so each image compose.yaml asks for (`postgres:18`, `redis:8`, ...)
is built locally with buildah from the e2e tier's Debian base image plus Debian's own
packages, following the official image's documented interface (see images/*/), then moved
into the test's Docker engine under exactly the name compose.yaml uses. Test fixtures only.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tests.compose.engine import DockerEngine
from tests.support.containers import Containers, cache_dir
from tests.support.rootfs import debian_base_image

IMAGES_DIR = Path(__file__).parent / "images"
# Debian suite the stand-ins are built from (trixie carries PostgreSQL 17 and Redis 8).
SUITE = "trixie"
KNOWN = ("postgres", "redis", "mysql")


def repository(image: str) -> str:
    """`postgres` for `postgres:18`, `docker.io/library/postgres:18-bookworm` etc."""
    name = image.split("@", 1)[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return name.rsplit("/", 1)[-1]


def postgres_layout(image: str) -> dict[str, str]:
    """The official image's PGDATA and volume for IMAGE's major (18 moved both; see its docs)."""
    match = re.search(r":(\d+)", image)
    major = int(match.group(1)) if match else 18
    if major >= 18:
        return {"PGDATA": f"/var/lib/postgresql/{major}/docker", "VOLUME_DIR": "/var/lib/postgresql"}
    return {"PGDATA": "/var/lib/postgresql/data", "VOLUME_DIR": "/var/lib/postgresql/data"}


def move_to_docker(builder: Containers, image: str, tag: str, engine: DockerEngine) -> None:
    """Copy IMAGE from buildah's store into ENGINE as TAG (docker-archive, then `docker load`)."""
    with tempfile.TemporaryDirectory(dir=cache_dir(), prefix="to-docker-") as tmp:
        archive = Path(tmp) / "image.tar"
        builder.buildah("push", image, f"docker-archive:{archive}:{tag}", timeout=600)
        engine.load(archive)


def build_standin(image: str, builder: Containers, engine: DockerEngine) -> None:
    """Build the stand-in for IMAGE (e.g. `postgres:18`) and load it into ENGINE under that name."""
    kind = repository(image)
    if kind not in KNOWN:
        raise ValueError(f"no stand-in for image {image!r}: known are {', '.join(KNOWN)}")
    args = {"BASE": debian_base_image(SUITE, builder)}
    if kind == "postgres":
        args.update(postgres_layout(image))
    local = f"localhost/ndw-standin/{kind}:{re.sub(r'[^A-Za-z0-9_.-]', '-', image.rsplit(':', 1)[-1])}"
    builder.build(IMAGES_DIR / kind, local, args)
    move_to_docker(builder, local, image, engine)
