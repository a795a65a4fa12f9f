"""The one render of the scaffold: every file and its mode, in memory, from copier itself.

`Renderer.render` runs copier's own copy (`Worker.run_copy`: questions, conditional file
names, exclusions, the answers file with `_src_path` and `_commit`) in pretend mode, with
one private override that receives each file's bytes and mode instead of writing it. The
template is loaded (and cloned from its local history) once, the Jinja environment is
built once, and compiled templates are kept on disk per template version
(`wizard.jinja_cache`), so a render is cheap enough for every keystroke of the TUI.

The writer (`wizard.worker`), the TUI preview, `ndw check`, `ndw update` and the answer
matrix all use it. `copy_with_copier` (plain `run_copy` into a folder) is kept as the
oracle the tests compare it with, byte for byte, over the whole answer matrix.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from wizard.disk.paths import answers_file_for
from wizard.engine import copier_private as cp
from wizard.errors import TemplateError
from wizard.questions import copier_answers, replayable
from wizard.template import current_template
from wizard.template_repo import PORTABLE_URL, TemplateRepo, rewritten_urls

# Where copier would write: never created (pretend mode), so no earlier answers are read.
_NOWHERE = Path(os.sep) / "nonexistent-ndw-render" / "out"


@dataclass(frozen=True)
class RenderedFile:
    """One rendered file, by its path relative to the repository."""

    path: str
    content: bytes
    mode: int

    @property
    def text(self) -> str:
        """The content as text (invalid UTF-8 replaced)."""
        return self.content.decode("utf-8", errors="replace")


Rendered = dict[str, RenderedFile]


def _capturing_worker_class(replay_answers: bool) -> Any:
    """copier's Worker, with file writes turned into captures; with `replay_answers`, the
    answers recorded in one pass instead of copier's question walk (see `_ask`)."""
    base = cp.worker_class()

    class CapturingWorker(base):  # type: ignore[misc,valid-type]
        """Renders every file and hands its bytes and mode to `captured` instead of the disk."""

        def _render_allowed(
            self,
            dst_relpath: Path,
            is_dir: bool = False,
            is_symlink: bool = False,
            expected_contents: bytes | Path = b"",
            expected_mode: int | None = None,
        ) -> bool:
            if not is_dir and not is_symlink and isinstance(expected_contents, bytes):
                key = PurePosixPath(dst_relpath.as_posix()).as_posix()
                mode = (expected_mode if expected_mode is not None else 0o644) & 0o777
                self.__dict__.setdefault("ndw_captured", {})[key] = RenderedFile(key, expected_contents, mode)
            return False  # nothing is ever written

        def _ask(self) -> None:
            # copier would walk every question again, rendering its strings with a context
            # rebuilt each time; ndw records the same answers in one pass (wizard.questions),
            # byte for byte the same files (the oracle in tests/test_matrix.py).
            if not replay_answers:
                super()._ask()
                return
            answers = cp.answers_map_class()(init=dict(self.data), metadata=self.template.metadata)
            recorded, hidden = copier_answers(
                self.template.questions_data,
                self.template.envops,
                self.data,
                self.subproject.local_abspath.name,
            )
            answers.user.update(recorded)
            for name in hidden:
                answers.hide(name)
            self.answers = answers

        def _render_context(self) -> Any:
            # copier rebuilds the whole context (every answer, the answers file's content) for
            # each question, path part and file: over a hundred times a render. It only changes
            # when an answer is recorded, hidden or dropped, so it is kept until one is.
            answers = self.answers
            state: tuple[int, ...] = (id(answers), len(answers.user), len(answers.hidden))
            state += (len(answers.last), id(answers.external))
            kept = self.__dict__.get("ndw_context")
            if kept is None or kept[0] != state:
                kept = self.__dict__["ndw_context"] = (state, super()._render_context())
            # Each caller gets its own `_copier_conf` to write into (copier blanks `answers_file`).
            return {**kept[1], "_copier_conf": _WritableView(kept[1]["_copier_conf"])}

    return CapturingWorker


class _WritableView(MutableMapping[str, Any]):
    """A mapping read through to `base`, keeping its own writes and deletions to itself."""

    def __init__(self, base: Mapping[str, Any]) -> None:
        self._base = base
        self._own: dict[str, Any] = {}
        self._deleted: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        if key in self._own:
            return self._own[key]
        if key in self._deleted:
            raise KeyError(key)
        return self._base[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._own[key] = value
        self._deleted.discard(key)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._own.pop(key, None)
        self._deleted.add(key)

    def __iter__(self) -> Iterator[str]:
        yield from self._own
        yield from (key for key in self._base if key not in self._own and key not in self._deleted)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Renderer:
    """Renders one template version for any number of answer sets, reusing what it can."""

    def __init__(self, repo: TemplateRepo | None = None) -> None:
        """Render `repo`'s version (by default the one this ndw ships)."""
        self.repo = repo or current_template()
        self._lock = threading.Lock()  # copier's Worker is not meant to be shared by threads
        try:
            with rewritten_urls(self.repo):
                # The portable URL, read from the local history: copier records it as
                # `_src_path`, and `_commit` from the clone it makes (once) here.
                self._template = cp.template_class()(url=PORTABLE_URL, ref=self.repo.ref)
                for needed in ("local_abspath", "commit", "commit_hash", "version", "config_data"):
                    getattr(self._template, needed)
        except Exception as error:  # copier and git raise many types here
            raise TemplateError(
                f"cannot load the template {self.repo.ref} from {self.repo.path}: {error}"
            ) from error
        atexit.register(cp.cleanup_template, self._template)
        # Decided once per template version, not on every render.
        replay = replayable(self._template.questions_data) and not self._template.external_data
        self._worker_class = _capturing_worker_class(replay)
        self._env = jinja_env_for(self._template, PORTABLE_URL, self.repo.ref)

    @property
    def seeds(self) -> tuple[str, ...]:
        """copier's `_skip_if_exists`: files written once and then left to the user."""
        return tuple(str(pattern) for pattern in self._template.skip_if_exists)

    def render(self, answers: Mapping[str, Any]) -> Rendered:
        """Every file the scaffold holds for these (resolved) answers, by path, in path order."""
        worker = self._worker_class(
            src_path=PORTABLE_URL,
            dst_path=_NOWHERE,
            answers_file=Path(answers_file_for(answers.get("app_dir"))),
            vcs_ref=self.repo.ref,
            data=dict(answers),
            defaults=True,
            overwrite=True,
            pretend=True,
            quiet=True,
            unsafe=True,
            settings=cp.no_user_settings(),
        )
        cp.set_cached(worker, "template", self._template)
        cp.set_cached(worker, "jinja_env", self._env)
        try:
            with self._lock:
                worker.run_copy()
        except Exception as error:  # copier and Jinja raise many unrelated types
            raise TemplateError(f"rendering the template failed: {error}") from error
        files: Rendered = worker.__dict__.get("ndw_captured", {})
        return dict(sorted(files.items(), key=lambda item: PurePosixPath(item[0])))


def renderer(repo: TemplateRepo | None = None) -> Renderer:
    """The process's renderer for `repo` (by default the shipped template version)."""
    return _renderer_for(repo or current_template())


@cache
def _renderer_for(repo: TemplateRepo) -> Renderer:
    return Renderer(repo)


def copy_with_copier(output: Path, answers: Mapping[str, Any], repo: TemplateRepo | None = None) -> None:
    """copier's own `run_copy` into `output` (the tests' oracle for `Renderer.render`)."""
    from copier import run_copy  # noqa: PLC0415 (slow import, only when rendering)

    repo = repo or current_template()
    try:
        with rewritten_urls(repo):
            run_copy(
                PORTABLE_URL,
                output,
                data=dict(answers),
                answers_file=answers_file_for(answers.get("app_dir")),
                vcs_ref=repo.ref,
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=True,
                settings=cp.no_user_settings(),
            )
    except Exception as error:  # copier raises many unrelated types
        raise TemplateError(f"rendering the template failed: {error}") from error


@contextmanager
def rendered_scaffold(answers: Mapping[str, Any], repo: TemplateRepo | None = None) -> Iterator[Path]:
    """Yield a temporary folder holding copier's own copy of the scaffold; removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="ndw-render-"))
    try:
        output = workdir / "out"
        copy_with_copier(output, answers, repo)
        yield output
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def jinja_env_for(template: Any, src_path: str, version: str | None = None) -> Any:
    """copier's Jinja environment for a loaded template, compiling each file and string
    snippet once (copier compiles a question's strings on every evaluation, and the renderer
    runs on every change; see `wizard.jinja_cache`)."""
    from wizard.jinja_cache import keep_compiled  # noqa: PLC0415

    worker = cp.worker_class()(src_path=src_path, dst_path=Path(), settings=cp.no_user_settings())
    cp.set_cached(worker, "template", template)  # reuse the loaded copier.yml
    env = worker.jinja_env
    keep_compiled(env, version)
    return env
