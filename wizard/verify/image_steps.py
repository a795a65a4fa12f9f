"""The image checks and the vulnerability scan of one built image, for both verifiers.

`ndw verify` runs them on the image it built; `ndw verify --compose` on the app's image that
compose built, once the stack is up. The layers are read in place from the engine's overlay
store where it can, else from a `save`d copy.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from wizard.verify.dockerfile import runtime_base
from wizard.verify.engine import Engine
from wizard.verify.inspect import BASE_PATTERNS, inspect_steps
from wizard.verify.layers import ArchiveError, ImageContents, overlay_dirs, read_archive, read_layer_dirs
from wizard.verify.process import Runner, last_lines
from wizard.verify.report import Step
from wizard.verify.scan import find_scanner, scan_step
from wizard.verify.target import Target


class ImageSteps:
    """Inspect and scan images of one target on one engine (processes through RUNNER)."""

    def __init__(
        self,
        engine: Engine,
        target: Target,
        build_args: dict[str, str],
        *,
        runner: Runner,
        clock: Callable[[], float],
        which: Callable[[str], str | None],
    ) -> None:
        self.engine = engine
        self.target = target
        self.build_args = build_args
        self.runner = runner
        self.clock = clock
        self.which = which

    def inspect(self, image: str) -> list[Step]:
        """Read IMAGE's layers: size against the floor, entry file, files that should not ship."""
        started = self.clock()
        base = self.base_image()
        base_ids = self.layer_ids(base) if base else None
        contents = self.contents_from_store(image, base_ids)
        if contents is None:
            read = self.contents_from_archive(image, base_ids)
            if isinstance(read, Step):
                read.seconds = self.clock() - started
                return [read]
            contents = read
        answers = self.target.answers
        runs_typescript = not answers.get("build_command") and self.target.entry.endswith((".ts", ".mts"))
        found = inspect_steps(contents, self.target.service_dir, base, runs_typescript)
        found[0].seconds = self.clock() - started
        return found

    def scan(self, image: str, fail_on: str | None) -> Step:
        """Count IMAGE's known vulnerabilities with trivy or grype, if one is installed."""
        scanner = find_scanner(self.which)
        if scanner is None:
            return scan_step(None, 0, "", "", fail_on=fail_on)
        started = self.clock()
        done = self.runner(scanner.argv(image, self.engine.runner), timeout=900)
        seconds = self.clock() - started
        return scan_step(scanner, done.returncode, done.stdout, done.stderr, fail_on=fail_on, seconds=seconds)

    def contents_from_store(self, image: str, base_ids: list[str] | None) -> ImageContents | None:
        """The layers read in place from the engine's overlay store (fast), or None where unreadable."""
        done = self.runner(self.engine.inspect_image_argv(image), timeout=60)
        try:
            data = json.loads(done.stdout) if done.returncode == 0 else None
        except ValueError:
            return None
        data = data[0] if isinstance(data, list) and data else data
        dirs = overlay_dirs(data) if isinstance(data, dict) else None
        if not dirs or not isinstance(data, dict):
            return None
        try:
            return read_layer_dirs(dirs, data, base_ids, BASE_PATTERNS)
        except (ArchiveError, OSError):
            return None

    def contents_from_archive(self, image: str, base_ids: list[str] | None) -> ImageContents | Step:
        """The layers read from a `save`d copy of IMAGE (any engine), or the failed step."""
        with tempfile.TemporaryDirectory(prefix="ndw-verify-") as folder:
            archive = Path(folder) / "image.tar"
            done = self.runner(self.engine.save_argv(image, archive), timeout=600)
            if done.returncode != 0:
                why = " ".join(last_lines(done.output, 1))
                return Step(
                    "image", "failed", None, f"{self.engine.runner} save exited {done.returncode}: {why}",
                    hint="The image's layers could not be read; is there room in the temp folder "
                    "(TMPDIR) for a copy of the image?",
                )  # fmt: skip
            try:
                return read_archive(archive, base_ids)
            except ArchiveError as error:
                return Step("image", "failed", None, str(error))

    def base_image(self) -> str | None:
        """The image the runtime stage starts from, build arguments applied."""
        try:
            text = self.target.dockerfile.read_text(encoding="utf-8")
        except OSError:
            return None
        return runtime_base(text, self.build_args)

    def layer_ids(self, image: str) -> list[str] | None:
        """IMAGE's layer diff IDs, base first, or None when the engine does not have it."""
        done = self.runner(self.engine.layers_argv(image), timeout=60)
        try:
            ids = json.loads(done.stdout) if done.returncode == 0 else None
        except ValueError:
            return None
        return [str(item) for item in ids] if isinstance(ids, list) and ids else None
