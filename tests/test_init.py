"""`ndw init` with answers files: validation first, nothing written on any failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

Run = Callable[..., tuple[int, str, str]]


def tree_state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its bytes and mode, to prove nothing changed."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def write_answers(folder: Path, text: str) -> Path:
    path = folder.parent / "answers.yml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_ANSWERS = [
    pytest.param("service_name: [unclosed\n", "is not valid YAML (line 2, column 1)", id="malformed-yaml"),
    pytest.param("- just\n- a list\n", "must be a mapping", id="not-a-mapping"),
    pytest.param("service_name: api\nprot: 3000\n", "'prot'", id="unknown-key"),
    pytest.param(
        "service_name: api\nport: abc\n",
        "port: 'abc' is not allowed; expected a whole number",
        id="wrong-type",
    ),
    pytest.param(
        "service_name: api\nport: 0\n",
        "port: 0 is not allowed; must be a port number from 1 to 65535",
        id="port-0",
    ),
    pytest.param("service_name: api\nport: 70000\n", "port: 70000 is not allowed", id="port-70000"),
    pytest.param(
        "service_name: api\nframework: koa\n",
        "framework: 'koa' is not allowed; allowed: 'nestjs'",
        id="unknown-choice",
    ),
    pytest.param("service_name: my service\n", "service_name: 'my service'", id="name-with-space"),
    pytest.param('service_name: "it\'s"\n', 'service_name: "it\'s"', id="name-with-quote"),
    pytest.param("service_name: $(rm -rf /)\n", "service_name: '$(rm -rf /)'", id="name-with-command"),
    pytest.param("service_name: '{{ 7*7 }}'\n", "service_name: '{{ 7*7 }}'", id="name-with-jinja"),
    pytest.param("service_name: ../escape\n", "service_name: '../escape'", id="name-with-dotdot"),
    pytest.param(
        "service_name: api\nredis: perhaps\n",
        "redis: 'perhaps' is not allowed; expected true or false",
        id="bool",
    ),
    pytest.param(
        "service_name: api\nimage_flavor: distroless\ninit_system: tini\n",
        "init_system: 'tini' is not allowed; distroless images have no package manager",
        id="cross-field",
    ),
]


@pytest.mark.parametrize(("answers", "expected"), BAD_ANSWERS)
def test_bad_answers_exit_2_name_the_field_and_write_nothing(
    run_ndw: Run, express_app: Path, answers: str, expected: str
) -> None:
    before = tree_state(express_app)
    status, _, err = run_ndw("init", express_app, "--answers", write_answers(express_app, answers))
    assert status == 2
    assert expected in " ".join(err.split())
    assert "Nothing was written" in err
    assert tree_state(express_app) == before


def test_missing_answers_file_is_a_clear_error(run_ndw: Run, express_app: Path) -> None:
    status, _, err = run_ndw("init", express_app, "--answers", express_app / "nope.yml")
    assert status == 2
    assert "cannot read answers file" in err


def test_set_wins_over_the_answers_file(run_ndw: Run, express_app: Path) -> None:
    answers = write_answers(express_app, "service_name: api\nport: 70000\n")
    status, _, err = run_ndw("init", express_app, "--answers", answers, "--set", "port=8080")
    assert status == 0, err
    recorded = yaml.safe_load((express_app / ".copier-answers.yml").read_text())
    assert recorded["port"] == 8080
    assert recorded["service_name"] == "api"


def test_set_needs_key_equals_value(run_ndw: Run, express_app: Path) -> None:
    status, _, err = run_ndw("init", express_app, "--set", "port")
    assert status == 2
    assert "expected KEY=VALUE" in err


def test_no_answers_and_no_terminal_exits_2_with_what_to_do(run_ndw: Run, express_app: Path) -> None:
    before = tree_state(express_app)
    status, _, err = run_ndw("init", express_app)
    assert status == 2
    assert "--answers" in err and "--defaults" in err
    assert tree_state(express_app) == before


def test_dry_run_shows_the_diff_and_writes_nothing(run_ndw: Run, express_app: Path) -> None:
    before = tree_state(express_app)
    status, out, _ = run_ndw("init", express_app, "--defaults", "--dry-run")
    assert status == 0
    assert "+++ b/Dockerfile" in out
    assert "nothing was written" in out
    assert tree_state(express_app) == before


def test_defaults_write_the_scaffold_with_the_detected_answers(run_ndw: Run, express_app: Path) -> None:
    status, _, err = run_ndw("init", express_app, "--defaults")
    assert status == 0, err
    assert (express_app / "Dockerfile").is_file()
    recorded = yaml.safe_load((express_app / ".copier-answers.yml").read_text())
    assert recorded["service_name"] == "orders-api"
    assert recorded["framework"] == "express"
    again = run_ndw("init", express_app, "--defaults")
    assert again[0] == 0
    assert "nothing was written" in again[1]


def test_a_hand_made_dockerfile_is_never_replaced_without_force(run_ndw: Run, express_app: Path) -> None:
    handmade = "FROM node:20\nCMD npm start\n"
    (express_app / "Dockerfile").write_text(handmade)
    before = tree_state(express_app)
    status, _, err = run_ndw("init", express_app, "--defaults")
    assert status == 2
    assert "Dockerfile" in err and "--force" in err
    assert "-CMD npm start" in err  # the diff shows what would go
    assert tree_state(express_app) == before

    status, _, err = run_ndw("init", express_app, "--defaults", "--force")
    assert status == 0, err
    assert (express_app / "Dockerfile").read_text() != handmade


def test_detect_output_round_trips_through_init(run_ndw: Run, express_app: Path, tmp_path: Path) -> None:
    status, detected, _ = run_ndw("detect", express_app)
    assert status == 0
    assert "# from package.json" in detected
    answers = tmp_path / "a.yml"
    answers.write_text(detected)
    # The same app: its lockfile and routes decide the install and the health check, and the
    # variables it reads are answers too.
    other = tmp_path / "copy" / express_app.name
    shutil.copytree(express_app, other)
    assert run_ndw("init", express_app, "--answers", answers)[0] == 0
    assert run_ndw("init", other, "--defaults")[0] == 0
    for name in ("Dockerfile", ".copier-answers.yml"):
        assert (express_app / name).read_bytes() == (other / name).read_bytes()


def test_interrupt_while_rendering_leaves_the_target_untouched(
    run_ndw: Run, express_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.engine.render import Renderer

    real_render = Renderer.render

    def render_then_interrupt(self: Renderer, answers: dict[str, object]) -> object:
        real_render(self, answers)
        raise KeyboardInterrupt

    monkeypatch.setattr(Renderer, "render", render_then_interrupt)
    before = tree_state(express_app)
    status, _, err = run_ndw("init", express_app, "--defaults")
    assert status == 130
    assert "Nothing was written" in err
    assert tree_state(express_app) == before


def test_generated_shell_scripts_are_executable(run_ndw: Run, express_app: Path) -> None:
    assert run_ndw("init", express_app, "--defaults")[0] == 0
    scripts = list(express_app.glob("*.sh"))
    for script in scripts:
        assert os.access(script, os.X_OK), script


def test_an_existing_env_example_is_kept_and_its_missing_variables_named(
    run_ndw: Run, express_app: Path
) -> None:
    mine = "SESSION_SECRET=change-me\n"
    (express_app / ".env.example").write_text(mine)
    status, out, err = run_ndw("init", express_app, "--defaults", "--set", "database=postgresql")
    assert status == 0, err
    kept = (express_app / ".env.example").read_text()
    assert kept.startswith(mine)
    assert "Kept your .env.example and appended a marked block with what compose reads: " in out
    listed = out.split("with what compose reads: ")[1].splitlines()[0].split(", ")
    assert "POSTGRES_PASSWORD" in listed and "POSTGRES_PASSWORD=" in kept
    assert "SESSION_SECRET" not in listed and kept.count("SESSION_SECRET=") == 1


def test_naming_an_app_folder_detects_that_app(run_ndw: Run, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name, framework in (("orders", "fastify"), ("billing", "express")):
        app = repo / "services" / name
        (app / "src").mkdir(parents=True)
        (app / "package.json").write_text(
            f'{{"name": "{name}", "dependencies": {{"{framework}": "^5.0.0"}}, '
            '"scripts": {"start": "node src/index.js"}}\n'
        )
        (app / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}\n')
        (app / "src" / "index.js").write_text("// service\n")
    status, _, err = run_ndw("init", repo, "--defaults", "--set", "app_dir=services/billing")
    assert status == 0, err
    # The service's files and answers live in its folder; the root compose.yaml includes it.
    recorded = yaml.safe_load((repo / "services/billing/.copier-answers.yml").read_text())
    assert recorded["app_dir"] == "services/billing"
    assert recorded["framework"] == "express"
    assert recorded["service_name"] == "billing"
    assert (repo / "services/billing/Dockerfile").is_file()
    assert not (repo / "Dockerfile").exists() and not (repo / ".copier-answers.yml").exists()
    assert yaml.safe_load((repo / "compose.yaml").read_text())["include"] == ["services/billing/compose.yaml"]
