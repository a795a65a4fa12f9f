"""The optional vulnerability scan: Trivy or Grype when one is on PATH, counts by severity.

Pure except `find_scanner` (which takes `which`). A scanner that is missing or cannot scan
(no vulnerability database reachable) is never an error: the line says what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from wizard.verify.report import Step

ScannerName = Literal["trivy", "grype"]
SEVERITIES = ("critical", "high", "medium", "low")  # worst first; "unknown" and "negligible" aside
FAIL_ON = SEVERITIES
INSTALL_HINT = (
    "Install Trivy or Grype (single binaries; see their install guides, or `brew install trivy` / "
    "`brew install grype`) and run verify again: it then counts the image's known vulnerabilities "
    "by severity, and `--fail-on high` fails the run on high or critical ones."
)


@dataclass(frozen=True)
class Scanner:
    """One scanner and how it reads images of the engine in use."""

    name: ScannerName

    def argv(self, tag: str, runner: str) -> list[str]:
        """Scan TAG from RUNNER's (docker or podman) local store, JSON on stdout."""
        if self.name == "trivy":
            return ["trivy", "image", "--quiet", "--format", "json", "--image-src", runner, tag]
        return ["grype", f"{runner}:{tag}", "--output", "json", "--quiet"]


def find_scanner(which: Callable[[str], str | None]) -> Scanner | None:
    """Trivy, else Grype, else None."""
    names: tuple[ScannerName, ...] = ("trivy", "grype")
    for name in names:
        if which(name):
            return Scanner(name)
    return None


def _count(severities: list[str]) -> dict[str, int]:
    counts = dict.fromkeys((*SEVERITIES, "unknown"), 0)
    for severity in severities:
        key = severity.lower()
        counts[key if key in counts else "unknown"] += 1
    return counts


def parse_trivy(text: str) -> dict[str, int]:
    """`trivy image --format json`: Results[].Vulnerabilities[].Severity (CRITICAL, HIGH, ...)."""
    data: Any = json.loads(text)
    results = (data.get("Results") or []) if isinstance(data, dict) else []
    found: list[str] = []
    for result in results:
        for vulnerability in (result or {}).get("Vulnerabilities") or []:
            found.append(str(vulnerability.get("Severity") or "unknown"))
    return _count(found)


def parse_grype(text: str) -> dict[str, int]:
    """`grype -o json`: matches[].vulnerability.severity (Critical, High, ..., Negligible)."""
    data: Any = json.loads(text)
    matches = (data.get("matches") or []) if isinstance(data, dict) else []
    found = [str((match.get("vulnerability") or {}).get("severity") or "unknown") for match in matches]
    return _count(found)


def scan_step(
    scanner: Scanner | None,
    returncode: int,
    stdout: str,
    error: str,
    *,
    fail_on: str | None,
    seconds: float = 0.0,
) -> Step:
    """The report line for a scan that ran (or could not)."""
    if scanner is None:
        return Step(
            "scan", "skipped", detail="no vulnerability scanner (trivy or grype) on PATH", hint=INSTALL_HINT
        )
    parse = parse_trivy if scanner.name == "trivy" else parse_grype
    try:
        counts = parse(stdout) if returncode == 0 else None
    except (ValueError, AttributeError, TypeError):
        counts = None
    if counts is None:
        why = error.strip().splitlines()[-1] if error.strip() else f"exit {returncode}"
        return Step(
            "scan", "warning", seconds, f"{scanner.name} could not scan the image: {why[:200]}",
            hint=f"{scanner.name} needs its vulnerability database: run it once with network access "
            "(or point it at a mirror of the database), then verify again.",
            data={"scanner": scanner.name},
        )  # fmt: skip
    figures = ", ".join(f"{counts[key]} {key}" for key in (*SEVERITIES, "unknown") if counts[key])
    data: dict[str, Any] = {"scanner": scanner.name, "fail_on": fail_on, **counts}
    detail = f"{scanner.name}: {figures or 'no known vulnerabilities'}"
    if fail_on:
        limit = SEVERITIES.index(fail_on)
        over = sum(counts[key] for key in SEVERITIES[: limit + 1])
        if over:
            return Step(
                "scan", "failed", seconds, detail, data=data,
                hint=f"{over} finding(s) at {fail_on} or worse: update the base image (NODE_IMAGE) and the "
                f"dependencies named in `{scanner.name}`'s own output, then verify again.",
            )  # fmt: skip
    if counts["critical"] or counts["high"]:
        return Step(
            "scan", "warning", seconds, detail, data=data,
            hint="High or critical findings: update the base image and dependencies; `--fail-on high` "
            "makes them fail the run (for CI).",
        )  # fmt: skip
    return Step("scan", "passed", seconds, detail, data=data)
