"""Error types. Each carries the exit status the CLI returns for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SHOWN_VALUE_CHARS = 80


def show_value(value: object) -> str:
    """A value as the user wrote it in YAML (true, not True), cut to SHOWN_VALUE_CHARS characters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    else:
        text = repr(value)
    if len(text) > SHOWN_VALUE_CHARS:
        return f"{text[: SHOWN_VALUE_CHARS - 10]}... ({len(text)} characters)"
    return text


class WizardError(Exception):
    """Base class for errors shown to the user without a traceback."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(WizardError):
    """The command line or the environment cannot work (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class InvalidAnswer:
    """One answer that failed: which field, what value, what is allowed."""

    field: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}: {show_value(self.value)} is not allowed; {self.allowed}"


class AnswersError(UsageError):
    """One or more answers are invalid; nothing was written."""

    def __init__(
        self, problems: Sequence[InvalidAnswer], origin: str = "", hint: str = "Nothing was written."
    ) -> None:
        self.problems = tuple(problems)
        where = f" in {origin}" if origin else ""
        lines = [f"invalid answer{'s' if len(problems) > 1 else ''}{where}:"]
        lines += [f"  {problem}" for problem in problems]
        super().__init__("\n".join(lines), hint=hint)


class AnswersFileError(UsageError):
    """The answers file cannot be read or parsed."""

    def __init__(self, message: str, hint: str = "Nothing was written.") -> None:
        super().__init__(message, hint=hint)


class UnmanagedFilesError(UsageError):
    """Files exist that ndw would replace but did not write."""

    def __init__(self, paths: Sequence[str], diff: str) -> None:
        self.paths = tuple(paths)
        self.diff = diff
        listing = "\n".join(f"  {path}" for path in paths)
        super().__init__(
            f"these files exist and differ from what ndw would write:\n{listing}",
            hint=(
                "Nothing was written. Review the diff above (--dry-run shows every file), then re-run "
                "with --force to replace them, or `ndw update` if ndw scaffolded this repository before."
            ),
        )


class WriteError(WizardError):
    """A file could not be written; everything already moved in was put back (exit 1)."""

    def __init__(self, path: str, cause: str, left: Sequence[str] = ()) -> None:
        self.path = path
        self.cause = cause
        self.left = tuple(left)
        hint = (
            "Nothing was written; the files are as they were."
            if not left
            else "Could not put back: " + ", ".join(left) + "; restore them with `git restore`."
        )
        super().__init__(f"cannot write {path}: {cause}", hint=hint)


class OutsideRootError(UsageError):
    """A destination leads (through a symlink) out of the folder ndw writes into (exit 2)."""

    def __init__(self, path: str, landing: Path, root: Path) -> None:
        self.path = path
        self.landing = landing
        super().__init__(
            f"{path} leads outside {root} (to {landing}); ndw writes only inside the repository",
            hint="Nothing was written. Replace the symlink with a folder of the repository.",
        )


class NotNodeProjectError(UsageError):
    """The folder to scaffold has no usable package.json (exit 2, even with --force)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            hint="Nothing was written. Run ndw in a Node.js service's folder "
            "(`npm init -y` creates a package.json), or pass --service / --set app_dir=FOLDER.",
        )


class NotInteractiveError(UsageError):
    """No answers were given and there is no terminal to ask in."""


class TemplateError(WizardError):
    """The template could not be loaded or rendered."""


class Interrupted(WizardError):
    """The user pressed Ctrl-C; nothing was written."""

    exit_code = 130


class NoEngineError(UsageError):
    """`ndw verify` found no container engine it can use (or not the one forced)."""


class NoComposeError(UsageError):
    """`ndw verify --compose` found no Compose implementation."""


class VerifySetupError(UsageError):
    """`ndw verify` cannot start: no scaffold, a missing variable, a busy port."""
