"""The project's .npmrc (#13 trap 11): settings that change the install, and registry credentials.

Settings (`legacy-peer-deps`, `node-linker`, a scope's registry) are proposed as npmrc_settings,
which the Dockerfile writes into the install stages; credentials (`_authToken`, `_auth`,
`${NPM_TOKEN}`) set npmrc_secret, so every install mounts the BuildKit secret `npmrc` instead.
The file itself never enters the build context.
"""

from __future__ import annotations

import re

from wizard.detect.app import App
from wizard.detect.model import Detection

CREDENTIAL_KEY = re.compile(r"(^|:)(_authToken|_auth|_password|username|certfile|keyfile)$")
SETTING = re.compile(r"^[A-Za-z0-9@/:._-]+=[A-Za-z0-9@/:._~+-]*$")
# pnpm 11 reads only these from .npmrc; its other settings live in pnpm-workspace.yaml.
PNPM11_NPMRC_KEYS = re.compile(r"(^|:)(registry|ca|cafile|strict-ssl|proxy|https-proxy|no-proxy)$")


def _entries(text: str) -> list[tuple[str, str]]:
    """(key, value) per setting line; comments and blank lines skipped."""
    entries = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        entries.append((key, value.strip("\"'")))
    return entries


def detect_npmrc(app: App, found: Detection, manager: str, version: str) -> None:
    """Propose npmrc_settings and npmrc_secret from the .npmrc the install reads (`app` is its root)."""
    berry = manager == "yarn" and not version.startswith("1.")
    if berry:
        _check_yarnrc(app, found)
    text = app.text(".npmrc")
    if not text:
        return
    label = app.label(".npmrc")
    entries = _entries(text)
    credentials = [key for key, _ in entries if CREDENTIAL_KEY.search(key)]
    if berry:
        if entries:
            found.warn(
                f"{label}: yarn {version} does not read .npmrc, so the image ignores it; put registry "
                "settings in .yarnrc.yml (npmRegistryServer, npmScopes) and take tokens from the "
                "environment (`npmAuthToken: ${NPM_TOKEN}`)."
            )
        return
    settings: list[str] = []
    skipped: list[str] = []
    for key, value in entries:
        if CREDENTIAL_KEY.search(key):
            continue
        line = f"{key}={value}"
        (settings if SETTING.match(line) and "${" not in line else skipped).append(line)
    if settings:
        found.propose("npmrc_settings", " ".join(settings), f"{label}: install settings")
    if skipped:
        found.warn(
            f"{label}: {', '.join(k.split('=')[0] for k in skipped)} "
            + ("is" if len(skipped) == 1 else "are")
            + " not carried into the image (an environment variable or characters a Dockerfile line "
            "cannot hold); set them in npmrc_settings by hand if the install needs them."
        )
    if credentials:
        literal = [key for key, value in entries if key in credentials and "${" not in value]
        kinds = ", ".join(sorted({key.rsplit(":", 1)[-1] for key in credentials}))
        found.propose("npmrc_secret", True, f"{label}: {kinds} (registry credentials)")
        found.warn(
            f"{label} holds registry credentials: the image never gets the file; each install mounts the "
            "BuildKit secret `npmrc` as ~/.npmrc instead. Build with "
            "`docker build --secret id=npmrc,src=$HOME/.npmrc ...` (a file with your token line)."
            + (
                f" {label} has a literal token ({', '.join(literal)}): it is in your repository, so "
                "rotate it and use `${NPM_TOKEN}` or ~/.npmrc instead."
                if literal
                else ""
            )
        )
    major = int(version.split(".", 1)[0]) if re.match(r"^\d+\.", version) else 0
    moved = [s.split("=")[0] for s in settings if not PNPM11_NPMRC_KEYS.search(s.split("=")[0])]
    if manager == "pnpm" and major >= 11 and moved:
        found.warn(
            f"{label}: pnpm {major} reads only registry and auth settings from .npmrc, so "
            f"{', '.join(moved)} no longer apply (in the image or on your machine); move them to "
            "pnpm-workspace.yaml in camelCase (node-linker=hoisted -> nodeLinker: hoisted)."
        )


def _check_yarnrc(app: App, found: Detection) -> None:
    """Yarn berry's tokens: `npmAuthToken: "${NPM_TOKEN}"` (top level or under npmScopes /
    npmRegistries) proposes yarn_token_env, so each install reads the variable from a build
    secret; a literal token is flagged, as .yarnrc.yml is copied into the install stage (a layer)."""
    label = app.label(".yarnrc.yml")
    names: list[str] = []
    text = app.text(".yarnrc.yml") or ""
    for match in re.finditer(r"^\s*(npmAuthToken|npmAuthIdent):\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE):
        variables = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", match.group(2))
        names += [name for name in variables if name not in names]
        if not variables:
            found.warn(
                f"{label}: {match.group(1)} is a literal token, and the image copies "
                ".yarnrc.yml into its install stage (a layer); rotate it and write "
                f"`{match.group(1)}: ${{NPM_TOKEN}}` instead, with the token in your environment."
            )
    if names:
        shown = ", ".join(names)
        found.propose(
            "yarn_token_env",
            " ".join(names),
            f"{label}: npmAuthToken from " + ", ".join(f"${{{n}}}" for n in names),
        )
        secrets = " ".join(f"--secret id={name.lower()},env={name}" for name in names)
        found.warn(
            f"{label} reads registry tokens from {shown}: each install gets them from BuildKit "
            f"secrets, never a layer. Build with `docker build {secrets} ...` ({shown} set in your shell)."
        )
