"""The `ndw` command line. Imports stay light so `ndw --help` starts fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from wizard import __version__
from wizard.errors import Interrupted, NotInteractiveError, WizardError

DESCRIPTION = "Containerize a Node.js service: Dockerfile, compose.yaml, entrypoint and docs."


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(prog="ndw", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"ndw {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser("init", help="scaffold the container setup for a service (the default)")
    _add_init_arguments(init)

    detect = commands.add_parser("detect", help="print the detected answers as an answers file")
    detect.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")
    return parser


def _add_init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")
    parser.add_argument("--answers", "-a", type=Path, metavar="FILE", help="YAML answers file")
    parser.add_argument(
        "--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
        help="set one answer (repeatable; wins over --answers)",
    )
    parser.add_argument("--defaults", action="store_true", help="take detected and default values, ask nothing")
    parser.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")
    parser.add_argument("--force", action="store_true", help="replace existing files that differ")
    parser.add_argument("--plain", action="store_true", help="ask with simple prompts instead of the full-screen app")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ndw; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list or args_list[0] not in {"init", "detect", "-h", "--help", "--version"}:
        args_list.insert(0, "init")
    args = parser.parse_args(args_list)
    try:
        if args.command == "detect":
            return _run_detect(args)
        return _run_init(args)
    except WizardError as error:
        from wizard.console import print_error  # noqa: PLC0415

        print_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        from wizard.console import print_error  # noqa: PLC0415

        print_error(Interrupted("interrupted", hint="Nothing was written."))
        return Interrupted.exit_code


def _run_detect(args: argparse.Namespace) -> int:
    from wizard.console import print_warnings  # noqa: PLC0415
    from wizard.detect_output import answers_yaml  # noqa: PLC0415
    from wizard.worker import Worker  # noqa: PLC0415

    worker = Worker(args.path)
    print_warnings(worker.detection.warnings)
    sys.stdout.write(answers_yaml(worker.resolve(), args.path))
    return 0


def _run_init(args: argparse.Namespace) -> int:
    from wizard.answers import load_answers_file, parse_set_options  # noqa: PLC0415
    from wizard.console import print_outcome, print_warnings, stdout_is_terminal  # noqa: PLC0415
    from wizard.worker import Worker  # noqa: PLC0415

    given = load_answers_file(args.answers) if args.answers else {}
    given.update(parse_set_options(args.sets))
    worker = Worker(args.path)
    if args.answers is None and not args.sets and not args.defaults:
        if not stdout_is_terminal():
            raise NotInteractiveError(
                "no answers given and no terminal to ask in",
                hint="Pass --answers FILE (see `ndw detect`) or --defaults to take the detected values.",
            )
        raise NotInteractiveError(
            "interactive mode is not available yet",
            hint="Pass --answers FILE (see `ndw detect`) or --defaults to take the detected values.",
        )
    print_warnings(worker.detection.warnings)
    origin = str(args.answers) if args.answers else ""
    answers = worker.resolve(given).require_valid(origin)
    outcome = worker.write(answers, force=args.force, dry_run=args.dry_run)
    print_outcome(outcome, args.path)
    return 0
