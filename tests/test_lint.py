"""wizard.lint: the findings users see from `ndw check`, from real hadolint, shellcheck and schema runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wizard import lint
from wizard.lint import (
    LinterMissingError,
    lint_compose,
    lint_dockerfile,
    lint_dockerfiles,
    lint_scaffold,
    lint_shell,
)

CLEAN_DOCKERFILE = """\
FROM node:24-bookworm-slim
WORKDIR /app
RUN apt-get update \\
    && apt-get install --yes --no-install-recommends tini \\
    && rm -rf /var/lib/apt/lists/*
COPY . .
USER 1000
CMD ["node", "src/index.js"]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_dockerfile_has_no_findings_and_apt_pins_are_ignored_by_the_scaffold_config(
    tmp_path: Path,
) -> None:
    dockerfile = write(tmp_path / "Dockerfile", CLEAN_DOCKERFILE)
    assert lint_dockerfile(dockerfile) == []
    # Without the scaffold's config, hadolint asks for apt pins: the config is what silences it.
    empty = write(tmp_path / "empty.yaml", "ignored: []\n")
    codes = [finding.code for finding in lint_dockerfile(dockerfile, config=empty)]
    assert codes == ["DL3008"]


def test_dockerfile_findings_name_file_line_and_rule(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", "FROM node:24-bookworm-slim\nUSER root\nCMD node index.js\n")
    findings = lint_dockerfile(dockerfile)
    by_code = {finding.code: finding for finding in findings}
    assert by_code["DL3025"].line == 3  # shell-form CMD
    assert by_code["DL3002"].line == 2  # last USER is root
    assert all(finding.path == str(dockerfile) and finding.tool == "hadolint" for finding in findings)


def test_unparsable_dockerfile_is_reported_not_raised(tmp_path: Path) -> None:
    broken = write(tmp_path / "Dockerfile", "FROM\nRUN echo hi\n")
    [finding] = lint_dockerfile(broken)
    assert finding.code == "DL1000"


def test_many_dockerfiles_in_one_call_keep_their_own_paths(tmp_path: Path) -> None:
    good = write(tmp_path / "a" / "Dockerfile", CLEAN_DOCKERFILE)
    bad = write(tmp_path / "b" / "Dockerfile", "FROM node:24-bookworm-slim\nCMD node index.js\n")
    findings = lint_dockerfiles([good, bad])
    assert {finding.path for finding in findings} == {str(bad)}
    assert lint_dockerfiles([]) == []


def test_shellcheck_reports_unquoted_variables(tmp_path: Path) -> None:
    script = write(tmp_path / "docker-entrypoint.sh", '#!/bin/sh\nset -eu\nrm -rf $1\nexec "$@"\n')
    [finding] = lint_shell(script)
    assert (finding.tool, finding.code, finding.line) == ("shellcheck", "SC2086", 3)
    write(script, '#!/bin/sh\nset -eu\nrm -rf "$1"\nexec "$@"\n')
    assert lint_shell(script) == []


def test_compose_schema_errors_point_at_the_line(tmp_path: Path) -> None:
    compose = write(
        tmp_path / "compose.yaml",
        "services:\n  app:\n    image: app\n    restart: 5\n    ports:\n      - 3000:3000\n",
    )
    [finding] = lint_compose(compose)
    assert finding.line == 4
    assert "restart" in finding.message


def test_compose_version_key_is_flagged_as_obsolete(tmp_path: Path) -> None:
    compose = write(tmp_path / "compose.yaml", 'version: "3.9"\nservices:\n  app:\n    image: app\n')
    [finding] = lint_compose(compose)
    assert (finding.code, finding.line) == ("obsolete-version", 1)


def test_compose_yaml_syntax_error_is_a_finding(tmp_path: Path) -> None:
    compose = write(tmp_path / "compose.yaml", "services:\n  app: [\n")
    [finding] = lint_compose(compose)
    assert finding.code == "yaml"


def test_lint_scaffold_checks_whichever_files_exist(tmp_path: Path) -> None:
    assert lint_scaffold(tmp_path) == []
    write(tmp_path / "Dockerfile", "FROM node:24-bookworm-slim\nCMD node index.js\n")
    write(tmp_path / "docker-entrypoint.sh", "#!/bin/sh\necho $1\n")
    write(tmp_path / "compose.yaml", "services:\n  app:\n    image: app\n    restart: 5\n")
    tools = sorted({finding.tool for finding in lint_scaffold(tmp_path)})
    assert tools == ["compose-schema", "hadolint", "shellcheck"]


def test_missing_linter_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LinterMissingError) as raised:
        lint.find_tool("hadolint")
    assert "hadolint is not installed" in str(raised.value)
    assert raised.value.exit_code == 2
