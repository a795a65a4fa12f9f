"""Layer caching for real: a source edit rebuilds the app, not its dependencies (issue #4).

After a change to one source file, buildah must reuse every dependency layer (install,
prune, the runtime's node_modules copy) and rebuild only what depends on the source.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import APPS, BuiltApp, _Builds
from tests.support.containers import Containers

# One source file per app to edit, and a marker that must reach the runtime image.
EDITS = {
    "nest-drizzle-npm": "src/health.controller.ts",
    "express-drizzle-pnpm": "src/index.ts",
    "fastify-yarn": "src/app.js",
}
DEPENDENCY_STEP = re.compile(
    r"\b(npm (ci|install|prune)|pnpm (install|fetch|prune)|yarn (install|workspaces focus))\b"
    r"|COPY --from=\S+ .*node_modules"
)
STEP_LINE = re.compile(r"^(\[\d+/\d+\] )?STEP \d+/\d+: (?P<step>.*)$")


@dataclass(frozen=True)
class Step:
    """One Dockerfile step as buildah reported it."""

    text: str
    cached: bool


def steps(output: str) -> list[Step]:
    """Split `buildah bud` output into steps, noting which ones came from the cache."""
    found: list[Step] = []
    text: str | None = None
    cached = False
    for line in output.splitlines():
        match = STEP_LINE.match(line)
        if match:
            if text is not None:
                found.append(Step(text, cached))
            text, cached = match.group("step"), False
        elif line.startswith("--> Using cache"):
            cached = True
    if text is not None:
        found.append(Step(text, cached))
    return found


@pytest.fixture(scope="module", params=sorted(set(EDITS) & set(APPS)))
def built(request: pytest.FixtureRequest, builds: _Builds) -> BuiltApp:
    """An app built once already (the cold build)."""
    return builds.get(str(request.param))


def test_source_edit_reuses_dependency_layers(built: BuiltApp, engine: Containers) -> None:
    """Edit one source file and rebuild: dependency steps say "Using cache", the edit ships."""
    source = built.context / EDITS[built.app.name]
    original = source.read_text()
    marker = f"ndw-e2e-edit-{built.app.name}"
    shutil.copyfile(source, source.with_suffix(source.suffix + ".orig"))
    try:
        source.write_text(original + f"\n// {marker}\nexport const NDW_E2E_EDIT = '{marker}';\n"
                          if source.suffix == ".ts" else original + f"\n// {marker}\n")  # fmt: skip
        warm = built.app.build(engine, built.context, tag=f"{built.tag}-edited")
    finally:
        source.write_text(original)
        source.with_suffix(source.suffix + ".orig").unlink()
    dependency_steps = [step for step in steps(warm.output) if DEPENDENCY_STEP.search(step.text)]
    assert dependency_steps, f"no dependency step found in:\n{warm.output[-3000:]}"
    rebuilt = [step.text for step in dependency_steps if not step.cached]
    assert not rebuilt, f"dependency steps rebuilt after a source edit: {rebuilt}"
    assert any(not step.cached for step in steps(warm.output)), "nothing rebuilt: was the edit seen?"
    workdir = engine.inspect(warm.tag, "{{.Config.WorkingDir}}") or "/"
    found = engine.shell_as_root(
        warm.tag, f"grep -rl '{marker}' '{workdir}' --exclude-dir=node_modules"
    ).stdout
    assert found.strip(), "the edited source did not reach the rebuilt image"
    print(
        f"{built.app.name}: cold build {built.build.seconds:.1f} s, rebuild after a source edit "
        f"{warm.seconds:.1f} s ({warm.seconds / built.build.seconds:.2f} of cold), "
        f"{sum(s.cached for s in steps(warm.output))}/{len(steps(warm.output))} steps cached"
    )
    old_layers, new_layers = engine.image_layers(built.tag), engine.image_layers(warm.tag)
    shared = next((i for i, (a, b) in enumerate(zip(old_layers, new_layers, strict=False)) if a != b), 0)
    assert shared >= len(engine.image_layers(built.app.node_image(engine))) + 1, (
        f"only {shared} leading layers shared between the builds"
    )
