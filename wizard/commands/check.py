"""`ndw check`: lint the scaffold on disk, report drift from its answers and newer templates."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.commands import add_scaffold_arguments

if TYPE_CHECKING:
    from wizard.check import CheckReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw check`."""
    add_scaffold_arguments(parser)
    parser.add_argument(
        "--format", choices=["text", "json"], default="text", help="text for people, json for CI"
    )
    parser.add_argument("--diff", action="store_true", help="show the drift as diffs")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when clean, 1 for lint findings or a newer template version."""
    from wizard.check import run_check  # noqa: PLC0415
    from wizard.errors import WizardError  # noqa: PLC0415
    from wizard.template import current_template  # noqa: PLC0415

    try:
        report = run_check(args.path, current_template(), args.service)
    except WizardError as error:
        if args.format != "json":
            raise
        _print_json({"path": str(args.path), "ok": False, "error": error.message, "hint": error.hint or None})
        return error.exit_code
    if args.format == "json":
        _print_json(report.as_json())
    else:
        print_report(report, show_diff=args.diff)
    return 1 if report.failed else 0


def _print_json(data: dict[str, object]) -> None:
    import json  # noqa: PLC0415

    print(json.dumps(data, indent=2))


def print_report(report: CheckReport, show_diff: bool) -> None:
    """The findings for people, through Rich."""
    from rich.console import Console  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415

    console = Console(highlight=False, soft_wrap=True)
    if report.lint:
        console.print(f"[bold red]Lint:[/] {len(report.lint)} finding(s)")
        for item in report.lint:
            console.print(
                f"  {escape(item['path'])}:{item['line']}  {escape(item['code'])} "
                f"({item['tool']})  {escape(item['message'])}"
            )
    else:
        console.print("[green]Lint:[/] hadolint, shellcheck and the compose schema found nothing.")
    if report.render_error:
        console.print(f"[bold red]Answers:[/] {escape(report.render_error)}")
        console.print(
            f"  Repair them with `{escape(report.repair or 'ndw update --set KEY=VALUE')}`.", style="dim"
        )
    elif report.drift:
        console.print(
            f"[yellow]Drift:[/] {len(report.drift)} file(s) differ from what the answers generate "
            "(your own edits show here; that is fine, `ndw update` keeps them):"
        )
        for drifted in report.drift:
            console.print(f"  {drifted.status:>7}  {escape(drifted.path)}")
            if show_diff and drifted.diff:
                console.print(escape(drifted.diff), end="")
    else:
        console.print("[green]Drift:[/] none; the files are exactly what the answers generate.")
    if report.outdated:
        console.print(
            f"[bold red]Template:[/] {report.current_version} is available; this scaffold is on "
            f"{report.recorded_version}. Run `ndw update` to merge it."
        )
    else:
        console.print(f"[green]Template:[/] current ({report.current_version}).")
