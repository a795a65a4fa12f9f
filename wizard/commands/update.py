"""`ndw update`: merge the newest templates (and changed answers) into a scaffolded repository."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.commands import add_answer_arguments, add_scaffold_arguments

if TYPE_CHECKING:
    from wizard.update import UpdateResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw update`."""
    add_scaffold_arguments(parser)
    add_answer_arguments(parser, "to change")
    parser.add_argument("--dry-run", action="store_true", help="show the resulting diff, write nothing")
    parser.add_argument(
        "--conflict",
        choices=["inline", "rej"],
        default="inline",
        help="conflicts as markers in the file (inline, default) or as FILE.rej beside it",
    )


def run(args: argparse.Namespace) -> int:
    """Update; exit 1 when a conflict is left for a person."""
    from wizard.answers import load_answers_file, parse_set_options  # noqa: PLC0415
    from wizard.template import current_template  # noqa: PLC0415
    from wizard.update import run_update  # noqa: PLC0415

    given = load_answers_file(args.answers) if args.answers else {}
    given.update(parse_set_options(args.sets))
    result = run_update(
        args.path,
        given,
        current_template(),
        conflict=args.conflict,
        dry_run=args.dry_run,
        service=args.service,
    )
    print_result(result, args.conflict)
    return 1 if result.needs_person else 0


def print_result(result: UpdateResult, conflict: str) -> None:
    """Changed, merged, conflicted, added and deleted files, and what to do next."""
    from rich.console import Console  # noqa: PLC0415
    from rich.syntax import Syntax  # noqa: PLC0415

    console = Console(highlight=False, soft_wrap=True)
    touched = any((result.updated, result.merged, result.added, result.deleted, result.conflicted))
    if not touched and result.old_version == result.new_version:
        console.print(
            f"Nothing to update: template {result.new_version} is current and no answer changed."
            + (" Nothing was written." if result.dry_run else "")
        )
        return
    if result.dry_run and result.diff:
        console.print(Syntax(result.diff, "diff", theme="ansi_dark", background_color="default"))
    verb = "would update" if result.dry_run else "updated"
    console.print(f"[bold]{verb.capitalize()}[/] template {result.old_version} -> {result.new_version}")
    groups = [
        ("updated", "green", result.updated, "template changes applied"),
        ("merged", "cyan", result.merged, "template changes merged with your edits"),
        ("added", "green", result.added, "new files"),
        ("deleted", "yellow", result.deleted, "no longer generated for these answers"),
        ("conflicted", "bold red", result.conflicted, "your edits and the template's overlap"),
    ]
    for label, style, paths, meaning in groups:
        if paths:
            console.print(f"[{style}]{label}[/] ({meaning}):")
            for path in paths:
                console.print(f"  {path}")
    if not touched:
        console.print("Nothing changed: the scaffold is current.")
    if result.dry_run:
        console.print("[bold]Dry run:[/] nothing was written.")
        return
    if result.deleted:
        console.print(
            "Deleted files included any edits you made to them; recover one with "
            "`git restore --source=HEAD -- <file>`.",
            style="dim",
        )
    if result.conflicted:
        how = (
            "resolve the <<<<<<< / >>>>>>> markers, then `git add` the files"
            if conflict == "inline"
            else "apply or drop each .rej hunk by hand, then delete the .rej files"
        )
        console.print(f"[bold red]Conflicts need you:[/] {how}. Review everything with `git diff`.")
    else:
        console.print("Review with `git diff`, then commit.")
