"""`ndw detect` stays light (#13: under 1 s on a 30-package workspace): it reads copier.yml
as plain YAML and never imports copier (0.4 s), the prompt libraries or Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# What only rendering, prompting or the TUI needs.
HEAVY = ("copier", "questionary", "prompt_toolkit", "textual", "wizard.engine", "pydantic")


def imported_modules(*args: str) -> set[str]:
    """Every module a `python -m wizard ARGS` process imports (from `-X importtime`)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "wizard", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("# Answers for ndw"), result.stdout
    lines = [
        line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    ]
    assert "wizard.questions" in lines  # the answers were resolved in this process
    return set(lines)


@pytest.mark.parametrize(
    "args",
    [
        ("detect", str(FIXTURES / "apps" / "nest-prisma-npm")),
        ("detect", "--service", "apps/api", str(FIXTURES / "monorepos" / "pnpm-workspace")),
    ],
    ids=["app", "workspace-service"],
)
def test_detect_imports_no_renderer_prompt_or_tui_library(args: tuple[str, ...]) -> None:
    modules = imported_modules(*args)
    heavy = sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY))
    assert heavy == [], f"ndw detect imported {heavy}"
