"""README.md's two commands are the ones CI and newcomers run."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT


def _shell_blocks() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(block for block in _shell_blocks() if "pytest" in block)
    ci_script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci_script.splitlines()


def test_the_try_it_command_uses_the_shipped_example() -> None:
    try_it = _shell_blocks()[0]
    example = re.search(r"examples/([\w.-]+)", try_it)
    assert example is not None
    assert (REPO_ROOT / "examples" / example.group(1) / "package.json").is_file()
