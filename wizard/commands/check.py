"""`ndw check`: to be built (issue 6)."""

from __future__ import annotations

import argparse
from pathlib import Path

from wizard.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw check`."""
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")


def run(args: argparse.Namespace) -> int:
    """Not built yet."""
    raise UsageError("`ndw check` is not available yet")
