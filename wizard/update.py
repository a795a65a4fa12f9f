"""`ndw update`: merge the newest template (and changed answers) into an edited scaffold.

copier's three-way update does the merge. This module checks first what copier would
report badly (no git, a dirty tree, no answers file, an unknown template version), points
git at the local template history, and afterwards sorts every touched file into updated,
merged, conflicted, added and deleted.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wizard import __version__
from wizard.disk.git import run_git
from wizard.disk.paths import ANSWERS_FILE
from wizard.disk.scaffolds import locate_scaffold, read_answers_file
from wizard.engine.update import Conflict
from wizard.errors import AnswersError, InvalidAnswer, TemplateError, UsageError
from wizard.template_repo import PORTABLE_URL, TemplateRepo, parse_version

CONFLICT_MARKER = "<<<<<<< before updating"


@dataclass(frozen=True)
class Scaffold:
    """A scaffolded folder: where it is, its git top level and its recorded answers."""

    path: Path
    top: Path
    answers: dict[str, Any]
    commit: str
    src_path: str
    answers_file: str = ANSWERS_FILE

    @property
    def relative(self) -> Path:
        """The scaffold's folder relative to the git top level."""
        return self.path.relative_to(self.top)


@dataclass
class UpdateResult:
    """What an update did, file by file (paths relative to the scaffold)."""

    old_version: str
    new_version: str
    updated: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    diff: str = ""
    dry_run: bool = False

    @property
    def needs_person(self) -> bool:
        """Whether a conflict is left for someone to resolve."""
        return bool(self.conflicted)


def open_scaffold(path: Path, service: str | None = None) -> Scaffold:
    """Check that `path` is a scaffold in a git work tree and read its answers."""
    path, answers_file = locate_scaffold(path, service)
    data = read_answers_file(path, answers_file)
    top = _git(path, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0:
        raise UsageError(
            f"{path} is not in a git repository; updates merge against committed files",
            hint="Run `git init && git add -A && git commit -m scaffold` first, then `ndw update`.",
        )
    commit = str(data.get("_commit") or "")
    if not commit:
        raise UsageError(
            f"{path / answers_file} has no _commit: the template version it was made from is unknown",
            hint="Scaffold again with `ndw init --force --answers .copier-answers.yml` and commit.",
        )
    answers = {key: value for key, value in data.items() if not key.startswith("_")}
    src = str(data.get("_src_path") or PORTABLE_URL)
    if src != PORTABLE_URL:
        raise UsageError(
            f"_src_path in {path / answers_file} is {src!r}, not ndw's template ({PORTABLE_URL})",
            hint=f"Set `_src_path: {PORTABLE_URL}` in that file, commit, and run `ndw update` again; "
            "ndw maps that URL to the template history it carries, offline.",
        )
    return Scaffold(path, Path(top.stdout.strip()).resolve(), answers, commit, src, answers_file)


def check_version(scaffold: Scaffold, repo: TemplateRepo) -> None:
    """The recorded template version must be one this installation carries."""
    known = repo.versions()
    if scaffold.commit in known:
        return
    recorded = parse_version(scaffold.commit)
    newest = parse_version(repo.ref)
    if recorded is not None and newest is not None and recorded > newest:
        raise UsageError(
            f"{ANSWERS_FILE} was written by a newer ndw (template {scaffold.commit}; this is ndw "
            f"{__version__} with template {repo.ref})",
            hint="Upgrade ndw (`pip install --upgrade node-docker-wizard`), then run `ndw update` again.",
        )
    raise UsageError(
        f"_commit: template version {scaffold.commit!r} is not in this installation's history "
        f"(known: {', '.join(known) or 'none'})",
        hint="Update with the ndw version that made the scaffold, or scaffold again with "
        "`ndw init --force --answers .copier-answers.yml`.",
    )


def check_clean(scaffold: Scaffold) -> None:
    """copier merges against the last commit: nothing modified, staged or untracked."""
    status = _git(scaffold.path, "status", "--porcelain", "--untracked-files=all", "--", ".")
    dirty = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    if dirty:
        listing = "\n".join(f"  {name}" for name in dirty[:20])
        more = f"\n  ... and {len(dirty) - 20} more" if len(dirty) > 20 else ""
        raise UsageError(
            f"uncommitted changes in {scaffold.path}:\n{listing}{more}",
            hint="Commit or stash them first (`git add -A && git commit`), so that the update's "
            "changes can be reviewed with `git diff` and undone with git.",
        )


def run_update(
    path: Path,
    given: Mapping[str, Any],
    repo: TemplateRepo,
    *,
    conflict: Conflict = "inline",
    dry_run: bool = False,
    service: str | None = None,
) -> UpdateResult:
    """Update the scaffold at `path` (or its `service`) to `repo.ref` with `given` answers changed."""
    scaffold = open_scaffold(path, service)
    check_version(scaffold, repo)
    check_clean(scaffold)
    data, base = validate_changes(scaffold, given)
    if not data and not dry_run and scaffold.commit == repo.ref:
        return UpdateResult(old_version=scaffold.commit, new_version=repo.ref)  # nothing to do
    check_inside(scaffold, {**scaffold.answers, **data}, repo)
    if not dry_run:
        return _update_in(scaffold, data, repo, conflict, base)
    with tempfile.TemporaryDirectory(prefix="ndw-update-") as work:
        clone = Path(work) / "repo"
        _git(scaffold.top, "clone", "--quiet", "--shared", "--no-hardlinks", str(scaffold.top), str(clone))
        copy = Scaffold(clone / scaffold.relative, clone, *_rest(scaffold))
        result = _update_in(copy, data, repo, conflict, base)
        _git(copy.path, "add", "--all", "--", ".")
        diff = _git(copy.path, "diff", "--cached", "--no-color", "--relative", "HEAD", "--", ".")
        result.diff = diff.stdout
        result.dry_run = True
        return result


def check_inside(scaffold: Scaffold, answers: Mapping[str, Any], repo: TemplateRepo) -> None:
    """Every file the update may write must land inside the scaffold's folder (no symlink out)."""
    from wizard.disk.transaction import resolve_inside  # noqa: PLC0415

    try:
        paths = set(fresh_files(answers, repo))
    except Exception as error:  # copier and the previewer raise many types
        raise TemplateError(f"rendering the updated files failed: {error}") from error
    for path in sorted(paths | {scaffold.answers_file}):
        resolve_inside(scaffold.path, path)


def _rest(scaffold: Scaffold) -> tuple[dict[str, Any], str, str, str]:
    return scaffold.answers, scaffold.commit, scaffold.src_path, scaffold.answers_file


def stored_problems(
    answers: Mapping[str, Any], folder_name: str, questions: Any = None
) -> tuple[InvalidAnswer, ...]:
    """Stored answers the current questions refuse (a hand edit such as `port: seventy`)."""
    from wizard.questions import QuestionSet  # noqa: PLC0415

    questions = questions or QuestionSet()
    resolution = questions.resolve(answers, folder_name=folder_name)
    return tuple(p for p in resolution.problems if p.field in answers)


def repair_hint(problems: Sequence[InvalidAnswer]) -> str:
    """The command that repairs these stored answers."""
    sets = " ".join(f"--set {problem.field}=VALUE" for problem in problems)
    return f"Nothing was written. Repair the stored answer with `ndw update {sets}` (--set replaces it)."


def validate_changes(scaffold: Scaffold, given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed answers, checked against the current questions with the recorded ones around them.

    A recorded answer that the change makes invalid (`database: none` once `orm` is set)
    falls back to its default, as copier does; a changed answer that is invalid is an error.
    A recorded answer that is invalid on its own must be given anew (`--set`); the second
    mapping holds, for those, the value to render the merge base with (see `merge_base_value`).
    """
    from wizard.questions import QuestionSet  # noqa: PLC0415

    questions = QuestionSet()
    folder = scaffold.path.name
    broken_names = {problem.field for problem in stored_problems(scaffold.answers, folder, questions)}
    if broken_names:  # invalid before any change; still invalid with the changes given?
        after = stored_problems({**scaffold.answers, **given}, folder, questions)
        unrepaired = [p for p in after if p.field in broken_names and p.field not in given]
        if unrepaired:
            raise AnswersError(unrepaired, scaffold.answers_file, hint=repair_hint(unrepaired))
    if not given:
        return {}, {}
    usable = {key: value for key, value in scaffold.answers.items() if key not in broken_names & set(given)}
    recorded = _without_followed_defaults(questions, usable, given)
    while True:
        resolution = questions.resolve(given, recorded, folder_name=scaffold.path.name)
        stale = [p.field for p in resolution.problems if p.field in recorded and p.field not in given]
        if not stale:
            break
        for name in stale:
            del recorded[name]
    resolution.require_valid("the changed answers")
    recorded = {key: value for key, value in recorded.items() if key not in given}
    settled = resolution.answers
    changed = {key for key in settled if key in given or key not in recorded}
    data = {key: settled[key] for key in changed if settled[key] != scaffold.answers.get(key, object())}
    base = {
        name: merge_base_value(scaffold, questions, name, settled.get(name), given) for name in broken_names
    }
    return data, base


def merge_base_value(
    scaffold: Scaffold, questions: Any, name: str, repaired: Any, given: Mapping[str, Any]
) -> Any:
    """What to render the merge base with in place of a broken stored answer.

    The last committed value of the answers file that was valid (what the files on disk
    were most likely generated from), else the repaired value itself (then the update keeps
    the files as they are for that answer).
    """
    log = _git(scaffold.path, "log", "-n", "20", "--format=%H", "--", scaffold.answers_file, check=False)
    for commit in log.stdout.split():
        shown = _git(scaffold.path, "show", f"{commit}:./{scaffold.answers_file}", check=False)
        try:
            old = yaml.safe_load(shown.stdout) if shown.returncode == 0 else None
        except yaml.YAMLError:
            continue
        if not isinstance(old, dict) or name not in old:
            continue
        trial = questions.resolve(
            {**scaffold.answers, **given, name: old[name]}, folder_name=scaffold.path.name
        )
        if not any(problem.field == name for problem in trial.problems):
            return old[name]
    return repaired


def _without_followed_defaults(
    questions: Any, recorded: Mapping[str, Any], given: Mapping[str, Any]
) -> dict[str, Any]:
    """Recorded answers minus those that were their (computed) default: those follow the change.

    `schema_path: drizzle.config.ts` was Drizzle's default; after `--set orm=prisma` it
    becomes Prisma's default instead of staying behind.
    """
    kept = dict(recorded)
    for name in questions.names:
        if name in given or name not in recorded or "{{" not in str(questions.raw(name).get("default", "")):
            continue
        others = {key: value for key, value in recorded.items() if key != name}
        old = questions.resolve(None, others).by_name()[name]
        if old.origin == "default" and old.value == recorded[name]:
            del kept[name]
    return kept


def _git(path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_git(*args, cwd=path, check=check)


def _update_in(
    scaffold: Scaffold,
    data: dict[str, Any],
    repo: TemplateRepo,
    conflict: Conflict,
    base: Mapping[str, Any] | None = None,
) -> UpdateResult:
    """copier's update (`wizard.engine.update`), then what it did, file by file."""
    from wizard.engine.update import copier_update  # noqa: PLC0415 (imports copier)

    copier_update(scaffold.path, scaffold.answers_file, data, repo, conflict=conflict, base=base)
    return classify(scaffold, repo)


def classify(scaffold: Scaffold, repo: TemplateRepo) -> UpdateResult:
    """Sort what `git status` shows after the update into the result's lists."""
    data = read_answers_file(scaffold.path, scaffold.answers_file)
    result = UpdateResult(old_version=scaffold.commit, new_version=str(data.get("_commit", repo.ref)))
    status = _git(scaffold.path, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".").stdout
    entries = [entry for entry in status.split("\0") if entry]
    prefix = _git(scaffold.path, "rev-parse", "--show-prefix").stdout.strip()
    edited = edited_since_scaffold(scaffold)
    for entry in entries:
        code, name = entry[:2], entry[3:]
        name = name.removeprefix(prefix)
        on_disk = scaffold.path / name
        unmerged = "U" in code or code in {"AA", "DD"}
        if unmerged or (code == "??" and name.endswith(".rej")):
            result.conflicted.append(name)
        elif "D" in code:
            result.deleted.append(name)
        elif code == "??" or "A" in code:
            result.added.append(name)
        elif on_disk.is_file() and CONFLICT_MARKER in on_disk.read_text(encoding="utf-8", errors="replace"):
            result.conflicted.append(name)
        elif name in edited:
            result.merged.append(name)
        else:
            result.updated.append(name)
    return result


def edited_since_scaffold(scaffold: Scaffold) -> set[str]:
    """Files committed since the last commit that wrote the answers file (the user's edits).

    Cheaper than rendering the old version again; a scaffold committed together with
    edits counts as unedited (its files are then reported as updated, not merged).
    """
    base = _git(scaffold.path, "log", "-1", "--format=%H", "--", scaffold.answers_file).stdout.strip()
    if not base:
        return set()
    names = _git(scaffold.path, "diff", "--name-only", "--relative", base, "HEAD", "--", ".").stdout
    return set(names.split("\n")) - {"", scaffold.answers_file}


def fresh_files(answers: Mapping[str, Any], repo: TemplateRepo) -> dict[str, bytes]:
    """What `repo.ref` writes for these answers with no edits, by relative path (the one render)."""
    from wizard.engine.render import renderer  # noqa: PLC0415 (imports copier)

    return {path: item.content for path, item in renderer(repo).render(answers).items()}
