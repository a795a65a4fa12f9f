"""Layer caching for real: a source edit rebuilds the app, not its dependencies (issue #4).

After a change to one source file, buildah must reuse every dependency layer (install,
prune, the runtime's node_modules copy) and rebuild only what depends on the source.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
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
    """Split `buildah bud` output into steps, noting which ones came from the cache.

    buildah builds a stage named by `COPY --from` in the middle of the step that needs it, so
    the output nests: a step's "--> Using cache" may follow another stage's steps. Each step
    except FROM ends with a "--> <id>" line, so a stack pairs them up.
    """
    found: list[Step] = []
    stack: list[list[str | bool]] = []
    for line in output.splitlines():
        match = STEP_LINE.match(line)
        if match:
            if not match.group("step").startswith("FROM "):
                stack.append([match.group("step"), False])
        elif line.startswith("--> Using cache"):
            if stack:
                stack[-1][1] = True
        elif line.startswith("--> ") and stack:
            text, cached = stack.pop()
            found.append(Step(str(text), bool(cached)))
    return found


def node_modules_layer(engine: Containers, tag: str) -> int:
    """Index (in RootFS.Layers) of the runtime image's layer that adds node_modules."""
    history = json.loads(engine.podman("image", "inspect", tag, "--format", "{{json .History}}").stdout)
    index = -1
    for entry in history:
        if entry.get("empty_layer"):
            continue
        index += 1
        if "node_modules" in entry.get("created_by", ""):
            return index
    raise AssertionError(f"{tag}: no layer adds node_modules")


@pytest.fixture(scope="module", params=sorted(set(EDITS) & set(APPS)))
def built(request: pytest.FixtureRequest, builds: _Builds) -> BuiltApp:
    """An app built once already (the cold build)."""
    return builds.get(str(request.param))


def test_source_edit_reuses_dependency_layers(built: BuiltApp, engine: Containers) -> None:
    """Edit one source file and rebuild: dependency steps say "Using cache", the edit ships."""
    source = built.context / EDITS[built.app.name]
    original = source.read_text()
    marker = f"ndw-e2e-edit-{built.app.name}-{uuid.uuid4().hex[:12]}"  # unique: the cache persists
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
    print(  # the session's first build may itself have come from a cache; bench/images measures cold
        f"{built.app.name}: rebuild after a source edit {warm.seconds:.1f} s, "
        f"{sum(s.cached for s in steps(warm.output))}/{len(steps(warm.output))} steps cached"
    )
    old_layers, new_layers = engine.image_layers(built.tag), engine.image_layers(warm.tag)
    modules = node_modules_layer(engine, warm.tag)
    assert old_layers[: modules + 1] == new_layers[: modules + 1], "the node_modules layer changed"
    assert old_layers != new_layers
