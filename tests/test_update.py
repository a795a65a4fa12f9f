"""`ndw update`: an older template version merged into edited scaffolds, answer changes, errors.

An older template version (0.0.1) is built here from the current template with known
differences: an extra header line in the Dockerfile and compose.yaml, and no DOCKER.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wizard import __version__, template
from wizard.engine import render
from wizard.questions import QuestionSet
from wizard.template import seed_patterns, template_dir
from wizard.template_repo import PORTABLE_URL, TemplateRepo, local_repo, write_bundle

OLD = "0.0.1"
DOCKER_HEADER = "# dockerfile header of template 0.0.1\n"
COMPOSE_HEADER = "# compose header of template 0.0.1\n"
Run = Callable[..., tuple[int, str, str]]


def git(path: Path, *args: str) -> str:
    """git with a fixed identity; fails the test on error."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(path), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def build_old_template(folder: Path) -> Path:
    """The current template with 0.0.1's differences."""
    shutil.copytree(template_dir(), folder)
    dockerfile = folder / "template" / "{{ app_dir }}" / "Dockerfile.jinja"
    dockerfile.write_text(DOCKER_HEADER + dockerfile.read_text())
    compose = folder / "template" / "{{ app_dir }}" / "compose.yaml.jinja"
    compose.write_text(COMPOSE_HEADER + compose.read_text())
    (folder / "template" / "{{ app_dir }}" / "DOCKER.md.jinja").unlink()
    return folder


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateRepo]:
    """ndw's template history with 0.0.1 before the current version, in a private cache."""
    work = tmp_path_factory.mktemp("history")
    bundle = work / "old.bundle"
    write_bundle(build_old_template(work / "old-template"), OLD, bundle, None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NDW_TEMPLATE_HISTORY", str(bundle))
        patch.setenv("NDW_CACHE_DIR", str(work / "ndw-cache"))
        patch.setenv("COPIER_CACHE_DIR", str(work / "copier-cache"))
        template.current_template.cache_clear()
        repo = local_repo(template_dir(), __version__)
        yield repo
    template.current_template.cache_clear()


def answers(**changes: Any) -> dict[str, Any]:
    """Valid answers for a small Express service."""
    return QuestionSet().resolve({"service_name": "orders-api", **changes}).require_valid()


def scaffold(project: Path, repo: TemplateRepo, version: str, **changes: Any) -> Path:
    """A committed repository scaffolded with template `version`."""
    project.mkdir(parents=True)
    (project / "package.json").write_text('{"name": "orders-api"}\n')
    with render.rendered_scaffold(answers(**changes), repo=TemplateRepo(repo.path, version)) as out:
        shutil.copytree(out, project, dirs_exist_ok=True)
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "scaffold")
    return project


def commit_all(project: Path, message: str = "edit") -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", message)


def edit_by_hand(project: Path) -> None:
    """The user's own lines at the end of the Dockerfile and compose.yaml, committed."""
    with (project / "Dockerfile").open("a") as handle:
        handle.write("# my own Dockerfile line\n")
    with (project / "compose.yaml").open("a") as handle:
        handle.write("# my own compose line\n")
    commit_all(project)


def test_the_old_scaffold_records_a_portable_source_and_its_version(
    history: TemplateRepo, tmp_path: Path
) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    recorded = (project / ".copier-answers.yml").read_text()
    assert f"_commit: {OLD}" in recorded
    assert f"_src_path: {PORTABLE_URL}" in recorded
    assert str(history.path) not in recorded and "/tmp" not in recorded
    assert (project / "Dockerfile").read_text().startswith(DOCKER_HEADER)
    assert history.versions() == [OLD, history.ref]


def test_update_keeps_edits_lands_template_changes_and_adds_files(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    edit_by_hand(project)
    status, out, err = run_ndw("update", project)
    assert status == 0, err
    dockerfile = (project / "Dockerfile").read_text()
    compose = (project / "compose.yaml").read_text()
    assert "# my own Dockerfile line" in dockerfile and "# my own compose line" in compose
    assert DOCKER_HEADER not in dockerfile and COMPOSE_HEADER not in compose
    assert (project / "DOCKER.md").is_file()
    assert f"_commit: {history.ref}" in (project / ".copier-answers.yml").read_text()
    assert "merged" in out and "Dockerfile" in out and "DOCKER.md" in out
    assert "<<<<<<<" not in dockerfile


def test_the_same_update_with_plain_copier_gives_the_same_files(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    by_ndw = scaffold(tmp_path / "ndw", history, OLD)
    by_copier = scaffold(tmp_path / "copier", history, OLD)
    for project in (by_ndw, by_copier):
        edit_by_hand(project)
    assert run_ndw("update", by_ndw)[0] == 0
    config = tmp_path / "gitconfig"
    subprocess.run(
        ["git", "config", "--file", str(config), f"url.{history.path}.insteadOf", PORTABLE_URL], check=True
    )
    # The venv's own copier: CI runs `.venv/bin/python -m pytest` without activating the venv.
    copier = Path(sys.executable).with_name("copier")
    env = {
        "PATH": str(copier.parent) + ":/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GIT_CONFIG_GLOBAL": str(config),
    }
    done = subprocess.run(
        [str(copier), "update", "--defaults", "--trust", "--skip-tasks", str(by_copier)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    files = sorted(p.relative_to(by_ndw).as_posix() for p in by_ndw.rglob("*") if ".git" not in p.parts)
    assert files == sorted(
        p.relative_to(by_copier).as_posix() for p in by_copier.rglob("*") if ".git" not in p.parts
    )
    for name in files:
        if (by_ndw / name).is_file():
            assert (by_ndw / name).read_bytes() == (by_copier / name).read_bytes(), name


def conflicting_edit(project: Path) -> None:
    """The user rewrites the very line the template removes."""
    dockerfile = project / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(DOCKER_HEADER, "# my rewritten header\n"))
    commit_all(project)


def test_a_genuine_conflict_is_marked_inline_and_exits_1(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    conflicting_edit(project)
    status, out, _err = run_ndw("update", project)
    assert status == 1
    dockerfile = (project / "Dockerfile").read_text()
    assert "<<<<<<< before updating" in dockerfile and ">>>>>>> after updating" in dockerfile
    assert "conflicted" in out and "Dockerfile" in out.split("conflicted", 1)[1]


def test_a_genuine_conflict_goes_to_a_rej_file(history: TemplateRepo, tmp_path: Path, run_ndw: Run) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    conflicting_edit(project)
    status, out, _err = run_ndw("update", project, "--conflict", "rej")
    assert status == 1
    assert (project / "Dockerfile.rej").is_file()
    assert "<<<<<<<" not in (project / "Dockerfile").read_text()
    assert "Dockerfile.rej" in out


def test_dry_run_shows_the_diff_and_writes_nothing(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    edit_by_hand(project)
    before = git(project, "rev-parse", "HEAD")
    status, out, err = run_ndw("update", project, "--dry-run")
    assert status == 0, err
    assert "-# dockerfile header of template 0.0.1" in out and "+++ b/DOCKER.md" in out
    assert "nothing was written" in out
    assert git(project, "status", "--porcelain") == "" and git(project, "rev-parse", "HEAD") == before
    assert not (project / "DOCKER.md").exists()


def fresh(repo: TemplateRepo, **changes: Any) -> dict[str, bytes]:
    """What `ndw init` writes for these answers, except seeds (`_skip_if_exists`) that stay the user's."""
    with render.rendered_scaffold(answers(**changes), repo=repo) as out:
        return {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in out.rglob("*")
            if p.is_file() and p.name not in seed_patterns()
        }


def on_disk(project: Path) -> dict[str, bytes]:
    return {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in project.rglob("*")
        if p.is_file()
        and ".git" not in p.parts
        and p.name != "package.json"
        and p.name not in seed_patterns()
    }


def test_set_orm_swaps_the_orm_parts_and_reports_deleted_files(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, history.ref)
    status, _out, err = run_ndw("update", project, "--set", "orm=drizzle")
    assert status == 0, err
    assert on_disk(project) == fresh(history, orm="drizzle")
    assert "orm: drizzle" in (project / ".copier-answers.yml").read_text()
    assert on_disk(project) != fresh(history), "the ORM changes the scaffold"
    commit_all(project, "drizzle")
    status, out, err = run_ndw("update", project, "--set", "orm=prisma")
    assert status == 0, err
    assert on_disk(project) == fresh(history, orm="prisma")
    drizzle_only = set(fresh(history, orm="drizzle")) - set(fresh(history, orm="prisma"))
    assert drizzle_only, "the template has a file only for Drizzle"
    for name in drizzle_only:
        assert not (project / name).exists() and name in out.split("deleted", 1)[1]
    assert "git restore" in out


def test_an_invalid_changed_answer_names_field_value_and_writes_nothing(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    status, _out, err = run_ndw("update", project, "--set", "orm=sequelize")
    assert status == 2
    assert "orm" in err and "sequelize" in err and "prisma" in err
    status, _out, err = run_ndw("update", project, "--set", "prot=8080")
    assert status == 2 and "prot" in err and "port" in err
    assert git(project, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("no-git", "not in a git repository"),
        ("dirty", "uncommitted changes"),
        ("no-answers", "ndw init"),
        ("newer", "newer ndw"),
        ("unknown", "not in this installation's history"),
        ("machine-path", "_src_path"),
    ],
)
def test_errors_say_what_to_do_and_write_nothing(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run, setup: str, expected: str
) -> None:
    project = scaffold(tmp_path / "app", history, OLD)
    answers_file = project / ".copier-answers.yml"
    if setup == "no-git":
        shutil.rmtree(project / ".git")
    elif setup == "dirty":
        (project / "Dockerfile").write_text("FROM scratch\n")
    elif setup == "no-answers":
        answers_file.unlink()
        commit_all(project)
    elif setup == "machine-path":
        text = answers_file.read_text().replace(PORTABLE_URL, "/home/someone/node-service")
        answers_file.write_text(text)
        commit_all(project)
    else:
        version = "99.0.0" if setup == "newer" else "0.0.0"
        answers_file.write_text(answers_file.read_text().replace(f"_commit: {OLD}", f"_commit: {version}"))
        commit_all(project)
    before = on_disk(project)
    status, _out, err = run_ndw("update", project)
    assert status == 2, err
    assert expected in err
    assert on_disk(project) == before


# --- From the installed wheel, with no network -------------------------------------------


def offline(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `command` in a fresh network namespace (no network at all)."""
    return subprocess.run(
        ["unshare", "--net", "--", *command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv holding only the built wheel; dependencies come from the test venv via a .pth."""
    import site
    import sys
    import sysconfig

    if (
        shutil.which("unshare") is None
        or subprocess.run(["unshare", "--net", "true"], check=False).returncode
    ):
        pytest.skip("unshare --net is not available (needs root)")
    work = tmp_path_factory.mktemp("wheel")
    root = Path(__file__).resolve().parent.parent
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(root)],
        check=True,
    )
    wheel = next((work / "dist").glob("node_docker_wizard-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)], check=True)
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = [*site.getsitepackages(), sysconfig.get_path("purelib")]
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(work / "home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    where = offline([str(python), "-c", "import wizard; print(wizard.__file__)"], work, env)
    assert where.stdout.startswith(str(purelib)), where.stdout + where.stderr
    return venv, env


def test_the_wheel_carries_its_template_as_a_tagged_version(
    wheel_venv: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = wheel_venv
    script = (
        "from wizard.template import current_template; from wizard.template_repo import git;"
        "r = current_template(); print(r.ref); print(r.path);"
        "print(git('rev-parse', r.ref + '^{commit}', cwd=r.path).strip())"
    )
    done = offline([str(venv / "bin" / "python"), "-c", script], tmp_path, env)
    assert done.returncode == 0, done.stderr
    ref, _path, commit = done.stdout.split()
    assert ref == __version__
    bundle = next(venv.glob("lib/python*/site-packages/wizard/scaffolds/history/node-service.bundle"))
    heads = git(tmp_path, "bundle", "list-heads", str(bundle))
    assert f"{commit} refs/tags/{__version__}" in heads, "the installed template is the bundled version as is"


def test_init_then_update_from_the_wheel_offline(
    wheel_venv: tuple[Path, dict[str, str]], history: TemplateRepo, tmp_path: Path
) -> None:
    venv, env = wheel_venv
    bundle = Path(os.environ["NDW_TEMPLATE_HISTORY"])
    env = {**env, "NDW_TEMPLATE_HISTORY": str(bundle)}
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "orders-api", "dependencies": {"express": "5"}}\n')
    script = (
        "import shutil, sys; from pathlib import Path; from wizard import template;"
        "from wizard.engine import render;"
        "from wizard.questions import QuestionSet; from wizard.template_repo import TemplateRepo;"
        "a = QuestionSet().resolve({'service_name': 'orders-api'}).require_valid();"
        f"r = TemplateRepo(template.current_template().path, {OLD!r});"
        "cm = render.rendered_scaffold(a, repo=r); out = cm.__enter__();"
        "shutil.copytree(out, sys.argv[1], dirs_exist_ok=True)"
    )
    done = offline([str(venv / "bin" / "python"), "-c", script, str(project)], project, env)
    assert done.returncode == 0, done.stderr
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "scaffold")
    edit_by_hand(project)
    done = offline([str(venv / "bin" / "ndw"), "update", "."], project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert "# my own Dockerfile line" in dockerfile and DOCKER_HEADER not in dockerfile
    assert (project / "DOCKER.md").is_file()
    recorded = (project / ".copier-answers.yml").read_text()
    assert f"_src_path: {PORTABLE_URL}" in recorded and f"_commit: {__version__}" in recorded
    assert str(tmp_path) not in recorded and env["HOME"] not in recorded


def test_answers_file_option_changes_answers_and_set_wins(
    history: TemplateRepo, tmp_path: Path, run_ndw: Run
) -> None:
    project = scaffold(tmp_path / "app", history, history.ref)
    changes = tmp_path / "changes.yml"
    changes.write_text("redis: true\nport: 8080\n")
    status, out, err = run_ndw("update", project, "--answers", changes, "--set", "port=9090")
    assert status == 0, err
    assert on_disk(project) == fresh(history, redis=True, port=9090)
    assert "added" in out or "updated" in out


def test_a_migration_carries_a_renamed_answer_across_versions(history: TemplateRepo, tmp_path: Path) -> None:
    import yaml

    from wizard.template_repo import rename_answer_migration
    from wizard.update import run_update

    old = tmp_path / "t-old"
    shutil.copytree(template_dir(), old)
    for path in old.rglob("*"):  # in 0.0.1 the question was called service_label
        if path.is_file():
            path.write_text(path.read_text().replace("service_name", "service_label"))
    new = tmp_path / "t-new"
    shutil.copytree(template_dir(), new)
    config = yaml.safe_load((new / "copier.yml").read_text())
    config["_migrations"] = [rename_answer_migration("0.0.2", "service_label", "service_name")]
    (new / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    bundle = tmp_path / "h.bundle"
    write_bundle(old, "0.0.1", bundle, None)
    write_bundle(new, "0.0.2", bundle, bundle)
    repo = local_repo(template_dir(), __version__, bundle)
    project = tmp_path / "folder-name"
    project.mkdir()
    data = {("service_label" if k == "service_name" else k): v for k, v in answers().items()}
    with render.rendered_scaffold(data, repo=TemplateRepo(repo.path, "0.0.1")) as out:
        shutil.copytree(out, project, dirs_exist_ok=True)
    assert "service_label: orders-api" in (project / ".copier-answers.yml").read_text()
    git(project, "init", "--quiet")
    commit_all(project, "scaffold")
    run_update(project, {}, TemplateRepo(repo.path, "0.0.2"))
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["service_name"] == "orders-api" and "service_label" not in recorded
    assert recorded["_commit"] == "0.0.2"
    assert "orders-api" in (project / "compose.yaml").read_text()


def test_a_changed_development_template_becomes_a_newer_version(
    history: TemplateRepo, tmp_path: Path
) -> None:
    from wizard.update import run_update

    first = tmp_path / "first"
    shutil.copytree(template_dir(), first)
    bundle = tmp_path / "h.bundle"
    write_bundle(build_old_template(tmp_path / "old"), OLD, bundle, None)
    repo_a = local_repo(first, "7.0.0", bundle)
    dockerfile = first / "template" / "{{ app_dir }}" / "Dockerfile.jinja"
    first_line, rest = dockerfile.read_text().split("\n", 1)
    dockerfile.write_text(f"{first_line}\n# added by a template edit\n{rest}")
    repo_b = local_repo(first, "7.0.0", bundle)
    assert (repo_a.ref, repo_b.ref) == ("7.0.0", "7.0.0+dev.2")
    assert repo_a.path == repo_b.path and repo_b.versions() == [OLD, "7.0.0", "7.0.0+dev.2"]
    assert local_repo(first, "7.0.0", bundle) == repo_b, "a tree seen before is looked up, not added"
    project = scaffold(tmp_path / "app", repo_a, repo_a.ref)
    edit_by_hand(project)
    result = run_update(project, {}, repo_b)
    text = (project / "Dockerfile").read_text()
    assert "# my own Dockerfile line" in text and "# added by a template edit" in text
    assert result.merged == ["Dockerfile"] and not result.conflicted, result
