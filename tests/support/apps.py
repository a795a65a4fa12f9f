"""The fixture apps under tests/fixtures/apps: scaffold a temp copy with `ndw init`, build it.

Each app folder holds real code, a committed lockfile and `ndw-answers.yml`. Generated files
are only ever written into a temporary copy; the Dockerfile is built unchanged, with only
`--build-arg NODE_IMAGE=<local stand-in>`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from tests.support.containers import BuildResult, Containers
from tests.support.rootfs import SUITE_FOR_MAJOR, node_base_image, prisma_offline_image

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = REPO_ROOT / "tests" / "fixtures" / "apps"
ANSWERS_FILE = "ndw-answers.yml"
# Planted in every scaffolded copy: the image must not contain it.
DOTENV_MARKER = "NDW_E2E_SECRET=must-not-ship"


@dataclass(frozen=True)
class FixtureApp:
    """One app under tests/fixtures/apps."""

    name: str

    @property
    def source(self) -> Path:
        """The committed folder."""
        return APPS_DIR / self.name

    @cached_property
    def answers(self) -> dict[str, Any]:
        """ndw-answers.yml."""
        data = yaml.safe_load((self.source / ANSWERS_FILE).read_text())
        assert isinstance(data, dict)
        return data

    @property
    def app_dir(self) -> str:
        """The service's folder in the fixture ('.' unless it is a repository with siblings)."""
        return str(self.answers.get("app_dir", "."))

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """The service's package.json."""
        data = json.loads((self.source / self.app_dir / "package.json").read_text())
        assert isinstance(data, dict)
        return data

    @property
    def node_major(self) -> int:
        """The Node line the answers pick."""
        return int(self.answers["node_version"])

    @property
    def port(self) -> int:
        """The port the scaffold sets."""
        return int(self.answers.get("port", 3000))

    @property
    def health_path(self) -> str:
        """The health path the scaffold probes ('' when it probes the port over TCP)."""
        return str(self.answers.get("health_path", "/health") or "")

    @property
    def dev_dependencies(self) -> list[str]:
        """package.json's devDependencies (none may reach the runtime image)."""
        return sorted(self.manifest.get("devDependencies", {}))

    @property
    def dependencies(self) -> list[str]:
        """package.json's dependencies."""
        return sorted(self.manifest.get("dependencies", {}))

    @property
    def tag(self) -> str:
        """The image tag the tests build."""
        return f"localhost/ndw-e2e/{self.name}:latest"

    def scaffold(self, dest: Path) -> Path:
        """Copy the app to DEST (plus a local `.env`), run `ndw init --answers`; returns DEST."""
        shutil.copytree(
            self.source, dest, ignore=shutil.ignore_patterns("node_modules", "dist", "*.tsbuildinfo")
        )
        (dest / ".env").write_text(DOTENV_MARKER + "\n")
        result = subprocess.run(
            [sys.executable, "-m", "wizard", "init", str(dest), "--answers", str(dest / ANSWERS_FILE)],
            capture_output=True, text=True, check=False, cwd=dest,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(f"ndw init failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return dest

    def node_image(self, engine: Containers) -> str:
        """The NODE_IMAGE build argument: the local stand-in (offline Prisma variant if needed)."""
        if self.answers.get("orm") == "prisma":
            return prisma_offline_image(self.node_major, engine)
        return node_base_image(self.node_major, SUITE_FOR_MAJOR[self.node_major], engine)

    def build(self, engine: Containers, context: Path, tag: str | None = None) -> BuildResult:
        """Build CONTEXT's generated Dockerfile unchanged, with NODE_IMAGE set to the stand-in."""
        dockerfile = context / self.app_dir / "Dockerfile" if self.app_dir != "." else None
        return engine.build(
            context, tag or self.tag, {"NODE_IMAGE": self.node_image(engine)}, dockerfile=dockerfile
        )


def fixture_apps() -> list[FixtureApp]:
    """Every app folder that has an answers file."""
    return [FixtureApp(path.parent.name) for path in sorted(APPS_DIR.glob(f"*/{ANSWERS_FILE}"))]
