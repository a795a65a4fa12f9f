"""Shared test helpers: a scratch repository and running the CLI in-process."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from wizard.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures"
_OWN_CACHE: list[str] = []
# The quick loop (`pytest -m quick -n auto`, under a minute): detection, questions, the engine,
# planning and writing, lint, the service picker, ruff and mypy. Everything that builds images, starts
# engines or walks the whole answer matrix stays out.
QUICK_MODULES = frozenset(
    {
        "test_detect",
        "test_detect_apps",
        "test_questions",
        "test_engine",
        "test_init",
        "test_lint",
        "test_picker",
        "test_code_style",
        "test_jinja_cache",
    }
)
_SLOW_MARKERS = frozenset({"e2e", "compose", "oracle"})


def pytest_configure(config: pytest.Config) -> None:
    """Give the run a template cache of its own, so a user's ~/.cache/ndw (filled by another
    checkout's template at the same version) can never change what the tests render."""
    # pytest-xdist workers inherit the controller's environment: each makes its own cache too,
    # as two processes resetting one cache repository under each other changed `_commit`.
    if not os.environ.get("NDW_CACHE_DIR") or os.environ.get("NDW_TEST_OWN_CACHE"):
        _OWN_CACHE.append(tempfile.mkdtemp(prefix="ndw-test-cache-"))
        os.environ["NDW_CACHE_DIR"] = _OWN_CACHE[-1]
        os.environ["NDW_TEST_OWN_CACHE"] = "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the quick loop's tests `quick`."""
    for item in items:
        if Path(str(item.fspath)).stem not in QUICK_MODULES:
            continue
        if not any(item.get_closest_marker(name) for name in _SLOW_MARKERS):
            item.add_marker(pytest.mark.quick)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's own template cache, and keep the snippet cache from writing into it at
    exit (atexit runs after this hook, and would leave a folder behind in /tmp)."""
    from wizard.jinja_cache import compiled_snippets

    if _OWN_CACHE and compiled_snippets.cache_info().currsize:
        atexit.unregister(compiled_snippets().save)
    for folder in _OWN_CACHE:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def run_ndw(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `ndw ARGS...` in-process; returns (exit status, stdout, stderr)."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture
def express_app(tmp_path: Path) -> Path:
    """A minimal Express service in a temporary folder."""
    app = tmp_path / "orders-api"
    (app / "src").mkdir(parents=True)
    manifest = {
        "name": "@acme/orders-api",
        "version": "1.0.0",
        "scripts": {"start": "node src/index.js"},
        "dependencies": {"express": "^5.1.0"},
    }
    (app / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (app / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}\n')
    (app / "src" / "index.js").write_text(
        "const express = require('express');\nconst app = express();\n"
        "app.get('/health', (_req, res) => res.send('ok'));\napp.listen(process.env.PORT || 3000);\n"
    )
    return app
