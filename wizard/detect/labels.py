"""What the image's OCI labels say about the service: description, license, source repository."""

from __future__ import annotations

import re
from pathlib import Path

from wizard.detect.app import App
from wizard.detect.files import read_text
from wizard.detect.model import Detection

# The copier validators' limits (description, license, source_url).
UNSAFE_TEXT = re.compile(r'["\\$`\n]')
SPDX = re.compile(r"^[A-Za-z0-9.+() -]+$")
HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%@+-]+)*/?$")


def web_url(remote: str) -> str | None:
    """A repository URL as a browser opens it (`git@host:org/repo.git` -> https://host/org/repo)."""
    url = remote.strip()
    url = re.sub(r"^git\+", "", url)
    match = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", url)
    if match:
        url = f"https://{match.group(1)}/{match.group(2)}"
    url = re.sub(r"^(?:git|http)://", "https://", url)
    url = re.sub(r"^https://[^@/]+@", "https://", url)  # never a token or user name
    url = re.sub(r"\.git/?$", "", url)
    return url if HTTPS_URL.match(url) else None


def _git_remote(root: Path) -> tuple[str, str] | None:
    """(url, where) of the origin remote in the nearest .git/config above `root`."""
    for folder in (root, *root.resolve().parents):
        config = read_text(folder / ".git" / "config")
        if config is None:
            continue
        section = re.search(r'\[remote "origin"\]([^\[]*)', config)
        match = re.search(r"^\s*url\s*=\s*(\S+)", section.group(1), re.M) if section else None
        return (match.group(1), ".git/config remote origin") if match else None
    return None


def detect_labels(app: App, found: Detection) -> None:
    """description, license and source_url from package.json, else the git remote."""
    manifest = app.manifest
    description = manifest.get("description")
    if isinstance(description, str) and description.strip() and not UNSAFE_TEXT.search(description):
        found.propose("description", description.strip()[:200], f"{app.label('package.json')} description")
    license_ = manifest.get("license")
    if isinstance(license_, str) and SPDX.match(license_) and license_ != "UNLICENSED":
        found.propose("license", license_, f"{app.label('package.json')} license")
    repository = manifest.get("repository")
    raw = repository.get("url") if isinstance(repository, dict) else repository
    remote = (
        (str(raw), f"{app.label('package.json')} repository")
        if isinstance(raw, str)
        else _git_remote(app.root)
    )
    url = web_url(remote[0]) if remote else None
    if remote and url:
        found.propose("source_url", url, remote[1])
