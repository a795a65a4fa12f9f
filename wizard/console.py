"""Everything ndw prints for people, through Rich (imported only when printing)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from wizard.errors import UnmanagedFilesError, WizardError

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from wizard.worker import Outcome


def _console(stderr: bool = False) -> Console:
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_error(error: WizardError) -> None:
    """An error, its diff if any, and what to do next, on stderr."""
    console = _console(stderr=True)
    if isinstance(error, UnmanagedFilesError) and error.diff:
        _print_diff(console, error.diff)
    console.print(f"[bold red]error:[/] {error.message}", markup=True)
    if error.hint:
        console.print(error.hint, style="dim")


def print_warnings(warnings: list[str]) -> None:
    """Detection warnings, on stderr."""
    if warnings:
        console = _console(stderr=True)
        for warning in warnings:
            console.print(f"[yellow]warning:[/] {warning}")


def print_note(text: str) -> None:
    """A note for the person at the terminal, on stderr."""
    _console(stderr=True).print(f"[yellow]note:[/] {text}")


def _print_diff(console: Console, diff: str) -> None:
    from rich.syntax import Syntax  # noqa: PLC0415

    console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))


def print_outcome(outcome: Outcome, target: Path) -> None:
    """What was written (or would be), then the next commands to run."""
    console = _console()
    if outcome.dry_run:
        diff = outcome.plan.diff()
        if diff:
            _print_diff(console, diff)
        console.print("[bold]Dry run:[/] nothing was written.")
        for change in outcome.plan.changes:
            console.print(f"  {change.status.value:>9}  {change.path}")
        _print_kept(console, outcome)
        return
    _print_kept(console, outcome)
    if not outcome.written:
        console.print("Everything is up to date; nothing was written.")
        return
    console.print(f"[bold green]Wrote {len(outcome.written)} file(s)[/] in {target}:")
    for change in outcome.written:
        console.print(f"  [green]{change.status.value:>9}[/]  {change.path}")
    console.print("\n" + next_steps([change.path for change in outcome.plan.changes]))
    if outcome.held_signals:
        import signal  # noqa: PLC0415

        names = ", ".join(signal.Signals(number).name for number in outcome.held_signals)
        _console(stderr=True).print(
            f"[yellow]note:[/] {names} arrived while the files were moved in; the write was finished first."
        )


def next_steps(paths: list[str]) -> str:
    """What to run after writing: one service at the root, or services in their folders."""
    folders = sorted({path.rsplit("/", 1)[0] for path in paths if path.endswith("/DOCKER.md")})
    if not folders:
        return (
            "Next:\n"
            "  cp .env.example .env   # then set the passwords\n"
            "  docker compose up --build\n"
            "  ndw verify             # prove the image builds, starts healthy and stops\n"
            "  See DOCKER.md for the details."
        )
    guides = ", ".join(f"{folder}/DOCKER.md" for folder in folders)
    return (
        "Next, from the repository root:\n"
        f"  cp {folders[0]}/.env.example .env   # then set the passwords\n"
        "  docker compose up --build   # every service the root compose.yaml includes\n"
        f"  ndw verify --service {folders[0]}   # prove the image builds, starts healthy and stops\n"
        f"  See {guides} for the details."
    )


def _print_kept(console: Console, outcome: Outcome) -> None:
    """Seed files the user already has are kept; say what they lack."""
    from wizard.disk.env_block import added_keys  # noqa: PLC0415
    from wizard.disk.plan import Status  # noqa: PLC0415

    for change in outcome.plan.changes:
        if added := added_keys(change):
            console.print(
                f"Kept your {change.path} and appended a marked block with what compose reads: "
                + ", ".join(added)
            )
        if change.status is not Status.KEEP:
            continue
        console.print(f"Kept your {change.path}.", end="")
        if change.missing_env_keys:
            console.print(" Add what the containers read: " + ", ".join(change.missing_env_keys), end="")
        console.print()


def stdout_is_terminal() -> bool:
    """Whether both ends are a terminal (a full-screen app or prompts can run)."""
    return sys.stdin.isatty() and sys.stdout.isatty()
