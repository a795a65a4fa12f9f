"""Regenerate docs/wizard.svg: the TUI on the README's own example, as Textual exports it.

Run from the repository root after a change to the TUI or the questions:

    .venv/bin/python docs/screenshot.py

The example is copied to a temporary folder first, so nothing in examples/ changes.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "orders-api"
OUTPUT = REPO_ROOT / "docs" / "wizard.svg"
SIZE = (110, 34)


async def capture(app_dir: Path) -> str:
    """Start the wizard on `app_dir`, let detection and the first preview settle, export the screen."""
    from wizard.interactive import Session  # noqa: PLC0415 (Textual only when asked)
    from wizard.tui.app import WizardApp  # noqa: PLC0415
    from wizard.worker import Worker  # noqa: PLC0415

    app = WizardApp(Session(Worker(app_dir), {}))
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-dark"
        await pilot.pause()
        return app.export_screenshot(title="ndw init: examples/orders-api")


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        app_dir = Path(scratch) / EXAMPLE.name
        shutil.copytree(EXAMPLE, app_dir)
        svg = asyncio.run(capture(app_dir))
    OUTPUT.write_text(svg, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)} ({len(svg)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
