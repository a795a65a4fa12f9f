"""`ndw init`: scaffold one service."""

from __future__ import annotations

import argparse
from pathlib import Path

from wizard.commands import add_answer_arguments
from wizard.errors import NotInteractiveError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw init`."""
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")
    add_answer_arguments(parser, "(see `ndw detect`)")
    parser.add_argument(
        "--defaults", action="store_true", help="take detected and default values, ask nothing"
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")
    parser.add_argument("--force", action="store_true", help="replace existing files that differ")
    parser.add_argument(
        "--plain", action="store_true", help="ask with simple prompts instead of the full-screen app"
    )


def run(args: argparse.Namespace) -> int:
    """Settle the answers (given, detected, asked), then write the scaffold."""
    from wizard.answers import load_answers_file, parse_set_options  # noqa: PLC0415
    from wizard.console import print_outcome, print_warnings, stdout_is_terminal  # noqa: PLC0415
    from wizard.worker import Worker  # noqa: PLC0415

    given = load_answers_file(args.answers) if args.answers else {}
    given.update(parse_set_options(args.sets))
    worker = Worker(args.path)
    print_warnings(worker.detection.warnings)
    if args.answers is None and not args.sets and not args.defaults:
        if not stdout_is_terminal():
            raise NotInteractiveError(
                "no answers given and no terminal to ask in",
                hint="Pass --answers FILE (see `ndw detect`) or --defaults to take the detected values.",
            )
        from wizard.interactive import ask  # noqa: PLC0415

        settled = ask(worker, given, plain=args.plain)
        outcome = worker.write(settled.answers, force=settled.force)
    else:
        origin = str(args.answers) if args.answers else ""
        answers = worker.resolve(given).require_valid(origin)
        outcome = worker.write(answers, force=args.force, dry_run=args.dry_run)
    print_outcome(outcome, args.path)
    return 0
