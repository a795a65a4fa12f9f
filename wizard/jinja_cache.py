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


_READS = "reads:"  # the key prefix of a snippet's read names in the snippet cache


def _safe(version: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_+" else "_" for c in version) or "unversioned"


class CompiledSnippets:
    """Compiled string snippets (copier.yml's defaults, choices, `when:`), kept on disk.

    Jinja compiles every `from_string` source again in each process; copier.yml holds a
    few hundred. Their code objects are stored in one marshal file per Python and Jinja
    version, keyed by a hash of the source, loaded once and written back at exit when new
    ones were compiled. Beside each, under its own key, the names it reads (`reads_only`),
    which would otherwise mean parsing every snippet again at each start. Templates from
    files use `TemplateBytecodeCache` instead.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes: dict[str, CodeType] = {}
        self._reads: dict[str, tuple[str, ...] | None] = {}
        self._dirty = False
        try:
            loaded = marshal.loads(path.read_bytes())
            if isinstance(loaded, dict):
                for key, value in loaded.items():
                    if key.startswith(_READS):
                        self._reads[key] = value
                    else:
                        self._codes[key] = value
        except (OSError, ValueError, EOFError, TypeError):
            pass  # missing or unreadable: compile as usual and write a new one
        atexit.register(self.save)

    def reads(self, env: Environment, source: str) -> tuple[str, ...] | None:
        """`reads_only(env, source)`, worked out once per installation."""
        syntax = (env.block_start_string, env.variable_start_string, env.comment_start_string,
                  env.line_statement_prefix, env.line_comment_prefix)  # fmt: skip
        key = _READS + hashlib.sha1(f"{syntax}\0{source}".encode(), usedforsecurity=False).hexdigest()
        if key not in self._reads:
            self._reads[key] = reads_only(env, source)
            self._dirty = True
        return self._reads[key]

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
            partial.write_bytes(marshal.dumps({**self._codes, **self._reads}))
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


_SCALARS = (str, int, float, bool, type(None))
# Filters whose output is not a function of their input.
_IMPURE_FILTERS = frozenset({"random", "shuffle"})
_KEPT_RESULTS = 256  # per snippet: enough for every answer a session goes through


class _NotScalar(Exception):
    """A value the memo cannot key on (a mapping, a list, an object)."""


def _scalar_key(value: Any) -> tuple[type, Any]:
    # The type is part of the key: 1, 1.0 and True are equal but render differently.
    if not isinstance(value, _SCALARS):
        raise _NotScalar
    return type(value), value


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return type(value) in (list, tuple) and all(_plain(item) for item in value)
    if isinstance(value, dict):
        return type(value) is dict and all(_plain(k) and _plain(v) for k, v in value.items())
    return type(value) in _SCALARS


def _plain_key(value: Any) -> tuple[type, Any]:
    """A key equal only for values that dump alike: scalars by type and value, lists and
    mappings of plain data by their repr (which spells out every type: 1, 1.0, True)."""
    if not isinstance(value, (list, tuple, dict)):
        return _scalar_key(value)
    if not _plain(value):
        raise _NotScalar
    return type(value), repr(value)


class MemoizedSnippet:
    """A compiled snippet that keeps its output for each set of values of the names it reads.

    Only snippets that read nothing but their context's values are wrapped (no include,
    import or extends, no call of a global function, no random filter; see `reads_only`),
    and a result is kept only when every name read is a plain scalar in the context, so the
    same key always renders the same text. Everything else renders as before.
    """

    __slots__ = ("names", "results", "template")

    def __init__(self, template: Any, names: tuple[str, ...]) -> None:
        self.template = template
        self.names = names
        self.results: dict[tuple[Any, ...], str] = {}

    def render(self, *args: Any, **kwargs: Any) -> str:
        """What `Template.render` gives for this context, computed once per key."""
        context = dict(*args, **kwargs)
        try:
            key = tuple(_scalar_key(context[name]) for name in self.names)
        except (KeyError, _NotScalar):
            return str(self.template.render(context))
        found = self.results.get(key)
        if found is None:
            if len(self.results) >= _KEPT_RESULTS:
                self.results.clear()
            found = self.results[key] = self.template.render(context)
        return found


def reads_only(env: Environment, source: str) -> tuple[str, ...] | None:
    """The names SOURCE reads, if its output depends on nothing else; else None."""
    from jinja2 import meta, nodes  # noqa: PLC0415

    tree = env.parse(source)
    if any(tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))):
        return None
    if any(isinstance(call.node, nodes.Name) for call in tree.find_all(nodes.Call)):
        return None  # a global function (now(), lookup(), ...) may read more than its arguments
    if any(f.name in _IMPURE_FILTERS for f in tree.find_all(nodes.Filter)):
        return None
    return tuple(sorted(meta.find_undeclared_variables(tree)))


def cache_from_string(env: Environment) -> None:
    """Make `env.from_string` keep what it compiled, answer plain text with `PlainText`, and
    keep each pure snippet's output per value of what it reads (`MemoizedSnippet`).

    Callers only `render` what it returns (copier's questions, paths and strings, ndw's own).
    """
    original = env.from_string

    @lru_cache(maxsize=4096)
    def from_string(source: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and isinstance(source, str) and is_plain_text(env, source):
            return PlainText(source)
        compiled = original(source, *args, **kwargs)
        plain_call = not args and not kwargs and isinstance(source, str)
        names = compiled_snippets().reads(env, source) if plain_call else None
        return compiled if names is None else MemoizedSnippet(compiled, names)

    env.from_string = from_string  # type: ignore[method-assign,assignment]


def keep_yaml_lines(env: Environment) -> None:
    """Make `to_nice_yaml` (the answers file) dump each `key: value` entry once per value.

    For a mapping of text keys to scalars, YAML's block style is its entries in key order,
    each dumped alone exactly as in the whole; an answer change then dumps one line, not
    every answer. Anything else goes to the filter as before.
    """
    original = env.filters.get("to_nice_yaml")
    if original is None:
        return
    entries: dict[tuple[Any, ...], str] = {}

    def to_nice_yaml(value: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            return original(value, *args, **kwargs)
        try:
            keyed = [(key, item, _plain_key(item)) for key, item in sorted(value.items())]
        except _NotScalar:
            return original(value, *args, **kwargs)
        lines = []
        for key, item, item_key in keyed:
            line = entries.get((key, item_key))
            if line is None:
                if len(entries) >= 4096:
                    entries.clear()
                line = entries[key, item_key] = str(original({key: item}))
            lines.append(line)
        return "".join(lines) if lines else original(value)

    env.filters["to_nice_yaml"] = to_nice_yaml


def keep_compiled(env: Environment, version: str | None) -> None:
    """Every cache above on copier's environment: template files on disk per `version`
    (none for an unversioned folder), snippets on disk, `from_string` results and the
    answers file's lines in memory. What renders is unchanged (the answer matrix compares
    it with copier's own, byte for byte)."""
    if version:
        env.bytecode_cache = bytecode_cache(version)
    compiled_snippets().install(env)
    cache_from_string(env)
    keep_yaml_lines(env)
