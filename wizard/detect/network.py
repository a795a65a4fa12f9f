"""Port, health-check path and listen calls that would be unreachable from outside a container."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from wizard.detect.app import App
from wizard.detect.files import clean_rel
from wizard.detect.model import Detection

ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist", "example.env")
MAX_SCANNED_FILES = 200
# Ordered: the more specific shapes first. Group "port" holds the number.
# The variable names an app's own port goes by (DB_PORT, REDIS_PORT and the like are someone else's).
PORT_VAR = r"(?:API_|APP_|SERVER_|HTTP_|WEB_)?PORT"
PORT_PATTERNS = (
    # `port` too: Nest's `nest generate app` writes process.env.port (warned about in check_listen).
    re.compile(
        rf"process\.env(?:\.|\[['\"])(?P<var>{PORT_VAR}|port)(?:['\"]\])?\s*\)?\s*(?:\?\?|\|\|)\s*['\"]?(?P<port>\d{{2,5}})\b"
    ),
    # Config schemas with a default: envalid `PORT: port({ default: 3000 })`, zod and Joi chains.
    re.compile(
        rf"\b(?P<var>{PORT_VAR})\s*:\s*(?:port|num|str)\(\s*\{{[^}}]*?\bdefault\s*:\s*['\"]?(?P<port>\d{{2,5}})\b"
    ),
    re.compile(
        rf"\b(?P<var>{PORT_VAR})\s*:\s*(?:z|Joi|joi|yup)\.[^\n]*?\.default\(\s*['\"]?(?P<port>\d{{2,5}})\b"
    ),
    re.compile(r"[\w$.]*\.?listen\(\s*\{[^{}]*?\bport\s*:\s*(?P<port>\d{2,5})\b[^{}]*\}"),
    re.compile(r"[\w$.]*\.?listen\(\s*(?P<port>\d{2,5})\s*[,)]"),
    re.compile(r"\.get(?:<[^>]*>)?\(\s*['\"]PORT['\"]\s*,\s*(?P<port>\d{2,5})\s*\)"),
    re.compile(r"\b(?:const|let|var)\s+PORT\s*(?::\s*\w+\s*)?=\s*(?P<port>\d{2,5})\b"),
)
# A path segment that names a probe: /health, /healthz, /api/health-check, /ready, /livez, /ping.
HEALTH_WORDS = re.compile(r"(^|/)(health[\w-]*|livez?|readyz?|liveness|readiness|alive|ping)(/|$)")
ROUTE = re.compile(r"""[\w$]*\.(?:get|all|head|route)\(\s*['"`](/[^'"`]*)['"`]""")
FASTIFY_URL = re.compile(r"""\burl\s*:\s*['"`](/[^'"`]*)['"`]""")
NEST_CONTROLLER = re.compile(
    r"""@Controller\(\s*(?:['"`]([^'"`]*)['"`]|\{[^}]*path\s*:\s*['"`]([^'"`]*)['"`][^}]*\})?\s*\)"""
)
NEST_GET = re.compile(r"""@Get\(\s*(?:['"`]([^'"`]*)['"`])?\s*\)""")
LOOPBACK = re.compile(r"""['"`](?:localhost|127\.0\.0\.1|::1)['"`]""")


def _scanned(app: App) -> list[tuple[str, str]]:
    files = app.source_files[:MAX_SCANNED_FILES]
    return [(name, text) for name in files if (text := app.text(name))]


def _snippet(text: str) -> str:
    """One line of code for a source string, parentheses closed: `app.listen(3000)`."""
    line = re.sub(r"\s+", " ", text).strip().rstrip(";,").strip()
    line += ")" * max(0, line.count("(") - line.count(")"))
    return line if len(line) <= 80 else line[:77] + "..."


def detect_port(app: App, found: Detection) -> None:
    """PORT= in an example env file, else a literal port in the source."""
    for name in ENV_EXAMPLES:
        match = re.search(
            rf"^\s*(?:export\s+)?({PORT_VAR})\s*=\s*['\"]?(\d{{1,5}})['\"]?\s*$", app.text(name) or "", re.M
        )
        if match and 1 <= int(match.group(2)) <= 65535:
            where = f"{app.label(name)}: {match.group(1)}={match.group(2)}"
            found.propose("port", int(match.group(2)), where)
            _port_variable(found, match.group(1), where)
            return
    for pattern in PORT_PATTERNS:
        for name, text in _scanned(app):
            match = pattern.search(text)
            if match and 1 <= int(match.group("port")) <= 65535:
                where = f"{app.label(name)}: {_snippet(match.group(0))}"
                found.propose("port", int(match.group("port")), where)
                if "var" in pattern.groupindex and match.group("var"):
                    _port_variable(found, match.group("var"), where)
                return


def _port_variable(found: Detection, name: str, where: str) -> None:
    """port_env when the app reads another variable than PORT (the image must set that one)."""
    if name not in ("PORT", "port"):
        found.propose("port_env", name, where)


def _call_args(text: str, start: int) -> str:
    """The argument text of the call whose '(' is at `start` (balanced parentheses)."""
    depth = 0
    for index in range(start, min(len(text), start + 2_000)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index]
    return text[start + 1 : start + 200]


def _split_args(args: str) -> list[str]:
    """Top-level arguments of a call (commas inside brackets or strings do not split)."""
    parts, depth, quote, current = [], 0, "", ""
    for char in args:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    return [p for p in [*parts, current.strip()] if p]


def _has_host(args: str) -> bool:
    """Does listen(...) name a host: `host:` in its options, or a second argument that is not a callback?"""
    parts = _split_args(args)
    if parts and re.search(r"\bhost\b", parts[0]):
        return True
    return len(parts) > 1 and not re.search(r"=>|^(async\s+)?function\b", parts[1])


def check_listen(app: App, found: Detection, framework: str | None) -> None:
    """Warn about Fastify (and Nest on Fastify) listening on 127.0.0.1, and loopback hosts anywhere."""
    nest_fastify = framework == "nestjs" and "@nestjs/platform-fastify" in app.deps
    for name, text in _scanned(app):
        if re.search(r"process\.env\.port\b", text):
            found.warn(
                f"{app.label(name)} reads process.env.port (lowercase, as `nest generate app` writes it), "
                "but the image and compose set PORT and variable names are case-sensitive, so the service "
                "ignores the port it is given; use process.env.PORT."
            )
        # In a Fastify app every listen() is Fastify's, except on a plain node:http server.
        fastify_file = nest_fastify or (framework == "fastify" and "createServer" not in text)
        for match in re.finditer(r"([\w$.]+(?:\([^()]*\))?)\.listen\(", text):
            args = _call_args(text, match.end() - 1)
            call = _snippet(f"{match.group(1)}.listen({args})")
            if _loopback_unless_production(text, args):
                found.warn(
                    f"{app.label(name)}: {call} binds to loopback unless NODE_ENV is production; the image "
                    "sets NODE_ENV=production, so the container listens on all interfaces (fine as it is)."
                )
            elif LOOPBACK.search(args):
                found.warn(
                    f"{app.label(name)}: {call} binds to loopback, which is unreachable from outside the "
                    "container; listen on '0.0.0.0' (or '::')."
                )
            elif fastify_file and not _has_host(args):
                fix = (
                    "app.listen(port, '0.0.0.0')"
                    if framework == "nestjs"
                    else "listen({ port, host: '0.0.0.0' })"
                )
                found.warn(
                    f"{app.label(name)}: {call} passes no host, so Fastify listens on 127.0.0.1 only and "
                    f"the container's port is unreachable; use {fix}."
                )


def _loopback_unless_production(text: str, args: str) -> bool:
    """`listen(port, NODE_ENV === 'production' ? '0.0.0.0' : 'localhost')`, inline or through a variable."""
    conditional = re.compile(
        r"NODE_ENV[^;\n]*['\"`](?:0\.0\.0\.0|::)['\"`]|['\"`](?:0\.0\.0\.0|::)['\"`][^;\n]*NODE_ENV"
    )
    if LOOPBACK.search(args):
        return bool(conditional.search(args))
    for match in re.finditer(r"\b(?:const|let|var)\s+([\w$]+)\s*=\s*([^;\n]+)", text):
        if re.search(rf"\b{re.escape(match.group(1))}\b", args) and LOOPBACK.search(match.group(2)):
            return bool(conditional.search(match.group(2)))
    return False


def _global_prefix(app: App) -> str:
    for _, text in _scanned(app):
        match = re.search(r"""setGlobalPrefix\(\s*['"`]([^'"`]+)['"`]\s*(,[^)]*)?\)""", text)
        if match:
            excluded = match.group(2) or ""
            return "" if re.search(r"health|ready|live|ping", excluded) else match.group(1).strip("/")
    return ""


# `app.use('/v1', v1)`, `app.register(routes, { prefix: '/v1' })`: the prefix a router or plugin gets.
MOUNT = re.compile(r"""\.use\(\s*['"`](/[A-Za-z0-9._~/-]*)['"`]\s*,\s*([\w$.]+)""")
FASTIFY_PREFIX = re.compile(
    r"""\.register\(\s*([\w$.]+)[^;]*?\bprefix\s*:\s*['"`](/[A-Za-z0-9._~/-]*)['"`]""", re.S
)
REQUIRE = re.compile(
    r"""(?:(?:const|let|var)\s+([\w$]+)\s*=\s*require\(\s*|import\s+([\w$]+)\s+from\s+)['"`](\.[^'"`]+)['"`]"""
)


def _mounts(app: App) -> tuple[dict[str, str], dict[str, str]]:
    """(prefix by file, prefix by router variable) from `use('/v1', x)` and `register(x, { prefix })`.

    A router variable mounted at a prefix passes it on to the routers it mounts with
    `.use(other)`, and to the file it was required or imported from.
    """
    by_var: dict[str, str] = {}
    by_file: dict[str, str] = {}
    scanned = _scanned(app)
    for _, text in scanned:
        for match in MOUNT.finditer(text):
            by_var[match.group(2)] = match.group(1).rstrip("/")
        for match in FASTIFY_PREFIX.finditer(text):
            by_var[match.group(1)] = match.group(2).rstrip("/")
    for _, text in scanned:
        # Routers mounted without a path inside a prefixed one: `v1.use(health)`.
        for match in re.finditer(r"([\w$]+)\.use\(\s*([\w$]+)\s*\)", text):
            if match.group(1) in by_var:
                by_var.setdefault(match.group(2), by_var[match.group(1)])
    for name, text in scanned:
        for match in REQUIRE.finditer(text):
            var = match.group(1) or match.group(2)
            if var in by_var:
                target = clean_rel(str(PurePosixPath(name).parent / match.group(3)))
                for suffix in ("", ".js", ".ts", ".mjs", ".cjs", "/index.js", "/index.ts"):
                    by_file.setdefault(target + suffix, by_var[var])
    return by_file, by_var


def _rank(path: str) -> tuple[int, int, str]:
    preferred = ("/health", "/healthz", "/api/health", "/livez", "/readyz")
    return (preferred.index(path) if path in preferred else len(preferred), len(path), path)


def detect_health_path(app: App, found: Detection, framework: str | None) -> None:
    """A health route from Express/Fastify routes or a Nest controller; a warning when there is none."""
    candidates: dict[str, str] = {}
    prefix = _global_prefix(app) if framework == "nestjs" else ""
    by_file, by_var = _mounts(app) if framework != "nestjs" else ({}, {})
    for name, text in _scanned(app):
        for match in [*ROUTE.finditer(text), *FASTIFY_URL.finditer(text)]:
            owner = re.match(r"([\w$]+)\.", match.group(0))
            mounted = by_var.get(owner.group(1), "") if owner else ""
            mounted = mounted or by_file.get(name, "")
            path = (mounted + match.group(1)).rstrip("/") or "/"
            if HEALTH_WORDS.search(path) and re.fullmatch(r"/[A-Za-z0-9._~/-]*", path):
                why = f"{app.label(name)}: {_snippet(match.group(0))}"
                candidates.setdefault(path, why + (f" (mounted at {mounted})" if mounted else ""))
        controller = NEST_CONTROLLER.search(text)
        if controller:
            base = (controller.group(1) or controller.group(2) or "").strip("/")
            for get in NEST_GET.finditer(text):
                sub = (get.group(1) or "").strip("/")
                path = "/" + "/".join(p for p in (prefix, base, sub) if p)
                if HEALTH_WORDS.search(path) and re.fullmatch(r"/[A-Za-z0-9._~/-]*", path):
                    why = f"{app.label(name)}: {_snippet(controller.group(0))} + {_snippet(get.group(0))}"
                    candidates.setdefault(path, why + (f" (global prefix {prefix})" if prefix else ""))
    if candidates:
        best = min(candidates, key=_rank)
        found.propose("health_path", best, candidates[best])
        return
    found.propose("health_path", "", "no health route in the code: the health check probes the port over TCP")
    found.warn(
        "No health-check route found (looked for /health, /healthz, /ready, /ping and Nest health "
        "controllers, under their prefixes), so the image's HEALTHCHECK only opens a TCP connection to "
        "the port: a listening app passes. Add a GET route that answers 200 without touching slow "
        "dependencies (for example /health), then set health_path to it."
    )
