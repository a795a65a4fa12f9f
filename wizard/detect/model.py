"""What detection returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    """A proposed answer and the evidence for it (`package.json dependencies: @nestjs/core`)."""

    value: Any
    source: str


@dataclass
class Detection:
    """Proposed answers keyed by question name, plus warnings about container traps."""

    findings: dict[str, Finding] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def propose(self, name: str, value: Any, source: str) -> None:
        """Record a finding unless an earlier, stronger one exists."""
        self.findings.setdefault(name, Finding(value, source))

    def warn(self, message: str) -> None:
        """Record a warning once (a full sentence: what breaks in a container and what to do)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def values(self) -> dict[str, Any]:
        """Proposed answers only."""
        return {name: finding.value for name, finding in self.findings.items()}

    def sources(self) -> dict[str, str]:
        """Where each proposed answer came from."""
        return {name: finding.source for name, finding in self.findings.items()}
