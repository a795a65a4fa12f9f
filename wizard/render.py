"""Render the scaffold into a temporary tree with copier; nothing touches the target.

copier reads the template from its versioned history (`wizard.template_repo`) under the
portable URL, so the answers file it writes records `_src_path` (that URL, never a path of
this machine) and `_commit` (the template version), which `ndw update` and plain
`copier update` need.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.errors import TemplateError
from wizard.template import answers_file_for, template_dir
from wizard.template_repo import PORTABLE_URL, TemplateRepo, local_repo, rewritten_urls


@cache
def current_template() -> TemplateRepo:
    """The local template history, with the shipped template as its newest version."""
    return local_repo(template_dir(), __version__)


@contextmanager
def rendered_scaffold(answers: Mapping[str, Any], repo: TemplateRepo | None = None) -> Iterator[Path]:
    """Yield a temporary folder holding the rendered scaffold; removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="ndw-render-"))
    try:
        output = workdir / "out"
        if repo is None:
            render_into(output, answers)
        else:
            render_into(output, answers, repo=repo)
        yield output
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def render_into(output: Path, answers: Mapping[str, Any], repo: TemplateRepo | None = None) -> None:
    """Run copier with fully resolved answers (it asks nothing), from `repo` or the current template."""
    from copier import run_copy  # noqa: PLC0415 (slow import, only when rendering)
    from copier._settings import SettingsModel  # noqa: PLC0415

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
                settings=SettingsModel(),
            )
    except Exception as error:  # copier raises many unrelated types
        raise TemplateError(f"rendering the template failed: {error}") from error
