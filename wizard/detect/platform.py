"""Which CI system the repository already uses (#16): it suggests the `ci` answer."""

from __future__ import annotations

from pathlib import Path

from wizard.detect.model import Detection


def detect_ci(root: Path, found: Detection) -> None:
    """A `.github/` folder suggests GitHub Actions, a `.gitlab-ci.yml` GitLab CI; else no workflow."""
    if (root / ".github").is_dir():
        found.propose("ci", "github", ".github/ folder (GitHub Actions)")
    elif (root / ".gitlab-ci.yml").is_file():
        found.propose("ci", "gitlab", ".gitlab-ci.yml (GitLab CI)")
