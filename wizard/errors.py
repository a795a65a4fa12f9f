"""Error types. Each carries the exit status the CLI returns for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
        return f"{self.field}: {self.value!r} is not allowed; {self.allowed}"


class AnswersError(UsageError):
    """One or more answers are invalid; nothing was written."""

    def __init__(self, problems: Sequence[InvalidAnswer], origin: str = "") -> None:
        self.problems = tuple(problems)
        where = f" in {origin}" if origin else ""
        lines = [f"invalid answer{'s' if len(problems) > 1 else ''}{where}:"]
        lines += [f"  {problem}" for problem in problems]
        super().__init__("\n".join(lines), hint="Nothing was written.")


class AnswersFileError(UsageError):
    """The answers file cannot be read or parsed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint="Nothing was written.")


class UnmanagedFilesError(UsageError):
    """Files exist that ndw would replace but did not write."""

    def __init__(self, paths: Sequence[str], diff: str) -> None:
        self.paths = tuple(paths)
        self.diff = diff
        listing = "\n".join(f"  {path}" for path in paths)
        super().__init__(
            f"these files exist and differ from what ndw would write:\n{listing}",
            hint=(
                "Nothing was written. Review the diff above, then re-run with --force to "
                "replace them, or `ndw update` if ndw scaffolded this repository before."
            ),
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
