"""One Node.js app folder as detection sees it: its manifest, scripts and source files, read once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from wizard.detect.files import read_json, read_text, rel, walk_files

DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")


@dataclass
class App:
    """The app at `root`; `prefix` is its folder relative to the repository ('' at the root).

    Source strings name files relative to the repository, so `services/api/package.json`
    reads correctly when the app sits in a subfolder.
    """

    root: Path
    prefix: str = ""
    # TypeScript files a build step generates before tsc runs (Prisma 7's client), relative to
    # the app: they are tsc inputs even though they are not on disk yet.
    generated_sources: list[str] = field(default_factory=list)
    # Folders (relative to `root`) that source scans are limited to, in order of precedence: a Nest
    # monorepo app is its own folder, then its libraries. Empty: the whole app.
    scan_only: tuple[str, ...] = ()
    _texts: dict[Path, str | None] = field(default_factory=dict, repr=False)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """package.json as a dict ({} when missing or malformed)."""
        return read_json(self.root / "package.json") or {}

    @cached_property
    def deps(self) -> dict[str, tuple[str, str]]:
        """Every declared package -> (version range, the package.json field declaring it)."""
        found: dict[str, tuple[str, str]] = {}
        for field_name in DEPENDENCY_FIELDS:
            section = self.manifest.get(field_name)
            if isinstance(section, dict):
                for name, spec in section.items():
                    found.setdefault(str(name), (str(spec), field_name))
        return found

    @cached_property
    def scripts(self) -> dict[str, str]:
        """package.json scripts (strings only)."""
        section = self.manifest.get("scripts")
        return (
            {str(k): v for k, v in section.items() if isinstance(v, str)} if isinstance(section, dict) else {}
        )

    def label(self, relative: str) -> str:
        """A file name for a source string, relative to the repository root."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def dep_source(self, name: str) -> str:
        """`package.json dependencies: express`."""
        return f"{self.label('package.json')} {self.deps[name][1]}: {name}"

    def script_source(self, name: str) -> str:
        """`package.json scripts.start:prod: node dist/main`."""
        return f"{self.label('package.json')} scripts.{name}: {self.scripts[name]}"

    def has(self, *names: str) -> str | None:
        """The first of `names` that is a declared dependency."""
        return next((name for name in names if name in self.deps), None)

    def text(self, relative: str | Path) -> str | None:
        """Text of a file under the app (cached)."""
        path = self.root / relative
        if path not in self._texts:
            self._texts[path] = read_text(path)
        return self._texts[path]

    def head(self, relative: str, size: int = 2_000) -> str:
        """The first `size` bytes of a file as text ('' when missing): for lockfile headers."""
        return read_text(self.root / relative, size) or ""

    def exists(self, relative: str) -> bool:
        """Is there a file at `relative`?"""
        return (self.root / relative).is_file()

    @cached_property
    def source_files(self) -> list[str]:
        """Source files of the app (relative), src/ first, skipping tests and build output."""
        files = [rel(path, self.root) for path in walk_files(self.root)]
        files = [f for f in files if not re.search(r"(^|/)(test|tests|__tests__|e2e)/|\.(spec|test)\.", f)]
        if self.scan_only:
            ranked = [(self._scope(f), f) for f in files]
            return [f for _, f in sorted((r, f) for r, f in ranked if r is not None)]
        return sorted(files, key=lambda f: (not f.startswith("src/"), f.count("/"), f))

    def _scope(self, name: str) -> tuple[int, bool, int, str] | None:
        """Sort key of a file inside `scan_only` (its folder's rank, then src/ first), None outside."""
        for rank, folder in enumerate(self.scan_only):
            if name.startswith(folder + "/"):
                inner = name[len(folder) + 1 :]
                return (rank, not inner.startswith("src/"), inner.count("/"), name)
        return None

    @cached_property
    def is_typescript(self) -> bool:
        """Does the app compile TypeScript (a tsconfig.json or a typescript dependency)?"""
        return self.exists("tsconfig.json") or "typescript" in self.deps

    def is_service(self) -> bool:
        """Does this folder hold a runnable Node service (start script or web framework)?"""
        return bool(
            {"start", "start:prod", "serve"} & set(self.scripts)
            or self.has("@nestjs/core", "express", "fastify", "koa", "hono", "@hapi/hapi")
        )
