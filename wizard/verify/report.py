"""The result of `ndw verify`: typed steps, the JSON document for CI, the table for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA = "ndw-verify/1"
Status = Literal["passed", "warning", "failed", "skipped"]


@dataclass
class Step:
    """One step (build, start, healthy, ...): its result, how long it took, what it found."""

    name: str
    status: Status
    seconds: float | None = None
    detail: str = ""
    hint: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The step in the JSON report."""
        return {
            "name": self.name,
            "status": self.status,
            "seconds": None if self.seconds is None else round(self.seconds, 2),
            "detail": self.detail,
            "hint": self.hint or None,
            "data": self.data,
        }


@dataclass(frozen=True)
class Leftover:
    """Something the run created and could not remove: what it is, why, and the command that does."""

    kind: Literal["container", "image", "stack"]
    name: str
    error: str
    remove_with: str

    def describe(self) -> str:
        """ "the image TAG (why); remove it with `COMMAND`", for the table and the Ctrl-C message."""
        return f"the {self.kind} {self.name} ({self.error}); remove it with `{self.remove_with}`"

    def as_json(self) -> dict[str, str]:
        """The leftover in the JSON report."""
        return {"kind": self.kind, "name": self.name, "error": self.error, "remove_with": self.remove_with}


@dataclass
class Report:
    """Everything one `ndw verify` run found."""

    service: str
    path: str
    engine: str
    mode: Literal["image", "compose"]
    image: str
    kept: bool = False
    compose: str | None = None  # the Compose command, in compose mode
    steps: list[Step] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    logs_from: Literal["build", "container", "compose"] | None = None
    removed: list[str] = field(default_factory=list)  # "container", "image", "stack": what cleanup removed
    leftovers: list[Leftover] = field(default_factory=list)  # what it could not

    @property
    def ok(self) -> bool:
        """No step failed, and at least one ran (warnings do not fail the run)."""
        ran = [step for step in self.steps if step.status != "skipped"]
        return bool(ran) and all(step.status in ("passed", "warning") for step in ran)

    @property
    def warnings(self) -> list[Step]:
        """The steps that passed with a warning."""
        return [step for step in self.steps if step.status == "warning"]

    @property
    def failed(self) -> list[Step]:
        """The steps that failed."""
        return [step for step in self.steps if step.status == "failed"]

    def step(self, name: str) -> Step | None:
        """The step called NAME, if it is in the report."""
        return next((step for step in self.steps if step.name == name), None)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON document (`--format json`; schema in docs/verify.md)."""
        return {
            "schema": SCHEMA,
            "ok": self.ok,
            "service": self.service,
            "path": self.path,
            "engine": self.engine,
            "compose": self.compose,
            "mode": self.mode,
            "image": {"tag": self.image, "kept": self.kept},
            "steps": [step.as_json() for step in self.steps],
            "logs": self.logs,
            "logs_from": self.logs_from if self.logs else None,
            "leftovers": [leftover.as_json() for leftover in self.leftovers],
        }

    def summary(self) -> str:
        """One line of the figures people ask for: build time and size, time to healthy, stop."""
        parts = []
        build, healthy, stop = self.step("build"), self.step("healthy"), self.step("stop")
        if build and build.status == "passed" and build.seconds is not None:
            size = build.data.get("size_bytes")
            sized = f" ({human_size(size)})" if isinstance(size, int) else ""
            parts.append(f"built in {build.seconds:.1f} s{sized}")
        if healthy and healthy.status == "passed" and healthy.seconds is not None:
            parts.append(f"healthy {healthy.seconds:.1f} s after start")
        if stop and stop.status == "passed" and stop.seconds is not None:
            parts.append(f"stopped in {stop.seconds:.1f} s")
        return ", ".join(parts)


def human_size(size: int | None) -> str:
    """Bytes as MB (decimal, as docker and podman print them)."""
    if size is None:
        return "size unknown"
    return f"{size / 1_000_000:.0f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


def interrupted_summary(report: Report, keep: bool) -> str:
    """After Ctrl-C: what the cleanup removed, what it kept on purpose, and what it could not remove."""
    sentences = []
    if report.mode == "compose" and "stack" in report.removed:
        removed = "containers, networks, volumes" + ("" if keep else ", images")
        sentences.append(f"The stack was taken down ({removed}).")
    elif report.removed:
        sentences.append(f"Removed the {' and the '.join(report.removed)}.")
    if report.kept and report.mode == "image":
        sentences.append(f"Kept the image {report.image} (--keep).")
    for leftover in report.leftovers:
        sentences.append(f"Could not remove {leftover.describe()}.")
    return " ".join(sentences) or "Nothing had been created yet."


def print_report(report: Report) -> None:
    """The steps as a Rich table, then what to do about failures and the container's last lines."""
    from rich.console import Console  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console(highlight=False, soft_wrap=True)
    engine = report.engine + (f", {report.compose}" if report.compose else "")
    table = Table(title=f"ndw verify: {escape(report.service)} ({engine})", title_justify="left")
    table.add_column("step")
    table.add_column("result")
    table.add_column("time", justify="right")
    table.add_column("details")
    styles = {
        "passed": "[green]passed[/]", "warning": "[yellow]warning[/]", "failed": "[bold red]FAILED[/]",
        "skipped": "[dim]skipped[/]",
    }  # fmt: skip
    for step in report.steps:
        seconds = "" if step.seconds is None else f"{step.seconds:.1f} s"
        table.add_row(step.name, styles[step.status], seconds, escape(step.detail))
    console.print(table)
    for step in [*report.failed, *report.warnings]:
        if step.hint:
            colour = "bold red" if step.status == "failed" else "yellow"
            console.print(f"[{colour}]{step.name}:[/] {escape(step.hint)}")
    skipped_hints = [step for step in report.steps if step.status == "skipped" and step.hint]
    for step in skipped_hints:
        console.print(f"[dim]{step.name}:[/] {escape(step.hint)}")
    if report.logs:
        source = {"build": "the build", "container": "the container", "compose": "the stack"}
        console.print(
            f"[bold]Last {len(report.logs)} lines of {source.get(report.logs_from or '', 'output')}:[/]"
        )
        for line in report.logs:
            console.print(f"  {escape(line)}", style="dim")
    if report.kept:
        console.print(f"Kept the image {escape(report.image)}.")
    for leftover in report.leftovers:
        console.print(f"[yellow]Left behind:[/] {escape(leftover.describe())}.")
    if report.ok:
        figures = report.summary()
        warned = f" ({len(report.warnings)} warning(s) above)" if report.warnings else ""
        console.print(
            "[bold green]Verified:[/] it builds, starts, becomes healthy, answers and stops"
            + (f": {figures}" if figures else "")
            + f".{warned}"
        )
    else:
        console.print(f"[bold red]Not verified:[/] {len(report.failed)} step(s) failed.")
