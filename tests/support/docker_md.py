"""What a scaffold's DOCKER.md must not mention: the components its answers leave out.

`stray_mentions` reads the resolved answers on their own (not the template's derived
values, which is what is under test) and lists, per missing component, the words that
would tell a reader about it: a service with no database gets no "named volume", no
migrations and no "fill in the passwords"; Drizzle gets no Prisma wording; no CI, no
workflow; one init system, not the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NET_DATABASES = ("postgresql", "mysql", "mongodb")
DATABASE_WORDS = {
    "postgresql": (r"postgres", r"pg_isready"),
    "mysql": (r"mysql",),
    "mongodb": (r"mongo",),
    "sqlite": (r"sqlite",),
}
INIT_WORDS = {
    "tini": (r"\btini\b",),
    "dumb-init": (r"dumb-init",),
    "docker-init": (r"--init\b", r"init: true", r"docker's init"),
}


def absent_components(answers: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Each component these answers leave out, with the patterns (case-insensitive) naming it."""
    database = answers.get("database", "none")
    orm = answers.get("orm", "none")
    redis = bool(answers.get("redis", False))
    migrations = answers.get("migrations", "none") if orm != "none" else "none"
    distroless = answers.get("image_flavor") == "distroless"
    entry_script = database in NET_DATABASES or redis or migrations == "entrypoint"
    init = answers.get("init_system", "tini")
    ci = answers.get("ci", "none")
    absent: dict[str, tuple[str, ...]] = {}
    if database == "none":
        absent["database none"] = (r"\bdatabases?\b", r"migrat", r"DATABASE_URL", r"\bDB_")
    for name, words in DATABASE_WORDS.items():
        if database != name:
            absent[f"database {database}, not {name}"] = words
    if database not in NET_DATABASES:
        # The only secrets compose requires are the database's credentials.
        absent["no database password"] = (r"password",)
    if database != "sqlite" and database not in NET_DATABASES and not redis:
        absent["nothing stored"] = (r"volume",)
    if not redis:
        absent["redis none"] = (r"redis", r"valkey")
    if orm != "prisma":
        absent[f"orm {orm}, not prisma"] = (r"prisma",)
    if orm != "drizzle":
        absent[f"orm {orm}, not drizzle"] = (r"drizzle",)
    if orm == "none":
        absent["orm none"] = (r"migrat",)
    if migrations != "job":
        absent[f"migrations {migrations}, not job"] = (
            r"`migrate` (job|service|stage|target)",
            r"--target migrate",
        )
    if migrations != "entrypoint":
        absent[f"migrations {migrations}, not entrypoint"] = (r"RUN_MIGRATIONS",)
    if not entry_script:
        absent["no entrypoint script"] = (r"entrypoint", r"WAIT_TIMEOUT")
    elif distroless:
        absent["JavaScript entrypoint"] = (r"docker-entrypoint\.sh",)
    else:
        absent["shell entrypoint"] = (r"docker-entrypoint\.mjs",)
    for name, words in INIT_WORDS.items():
        if init != name:
            absent[f"init_system {init}, not {name}"] = words
    if ci == "none":
        absent["ci none"] = (r"workflow", r"trivy", r"gitlab", r"github actions")
    elif ci == "github":
        absent["ci github, not gitlab"] = (r"gitlab",)
    else:
        absent["ci gitlab, not github"] = (r"github", r"\.github/workflows")
    if not answers.get("kubernetes", False):
        absent["kubernetes off"] = (r"kubectl", r"kustomiz", r"kubernetes")
    if not answers.get("dev_target", False):
        absent["dev_target off"] = (r"compose\.dev\.yaml", r"9229", r"--watch")
    return absent


def stray_mentions(text: str, answers: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(component, pattern, the line) for each mention in `text` of a component not scaffolded."""
    found = []
    for component, patterns in absent_components(answers).items():
        for pattern in patterns:
            for line in text.splitlines():
                if re.search(pattern, line, re.IGNORECASE):
                    found.append((component, pattern, line.strip()))
                    break
    return found
