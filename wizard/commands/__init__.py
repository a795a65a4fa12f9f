"""One module per `ndw` command, each with `add_arguments(parser)` and `run(args) -> int`.

Rule: these modules import only the standard library and `wizard.errors` at the top, so
`ndw --help` stays fast; everything else is imported inside `run`.
"""

import argparse
from pathlib import Path

COMMANDS = {
    "init": ("wizard.commands.init", "scaffold the container setup for a service (the default)"),
    "detect": ("wizard.commands.detect", "print the detected answers as an answers file"),
    "update": ("wizard.commands.update", "merge the newest templates into a scaffolded repository"),
    "check": ("wizard.commands.check", "lint the scaffold on disk and report drift from its answers"),
    "verify": ("wizard.commands.verify", "build the scaffold, run it, check health, user, init and stop"),
}


def add_scaffold_arguments(parser: argparse.ArgumentParser) -> None:
    """The scaffolded folder and `--service PATH`, shared by update, check and verify."""
    parser.add_argument("path", nargs="?", default=".", type=Path, help="scaffolded folder (default: .)")
    parser.add_argument(
        "--service",
        metavar="PATH",
        help="in a repository of several services: the one in PATH (relative to the repository)",
    )


def add_answer_arguments(parser: argparse.ArgumentParser, purpose: str) -> None:
    """`--answers FILE` and repeatable `--set KEY=VALUE` (which wins), shared by init and update."""
    parser.add_argument("--answers", "-a", type=Path, metavar="FILE", help=f"YAML file of answers {purpose}")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set one answer (repeatable; wins over --answers)",
    )
