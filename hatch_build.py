"""Hatch build hook: ship the template's version history inside the wheel.

The wheel carries `wizard/scaffolds/history/node-service.bundle`: the committed history
(`scaffolds/history/node-service.bundle`, if any) plus the template being packaged,
tagged with the package version when that version is not in the history yet. `ndw update`
then works offline from the installed wheel.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE_IN_WHEEL = "wizard/scaffolds/history/node-service.bundle"


class TemplateHistoryHook(BuildHookInterface):  # type: ignore[misc]
    """Write the history bundle for this build and force-include it."""

    PLUGIN_NAME = "template-history"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Runs before the wheel is built (not for editable installs, which read the checkout)."""
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        sys.path.insert(0, str(root))
        try:
            from wizard.template_repo import BUNDLE_NAME, write_bundle  # noqa: PLC0415
        finally:
            sys.path.remove(str(root))
        committed = root / "scaffolds" / "history" / BUNDLE_NAME
        self._work = tempfile.TemporaryDirectory(prefix="ndw-wheel-history-")
        bundle = Path(self._work.name) / BUNDLE_NAME
        tag = write_bundle(
            root / "scaffolds" / "node-service",
            self.metadata.version,
            bundle,
            committed if committed.is_file() else None,
        )
        self.app.display_info(f"template history: {tag} is the packaged template")
        build_data["force_include"][str(bundle)] = BUNDLE_IN_WHEEL

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary bundle."""
        work = getattr(self, "_work", None)
        if work is not None:
            work.cleanup()
