"""copier's three-way update of one scaffold (the merge itself; checks and reports are in wizard.update)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, cached_property
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
            _updating_worker_class()(
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


@cache
def _updating_worker_class() -> Any:
    """copier's Worker, keeping what Jinja compiles (`wizard.jinja_cache.keep_compiled`).

    An update renders the template several times (the old version, its answers replayed, the
    new version), each with a new Jinja environment that compiled every file and copier.yml
    snippet again: most of an update's time. copier makes those workers from this one
    (`dataclasses.replace`), so they are of this class too.
    """
    from wizard.jinja_cache import keep_compiled  # noqa: PLC0415

    class UpdatingWorker(cp.worker_class()):  # type: ignore[misc]
        @cached_property
        def jinja_env(self) -> Any:
            env = super().jinja_env
            keep_compiled(env, self.template.ref or self.template.commit)
            return env

    return UpdatingWorker
