"""Reading what the engines print: `inspect` JSON, build logs, the in-container process list."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Run inside the container with its own Node (every ndw image has one; no ps or id needed,
# which distroless lacks): the uid it runs as and, for every other process, pid, uid and argv.
PROCESS_SCRIPT = (
    'const fs=require("fs");const out={uid:process.getuid(),processes:[]};'
    'for(const d of fs.readdirSync("/proc")){if(!/^\\d+$/.test(d)||Number(d)===process.pid)continue;'
    'try{const argv=fs.readFileSync("/proc/"+d+"/cmdline","latin1").split("\\0").filter(Boolean);'
    'const m=/^Uid:\\s+(\\d+)/m.exec(fs.readFileSync("/proc/"+d+"/status","latin1"));'
    "out.processes.push({pid:Number(d),uid:m?Number(m[1]):-1,argv})}catch{}}"
    "process.stdout.write(JSON.stringify(out))"
)
NODE_PATHS = ("node", "/nodejs/bin/node", "/usr/local/bin/node")


@dataclass(frozen=True)
class ContainerState:
    """What `inspect --format '{{json .State}}'` says."""

    running: bool
    exit_code: int
    oom_killed: bool
    health: str  # "" when the image has no HEALTHCHECK


@dataclass(frozen=True)
class Health:
    """What `inspect --format '{{json .State.Health}}'` says."""

    status: str  # starting, healthy, unhealthy; "" for no health check
    last_output: str
    failing_streak: int


@dataclass(frozen=True)
class Process:
    """One process in the container."""

    pid: int
    uid: int
    argv: tuple[str, ...]

    @property
    def command(self) -> str:
        """The base name of argv[0] (`/usr/bin/tini` -> `tini`)."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    @property
    def is_node(self) -> bool:
        """Whether this is a Node process."""
        return self.command == "node" or self.command.startswith("node")


def _json(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def parse_health(text: str) -> Health:
    """`{{json .State.Health}}` (docker: `null` without a HEALTHCHECK; podman: Status "")."""
    data = _json(text)
    if not isinstance(data, dict):
        return Health("", "", 0)
    log = data.get("Log") or []
    last = log[-1] if isinstance(log, list) and log and isinstance(log[-1], dict) else {}
    return Health(
        str(data.get("Status") or ""),
        str(last.get("Output") or "").strip(),
        int(data.get("FailingStreak") or 0),
    )


def parse_state(text: str) -> ContainerState:
    """`{{json .State}}` of docker or podman."""
    data = _json(text)
    if not isinstance(data, dict):
        raise ValueError(f"not a container state: {text[:200]!r}")
    health = data.get("Health") or data.get("Healthcheck")
    status = str(health.get("Status") or "") if isinstance(health, dict) else ""
    return ContainerState(
        running=bool(data.get("Running")),
        exit_code=int(data.get("ExitCode") or 0),
        oom_killed=bool(data.get("OOMKilled")),
        health=status,
    )


def parse_processes(text: str) -> tuple[int, list[Process]]:
    """The output of PROCESS_SCRIPT: (uid of the exec'd probe, the container's processes by pid)."""
    data = _json(text)
    if not isinstance(data, dict):
        raise ValueError(f"unexpected process list: {text[:200]!r}")
    processes = [
        Process(int(item["pid"]), int(item["uid"]), tuple(str(arg) for arg in item.get("argv", [])))
        for item in data.get("processes", [])
        if isinstance(item, dict) and "pid" in item and "uid" in item
    ]
    return int(data.get("uid", -1)), sorted(processes, key=lambda process: process.pid)


def parse_size(text: str) -> int | None:
    """`image inspect --format '{{.Size}}'`: bytes, or None."""
    text = text.strip()
    return int(text) if text.isdigit() else None


_DOCKER_STEP = re.compile(r"^#\d+ \[[^\]]*\d+/\d+\] ", re.MULTILINE)
_DOCKER_CACHED = re.compile(r"^#(\d+) CACHED$", re.MULTILINE)
_BUILDAH_STEP = re.compile(r"^(?:\[\d+/\d+\] )?STEP \d+/\d+: ", re.MULTILINE)


@dataclass(frozen=True)
class BuildSteps:
    """How many build steps ran and how many came from the layer cache."""

    total: int
    cached: int


def parse_build_output(text: str) -> BuildSteps:
    """Count steps and cache hits in a BuildKit `--progress=plain` or buildah/podman log."""
    docker_steps = {match.group(0).split()[0] for match in _DOCKER_STEP.finditer(text)}
    if docker_steps:
        cached = {f"#{match.group(1)}" for match in _DOCKER_CACHED.finditer(text)}
        return BuildSteps(len(docker_steps), len(cached & docker_steps))
    total = len(_BUILDAH_STEP.findall(text))
    return BuildSteps(total, text.count("--> Using cache"))
