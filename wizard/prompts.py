"""Plain mode: questionary prompts for the same questions, in copier.yml order.

Each answer is re-resolved through `Worker.resolve()`, so later defaults, choices and
`when:` follow it, and every answer is checked by copier.yml's own validators (the
prompt says why and asks again). The last step, like the TUI's write step, shows every
answer and asks: write, change an answer, or quit. Ctrl-C or end of input anywhere
writes nothing.
"""

from __future__ import annotations

from typing import Any

import questionary
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output

from wizard.disk.plan import Plan
from wizard.errors import Interrupted, WizardError
from wizard.questions import ResolvedQuestion
from wizard.session import Session, Settled, origin_text, value_text


class Declined(WizardError):
    """The person chose not to replace existing files; nothing was written."""


# The choices of the last step.
WRITE, CHANGE, QUIT = "write", "change", "quit"


def ask_plain(session: Session, *, input: Input | None = None, output: Output | None = None) -> Settled:
    """Ask every applicable question in order, show the answers, then write, change one, or quit."""
    io: dict[str, Any] = {"input": input, "output": output} if input is not None else {}
    try:
        for name in [question.name for question in session.resolution.questions]:
            question = session.resolution.by_name()[name]
            if question.applies and not question.hidden:
                _record(session, question, _ask_until_valid(session, question, io))
        while True:
            answers = session.resolution.require_valid()
            _print(summary(session), io)
            step = _ask_next_step(io)
            if step == QUIT:
                raise Interrupted("quit without writing", hint="Nothing was written.")
            if step == CHANGE:
                question = _ask_which(session, io)
                _record(session, question, _ask_until_valid(session, question, io))
                continue
            plan = session.worker.plan(answers)
            return Settled(answers, force=_confirm_replacing(plan, io), plan=plan)
    except (KeyboardInterrupt, EOFError) as stop:
        raise Interrupted("interrupted", hint="Nothing was written.") from stop


def _record(session: Session, question: ResolvedQuestion, answer: Any) -> None:
    """Keep an answer that differs from the value offered; an accepted default or detected
    value stays one, so it follows an earlier answer changed at the last step."""
    offered = question.value
    if not (question.choices or question.type == "bool"):
        offered = "" if offered is None else str(offered)  # text prompts return text
    if session.is_edited(question.name) or question.origin == "missing" or answer != offered:
        session.set(question.name, answer)


def _asked(session: Session) -> list[ResolvedQuestion]:
    """The questions a person answers (applicable, not detection-fed), in copier.yml order."""
    return [q for q in session.resolution.questions if q.applies and not q.hidden]


def summary(session: Session) -> str:
    """Every answer the files are written from, as people read it, and where it came from."""
    questions = _asked(session)
    width = max(len(q.name) for q in questions)
    lines = ["", "Your answers:"]
    for question in questions:
        value = value_text(question, question.value)
        origin = origin_text(question, session.is_edited(question.name))
        lines.append(f"  {question.name:<{width}}  {value}  ({origin})")
    return "\n".join([*lines, ""])


def _print(text: str, io: dict[str, Any]) -> None:
    where = {"output": io["output"]} if io else {}
    questionary.print(text, **where)


def _ask_next_step(io: dict[str, Any]) -> str:
    """Write the files (the default), go back to change an answer, or quit."""
    choices = [
        questionary.Choice(title="Write the files", value=WRITE),
        questionary.Choice(title="Change an answer", value=CHANGE),
        questionary.Choice(title="Quit without writing", value=QUIT),
    ]
    return str(questionary.select("Write these answers?", choices=choices, default=WRITE, **io).unsafe_ask())


def _ask_which(session: Session, io: dict[str, Any]) -> ResolvedQuestion:
    """Which answer to change, by name and current value (help as the description)."""
    questions = _asked(session)
    choices = [
        questionary.Choice(title=f"{q.name}: {value_text(q, q.value)}", value=q.name, description=q.help)
        for q in questions
    ]
    name = questionary.select("Which answer?", choices=choices, **io).unsafe_ask()
    return session.resolution.by_name()[name]


def _message(question: ResolvedQuestion, edited: bool) -> str:
    return f"{question.help} [{origin_text(question, edited)}]"


def _check(session: Session, name: str, value: Any) -> str | None:
    """copier.yml's verdict on one candidate answer, given the answers before it."""
    candidate = session.worker.resolve({**session.combined(), name: value}).by_name()[name]
    return candidate.error


def _ask_until_valid(session: Session, question: ResolvedQuestion, io: dict[str, Any]) -> Any:
    """One question; choices and yes/no are re-asked with the reason if the validator refuses."""
    message = _message(question, session.is_edited(question.name))
    if not question.choices and question.type != "bool":

        def validate(text: str) -> bool | str:
            problem = _check(session, question.name, text)
            return True if problem is None else f"{text!r} is not allowed: {problem}"

        default = "" if question.value is None else str(question.value)
        return questionary.text(message, default=default, validate=validate, **io).unsafe_ask()
    while True:
        if question.choices:
            choices = [questionary.Choice(title=c.label, value=c.value) for c in question.choices]
            known = {c.value for c in question.choices}
            answer = questionary.select(
                message, choices=choices, default=question.value if question.value in known else None, **io
            ).unsafe_ask()
        else:
            answer = questionary.confirm(message, default=bool(question.value), **io).unsafe_ask()
        problem = _check(session, question.name, answer)
        if problem is None:
            return answer
        where = {"output": io["output"]} if io else {}
        refusal = f"  ✗ {question.name}: {value_text(question, answer)} is not allowed: {problem}"
        questionary.print(refusal, style="fg:red", **where)


def _confirm_replacing(plan: Plan, io: dict[str, Any]) -> bool:
    """Show the diff of files that exist and differ; True if the person agrees to replace them."""
    if not plan.replaced:
        return False
    from rich.console import Console  # noqa: PLC0415
    from rich.syntax import Syntax  # noqa: PLC0415

    console = Console(highlight=False, soft_wrap=True)
    diff = "".join(change.diff() for change in plan.replaced)
    console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
    listing = ", ".join(change.path for change in plan.replaced)
    if questionary.confirm(f"Replace {listing}?", default=False, **io).unsafe_ask():
        return True
    raise Declined("nothing was written: replacing existing files was declined", hint="Nothing was written.")
