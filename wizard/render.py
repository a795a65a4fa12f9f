"""Render the scaffold into a temporary tree with copier; nothing touches the target."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wizard.errors import TemplateError
from wizard.template import template_dir


@contextmanager
def rendered_scaffold(answers: Mapping[str, Any]) -> Iterator[Path]:
    """Yield a temporary folder holding the rendered scaffold; removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="ndw-render-"))
    try:
        output = workdir / "out"
        render_into(output, answers)
        yield output
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def render_into(output: Path, answers: Mapping[str, Any]) -> None:
    """Run copier with fully resolved answers; it asks nothing."""
    from copier import run_copy  # noqa: PLC0415 (slow import, only when rendering)
    from copier._settings import SettingsModel  # noqa: PLC0415

    try:
        run_copy(
            str(template_dir()),
            output,
            data=dict(answers),
            defaults=True,
            overwrite=True,
            quiet=True,
            settings=SettingsModel(),
        )
    except Exception as error:  # copier raises many unrelated types
        raise TemplateError(f"rendering the template failed: {error}") from error
