"""The template's version history: a git bundle in the package, a cache clone, URL rewriting.

copier needs the template in git, tagged with versions, to regenerate the version a
scaffold was made from. The package ships that history as a git bundle
(`scaffolds/history/node-service.bundle`, one tagged commit per released version). At run
time ndw builds a local repository from the bundle plus the template folder it ships
(tagged with the package version when it is not in the bundle yet), in the per-user
cache, under a file lock. Answers files always name the template by one portable URL;
during ndw runs git rewrites that URL to the local repository, so nothing needs the
network and no machine path ever reaches an answers file.

Imports: standard library, `packaging`, `wizard.errors` and `wizard.disk.git` only, so the hatch build hook
can use this module in a bare build environment.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from wizard.disk.git import run_git
from wizard.errors import TemplateError

PORTABLE_URL = "https://github.com/node-docker-wizard/node-service-template.git"
"""The template's identity in every answers file (`_src_path`)."""

BUNDLE_NAME = "node-service.bundle"
HISTORY_ENV = "NDW_TEMPLATE_HISTORY"  # a bundle to use instead of the packaged one
CACHE_ENV = "NDW_CACHE_DIR"  # the per-user cache folder (default: ~/.cache/ndw)
_SKIP_NAMES = {".git", "__pycache__", ".DS_Store"}
_PRUNE_AFTER_SECONDS = 14 * 24 * 3600
_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "node-docker-wizard",
    "GIT_AUTHOR_EMAIL": "ndw@localhost",
    "GIT_COMMITTER_NAME": "node-docker-wizard",
    "GIT_COMMITTER_EMAIL": "ndw@localhost",
    # Fixed dates: the same tree and parent always give the same commit.
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
}


def git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run git on the template history (fixed identity and dates) and return its stdout."""
    return run_git(*args, cwd=cwd, env={**_GIT_IDENTITY, **(env or {})}).stdout


def parse_version(tag: str) -> Version | None:
    """A tag as a PEP 440 version, or None when it is not one."""
    try:
        return Version(tag)
    except InvalidVersion:
        return None


def sorted_versions(tags: list[str]) -> list[str]:
    """Version tags, oldest first; other tags are dropped."""
    parsed = [(version, tag) for tag in tags if (version := parse_version(tag)) is not None]
    return [tag for _version, tag in sorted(parsed)]


def packaged_bundle(template: Path) -> Path | None:
    """The history bundle: $NDW_TEMPLATE_HISTORY, else the one beside the template folder."""
    override = os.environ.get(HISTORY_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise TemplateError(f"{HISTORY_ENV}={override} is not a file")
        return path
    candidate = template.parent / "history" / BUNDLE_NAME
    return candidate if candidate.is_file() else None


def cache_root() -> Path:
    """The per-user cache folder of ndw."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ndw"


def tree_fingerprint(folder: Path) -> str:
    """A digest of every file's path, executable bit and content under `folder`."""
    digest = hashlib.sha256()
    for path in sorted(_template_files(folder)):
        relative = path.relative_to(folder).as_posix()
        executable = os.access(path, os.X_OK)
        digest.update(f"{relative}\0{int(executable)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _template_files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if name not in _SKIP_NAMES]
        for name in files:
            if name not in _SKIP_NAMES and not name.endswith(".pyc"):
                yield Path(root) / name


def _file_digest(path: Path | None) -> str:
    if path is None:
        return "none"
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class TemplateRepo:
    """A local git repository of the template's versions, and the version to render."""

    path: Path
    ref: str

    def versions(self) -> list[str]:
        """Every version tag it holds, oldest first."""
        return sorted_versions(git("tag", "--list", cwd=self.path).split())

    def rewrite_config(self, *sources: str) -> dict[str, str]:
        """Environment that makes git fetch the portable URL (and `sources`) from this repository.

        copier keeps a mirror of every remote template URL in one per-user folder, keyed by
        the URL alone: every ndw installation and template history would share (and
        refresh from each other) one mirror of the portable URL, and a tag could resolve to
        another history's commit. Each history gets its own mirror folder instead.
        """
        mirrors = {"COPIER_CACHE_DIR": str(self.path / ".git" / "ndw-copier-mirrors")}
        return {**url_rewrite_env(self.path, (PORTABLE_URL, *sources)), **mirrors}


def url_rewrite_env(local: Path, urls: tuple[str, ...]) -> dict[str, str]:
    """`url.<local>.insteadOf <url>` for every git started with this environment."""
    count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    env = {"GIT_CONFIG_COUNT": str(count + len(urls))}
    for index, url in enumerate(urls, start=count):
        env[f"GIT_CONFIG_KEY_{index}"] = f"url.{local.resolve()}.insteadOf"
        env[f"GIT_CONFIG_VALUE_{index}"] = url
    return env


@contextlib.contextmanager
def rewritten_urls(repo: TemplateRepo, extra_sources: tuple[str, ...] = ()) -> Iterator[None]:
    """While active, git (ours and copier's, through plumbum) reads the template from `repo`."""
    from plumbum import local  # noqa: PLC0415 (copier's own process runner)

    extra = repo.rewrite_config(*extra_sources)
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        with local.env(**extra):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def local_repo(template: Path, version: str, bundle: Path | None = None) -> TemplateRepo:
    """The cached repository for this history and version, holding this template tree.

    One repository per (history, package version); each template tree seen is added once
    (a development checkout whose template keeps changing gets `0.1.0`, `0.1.0+dev.2`, ...,
    each on top of the last, so updating a scaffold from one to the next is a real
    three-way merge). A marker per tree makes later runs a file lookup.
    """
    history = bundle if bundle is not None else packaged_bundle(template)
    key = hashlib.sha256(f"{_file_digest(history)}\0{version}".encode()).hexdigest()[:20]
    folder = cache_root() / "templates" / f"node-service-{key}"
    marker = folder / ".git" / "ndw-trees" / tree_fingerprint(template)
    if not marker.is_file():
        with _locked(cache_root() / "templates" / ".lock"):
            if not marker.is_file():
                if not (folder / ".git").is_dir():
                    _build(folder, history)
                ref = stage_version(folder, template, version, None)
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(ref + "\n", encoding="utf-8")
                _prune(folder.parent, keep=folder)
    with contextlib.suppress(OSError):
        os.utime(folder)
    return TemplateRepo(folder, marker.read_text(encoding="utf-8").strip())


def _build(folder: Path, history: Path | None) -> None:
    """A new repository holding the history's tags, moved into place atomically."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        git("init", "--quiet", cwd=staging)
        if history is not None:
            git("fetch", "--quiet", str(history.resolve()), "refs/tags/*:refs/tags/*", cwd=staging)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def stage_version(repo: Path, template: Path, version: str, history: Path | None) -> str:
    """Make `repo` hold the history plus `template` tagged; return the tag that has its tree.

    The tag is an existing one when a version with exactly this tree is there already;
    else `version` when it is free, else `version+dev.N` (a development tree after it),
    committed on top of the newest version.
    """
    git("init", "--quiet", cwd=repo)
    if history is not None:
        git("fetch", "--quiet", str(history.resolve()), "refs/tags/*:refs/tags/*", cwd=repo)
    for entry in repo.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    shutil.copytree(template, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_SKIP_NAMES, "*.pyc"))
    git("add", "--all", "--force", ".", cwd=repo)
    tree = git("write-tree", cwd=repo).strip()
    tags = sorted_versions(git("tag", "--list", cwd=repo).split())
    trees = git("rev-parse", *(f"{tag}^{{tree}}" for tag in tags), cwd=repo).split() if tags else []
    matching = [tag for tag, tag_tree in zip(tags, trees, strict=True) if tag_tree == tree]
    if matching:
        ref = matching[-1]
    else:
        dev = sum(tag.startswith(f"{version}+dev.") for tag in tags)
        ref = version if version not in tags else f"{version}+dev.{dev + 2}"
        parents = ["-p", tags[-1]] if tags else []
        commit = git("commit-tree", tree, *parents, "-m", f"node-service template {ref}", cwd=repo).strip()
        git("tag", ref, commit, cwd=repo)
    git("reset", "--quiet", "--hard", ref, cwd=repo)
    return ref


def _prune(parent: Path, keep: Path) -> None:
    """Remove cached repositories unused for two weeks (other ndw versions, old trees)."""
    cutoff = time.time() - _PRUNE_AFTER_SECONDS
    for entry in parent.glob("node-service-*"):
        with contextlib.suppress(OSError):
            if entry != keep and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry)


def write_bundle(
    template: Path, version: str, bundle: Path, history: Path | None, *, release: bool = False
) -> str:
    """Write `bundle`: `history` plus the template tagged; return the tag that has its tree.

    With `release`, refuse (write nothing) unless the template becomes exactly `version`.
    """
    with tempfile.TemporaryDirectory(prefix="ndw-history-") as work:
        repo = Path(work)
        ref = stage_version(repo, template, version, history)
        if release and ref != version:
            raise TemplateError(
                f"the template is unchanged since {ref}: nothing to release"
                if "+" not in ref
                else f"{version} is already in the bundle with another tree",
                hint="Bump wizard.__version__ before releasing a changed template.",
            )
        bundle.parent.mkdir(parents=True, exist_ok=True)
        staging = bundle.with_name(bundle.name + ".tmp")
        git("bundle", "create", "--quiet", str(staging.resolve()), "--tags", cwd=repo)
        staging.replace(bundle)
    return ref


# Runs under copier's Python (copier needs PyYAML, so it is there): renames or drops one
# answer in the answers file, keeping its leading comment lines. No Jinja delimiters inside.
_RENAME_SCRIPT = """
import sys
import yaml
path, old, new = sys.argv[1:4]
with open(path, encoding="utf-8") as handle:
    text = handle.read()
data = yaml.safe_load(text) or dict()
if old in data:
    value = data.pop(old)
    if new and new not in data:
        data[new] = value
    head = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        head.append(line)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("".join(head) + yaml.safe_dump(data, default_flow_style=False, allow_unicode=True))
"""


def rename_answer_migration(version: str, old: str, new: str | None) -> dict[str, object]:
    """A copier `_migrations` entry for copier.yml: at `version`, rename answer `old` to `new`.

    With `new=None` the answer is dropped (a removed question). It runs before the update
    (copier then reloads the answers), in plain `copier update` as well as in `ndw update`.
    Write it into copier.yml's `_migrations` list with `yaml.safe_dump`.
    """
    return {
        "version": version,
        "when": "{{ _stage == 'before' }}",
        "command": [
            "{{ _copier_python }}",
            "-c",
            _RENAME_SCRIPT,
            "{{ _copier_conf.answers_file }}",
            old,
            new or "",
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m wizard.template_repo release`: append the current template to the bundle."""
    import argparse  # noqa: PLC0415

    from wizard import __version__  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m wizard.template_repo")
    parser.add_argument("action", choices=["release", "list"])
    parser.add_argument("--version", default=__version__, help="tag (default: the package version)")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent / "scaffolds"
    template, bundle = root / "node-service", root / "history" / BUNDLE_NAME
    history = bundle if bundle.is_file() else None
    if args.action == "list":
        repo = local_repo(template, args.version, history)
        print("\n".join(repo.versions()))
        print(f"current: {repo.ref}")
        return 0
    if parse_version(args.version) is None or "+" in args.version:
        parser.error(f"--version {args.version!r}: a release needs a public PEP 440 version")
    try:
        ref = write_bundle(template, args.version, bundle, history, release=True)
    except TemplateError as error:
        print(f"error: {error.message}\n{error.hint}")
        return 1
    print(f"appended {ref} to {bundle}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
