"""One scaffolded variant of a fixture app as a compose project, and the images it needs.

A variant is the fixture app copied to a temp folder, `ndw init --answers ndw-answers.yml
--set KEY=VALUE...`, and a `.env` made from the generated `.env.example` with fresh random
secrets and a free host port. Images: the app is built from the generated Dockerfile with
buildah (e2e's wrappers; BuildKit in dockerd would try to pull a frontend image for the
`# syntax=` line) and loaded into dockerd under the name compose.yaml gives it; every other
image compose.yaml names gets a stand-in (tests/compose/standins.py).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from tests.compose.engine import DockerEngine
from tests.compose.standins import build_standin, move_to_docker
from tests.support.apps import ANSWERS_FILE, FixtureApp
from tests.support.containers import Containers
from tests.support.postgres import free_port

SECRET_KEY = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")
# What the stack tests measured (label -> seconds), printed in the terminal summary.
TIMINGS: dict[str, float] = {}


def dotenv_from_example(example: str, port: int) -> tuple[str, dict[str, str]]:
    """`.env` text from `.env.example`: empty secrets get random values, HOST_PORT gets PORT.

    Returns the text and the secrets it filled in.
    """
    lines: list[str] = []
    filled: dict[str, str] = {}
    for line in example.splitlines():
        key, sep, value = line.partition("=")
        key = key.strip()
        if sep and not key.startswith("#"):
            if SECRET_KEY.search(key) and not value.strip():
                value = "s3" + secrets.token_hex(12)
                filled[key] = value
            elif key == "HOST_PORT":
                value = str(port)
            lines.append(f"{key}={value}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n", filled


@dataclass
class Stack:
    """A scaffolded compose project (`root`) run against `engine` as project `project`."""

    engine: DockerEngine
    root: Path
    project: str
    secrets: dict[str, str] = field(default_factory=dict)

    def compose(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """`docker compose -p PROJECT ARGS` in the project folder."""
        return self.engine.compose(
            self.root, "--project-name", self.project, *args, check=check, timeout=timeout
        )

    def config(self) -> dict[str, Any]:
        """`docker compose config --format json`, parsed."""
        data = json.loads(self.compose("config", "--format", "json").stdout)
        assert isinstance(data, dict)
        return data

    @cached_property
    def services(self) -> dict[str, dict[str, Any]]:
        """The resolved services (from `docker compose config`)."""
        services = self.config()["services"]
        assert isinstance(services, dict)
        return services

    def containers(self, all_states: bool = True) -> list[dict[str, Any]]:
        """`docker compose ps --format json` (every state), one dict per container."""
        args = ["ps", "--format", "json"] + (["--all"] if all_states else [])
        out = self.compose(*args).stdout.strip()
        if not out:
            return []
        if out.startswith("["):
            rows = json.loads(out)
        else:
            rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        return [row for row in rows if isinstance(row, dict)]

    def psql(self, sql: str, service: str = "db") -> str:
        """Run SQL in the database service as the scaffold's user, on its database."""
        env = self.services[service].get("environment", {})
        user, database = env.get("POSTGRES_USER", "postgres"), env.get("POSTGRES_DB", "postgres")
        result = self.compose("exec", "-T", service, "psql", "-U", user, "-d", database, "-XAtc", sql)
        return result.stdout.strip()

    def published(self, service: str, port: int) -> tuple[str, int]:
        """The host address and port that SERVICE's container PORT is published on."""
        out = self.compose("port", service, str(port)).stdout.strip()
        host, _, number = out.rpartition(":")
        return (host.strip("[]") or "127.0.0.1"), int(number)


class Stacks:
    """Scaffolds variants and loads the images they name into the engine (each built once)."""

    def __init__(self, engine: DockerEngine, builder: Containers, root: Path) -> None:
        self.engine = engine
        self.builder = builder
        self.root = root
        self.loaded: set[str] = set()

    def scaffold(self, app: FixtureApp, variant: str, answers: dict[str, str]) -> Stack:
        """Copy APP, `ndw init` it with ANSWERS over its answers file, write `.env`."""
        dest = self.root / variant
        shutil.copytree(app.source, dest, ignore=shutil.ignore_patterns("node_modules", "dist"))
        sets = [arg for key, value in answers.items() for arg in ("--set", f"{key}={value}")]
        result = subprocess.run(
            [sys.executable, "-m", "wizard", "init", str(dest), "--answers", str(dest / ANSWERS_FILE), *sets],
            capture_output=True, text=True, check=False, cwd=dest,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(f"ndw init failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        text, filled = dotenv_from_example((dest / ".env.example").read_text(), free_port())
        (dest / ".env").write_text(text)
        return Stack(self.engine, dest, f"ndw-{variant}", filled)

    def load_images(self, stack: Stack, app: FixtureApp) -> None:
        """Build the app image once, load it under every name a service with `build:` uses, and
        a stand-in for every other image the stack names."""
        project = stack.config().get("name", stack.project)
        builds = {name: s["build"] for name, s in stack.services.items() if "build" in s}
        assert builds, "no service with build: in compose.yaml"
        targets = {json.dumps(build, sort_keys=True) for build in builds.values()}
        assert len(targets) == 1, f"services build different images, the test builds one: {builds}"
        # A service with `build:` and no `image:` gets compose's default name, <project>-<service>.
        app_images = sorted({stack.services[name].get("image") or f"{project}-{name}" for name in builds})
        local = f"localhost/ndw-compose/{stack.root.name}:latest"
        app.build(self.builder, stack.root, local)
        move_to_docker(self.builder, local, app_images[0], self.engine)
        for image in app_images[1:]:
            self.engine.docker("tag", app_images[0], image)
        self.load_standins(stack, exclude=set(app_images))

    def load_standins(
        self, stack: Stack, exclude: set[str] | None = None, only: set[str] | None = None
    ) -> None:
        """A stand-in for every image the stack's services (or ONLY those) name, except EXCLUDE."""
        for name, service in stack.services.items():
            image = service.get("image")
            if only is not None and name not in only:
                continue
            if image and "build" not in service and image not in (exclude or set()) | self.loaded:
                build_standin(image, self.builder, self.engine)
                self.loaded.add(image)
