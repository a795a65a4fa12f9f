"""Render the template's files in memory, for the live preview.

A copier run (`wizard.render`) writes a temporary tree and costs about 100 ms; the
preview must follow every keystroke. It drives the same copier `Worker` methods a copy
uses (answer handling, path rendering with conditional names, file rendering) but keeps
the loaded template, the Jinja environment and its compiled templates between renders
and writes nothing. tests/test_tui.py proves the result equals what `ndw init` writes.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from wizard.errors import TemplateError
from wizard.plan import FileChange, classify
from wizard.template import answers_file_for, seed_patterns

# Where copier would write: never created, so no earlier answers are read from it.
_NOWHERE = Path(os.sep) / "nonexistent-ndw-preview" / "out"


@dataclass(frozen=True)
class PreviewFile:
    """One rendered file, by its path relative to the repository."""

    path: str
    content: bytes
    mode: int

    @property
    def text(self) -> str:
        """The content as text (invalid UTF-8 replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def compare(self, target: Path) -> FileChange:
        """Compare with the file at the same place under `target` (for the diff view)."""
        destination = target / self.path
        existing = destination.read_bytes() if destination.is_file() else None
        status = classify(self.path, self.content, existing, seed_patterns())
        return FileChange(self.path, status, self.content, existing, self.mode)


class Previewer:
    """Renders the template for one answer set at a time, reusing everything it can."""

    def __init__(self, template: Path | None = None) -> None:
        """Preview `template`, or by default the versioned template `ndw init` renders."""
        from copier._template import Template  # noqa: PLC0415 (copier is slow to import)

        self.portable_url: str | None = None
        if template is None:
            from wizard.render import current_template  # noqa: PLC0415
            from wizard.template_repo import PORTABLE_URL  # noqa: PLC0415

            # The cached repository checked out at the version `ndw init` renders: copier
            # reads `_commit` from it; `_src_path` becomes the portable URL, as in a copy.
            template, self.portable_url = current_template().path, PORTABLE_URL
        self.template_path = template
        try:
            self._template = Template(url=str(self.template_path))
            self._env = self._copier_worker({}).jinja_env
        except Exception as error:  # copier raises many types here
            raise TemplateError(f"cannot load the template at {self.template_path}: {error}") from error
        self._env.from_string = lru_cache(maxsize=4096)(self._env.from_string)
        self._sources: list[tuple[Path, bool]] | None = None
        # copier reads a git template from a temporary clone; remove it when ndw exits.
        atexit.register(self._template._cleanup)

    def _copier_worker(self, answers: Mapping[str, Any]) -> Any:
        """A copier Worker set up exactly as `wizard.render.render_into` sets up run_copy."""
        from copier._main import Worker  # noqa: PLC0415
        from copier._settings import SettingsModel  # noqa: PLC0415

        worker = Worker(
            src_path=str(self.template_path),
            dst_path=_NOWHERE,
            answers_file=Path(answers_file_for(answers.get("app_dir"))),
            data=dict(answers),
            defaults=True,
            overwrite=True,
            quiet=True,
            settings=SettingsModel(),
        )
        worker.__dict__["template"] = self._template
        if hasattr(self, "_env"):
            worker.__dict__["jinja_env"] = self._env
        if self.portable_url is not None:
            remember = worker._answers_to_remember
            url = self.portable_url

            def with_portable_url() -> dict[str, Any]:
                answers = dict(remember())
                if "_src_path" in answers:
                    answers["_src_path"] = url
                return answers

            worker._answers_to_remember = with_portable_url  # type: ignore[method-assign]
        return worker

    def _walk(self, root: Path) -> list[tuple[Path, bool]]:
        """Template entries under the copy root (relative path, is a folder), in copier's order."""
        if self._sources is None:
            found: list[tuple[Path, bool]] = []
            for folder, dirs, files in os.walk(root):
                dirs.sort()
                base = Path(folder)
                found += [((base / name).relative_to(root), True) for name in dirs]
                found += [((base / name).relative_to(root), False) for name in sorted(files)]
            self._sources = found
        return self._sources

    def render(self, answers: Mapping[str, Any]) -> dict[str, PreviewFile]:
        """Every file the scaffold would contain, keyed by relative path (in `Plan`'s order)."""
        from copier._main import _operation  # noqa: PLC0415
        from copier._types import Phase  # noqa: PLC0415

        worker = self._copier_worker(answers)
        token = _operation.set("copy")
        try:
            with Phase.use(Phase.PROMPT):
                worker._ask()
            # The answers are settled now: remember them once instead of once per file and name.
            remembered = worker._answers_to_remember()
            worker._answers_to_remember = lambda: remembered
            with Phase.use(Phase.RENDER):
                files = self._render_files(worker)
        except TemplateError:
            raise
        except Exception as error:  # copier and Jinja raise many unrelated types
            raise TemplateError(f"rendering the template failed: {error}") from error
        finally:
            _operation.reset(token)
        return dict(sorted(files.items(), key=lambda item: PurePosixPath(item[0])))

    def _render_files(self, worker: Any) -> dict[str, PreviewFile]:
        root: Path = worker.template_copy_root
        suffix: str = self._template.templates_suffix
        files: dict[str, PreviewFile] = {}
        for relpath, is_dir in self._walk(root):
            if is_dir:
                continue
            source = root / relpath
            for dst_relpath, extra in worker._render_path(relpath):
                if worker.match_exclude(dst_relpath):
                    continue
                if suffix and relpath.name.endswith(suffix):
                    template = self._env.get_template(
                        source.relative_to(self._template.local_abspath).as_posix()
                    )
                    content = template.render(**worker._render_context(), **(extra or {})).encode()
                else:
                    content = source.read_bytes()
                key = Path(dst_relpath).as_posix()
                files[key] = PreviewFile(key, content, source.stat().st_mode & 0o777)
        return files
