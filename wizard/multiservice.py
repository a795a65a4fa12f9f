"""Several services in one repository: which ones to scaffold, and answers that don't collide.

`ndw init --service PATH` scaffolds one service of a workspace or a folder of services;
`--all-services` every detected one. Each service keeps its own answers file in its folder,
so the one thing services must agree on is the host port compose publishes: a second
service is given the next free one unless the person chose it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wizard.disk.paths import normalize_dir
from wizard.disk.scaffolds import recorded_answers
from wizard.errors import UsageError
from wizard.worker import Worker

MAX_DEPTH = 4


def service_dir_for(worker: Worker, path: str, flag: str = "--service") -> str:
    """The folder `--service PATH` names, relative to the repository root."""
    root = worker.target.resolve()
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root)
        except ValueError:
            candidate = Path("..")
    folder = normalize_dir(candidate.as_posix())
    if ".." in folder.split("/") or not (root / folder).is_dir():
        raise UsageError(
            f"{flag}: {path!r} is not a folder of {root} (give it relative to the repository root)",
            hint=_services_hint(worker),
        )
    return folder


def _services_hint(worker: Worker) -> str:
    services = worker.services
    if not services:
        return "No services were detected here (a package.json with a start script or a web framework)."
    return "Services found: " + ", ".join(f"{s.path} ({s.name})" for s in services) + "."


def default_service_dirs(worker: Worker) -> list[str] | None:
    """The service to scaffold when none is named: None for a single app at the root.

    Raises when the repository holds several services and nobody said which.
    """
    services = worker.services
    if not services or (len(services) == 1 and services[0].path == "."):
        return None
    if len(services) == 1:
        return [services[0].path]
    raise UsageError(
        f"{worker.target} holds {len(services)} services; say which one to scaffold",
        hint="Pass --service PATH (one of: "
        + ", ".join(s.path for s in services)
        + ") or --all-services. "
        + _services_hint(worker),
    )


def recorded_host_ports(root: Path, skip_dir: str) -> dict[int, str]:
    """host_port -> folder, from the answers files of the services already scaffolded here."""
    found: dict[int, str] = {}
    for folder, data in recorded_answers(root, MAX_DEPTH).items():
        port = data.get("host_port", data.get("port"))
        if folder != skip_dir and isinstance(port, int):
            found[port] = folder
    return found


def free_host_port(
    worker: Worker, answers: Mapping[str, Any], taken: Mapping[int, str] | None = None
) -> int | None:
    """A host port for the service in `answers["app_dir"]` that no other service here publishes.

    None when its current one is free (or the answers are not valid yet).
    """
    resolution = worker.resolve(answers)
    if resolution.problems:
        return None
    resolved = resolution.answers
    used = {**recorded_host_ports(worker.target, str(resolved.get("app_dir", "."))), **(taken or {})}
    port = wanted = int(resolved.get("host_port", resolved.get("port", 3000)))
    while port in used and port < 65535:
        port += 1
    return None if port == wanted else port


def settle(
    worker: Worker, given: Mapping[str, Any], service_dirs: Sequence[str], origin: str = ""
) -> list[dict[str, Any]]:
    """Resolved, valid answers for each service; host ports kept apart.

    Raises `AnswersError` naming the first service whose answers are invalid.
    """
    settled: list[dict[str, Any]] = []
    taken: dict[int, str] = {}
    for folder in service_dirs:
        answers = {**given, "app_dir": folder}
        label = f"{origin} for {folder}" if origin else f"the answers for {folder}"
        if "host_port" not in given:
            port = free_host_port(worker, answers, taken)
            if port is not None:
                answers["host_port"] = port
        resolved = worker.resolve(answers).require_valid(label)
        taken[int(resolved.get("host_port", 0))] = folder
        settled.append(resolved)
    return settled
