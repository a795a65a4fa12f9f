"""The image tiers (tests/e2e, tests/compose): marked by folder, and kept on one xdist worker.

With `pytest -n auto` (README's test command), every test of both tiers goes to the same
worker, one after another, as without `-n`: they build into one image store, start one
Docker engine, and time health checks that several concurrent builds on a 2-core machine
would starve. The other workers run the rest of the suite beside them (`--dist loadgroup`
in pyproject.toml's addopts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

IMAGE_TIERS = pytest.mark.xdist_group("images")


def mark_folder(items: list[pytest.Item], folder: Path, tier: pytest.MarkDecorator) -> None:
    """Mark every test under `folder` with `tier`, and keep it in the image tiers' group."""
    for item in items:
        if folder in Path(str(item.fspath)).parents:
            item.add_marker(tier)
            item.add_marker(IMAGE_TIERS)
