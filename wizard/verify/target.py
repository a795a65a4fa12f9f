"""What `ndw verify` checks: the scaffold's answers, its Dockerfile and build context."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import VerifySetupError

DATABASE_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL"}
# What PID 1's argv[0] may be for each init_system answer.
INIT_COMMANDS: dict[str, tuple[str, ...]] = {
    "tini": ("tini",),
    "dumb-init": ("dumb-init",),
    # Docker's --init runs docker-init (tini); podman's runs catatonit as /run/podman-init.
    "docker-init": ("docker-init", "podman-init", "catatonit", "tini"),
    "none": ("node",),
}


@dataclass(frozen=True)
class Target:
    """One scaffolded service, as its answers file describes it."""

    root: Path  # the build context: the repository root
    app_dir: str  # the service's folder relative to root ("." for a single service)
    answers: Mapping[str, Any]

    @property
    def service_dir(self) -> Path:
        """The service's folder."""
        return self.root / self.app_dir

    @property
    def dockerfile(self) -> Path:
        """The scaffolded Dockerfile."""
        return self.service_dir / "Dockerfile"

    @property
    def compose_file(self) -> Path:
        """The service's compose.yaml."""
        return self.service_dir / "compose.yaml"

    @property
    def service_name(self) -> str:
        """The service's name (image and container names derive from it)."""
        return str(self.answers.get("service_name") or self.service_dir.name)

    @property
    def port(self) -> int:
        """The port the service listens on in the container."""
        return int(self.answers.get("port", 3000))

    @property
    def host_port(self) -> int:
        """The host port compose publishes."""
        return int(self.answers.get("host_port", self.port))

    @property
    def health_path(self) -> str:
        """The path the health check probes."""
        path = str(self.answers.get("health_path") or "/health")
        return path if path.startswith("/") else f"/{path}"

    @property
    def uid(self) -> int:
        """The non-root uid the service runs as."""
        return int(self.answers.get("uid", 1000))

    @property
    def init_system(self) -> str:
        """PID 1: tini, dumb-init, docker-init (the engine's --init) or none."""
        return str(self.answers.get("init_system") or "tini")

    @property
    def needs_engine_init(self) -> bool:
        """Whether the image expects `--init` from the engine."""
        return self.init_system == "docker-init"

    @property
    def entry(self) -> str:
        """The file Node runs (relative to the service folder)."""
        return str(self.answers.get("entry") or "")

    def required_env(self) -> dict[str, str]:
        """Variables the container cannot start without: name -> why."""
        needed: dict[str, str] = {}
        database = str(self.answers.get("database") or "none")
        if database in DATABASE_NAMES:
            needed["DATABASE_URL"] = f"the service uses {DATABASE_NAMES[database]}"
        if self.answers.get("redis") is True:
            needed["REDIS_URL"] = "the service uses Redis"
        return needed


def load_target(path: Path, service: str | None = None) -> Target:
    """The scaffold in PATH (or its --service); VerifySetupError when there is none."""
    from wizard.disk.scaffolds import locate_scaffold, read_answers_file  # noqa: PLC0415
    from wizard.errors import UsageError  # noqa: PLC0415

    try:
        root, answers_file = locate_scaffold(path, service)
        answers = read_answers_file(root, answers_file)
    except UsageError as error:
        hint = error.hint or "Run `ndw init` first, then `ndw verify`."
        if "scaffolded services" in error.message:
            hint = "Verify one at a time: `ndw verify --service PATH`."
        raise VerifySetupError(error.message, hint=hint) from error
    app_dir = str(answers.get("app_dir") or ".")
    target = Target(root, app_dir, answers)
    if not target.dockerfile.is_file():
        raise VerifySetupError(
            f"no Dockerfile at {target.dockerfile}: the scaffold is incomplete",
            hint="Run `ndw update` (or `ndw init --force`) to write it again.",
        )
    return target


def env_file_values(path: Path) -> dict[str, str]:
    """What an env file sets (KEY=VALUE lines, quotes stripped; comments and blanks skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise VerifySetupError(f"--env-file {path}: cannot read it ({error.strerror or error})") from error
    values = {}
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            key, _, value = stripped.removeprefix("export ").partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


def env_file_keys(path: Path) -> set[str]:
    """The variable names an env file sets."""
    return set(env_file_values(path))


_REQUIRED_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")


def compose_env_files(target: Target, given: list[Path]) -> list[Path]:
    """The env files compose reads: the given ones, else the service's .env, else the root's."""
    if given:
        return given
    for folder in (target.service_dir, target.root):
        if (folder / ".env").is_file():
            return [folder / ".env"]
    return []


def compose_missing_secrets(target: Target, env_files: list[Path], environ: Mapping[str, str]) -> list[str]:
    """Variables compose.yaml requires (`${VAR:?...}`) that no env file or the environment sets."""
    try:
        text = target.compose_file.read_text(encoding="utf-8")
    except OSError as error:
        raise VerifySetupError(
            f"--compose: cannot read {target.compose_file} ({error.strerror or error})",
            hint="Run `ndw update` (or `ndw init --force`) to write it again.",
        ) from error
    values = dict(environ)
    for env_file in env_files:
        values.update(env_file_values(env_file))
    required = dict.fromkeys(_REQUIRED_VARIABLE.findall(text))
    return [name for name in required if not values.get(name)]


def missing_env(target: Target, given: Mapping[str, str], env_files: list[Path]) -> dict[str, str]:
    """Required variables that neither --env nor an --env-file sets."""
    have = set(given)
    for env_file in env_files:
        have |= env_file_keys(env_file)
    return {name: why for name, why in target.required_env().items() if name not in have}


def source_to_touch(target: Target) -> Path | None:
    """A source file for `--rebuild` to edit: the entry's source, else the first file in src/."""
    folder = target.service_dir
    entry = Path(target.entry)
    candidates = [folder / entry]
    stem = entry.stem
    for ext in (".ts", ".mts", ".js", ".mjs", ".cjs"):
        candidates.append(folder / "src" / f"{stem}{ext}")
    for candidate in candidates:
        inside = candidate.relative_to(folder).parts
        if candidate.is_file() and not any(part in ("dist", "build", "node_modules") for part in inside):
            return candidate
    src = folder / "src"
    if src.is_dir():
        for candidate in sorted(src.rglob("*")):
            if candidate.is_file() and candidate.suffix in (".ts", ".mts", ".js", ".mjs", ".cjs"):
                return candidate
    return None
