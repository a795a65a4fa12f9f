"""`ndw detect`: print what the repository says about itself, as an answers file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw detect`."""
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")


def run(args: argparse.Namespace) -> int:
    """Print the detected answers; warnings go to stderr."""
    from wizard.console import print_warnings  # noqa: PLC0415
    from wizard.detect_output import answers_yaml  # noqa: PLC0415
    from wizard.worker import Worker  # noqa: PLC0415

    worker = Worker(args.path)
    print_warnings(worker.detection.warnings)
    sys.stdout.write(answers_yaml(worker.resolve(), args.path))
    return 0
