"""`ndw verify`: build the scaffold, run it, wait for healthy, probe it, stop it, report."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.commands import add_scaffold_arguments
from wizard.errors import Interrupted, UsageError

if TYPE_CHECKING:
    from wizard.verify.steps import Options
    from wizard.verify.target import Target

ENGINES = ("docker", "podman", "buildah")


def _key_value(flag: str) -> Callable[[str], tuple[str, str]]:
    def parse(item: str) -> tuple[str, str]:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise argparse.ArgumentTypeError(f"{flag} {item!r}: expected KEY=VALUE")
        return key.strip(), value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `ndw verify`."""
    add_scaffold_arguments(parser)
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="force an engine (default: docker, else podman, else buildah+podman)",
    )
    parser.add_argument(
        "--compose", action="store_true", help="bring up the whole compose stack instead of the image alone"
    )
    parser.add_argument(
        "--build-arg", dest="build_args", action="append", default=[], type=_key_value("--build-arg"),
        metavar="KEY=VALUE", help="passed to the build (repeatable), e.g. NODE_IMAGE=...",
    )  # fmt: skip
    parser.add_argument(
        "--env", "-e", dest="env", action="append", default=[], type=_key_value("--env"),
        metavar="KEY=VALUE", help="a variable for the container (repeatable), e.g. DATABASE_URL=...",
    )  # fmt: skip
    parser.add_argument(
        "--env-file", dest="env_files", action="append", default=[], type=Path, metavar="FILE",
        help="a file of KEY=VALUE lines for the container (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--network", choices=["host", "publish"],
        help="host: share the host's network; publish: map a free 127.0.0.1 port "
        "(default: publish with docker, host with podman)",
    )  # fmt: skip
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="build again after editing a source file; report the cache hits",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for healthy (default 120)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the image built for the check")
    parser.add_argument(
        "--fail-on", choices=["critical", "high", "medium", "low"],
        help="with trivy or grype on PATH: fail when the scan finds vulnerabilities this severe or worse",
    )  # fmt: skip
    parser.add_argument(
        "--no-inspect", dest="inspect", action="store_false",
        help="skip reading the image's layers (size against the floor, files that should not ship)",
    )  # fmt: skip
    parser.add_argument(
        "--no-scan",
        dest="scan",
        action="store_false",
        help="skip the vulnerability scan even if a scanner is installed",
    )
    parser.add_argument(
        "--format", choices=["text", "json"], default="text", help="text for people, json for CI"
    )


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every step passed, 1 when one failed, 2 when it cannot run here."""
    from wizard.verify.engine import detect_compose, detect_engine  # noqa: PLC0415
    from wizard.verify.report import print_report  # noqa: PLC0415
    from wizard.verify.steps import Options, Verifier  # noqa: PLC0415
    from wizard.verify.target import env_file_keys, load_target  # noqa: PLC0415

    if args.timeout <= 0:
        raise UsageError(f"--timeout {args.timeout}: must be a positive number of seconds")
    from wizard.verify.progress import progress_for  # noqa: PLC0415

    target = load_target(args.path, args.service)
    engine = detect_engine(args.engine)
    options = Options(
        build_args=dict(args.build_args),
        env=dict(args.env),
        env_files=list(args.env_files),
        network=args.network,
        rebuild=args.rebuild,
        keep=args.keep,
        timeout=args.timeout,
        scan=args.scan,
        inspect=args.inspect,
        fail_on=args.fail_on,
    )
    for env_file in options.env_files:
        env_file_keys(env_file)  # an unreadable file is a usage error, before anything runs
    progress = progress_for(args.format)
    if args.compose:
        if options.env or options.network:
            raise UsageError(
                "--env and --network do not apply with --compose: the stack takes its variables "
                "from .env (or --env-file FILE) and its ports from compose.yaml"
            )
        _compose_preflight(target, options)
        compose = detect_compose(engine)
        from wizard.verify.compose import ComposeVerifier  # noqa: PLC0415

        verifier: Verifier | ComposeVerifier = ComposeVerifier(
            engine, compose, target, options, progress=progress.step
        )
    else:
        _preflight(target, options, options.network or engine.default_network)
        build_log = progress.line if progress.shown else None
        verifier = Verifier(engine, target, options, progress=progress.step, build_log=build_log)
    try:
        with _sigterm_as_interrupt():
            report = verifier.run()
    except KeyboardInterrupt:
        from wizard.verify.report import interrupted_summary  # noqa: PLC0415

        raise Interrupted("interrupted", hint=interrupted_summary(verifier.report, options.keep)) from None
    finally:
        progress.close()
    if args.format == "json":
        import json  # noqa: PLC0415

        print(json.dumps(report.as_json(), indent=2))
    else:
        print_report(report)
    return 0 if report.ok else 1


def _compose_preflight(target: Target, options: Options) -> None:
    """Refuse before building a stack that compose would refuse: a required secret unset."""
    import os  # noqa: PLC0415

    from wizard.errors import VerifySetupError  # noqa: PLC0415
    from wizard.verify.target import compose_env_files, compose_missing_secrets  # noqa: PLC0415

    env_files = compose_env_files(target, options.env_files)
    missing = compose_missing_secrets(target, env_files, os.environ)
    if missing:
        where = ", ".join(str(path) for path in env_files) or "no .env file"
        raise VerifySetupError(
            f"--compose: {target.compose_file.name} requires {', '.join(missing)}, unset in {where}",
            hint=f"Copy {target.app_dir}/.env.example to .env and set {', '.join(missing)}, "
            "or pass --env-file FILE.",
        )


def _preflight(target: Target, options: Options, network: str) -> None:
    """Refuse before building what cannot pass: a variable the service needs, a busy port."""
    from wizard.errors import VerifySetupError  # noqa: PLC0415
    from wizard.verify.process import port_in_use  # noqa: PLC0415
    from wizard.verify.steps import container_port  # noqa: PLC0415
    from wizard.verify.target import missing_env  # noqa: PLC0415

    missing = missing_env(target, options.env, options.env_files)
    if missing:
        names = ", ".join(missing)
        whys = "; ".join(f"{name}: {why}" for name, why in missing.items())
        raise VerifySetupError(
            f"{target.service_name} needs {names} to start ({whys})",
            hint=f"Run `ndw verify --compose` to start it with its database, or give "
            f"{' and '.join(f'--env {name}=...' for name in missing)} (or --env-file FILE) "
            "pointing at a server this machine reaches.",
        )
    port = container_port(target, options.env)
    if network == "host" and port_in_use(port):
        raise VerifySetupError(
            f"port {port} is already in use on this machine, and the container shares the host network",
            hint="Stop what listens there, give the service another port with --env PORT=NUMBER, "
            "or use --network publish (maps a free port instead).",
        )


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job cancelled) cleans up like Ctrl-C instead of leaving containers behind."""
    import signal  # noqa: PLC0415

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
