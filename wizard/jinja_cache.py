"""Compiled Jinja templates kept on disk between runs, per template version.

Compiling the template's files and partials is most of a first render. Jinja's
`FileSystemBytecodeCache` stores each compiled template; its default key includes the
template's file name, which for copier is a fresh temporary clone on every run, so the
key here is the template's name inside the template instead. Jinja checks each entry
against a checksum of the source (and its own version), so an edited template file is
recompiled, never served stale.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import sys
from functools import cache, lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache

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


class CompiledSnippets:
    """Compiled string snippets (copier.yml's defaults, choices, `when:`), kept on disk.

    Jinja compiles every `from_string` source again in each process; copier.yml holds a
    few hundred. Their code objects are stored in one marshal file per Python and Jinja
    version, keyed by a hash of the source, loaded once and written back at exit when new
    ones were compiled. Templates from files use `TemplateBytecodeCache` instead.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes: dict[str, CodeType] = {}
        self._dirty = False
        try:
            loaded = marshal.loads(path.read_bytes())
            if isinstance(loaded, dict):
                self._codes = loaded
        except (OSError, ValueError, EOFError, TypeError):
            pass  # missing or unreadable: compile as usual and write a new one
        atexit.register(self.save)

    def install(self, env: Environment) -> None:
        """Make `env.from_string` use (and fill) this cache."""
        original = env.compile
        codes = self._codes

        def compile_snippet(
            source: Any, name: str | None = None, filename: str | None = None, **options: Any
        ) -> Any:
            if name is not None or filename is not None or options.get("raw") or not isinstance(source, str):
                return original(source, name, filename, **options)
            key = hashlib.sha1(f"{options}\0{source}".encode(), usedforsecurity=False).hexdigest()
            code = codes.get(key)
            if code is None:
                code = codes[key] = original(source, name, filename, **options)
                self._dirty = True
            return code

        env.compile = compile_snippet  # type: ignore[method-assign,assignment]

    def save(self) -> None:
        """Write the cache back if this process compiled new snippets (atomically)."""
        if not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(marshal.dumps(self._codes))
            partial.replace(self.path)
            self._dirty = False
        except OSError:
            pass  # a read-only cache: compile again next time


@cache
def compiled_snippets() -> CompiledSnippets:
    """The process's snippet cache (per ndw, Python and Jinja version)."""
    from wizard import __version__  # noqa: PLC0415

    python = "".join(map(str, sys.version_info[:2]))
    name = f"snippets-{_safe(__version__)}-py{python}-jinja{_safe(jinja2.__version__)}.marshal"
    return CompiledSnippets(cache_root() / "jinja" / name)


class PlainText:
    """What `from_string` gives for text without Jinja syntax: it renders as itself, so no
    render context is built for it (most of copier.yml's strings and file-name parts)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, *args: Any, **kwargs: Any) -> str:
        """The text, as Jinja would render it."""
        return self.text


@lru_cache(maxsize=8192)
def is_plain_text(env: Environment, text: str) -> bool:
    """Whether Jinja would render `text` unchanged: no tag, expression, comment or line
    statement, and no newline Jinja would rewrite or strip."""
    markers = [env.block_start_string, env.variable_start_string, env.comment_start_string, "\r"]
    markers += [prefix for prefix in (env.line_statement_prefix, env.line_comment_prefix) if prefix]
    if any(marker in text for marker in markers):
        return False
    return env.keep_trailing_newline or not text.endswith("\n")


def cache_from_string(env: Environment) -> None:
    """Make `env.from_string` keep what it compiled and answer plain text with `PlainText`.

    Callers only `render` what it returns (copier's questions, paths and strings, ndw's own).
    """
    original = env.from_string

    @lru_cache(maxsize=4096)
    def from_string(source: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and isinstance(source, str) and is_plain_text(env, source):
            return PlainText(source)
        return original(source, *args, **kwargs)

    env.from_string = from_string  # type: ignore[method-assign,assignment]


def keep_compiled(env: Environment, version: str | None) -> None:
    """Every compile cache above on copier's environment: template files on disk per
    `version` (none for an unversioned folder), snippets on disk, and `from_string` results
    in memory. What renders is unchanged (the answer matrix compares it with copier's own,
    byte for byte)."""
    if version:
        env.bytecode_cache = bytecode_cache(version)
    compiled_snippets().install(env)
    cache_from_string(env)
