"""What a built image holds, read by `ndw verify`'s own inspection (wizard.verify), not a second copy.

The e2e tier builds into an overlay store, so the layers are read in place from the folders
`podman image inspect` names, as `ndw verify` does on a user's machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.containers import Containers
from wizard.verify.dockerfile import runtime_base
from wizard.verify.inspect import BASE_PATTERNS, inspect_steps
from wizard.verify.layers import ImageContents, overlay_dirs, read_layer_dirs
from wizard.verify.report import Step


def _inspect(engine: Containers, image: str) -> dict[str, Any]:
    """`podman image inspect IMAGE` as a dict."""
    data = json.loads(engine.podman("image", "inspect", image).stdout)
    found = data[0] if isinstance(data, list) else data
    assert isinstance(found, dict)
    return found


def image_contents(engine: Containers, image: str, base: str | None = None) -> ImageContents:
    """IMAGE's layers and final tree; with BASE, the base image's layers are marked (and only
    the paths the checks need are looked up in them), else every layer is walked."""
    inspect = _inspect(engine, image)
    dirs = overlay_dirs(inspect)
    assert dirs, f"{image}: not on an overlay store"
    base_ids = None
    if base is not None:
        layers = (_inspect(engine, base).get("RootFS") or {}).get("Layers")
        base_ids = [str(item) for item in layers or []]
    return read_layer_dirs(dirs, inspect, base_ids, BASE_PATTERNS if base else ())


def image_checks(
    engine: Containers,
    image: str,
    dockerfile: Path,
    build_args: dict[str, str],
    runs_typescript: bool = False,
) -> dict[str, Step]:
    """`ndw verify`'s image checks (size over the floor, entry, files that should not ship) on IMAGE,
    built from DOCKERFILE with BUILD_ARGS; by step name."""
    base = runtime_base(dockerfile.read_text(), build_args)
    contents = image_contents(engine, image, base)
    steps = inspect_steps(contents, dockerfile.parent, base, runs_typescript)
    return {step.name: step for step in steps}
