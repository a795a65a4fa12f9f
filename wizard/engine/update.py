"""copier's three-way update of one scaffold (the merge itself; checks and reports are in wizard.update)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from wizard.engine import copier_private as cp
from wizard.errors import TemplateError
from wizard.template_repo import TemplateRepo, rewritten_urls

Conflict = Literal["inline", "rej"]


def copier_update(
    path: Path,
    answers_file: str,
    data: Mapping[str, Any],
    repo: TemplateRepo,
    *,
    conflict: Conflict,
    base: Mapping[str, Any] | None = None,
) -> None:
    """Merge `repo.ref` with `data` changed into the scaffold at `path`.

    `base` replaces broken stored answers when copier renders the old version (the merge base).
    """
    try:
        with (
            rewritten_urls(repo),
            cp.worker_class()(
                dst_path=path,
                answers_file=Path(answers_file),
                vcs_ref=repo.ref,
                data=dict(data),
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=True,
                conflict=conflict,
                settings=cp.no_user_settings(),
            ) as worker,
        ):
            if base:
                # copier renders the merge base from the stored answers (a cached property,
                # read once for that render).
                subproject = worker.subproject
                cp.set_cached(subproject, "last_answers", {**subproject.last_answers, **base})
            worker.run_update()
    except Exception as error:  # copier raises many unrelated types
        raise TemplateError(
            f"the update failed: {error}", hint="Nothing was committed; see `git status`."
        ) from error
