"""`ndw detect`: print what the repository says about itself, as an answers file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw detect`."""
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")
    parser.add_argument(
        "--service",
        metavar="PATH",
        help="in a repository of several services: the one in PATH (relative to the repository)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the detected answers (or, in a repository of several services, the services)."""
    from wizard.console import print_warnings  # noqa: PLC0415
    from wizard.detect_output import answers_yaml, services_listing  # noqa: PLC0415
    from wizard.multiservice import service_dir_for  # noqa: PLC0415
    from wizard.worker import Worker  # noqa: PLC0415

    worker = Worker(args.path)
    if args.service is not None:
        folder = service_dir_for(worker, args.service)
        print_warnings(worker.detection_for(folder).warnings)
        sys.stdout.write(answers_yaml(worker.resolve({"app_dir": folder}), args.path, given=("app_dir",)))
        return 0
    services = worker.services
    if len(services) > 1:
        sys.stdout.write(services_listing(services, args.path))
        return 0
    print_warnings(worker.detection.warnings)
    sys.stdout.write(answers_yaml(worker.resolve(), args.path))
    return 0
