"""The app's own configuration (#14): detection, compose wiring, the kept .env.example block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_update import git, history  # noqa: F401 (the template history fixture)
from wizard.detect import detect
from wizard.disk.env_block import BEGIN, extend_kept_env
from wizard.disk.plan import FileChange, Status
from wizard.engine.render import Renderer
from wizard.questions import QuestionSet

CONFIG_APPS = Path(__file__).resolve().parent / "fixtures" / "config-apps"


def write_app(root: Path, files: dict[str, str], deps: dict[str, str] | None = None) -> Path:
    """A minimal app with package.json and FILES."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = {"name": "cfg", "dependencies": {"express": "^5.0.0", **(deps or {})}}
    (root / "package.json").write_text(json.dumps(manifest))
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def variables(root: Path) -> dict[str, dict[str, Any]]:
    """Detected app_env, keyed by name."""
    found = detect(root).values()
    return {var["name"]: var for var in found.get("app_env", [])}


def test_process_env_reads_destructuring_and_defaults(tmp_path: Path) -> None:
    app = write_app(tmp_path, {"src/index.js": (
        "const port = Number(process.env.PORT ?? 3000);\n"
        "const level = process.env['LOG_LEVEL'] || 'info';\n"
        "const { JWT_SECRET, REGION = 'eu-west-1' } = process.env;\n"
        "const url = process.env.DATABASE_URL;\n"
    )})  # fmt: skip
    found = variables(app)
    assert found["PORT"]["default"] == "3000"
    assert found["LOG_LEVEL"]["default"] == "info" and found["LOG_LEVEL"]["read"] == "src/index.js:2"
    assert found["JWT_SECRET"]["secret"] is True and "default" not in found["JWT_SECRET"]
    assert found["REGION"]["default"] == "eu-west-1" and found["REGION"]["secret"] is False
    assert detect(app).values()["env_map"] == {"DATABASE_URL": "db.url"}


def test_nest_config_service_and_register_as(tmp_path: Path) -> None:
    app = write_app(tmp_path, {
        "src/config/database.config.ts": (
            "import { registerAs } from '@nestjs/config';\n"
            "export default registerAs('database', () => ({\n"
            "  host: process.env.DB_HOST,\n"
            "  port: parseInt(process.env.DB_PORT ?? '5432', 10),\n"
            "  username: process.env.DB_USERNAME,\n"
            "}));\n"
        ),
        "src/auth.service.ts": (
            "const secret = this.configService.getOrThrow<string>('JWT_SECRET');\n"
            "const ttl = this.config.get('JWT_TTL', '1h');\n"
            "const nested = this.configService.get('database.host');\n"
        ),
    })  # fmt: skip
    found = variables(app)
    assert found["JWT_SECRET"]["required"] is True
    assert "ConfigService.getOrThrow" in found["JWT_SECRET"]["read"]
    assert found["JWT_TTL"]["default"] == "1h" and found["JWT_TTL"]["required"] is False
    assert found["DB_PORT"]["default"] == "5432"
    assert "database.host" not in found
    assert detect(app).values()["env_map"] == {
        "DB_HOST": "db.host",
        "DB_PORT": "db.port",
        "DB_USERNAME": "db.user",
    }


@pytest.mark.parametrize(
    ("text", "required", "optional", "defaults"),
    [
        (
            "const schema = Joi.object({\n  DB_HOST: Joi.string().required(),\n"
            "  PORT: Joi.number().default(3000),\n  SENTRY_DSN: Joi.string(),\n});\n",
            {"DB_HOST"},
            {"PORT", "SENTRY_DSN"},
            {"PORT": "3000"},
        ),
        (
            "export const env = createEnv({\n  server: {\n    API_KEY: z.string().min(1),\n"
            "    CACHE_TTL: z.coerce.number().default(60),\n    SENTRY_DSN: z.string().url().optional(),\n"
            "  },\n});\n",
            {"API_KEY"},
            {"CACHE_TTL", "SENTRY_DSN"},
            {"CACHE_TTL": "60"},
        ),
        (
            "module.exports = cleanEnv(process.env, {\n  JWT_SECRET: str(),\n"
            "  REDIS_PORT: port({ default: 6379 }),\n  MODE: str({ devDefault: 'dev' }),\n});\n",
            {"JWT_SECRET"},
            {"REDIS_PORT", "MODE"},
            {"REDIS_PORT": "6379", "MODE": "dev"},
        ),
        (
            "import { IsOptional, IsString } from 'class-validator';\nclass EnvironmentVariables {\n"
            "  @IsString()\n  DB_PASSWORD: string;\n\n  @IsOptional()\n  @IsString()\n  SMTP_HOST?: string;\n"
            "}\n",
            {"DB_PASSWORD"},
            {"SMTP_HOST"},
            {},
        ),
    ],
    ids=["joi", "zod-t3-env", "envalid", "class-validator"],
)
def test_validation_schemas(
    tmp_path: Path, text: str, required: set[str], optional: set[str], defaults: dict[str, str]
) -> None:
    found = variables(write_app(tmp_path, {"src/env.ts": text}))
    assert {name for name, var in found.items() if var["required"]} == required
    assert optional <= {name for name, var in found.items() if not var["required"]}
    assert {name: var["default"] for name, var in found.items() if "default" in var} == defaults


def test_helper_function_and_env_example(tmp_path: Path) -> None:
    app = write_app(tmp_path, {
        "src/config.js": (
            "function required(name) {\n  const value = process.env[name];\n"
            "  if (!value) throw new Error(`${name} is not set`);\n  return value;\n}\n"
            "export const secret = required('SESSION_SECRET');\n"
        ),
        ".env.example": "SESSION_SECRET=\nFEATURE_FLAGS=a,b\nHOST_PORT=3000\n",
    })  # fmt: skip
    found = variables(app)
    assert found["SESSION_SECRET"]["required"] is True
    assert found["SESSION_SECRET"]["read"] == "src/config.js:6 (required()), .env.example:1"
    assert found["FEATURE_FLAGS"]["read"] == ".env.example:2"
    assert "HOST_PORT" not in found  # compose's own variable, not the app's


def render(answers: dict[str, Any]) -> dict[str, str]:
    resolution = QuestionSet().resolve(answers, folder_name=answers["service_name"])
    assert not resolution.problems, resolution.problems
    return {path: file.text for path, file in Renderer().render(resolution.answers).items()}


def fixture_answers(name: str) -> dict[str, Any]:
    """A config fixture's answers file plus what detection proposes for app_env and env_map."""
    answers = yaml.safe_load((CONFIG_APPS / name / "ndw-answers.yml").read_text())
    found = detect(CONFIG_APPS / name).values()
    return {**answers, "app_env": found["app_env"], "env_map": found.get("env_map", {})}


def test_parts_style_app_gets_exactly_its_names() -> None:
    files = render(fixture_answers("parts-joi"))
    compose = yaml.safe_load(files["compose.yaml"])
    env = compose["services"]["app"]["environment"]
    assert env["DB_HOST"] == "db" and env["DB_PORT"] == "5432"
    assert env["DB_PASSWORD"] == compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"]
    assert env["DB_USERNAME"] == compose["services"]["db"]["environment"]["POSTGRES_USER"]
    assert "DATABASE_URL" not in env
    assert env["AUDIT_TOKEN"].startswith("${AUDIT_TOKEN:?") and "src/env.js:12" in env["AUDIT_TOKEN"]
    assert compose["services"]["app"]["env_file"] == [{"path": ".env", "required": False}]
    assert 'wait_for DB_HOST "tcp://${DB_HOST:-}:${DB_PORT:-5432}" 5432' in files["docker-entrypoint.sh"]
    assert "partsUrl()" in files["docker/migrate.mjs"] and "env.DB_PASSWORD" in files["docker/migrate.mjs"]
    assert "AUDIT_TOKEN=" in files[".env.example"] and "DB_HOST=" not in files[".env.example"]
    assert "| `AUDIT_TOKEN` | yes (secret) |" in files["DOCKER.md"]


def test_migrate_job_shares_the_app_image_and_reads_the_apps_variables() -> None:
    answers = {**fixture_answers("parts-joi"), "migrations": "job"}
    compose = yaml.safe_load(render(answers)["compose.yaml"])
    app, job = compose["services"]["app"], compose["services"]["migrate"]
    assert "build" not in job and job["image"] == app["image"]
    assert set(job["environment"]) == {
        "DB_HOST",
        "DB_PORT",
        "DB_USERNAME",
        "DB_PASSWORD",
        "DB_DATABASE",
    }


def test_env_map_answer_overrides_the_mapping() -> None:
    answers = {**fixture_answers("secrets-redis"), "env_map": {"REDIS_HOST": "redis.host"}}
    env = yaml.safe_load(render(answers)["compose.yaml"])["services"]["app"]["environment"]
    assert env["REDIS_HOST"] == "redis" and "REDIS_PORT" not in env
    problems = QuestionSet().resolve({**answers, "env_map": {"REDIS_HOST": "cache"}}).problems
    assert [problem.field for problem in problems] == ["env_map"]


def test_without_detected_variables_compose_sets_database_url() -> None:
    answers = {"service_name": "plain", "orm": "drizzle", "database": "postgresql", "redis": True}
    env = yaml.safe_load(render(answers)["compose.yaml"])["services"]["app"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and env["REDIS_URL"] == "redis://redis:6379"


def kept(existing: str, rendered: str) -> FileChange:
    return FileChange(".env.example", Status.KEEP, rendered.encode(), existing.encode(), 0o644)


def test_kept_env_example_block_is_added_once() -> None:
    rendered = "# Port\nHOST_PORT=3000\n# PostgreSQL\nPOSTGRES_PASSWORD=\nSESSION_SECRET=\n"
    first = extend_kept_env(kept("SESSION_SECRET=\nDATABASE_URL=x\n", rendered))
    text = first.rendered.decode()
    assert first.status is Status.EXTEND and text.startswith("SESSION_SECRET=\nDATABASE_URL=x\n")
    assert text.count(BEGIN) == 1 and "# PostgreSQL\nPOSTGRES_PASSWORD=" in text
    assert text.count("SESSION_SECRET=") == 1
    again = extend_kept_env(kept(text, rendered))
    assert again.status is Status.KEEP
    # A variable the scaffold no longer needs leaves the block; the user's lines stay.
    fewer = extend_kept_env(kept(text, "HOST_PORT=3000\n"))
    assert fewer.rendered.decode().count("POSTGRES_PASSWORD") == 0 and BEGIN in fewer.rendered.decode()


def test_committed_env_file_and_dev_only_switch(tmp_path: Path) -> None:
    """A tracked configs/.env loaded with dotenv: its variables reach .env.example, with a plain warning;
    LOG_PRETTY, which loads the devDependency pino-pretty, gets its production value from compose."""
    app = write_app(tmp_path, {
        "src/index.js": (
            "require('dotenv').config({ path: require('path').resolve(__dirname, '../configs/.env') });\n"
            "const logger = require('pino')({\n"
            "  transport: process.env.LOG_PRETTY === '1' ? { target: 'pino-pretty' } : undefined,\n"
            "});\n"
        ),
        "configs/.env": "LOG_PRETTY=1\nAPP_NAME=nine\nSIGNING_KEY=abc\n",
        ".gitignore": "node_modules\n",
    }, {"dotenv": "^16.0.0", "pino": "^9.0.0"})  # fmt: skip
    manifest = json.loads((app / "package.json").read_text())
    (app / "package.json").write_text(json.dumps({**manifest, "devDependencies": {"pino-pretty": "^13.0.0"}}))
    detection = detect(app)
    found = {var["name"]: var for var in detection.values()["app_env"]}
    assert found["APP_NAME"]["default"] == "nine" and "default" not in found["SIGNING_KEY"]
    assert found["LOG_PRETTY"]["production"] == "0"
    assert any("configs/.env" in warning and ".dockerignore" in warning for warning in detection.warnings)
    answers = {"service_name": "nine", "app_env": list(found.values())}
    files = render(answers)
    env = yaml.safe_load(files["compose.yaml"])["services"]["app"]["environment"]
    assert env["LOG_PRETTY"] == "0" and "pino-pretty is a devDependency" in files["compose.yaml"]
    assert "APP_NAME=nine" in files[".env.example"] and "SIGNING_KEY=\n" in files[".env.example"]


def test_ndw_detect_shows_variables_one_per_line_and_round_trips(tmp_path: Path) -> None:
    """`ndw detect` lists the variables and the mapping readably; the file is a valid answers file."""
    from wizard.detect_output import answers_yaml
    from wizard.worker import Worker

    resolution = Worker(CONFIG_APPS / "secrets-redis").resolve()
    text = answers_yaml(resolution, CONFIG_APPS / "secrets-redis")
    assert "  - {name: JWT_SECRET, required: true, secret: true, read: 'src/env.js:8 (envalid)'}" in text
    assert "env_map:  # from variable names that point at the database or Redis" in text
    loaded = yaml.safe_load(text)
    assert loaded["env_map"] == {"REDIS_HOST": "redis.host", "REDIS_PORT": "redis.port"}
    assert loaded["app_env"] == resolution.by_name()["app_env"].value


@pytest.mark.usefixtures("history")
def test_update_keeps_one_block_in_a_kept_env_example(tmp_path: Path, run_ndw: Any) -> None:
    """init appends the block to the user's .env.example; a later `ndw update` does not add another."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "orders-api", "dependencies": {"express": "^5.0.0"}}\n')
    (project / ".env.example").write_text("SESSION_SECRET=\n")
    status, out, err = run_ndw("init", project, "--defaults", "--set", "orm=drizzle")
    assert status == 0, err
    assert "appended a marked block" in out
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "scaffold"]):
        git(project, *args)
    status, out, err = run_ndw("update", project, "--set", "redis=true")
    assert status == 0, err
    text = (project / ".env.example").read_text()
    assert text.startswith("SESSION_SECRET=\n")
    assert text.count(BEGIN) == 1 and text.count("POSTGRES_PASSWORD=") == 1


def test_committed_config_a_built_app_loads_is_named_plainly(tmp_path: Path) -> None:
    """node-config's config/default.json: a built image lacks it, so say so; without a build, no warning."""
    app = write_app(tmp_path, {
        "src/main.ts": "import config from 'config';\nconst port = config.get('port');\n",
        "config/default.json": '{"port": 3000}\n',
        "tsconfig.json": "{}\n",
    }, {"config": "^3.3.0", "@nestjs/core": "^12.0.0"})  # fmt: skip
    manifest = json.loads((app / "package.json").read_text())
    (app / "package.json").write_text(json.dumps({**manifest, "scripts": {"build": "nest build"}}))
    detection = detect(app)
    assert detection.values()["build_command"]
    assert any("config/default.json" in w and "COPY config/default.json" in w for w in detection.warnings)
    # Plain JavaScript, no build step: the image copies the whole folder, config/ included.
    plain = write_app(
        tmp_path / "plain",
        {"src/index.js": "const config = require('config');\n", "config/default.json": '{"port": 3000}\n'},
        {"config": "^3.3.0"},
    )
    assert not detect(plain).values()["build_command"]
    assert not any("config/default.json" in w for w in detect(plain).warnings)
