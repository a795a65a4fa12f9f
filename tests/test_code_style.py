"""The code itself: ruff (lint and format) and mypy --strict pass on the package and its tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOOLS = Path(sys.executable).parent  # ruff and mypy come with the test extra, beside this Python


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    tool = TOOLS / argv[0]
    if not tool.exists():
        pytest.skip(f"{argv[0]} is not installed beside {sys.executable} (pip install -e '.[test]')")
    return subprocess.run([str(tool), *argv[1:]], cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    done = _run("ruff", "check", "--no-cache", "wizard", "tests", "bench", "hatch_build.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_code_is_formatted_as_ruff_formats_it() -> None:
    done = _run("ruff", "format", "--check", "--no-cache", "wizard", "tests", "bench", "hatch_build.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_finds_nothing() -> None:
    done = _run("mypy", "wizard", "tests")
    assert done.returncode == 0, done.stdout + done.stderr
