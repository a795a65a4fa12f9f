"""Issue #17: writes all or nothing, no way out of the repository, no dead ends, readable refusals."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.test_init import tree_state
from wizard.disk import env_block

Run = Callable[..., tuple[int, str, str]]
ORDERS_API = REPO_ROOT / "examples" / "orders-api"


@pytest.fixture(scope="module", autouse=True)
def private_template_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """This module's own template history: another checkout's test run shares no version tags with it."""
    from wizard.template import current_template

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NDW_CACHE_DIR", str(tmp_path_factory.mktemp("ndw-cache")))
        current_template.cache_clear()
        yield
    current_template.cache_clear()


@pytest.fixture
def orders_api(tmp_path: Path) -> Path:
    """The README's example (Drizzle: its scaffold has a docker/ folder)."""
    app = tmp_path / "repo" / "orders-api"
    shutil.copytree(ORDERS_API, app)
    return app


def one_line(err: str) -> str:
    """The error line of stderr (the first line that starts with 'error:')."""
    return next(line for line in err.splitlines() if line.startswith("error:"))


# --- 1. all or nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "path", "cause"),
    [
        pytest.param(
            lambda app: (app / "Dockerfile").mkdir(), "Dockerfile", "a folder is in the way", id="dir"
        ),
        pytest.param(
            lambda app: (app / "docker").write_text("x\n"),
            "docker/migrate.mjs",
            "docker is a file where a folder is needed",
            id="file-for-folder",
        ),
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_a_wrong_file_type_is_refused_before_anything_is_written(  # noqa: PLR0917
    run_ndw: Run, orders_api: Path, make: Callable[[Path], None], path: str, cause: str, force: bool
) -> None:
    make(orders_api)
    before = tree_state(orders_api)
    status, _, err = run_ndw("init", orders_api, "--defaults", *(["--force"] if force else []))
    assert status == 1
    assert "Traceback" not in err
    assert one_line(err).startswith(f"error: cannot write {path}: ")
    assert cause in one_line(err)
    assert tree_state(orders_api) == before
    assert not list(orders_api.rglob("*.ndw-*"))


def test_a_read_only_folder_is_refused_by_the_pre_check(
    run_ndw: Run, orders_api: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root ignores permission bits, so the pre-check's view of writability is patched."""
    (orders_api / "docker").mkdir()
    real_access = os.access
    readonly = {orders_api / "docker"}

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        return False if Path(path) in readonly and mode & os.W_OK else real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    before = tree_state(orders_api)
    status, _, err = run_ndw("init", orders_api, "--defaults")
    assert status == 1
    assert one_line(err) == "error: cannot write docker/migrate.mjs: folder docker is not writable"
    assert tree_state(orders_api) == before

    readonly = {orders_api}  # a read-only target
    status, _, err = run_ndw("init", orders_api, "--defaults")
    assert status == 1 and "folder . is not writable" in one_line(err)
    assert tree_state(orders_api) == before


def failing_after(
    monkeypatch: pytest.MonkeyPatch, method: str, calls: int, error: OSError
) -> Callable[[], int]:
    """Patch Path.<method> to raise `error` (with the path) on its `calls`-th use on a staged file."""
    real = getattr(Path, method)
    count = 0

    def patched(self: Path, *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        if ".ndw-" in self.name:
            count += 1
        if count == calls and ".ndw-" in self.name:
            raise type(error)(error.errno, error.strerror, str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, patched)
    return lambda: count


@pytest.mark.parametrize("calls", [1, 3, 7])
def test_disk_full_while_staging_leaves_the_tree_as_it_was(
    run_ndw: Run, orders_api: Path, monkeypatch: pytest.MonkeyPatch, calls: int
) -> None:
    (orders_api / "Dockerfile").write_text("FROM scratch\n")  # replaced with --force
    before = tree_state(orders_api)
    failing_after(monkeypatch, "write_bytes", calls, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    status, _, err = run_ndw("init", orders_api, "--defaults", "--force")
    assert status == 1
    assert "Traceback" not in err
    assert one_line(err).endswith(": No space left on device")
    assert "Nothing was written" in err
    assert tree_state(orders_api) == before
    assert not (orders_api / "docker").exists()  # the folder made for the staged file is gone


@pytest.mark.parametrize("calls", [1, 4, 7])
def test_an_error_during_the_swap_rolls_back_and_restores_replaced_files(
    run_ndw: Run, orders_api: Path, monkeypatch: pytest.MonkeyPatch, calls: int
) -> None:
    (orders_api / "Dockerfile").write_text("FROM scratch\n")
    (orders_api / "compose.yaml").write_text("services: {}\n")
    before = tree_state(orders_api)
    failing_after(monkeypatch, "replace", calls, PermissionError(errno.EACCES, "Permission denied"))
    status, _, err = run_ndw("init", orders_api, "--defaults", "--force")
    assert status == 1
    assert "Permission denied" in one_line(err)
    assert tree_state(orders_api) == before
    assert not list(orders_api.rglob(".*.ndw-*"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_swap_is_held_and_the_write_completes(
    run_ndw: Run, orders_api: Path, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    real = Path.replace

    def replace(self: Path, target: Any) -> Path:
        if self.name.endswith(".ndw-tmp"):
            os.kill(os.getpid(), signum)
        return real(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    handler = signal.getsignal(signum)
    status, out, err = run_ndw("init", orders_api, "--defaults")
    assert status == 0, err
    assert "Wrote 8 file(s)" in out  # 7 new files, and the block appended to the kept .env.example
    assert signal.Signals(signum).name in err and "the write was finished first" in err
    assert (orders_api / "docker" / "migrate.mjs").is_file()
    assert env_block.BEGIN in (orders_api / ".env.example").read_text()
    assert signal.getsignal(signum) == handler


def test_a_signal_while_staging_writes_nothing_and_exits_130(
    run_ndw: Run, orders_api: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path.write_bytes

    def write_bytes(self: Path, data: Any) -> int:
        if self.name.endswith(".ndw-tmp"):
            os.kill(os.getpid(), signal.SIGTERM)
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    before = tree_state(orders_api)
    status, _, err = run_ndw("init", orders_api, "--defaults")
    assert status == 130
    assert "Nothing was written" in err
    assert tree_state(orders_api) == before


# --- 2. symlinks ---------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "migrate.mjs").write_text("// someone else's file\n")
    yield folder


@pytest.mark.parametrize("flags", [[], ["--force"], ["--dry-run"]])
def test_a_symlink_out_of_the_repository_is_refused_even_with_force(
    run_ndw: Run, orders_api: Path, outside: Path, flags: list[str]
) -> None:
    (orders_api / "docker").symlink_to(outside, target_is_directory=True)
    before, outside_before = tree_state(orders_api), tree_state(outside)
    status, _, err = run_ndw("init", orders_api, "--defaults", *flags)
    assert status == 2
    assert f"docker/migrate.mjs leads outside {orders_api.resolve()}" in one_line(err)
    assert tree_state(orders_api) == before
    assert tree_state(outside) == outside_before


def test_a_symlinked_file_leading_out_is_refused(run_ndw: Run, orders_api: Path, outside: Path) -> None:
    (orders_api / "Dockerfile").symlink_to(outside / "migrate.mjs")
    outside_before = tree_state(outside)
    status, _, err = run_ndw("init", orders_api, "--defaults", "--force")
    assert status == 2 and "Dockerfile leads outside" in one_line(err)
    assert tree_state(outside) == outside_before


def test_a_symlink_inside_the_repository_is_followed(run_ndw: Run, orders_api: Path) -> None:
    (orders_api / "deploy" / "docker").mkdir(parents=True)
    (orders_api / "docker").symlink_to("deploy/docker", target_is_directory=True)
    status, _, err = run_ndw("init", orders_api, "--defaults")
    assert status == 0, err
    assert (orders_api / "deploy" / "docker" / "migrate.mjs").is_file()
    assert (orders_api / "docker").is_symlink()


# --- 4. not a Node project -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({}, "no package.json in the repository root", id="empty"),
        pytest.param(
            {"pyproject.toml": "[project]\nname = 'x'\n", "main.py": "print(1)\n"},
            "no package.json in the repository root",
            id="python",
        ),
        pytest.param(
            {"package.json": '{"name": "x",'}, "package.json is not valid JSON (line 1", id="broken"
        ),
        pytest.param({"package.json": "[1, 2]"}, "package.json must hold a JSON object", id="array"),
        pytest.param({"package.json": '"x"'}, "package.json must hold a JSON object", id="string"),
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_a_folder_that_is_not_a_node_project_is_refused(
    run_ndw: Run, tmp_path: Path, files: dict[str, str], expected: str, force: bool
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name, text in files.items():
        (project / name).write_text(text)
    before = tree_state(project)
    status, _, err = run_ndw("init", project, "--defaults", *(["--force"] if force else []))
    assert status == 2
    assert expected in one_line(err)
    assert tree_state(project) == before


# --- 6. refusal output ---------------------------------------------------------------------


def test_a_refusal_shows_only_the_conflicting_files_diffs_capped(run_ndw: Run, orders_api: Path) -> None:
    (orders_api / "Dockerfile").write_text("".join(f"RUN echo {n}\n" for n in range(1000)))
    before = tree_state(orders_api)
    status, out, err = run_ndw("init", orders_api, "--defaults")
    assert status == 2
    assert tree_state(orders_api) == before
    assert "-RUN echo 5\n" in err
    assert "# Running orders-api in containers" not in out + err  # DOCKER.md, a new file
    assert "more diff lines; --dry-run shows everything" in err
    assert len((out + err).splitlines()) < 230
    status, out, _ = run_ndw("init", orders_api, "--defaults", "--dry-run")
    assert status == 0 and "-RUN echo 999" in out and "+# Running orders-api in containers" in out


def test_json_stays_json_on_errors(run_ndw: Run, tmp_path: Path) -> None:
    status, out, _ = run_ndw("check", tmp_path, "--format", "json")
    assert status == 2
    report = json.loads(out)
    assert report["ok"] is False and "no .copier-answers.yml" in report["error"]


# --- 5. no dead end in ndw update ------------------------------------------------------------


def git(path: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(path), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def committed(run_ndw: Run, express_app: Path) -> Path:
    """The Express app scaffolded with the current template and committed."""
    git(express_app, "init", "-q")
    status, _, err = run_ndw("init", express_app, "--defaults")
    assert status == 0, err
    git(express_app, "add", "-A")
    git(express_app, "commit", "-qm", "scaffold")
    return express_app


def wrong_type(value: object) -> object:
    """A value of the wrong type for an answer whose good value is `value`."""
    if isinstance(value, bool):
        return "perhaps"
    if isinstance(value, int):
        return "seventy"
    return ["not", "text"]


def as_set_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


REPAIRED_FOR_REAL = {"port", "redis", "orm"}  # a number, a boolean, a choice


def test_every_corrupted_answer_is_named_and_set_repairs_it(run_ndw: Run, committed: Path) -> None:
    """Each stored answer in turn gets a value of the wrong type: update and check name it, --set repairs it.

    The repair goes through `ndw update` for one answer of each kind (a copier update costs
    seconds); for every other answer the same validation `ndw update` runs decides it.
    """
    import yaml

    from wizard.update import open_scaffold, validate_changes

    answers_path = committed / ".copier-answers.yml"
    good = yaml.safe_load(answers_path.read_text())
    base = git(committed, "rev-parse", "HEAD").strip()
    fields = [name for name in good if not name.startswith("_")]
    assert len(fields) >= 15 and set(fields) >= REPAIRED_FOR_REAL
    for name in fields:
        bad = wrong_type(good[name])
        answers_path.write_text(yaml.safe_dump({**good, name: bad}, sort_keys=False))
        git(committed, "commit", "-qam", f"break {name}")
        before = tree_state(committed)

        status, out, err = run_ndw("update", committed)
        message = " ".join(err.split())
        assert status == 2, (name, out, err)
        assert f"{name}: {bad!r} is not allowed" in message, message
        assert f"--set {name}=VALUE" in message
        assert tree_state(committed) == before

        status, out, _ = run_ndw("check", committed, "--format", "json")
        report = json.loads(out)
        assert status == 1 and f"{name}:" in report["render_error"], report
        assert f"--set {name}=VALUE" in report["repair"]
        assert "Nothing was written" not in out

        repair = {name: good[name]}
        data, merge_base = validate_changes(open_scaffold(committed), repair)
        assert data[name] == good[name]
        assert merge_base[name] == good[name]  # the last committed valid value
        if name in REPAIRED_FOR_REAL:
            status, out, err = run_ndw("update", committed, "--set", f"{name}={as_set_value(good[name])}")
            assert status == 0, (name, out, err)
            assert yaml.safe_load(answers_path.read_text())[name] == good[name]
            changed = git(committed, "status", "--porcelain").split()
            assert changed == ["M", ".copier-answers.yml"], changed  # the files were right all along
        git(committed, "reset", "-q", "--hard", base)


def test_set_repairs_a_bad_port_and_keeps_the_files(run_ndw: Run, committed: Path) -> None:
    answers_path = committed / ".copier-answers.yml"
    text = answers_path.read_text()
    assert "\nport: 3000\n" in text
    answers_path.write_text(text.replace("\nport: 3000\n", "\nport: seventy\n"))
    git(committed, "commit", "-qam", "break the port")
    status, _, err = run_ndw("update", committed, "--set", "port=3000")
    assert status == 0, err
    assert git(committed, "status", "--porcelain").split() == ["M", ".copier-answers.yml"]
    status, out, err = run_ndw("check", committed)
    assert status == 0, out + err


@pytest.mark.parametrize(
    "text",
    [
        "_src_path: ', but: got ':'\nport: [\n",
        "_commit: 0.1.0\n  port: 3000\n bad indent: x\n",
        "- a list\n",
    ],
)
def test_a_corrupted_answers_file_gets_a_readable_message(run_ndw: Run, committed: Path, text: str) -> None:
    (committed / ".copier-answers.yml").write_text(text)
    git(committed, "commit", "-qam", "corrupt")
    for command in ("update", "check"):
        status, _, err = run_ndw(command, committed)
        assert status == 2
        assert "answers file" in one_line(err)
        assert "(line" in one_line(err) or "must be a mapping" in one_line(err)
        assert "git restore .copier-answers.yml" in err
        assert "Traceback" not in err
    status, _, err = run_ndw("check", committed)
    assert "Nothing was written" not in err


# --- 7. messages ---------------------------------------------------------------------------------


def test_an_update_with_nothing_to_do_says_so(run_ndw: Run, committed: Path) -> None:
    status, out, _ = run_ndw("update", committed)
    assert status == 0
    assert "Nothing to update" in out
    assert "git diff" not in out and "->" not in out


def test_one_bad_port_is_one_error_and_long_values_are_cut(run_ndw: Run, express_app: Path) -> None:
    status, _, err = run_ndw("init", express_app, "--defaults", "--set", "port=seventy")
    assert status == 2
    assert "port: 'seventy' is not allowed" in err
    assert "host_port" not in err
    status, _, err = run_ndw("init", express_app, "--defaults", "--set", "service_name=" + "x" * 5000)
    assert status == 2
    assert "... (5002 characters) is not allowed" in err
    assert len(err) < 1000


def test_booleans_print_as_yaml(run_ndw: Run, express_app: Path) -> None:
    status, _, err = run_ndw("init", express_app, "--defaults", "--set", "init_system=true")
    assert status == 2
    assert "init_system: true is not allowed" in err


def test_update_refuses_a_symlink_out_of_the_repository(
    run_ndw: Run, committed: Path, tmp_path: Path
) -> None:
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "migrate.mjs").write_text("// not ours\n")
    (committed / "docker").symlink_to(outside_dir, target_is_directory=True)
    git(committed, "add", "-A")
    git(committed, "commit", "-qm", "docker is elsewhere")
    before = tree_state(outside_dir)
    status, _, err = run_ndw("update", committed, "--set", "orm=drizzle", "--set", "database=postgresql")
    assert status == 2
    assert "docker/migrate.mjs leads outside" in one_line(err)
    assert tree_state(outside_dir) == before
    assert git(committed, "status", "--porcelain") == ""


def test_all_services_refusal_lists_only_the_conflicting_files(run_ndw: Run, tmp_path: Path) -> None:
    repo = Path(shutil.copytree(REPO_ROOT / "tests/fixtures/monorepos/pnpm-workspace", tmp_path / "repo"))
    (repo / "apps/worker/Dockerfile").write_text("FROM scratch\n")
    before = tree_state(repo)
    status, out, err = run_ndw("init", repo, "--all-services")
    assert status == 2
    assert tree_state(repo) == before
    assert "apps/worker/Dockerfile" in err and "-FROM scratch" in err
    assert "+++ b/apps/api/" not in out + err  # new files of the other service are not printed
    assert "+# Running " not in out + err  # the title of a new DOCKER.md


def test_all_services_write_is_all_or_nothing(
    run_ndw: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Path(shutil.copytree(REPO_ROOT / "tests/fixtures/monorepos/pnpm-workspace", tmp_path / "repo"))
    before = tree_state(repo)
    failing_after(monkeypatch, "replace", 9, OSError(errno.EIO, "Input/output error"))
    status, _, err = run_ndw("init", repo, "--all-services")
    assert status == 1 and "Input/output error" in one_line(err)
    assert tree_state(repo) == before
