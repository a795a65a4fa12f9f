"""Compiled Jinja templates kept on disk between runs, per template version.

Compiling the template's files and partials is most of a first render. Jinja's
`FileSystemBytecodeCache` stores each compiled template; its default key includes the
template's file name, which for copier is a fresh temporary clone on every run, so the
key here is the template's name inside the template instead. Jinja checks each entry
against a checksum of the source (and its own version), so an edited template file is
recompiled, never served stale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import FileSystemBytecodeCache

from wizard.template_repo import cache_root


class TemplateBytecodeCache(FileSystemBytecodeCache):
    """A bytecode cache keyed by the template's own name, not its temporary file name."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """The key of a compiled template: its name inside the template."""
        return hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()


def bytecode_cache(version: str) -> TemplateBytecodeCache | None:
    """The cache folder of template `version` under the ndw cache, or None if it can't be made."""
    folder = cache_root() / "jinja" / _safe(version)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home: compile every time, as before
    return TemplateBytecodeCache(str(folder))


def _safe(version: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_+" else "_" for c in version) or "unversioned"


def cache_folder(version: str) -> Path:
    """Where template `version`'s compiled templates are kept."""
    return cache_root() / "jinja" / _safe(version)
