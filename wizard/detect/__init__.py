"""Read a Node.js repository and propose answers, each with where it came from.

`detect(root, app_dir=None) -> Detection` proposes values for the questions of
`scaffolds/node-service/copier.yml` (by question name) with a source string such as
`package.json dependencies: @nestjs/core`, plus warnings: full sentences about what would
break in a container and what to do. It is pure (reads files, runs nothing, no network),
never enters node_modules, .git or build output, and takes a few milliseconds.

`detect_services(root) -> list[ServiceCandidate]` lists every service of a repository
(workspaces, folders of independent services, NestJS monorepo apps) for multi-service
scaffolding.

Modules, one job each:
    app        the app folder: package.json, scripts, dependencies, source files (read once)
    files      bounded, tolerant file reading (JSON with comments, walking without node_modules)
    runtime    package manager and its exact version; Node.js LTS line (.nvmrc, engines.node)
    noderange  which Node majors an npm version range allows
    installs   install-time traps (pnpm build-script approval, Yarn Plug'n'Play)
    entry      framework, build command, production entry (start scripts, nest-cli.json)
    siblings   local packages linked with file: outside a workspace (built in their own stage)
    runfiles   files read at run time that the build does not emit (views/, public/, i18n, .proto)
    tsconfig   what tsc emits: outDir and the rootDir it computes
    data       ORM, database, Drizzle driver, Redis, migrations folder, schema/config path
    native     whether installing needs compilers
    network    port, health-check path, listen() calls unreachable from outside the container
    signals    graceful stop on SIGTERM (NestJS shutdown hooks)
    services   detect_services and ServiceCandidate
    run        detect(): locate the app, then ask each detector, strongest evidence first
"""

from __future__ import annotations

from wizard.detect.model import Detection, Finding
from wizard.detect.run import detect, detect_service
from wizard.detect.services import ServiceCandidate, detect_services

__all__ = ["Detection", "Finding", "ServiceCandidate", "detect", "detect_service", "detect_services"]
