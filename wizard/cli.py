"""The `ndw` command line. Imports stay light so `ndw --help` starts fast."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from wizard import __version__
from wizard.commands import COMMANDS
from wizard.errors import Interrupted, WizardError

DESCRIPTION = "Containerize a Node.js service: Dockerfile, compose.yaml, entrypoint and docs."
DEFAULT_COMMAND = "init"


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(
        prog="ndw",
        description=DESCRIPTION,
        epilog="With no command, ndw runs `init` in the current folder.",
    )
    parser.add_argument("--version", action="version", version=f"ndw {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ndw; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in {*COMMANDS, "-h", "--help", "--version"}:
        args_list.insert(0, DEFAULT_COMMAND)
    args = build_parser().parse_args(args_list)
    try:
        return int(args.run(args))
    except WizardError as error:
        from wizard.console import print_error  # noqa: PLC0415

        print_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        from wizard.console import print_error  # noqa: PLC0415

        print_error(Interrupted("interrupted", hint="Nothing was written."))
        return Interrupted.exit_code
