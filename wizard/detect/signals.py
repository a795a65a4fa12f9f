"""Shutdown on `docker stop`: SIGTERM handling the app needs for a graceful stop."""

from __future__ import annotations

from wizard.detect.app import App
from wizard.detect.model import Detection

MAX_SCANNED_FILES = 200


def check_shutdown(app: App, found: Detection, framework: str | None) -> None:
    """Warn when a NestJS app never enables its shutdown hooks (off by default)."""
    if framework != "nestjs":
        return
    texts = (app.text(name) or "" for name in app.source_files[:MAX_SCANNED_FILES])
    if not any("enableShutdownHooks" in text for text in texts):
        found.warn(
            "The NestJS app never calls app.enableShutdownHooks(), so on `docker stop` (SIGTERM) it exits "
            "without running onModuleDestroy/beforeApplicationShutdown hooks, cutting open requests and "
            "database connections; call app.enableShutdownHooks() in bootstrap()."
        )
