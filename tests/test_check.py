"""`ndw check`: lint findings, drift from the answers, a newer template, JSON for CI."""
# ruff: noqa: F811  (the module fixture `history` is imported from test_update)

from __future__ import annotations

import json
from pathlib import Path

from tests.test_update import OLD, Run, history, scaffold  # noqa: F401 (module fixture)
from wizard.template_repo import TemplateRepo


def check_json(run_ndw: Run, project: Path) -> tuple[int, dict[str, object]]:
    status, out, err = run_ndw("check", project, "--format", "json")
    assert status in (0, 1), err
    return status, json.loads(out)


def test_a_fresh_scaffold_has_no_drift_and_is_current(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, history.ref)
    status, report = check_json(run_ndw, project)
    assert report["drift"] == []
    assert report["template"] == {"recorded": history.ref, "current": history.ref, "outdated": False}
    assert status == (1 if report["lint"] else 0)
    assert report["ok"] is (status == 0)


def test_hand_edits_show_as_drift_without_failing(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, history.ref)
    (project / "DOCKER.md").unlink()
    with (project / "compose.yaml").open("a") as handle:
        handle.write("# my own compose line\n")
    _status, report = check_json(run_ndw, project)
    drift = {item["path"]: item for item in report["drift"]}  # type: ignore[attr-defined]
    assert drift["DOCKER.md"]["status"] == "missing"
    assert drift["compose.yaml"]["status"] == "edited"
    assert "+# my own compose line" in drift["compose.yaml"]["diff"]
    _status, out, _err = run_ndw("check", project)
    assert "your own edits show here" in out and "compose.yaml" in out


def test_an_older_template_version_fails_the_check(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    status, report = check_json(run_ndw, project)
    assert status == 1 and report["ok"] is False
    assert report["template"] == {"recorded": OLD, "current": history.ref, "outdated": True}
    _status, out, _err = run_ndw("check", project)
    assert "ndw update" in out


def test_lint_findings_fail_the_check_with_file_and_line(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, history.ref)
    dockerfile = project / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "USER root\nCMD node server.js\n")
    status, report = check_json(run_ndw, project)
    assert status == 1
    codes = {(item["path"], item["code"]) for item in report["lint"]}  # type: ignore[attr-defined]
    assert ("Dockerfile", "DL3025") in codes and ("Dockerfile", "DL3002") in codes


def test_no_answers_file_suggests_init(tmp_path: Path, run_ndw: Run) -> None:
    status, _out, err = run_ndw("check", tmp_path)
    assert status == 2 and "ndw init" in err
