"""The fixture apps under tests/fixtures/apps: scaffold a temp copy with `ndw init`, build it.

Each app folder holds real code, a committed lockfile and `ndw-answers.yml`. Generated files
are only ever written into a temporary copy; the Dockerfile is built unchanged, with only
`--build-arg NODE_IMAGE=<local stand-in>`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from tests.support.containers import BuildResult, Containers
from tests.support.distroless import SUITE as DISTROLESS_SUITE
from tests.support.distroless import distroless_image
from tests.support.rootfs import SUITE_FOR_MAJOR, node_base_image, prisma_offline_image

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = REPO_ROOT / "tests" / "fixtures" / "apps"
ANSWERS_FILE = "ndw-answers.yml"
# Planted in every scaffolded copy: the image must not contain it.
DOTENV_MARKER = "NDW_E2E_SECRET=must-not-ship"
# The registry token of the build secrets (apps answering npmrc_secret or yarn_token_env): in no layer.
NPM_TOKEN_MARKER = "ndw-e2e-npm-token-must-not-ship"


@dataclass(frozen=True)
class FixtureApp:
    """One app under tests/fixtures/apps; OVERRIDES replace some of its answers (another flavor)."""

    name: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def source(self) -> Path:
        """The committed folder."""
        return APPS_DIR / self.name

    @cached_property
    def answers(self) -> dict[str, Any]:
        """ndw-answers.yml."""
        data = yaml.safe_load((self.source / ANSWERS_FILE).read_text())
        assert isinstance(data, dict)
        return {**data, **dict(self.overrides)}

    @property
    def distroless(self) -> bool:
        """Whether the answers pick the distroless runtime image."""
        return self.answers.get("image_flavor") == "distroless"

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
        flavor = f"-{self.answers['image_flavor']}" if self.overrides else ""
        return f"localhost/ndw-e2e/{self.name}{flavor}:latest"

    def scaffold(self, dest: Path) -> Path:
        """Copy the app to DEST (plus a local `.env`), run `ndw init --answers`; returns DEST."""
        shutil.copytree(
            self.source, dest, ignore=shutil.ignore_patterns("node_modules", "dist", "*.tsbuildinfo")
        )
        (dest / ".env").write_text(DOTENV_MARKER + "\n")
        if self.overrides:
            (dest / ANSWERS_FILE).write_text(yaml.safe_dump(self.answers, sort_keys=False))
        _place_yarn_release(dest)
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
        # The distroless flavor builds on node:<major>-trixie-slim, the suite of its runtime (debian13).
        suite = DISTROLESS_SUITE if self.distroless else SUITE_FOR_MAJOR[self.node_major]
        return node_base_image(self.node_major, suite, engine)

    def build_secrets(self, context: Path) -> dict[str, Path]:
        """The build secrets the answers ask for, in files outside CONTEXT: `npmrc` (a user .npmrc
        with a token line for the registry this machine's npm uses) and, for yarn berry, one per
        variable in yarn_token_env (its id the name in lowercase), each holding NPM_TOKEN_MARKER."""
        secrets = {}
        for name in str(self.answers.get("yarn_token_env", "")).split():
            secrets[name.lower()] = context.parent / f"{context.name}.{name.lower()}"
            secrets[name.lower()].write_text(NPM_TOKEN_MARKER)
        if not self.answers.get("npmrc_secret"):
            return secrets
        registry = subprocess.run(
            ["npm", "config", "get", "registry"], capture_output=True, text=True, check=True
        ).stdout.strip()  # the machine's business: read at run time, written nowhere else
        host = registry.split("://", 1)[-1].rstrip("/")
        secret = context.parent / f"{context.name}.npmrc"
        secret.write_text(f"//{host}/:_authToken={NPM_TOKEN_MARKER}\n")
        return {**secrets, "npmrc": secret}

    def build(self, engine: Containers, context: Path, tag: str | None = None) -> BuildResult:
        """Build CONTEXT's generated Dockerfile unchanged, with NODE_IMAGE set to the stand-in
        (and the `npmrc` secret if the app needs one). A distroless runtime is the local stand-in,
        tagged as the name RUNTIME_IMAGE defaults to, so that argument keeps its default."""
        if self.distroless:
            distroless_image(self.node_major, engine)
        dockerfile = context / self.app_dir / "Dockerfile" if self.app_dir != "." else None
        build_args = {"NODE_IMAGE": self.node_image(engine)}
        return engine.build(
            context, tag or self.tag, build_args, dockerfile=dockerfile, secrets=self.build_secrets(context)
        )


def _place_yarn_release(dest: Path) -> None:
    """Put the yarn release .yarnrc.yml's yarnPath names into DEST when the fixture leaves it out
    (it is 3.8 MB): the npm registry's @yarnpkg/cli-dist holds the same file as bin/yarn.js."""
    rc = dest / ".yarnrc.yml"
    match = re.search(r"^yarnPath:\s*(\S+)", rc.read_text(), re.MULTILINE) if rc.is_file() else None
    version = re.search(r"yarn-(\d+\.\d+\.\d+)\.cjs$", match.group(1)) if match else None
    if match is None or version is None or (dest / match.group(1)).exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", f"@yarnpkg/cli-dist@{version.group(1)}", "--pack-destination", tmp, "--silent"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        [tarball] = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            release = archive.extractfile("package/bin/yarn.js")
            assert release is not None
            target = dest / match.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(release.read())
            target.chmod(0o755)


def fixture_apps() -> list[FixtureApp]:
    """Every app folder that has an answers file."""
    return [FixtureApp(path.parent.name) for path in sorted(APPS_DIR.glob(f"*/{ANSWERS_FILE}"))]
