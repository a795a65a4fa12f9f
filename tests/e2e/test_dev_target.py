"""#16: the Dockerfile's `dev` stage, built and run for real, reloads on a source edit.

buildah builds the `dev` target of the generated Dockerfile, podman runs it with the app's
source folder bind-mounted, a file is edited, and the app serves the change without a restart of
the container; the production target of the same Dockerfile builds to the same image as without
the answer. tests/compose/test_dev_watch.py runs the same target under Compose's own `watch`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import _Builds
from tests.support.apps import ANSWERS_FILE
from tests.support.containers import Containers, assert_port_free, wait_for_body, wait_for_http

APP = "express-nolock-npm"


def test_dev_stage_reloads_on_a_source_edit(builds: _Builds, engine: Containers, tmp_path: Path) -> None:
    production = builds.get(APP)
    app = production.app
    context = tmp_path / APP
    shutil.copytree(app.source, context)
    init = [sys.executable, "-m", "wizard", "init", str(context), "--answers", str(context / ANSWERS_FILE)]
    done = subprocess.run(
        [*init, "--set", "dev_target=true"], capture_output=True, text=True, check=False, cwd=context
    )
    assert done.returncode == 0, done.stderr
    base = ["bud", "--layers", "--isolation", "chroot", "--format", "docker", "--pull=never"]
    base += ["--build-arg", f"NODE_IMAGE={app.node_image(engine)}"]
    dev_tag = f"localhost/ndw-e2e/{APP}-dev:latest"
    started = time.monotonic()
    engine.buildah(*base, "--target", "dev", "-t", dev_tag, str(context), timeout=900)
    print(f"dev target of {APP} built in {time.monotonic() - started:.1f} s")
    # The default target of the same Dockerfile is the production image, layer for layer.
    runtime_tag = f"localhost/ndw-e2e/{APP}-with-dev:latest"
    engine.buildah(*base, "-t", runtime_tag, str(context), timeout=900)
    assert engine.image_layers(runtime_tag) == engine.image_layers(production.tag)

    name = "ndw-e2e-dev-target"
    port = app.port
    assert_port_free(port)
    engine.start(dev_tag, name, extra=["-v", f"{context / 'server'}:/app/server:ro"])
    try:
        status, body = wait_for_http(f"http://127.0.0.1:{port}{app.health_path}", timeout=60)
        assert status == 200, body + engine.logs(name)
        assert engine.podman("exec", name, "id", "-u").stdout.strip() == str(app.answers.get("uid", 1000))
        server = context / "server" / "server.js"
        server.write_text(
            server.read_text().replace(
                "app.use('/v1', v1);",
                "app.use('/v1', v1);\napp.get('/dev-reload', (req, res) => res.send('edited'));",
            )
        )
        seconds, answer = wait_for_body(f"http://127.0.0.1:{port}/dev-reload", "edited", time.monotonic(), 30)
        print(f"dev target: the edit was served {seconds:.1f} s after saving")
        assert answer == (200, "edited"), engine.logs(name)
        assert engine.inspect(name, "{{.RestartCount}}") in ("0", "")
    finally:
        engine.remove_container(name)
