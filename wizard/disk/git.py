"""The one way ndw runs git (in the user's repository and in the template history)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from wizard.errors import TemplateError


def run_git(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run git in `cwd`; with `check`, a failure becomes a TemplateError naming the command.

    `GIT_DIR` from the caller's environment is dropped: git must find the repository of `cwd`.
    """
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GIT_DIR", None)
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=full_env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise TemplateError("git is not installed", hint="Install git (2.27 or newer).") from error
    if check and done.returncode != 0:
        where = f" in {cwd}" if cwd is not None else ""
        raise TemplateError(f"git {' '.join(args[:2])} failed{where}: {done.stderr.strip()}")
    return done
