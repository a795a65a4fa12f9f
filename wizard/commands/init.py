"""`ndw init`: scaffold one service."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.commands import add_answer_arguments
from wizard.errors import NotInteractiveError

if TYPE_CHECKING:
    from wizard.worker import Worker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw init`."""
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")
    add_answer_arguments(parser, "(see `ndw detect`)")
    parser.add_argument(
        "--defaults", action="store_true", help="take detected and default values, ask nothing"
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")
    parser.add_argument("--force", action="store_true", help="replace existing files that differ")
    parser.add_argument(
        "--plain", action="store_true", help="ask with simple prompts instead of the full-screen app"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--service",
        metavar="PATH",
        help="in a repository of several services: scaffold the one in PATH (relative to the repository)",
    )
    which.add_argument(
        "--all-services",
        action="store_true",
        help="scaffold every detected service, each in its own folder, with detected answers",
    )


def run(args: argparse.Namespace) -> int:
    """Settle the answers (given, detected, asked), then write the scaffold."""
    from wizard.answers import load_answers_file, parse_set_options  # noqa: PLC0415
    from wizard.console import print_outcome, print_warnings, stdout_is_terminal  # noqa: PLC0415
    from wizard.detect.services import enclosing_workspace  # noqa: PLC0415
    from wizard.worker import Worker  # noqa: PLC0415

    given = load_answers_file(args.answers) if args.answers else {}
    given.update(parse_set_options(args.sets))
    # Run inside a workspace package (apps/api): scaffold it from the workspace root, as --service.
    if args.service is None and not args.all_services and (outer := enclosing_workspace(Path(args.path))):
        args.path, args.service = outer
    worker = Worker(args.path)
    asking = args.answers is None and not args.sets and not args.defaults and not args.all_services
    if asking and not stdout_is_terminal():
        raise NotInteractiveError(
            "no answers given and no terminal to ask in",
            hint="Pass --answers FILE (see `ndw detect`) or --defaults to take the detected values.",
        )
    service_dirs = _service_dirs(worker, args, given, asking)
    origin = str(args.answers) if args.answers else ""
    if service_dirs is None or (asking and len(service_dirs) == 1):
        if service_dirs:
            given["app_dir"] = service_dirs[0]
        print_warnings(worker.detection_for(given.get("app_dir")).warnings)
        if asking:
            from wizard.interactive import ask  # noqa: PLC0415
            from wizard.multiservice import free_host_port  # noqa: PLC0415

            if service_dirs and "host_port" not in given:
                port = free_host_port(worker, given)
                if port is not None:  # another service of this repository publishes the detected one
                    given["host_port"] = port

            settled = ask(worker, given, plain=args.plain)
            outcome = worker.write(settled.answers, force=settled.force, plan=settled.plan)
        else:
            from wizard.multiservice import settle  # noqa: PLC0415

            answers = (
                settle(worker, given, service_dirs, origin)[0]
                if service_dirs
                else worker.resolve(given).require_valid(origin)
            )
            outcome = worker.write(answers, force=args.force, dry_run=args.dry_run)
    else:
        from wizard.multiservice import settle  # noqa: PLC0415

        for folder in service_dirs:
            print_warnings([f"{folder}: {warning}" for warning in worker.detection_for(folder).warnings])
        outcome = worker.write(
            settle(worker, given, service_dirs, origin), force=args.force, dry_run=args.dry_run
        )
    print_outcome(outcome, args.path)
    return 0


def _service_dirs(
    worker: Worker, args: argparse.Namespace, given: dict[str, Any], asking: bool
) -> list[str] | None:
    """Which service folders to scaffold; None for a repository that is one app at its root."""
    from wizard.disk.paths import normalize_dir  # noqa: PLC0415
    from wizard.errors import UsageError  # noqa: PLC0415
    from wizard.multiservice import default_service_dirs, service_dir_for  # noqa: PLC0415

    if args.all_services:
        if "app_dir" in given or "service_name" in given:
            raise UsageError(
                "--all-services: app_dir and service_name differ per service; don't set them",
                hint="Scaffold one service with --service PATH to choose its name.",
            )
        if not worker.services:
            raise UsageError(f"--all-services: no services detected in {worker.target}")
        return [service.path for service in worker.services]
    if args.service is not None:
        folder = service_dir_for(worker, args.service)
        if "app_dir" in given and normalize_dir(str(given["app_dir"])) != folder:
            raise UsageError(
                f"--service {args.service} and app_dir={given['app_dir']} name different folders"
            )
        return [folder]
    if "app_dir" in given:
        folder = normalize_dir(str(given["app_dir"]))
        return None if folder == "." else [folder]
    if asking and len(worker.services) > 1:
        from wizard.service_picker import pick_services  # noqa: PLC0415

        return [
            service.path for service in pick_services(worker.services, plain=args.plain, root=worker.target)
        ]
    return default_service_dirs(worker)
