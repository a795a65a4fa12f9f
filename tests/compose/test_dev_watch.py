"""#16: `compose.yaml` + `compose.dev.yaml` with Compose's own watch: an edit is synced and served.

The engine here cannot build (no registry for BuildKit's frontend), so the Dockerfile's `dev`
target is built with buildah and loaded under the name compose.dev.yaml gives the app's image;
everything after that is Compose's: `up` with both files, then `watch` syncs a source edit into
the running container, where the app's watcher reloads it.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.compose.engine import compose_binary
from tests.compose.stack import Stacks
from tests.compose.standins import move_to_docker
from tests.support.apps import fixture_apps
from tests.support.containers import Containers, wait_for_body, wait_for_http

APP = next(app for app in fixture_apps() if app.name == "express-nolock-npm")
FILES = ("-f", "compose.yaml", "-f", "compose.dev.yaml")


def test_compose_dev_watch_syncs_an_edit_and_the_app_serves_it(stacks: Stacks, builder: Containers) -> None:
    stack = stacks.scaffold(APP, "dev-watch", {"dev_target": "true"})
    dev = stack.compose(*FILES, "config", "--format", "json").stdout
    services = json.loads(dev)["services"]
    app_service = next(name for name, service in services.items() if "develop" in service)
    image = services[app_service]["image"]
    local = f"localhost/ndw-compose/{APP.name}-dev:latest"
    builder.build(stack.root, local, {"NODE_IMAGE": APP.node_image(builder)}, target="dev")
    move_to_docker(builder, local, image, stack.engine)
    stacks.load_standins(stack, exclude={image})

    stack.compose(*FILES, "up", "-d", "--no-build", timeout=240)
    watch = subprocess.Popen(
        [str(compose_binary()), "--project-name", stack.project, *FILES, "watch", "--no-up"],
        cwd=stack.root, env=stack.engine.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        host, port = stack.published(app_service, APP.port)
        status, body = wait_for_http(f"http://{host}:{port}{APP.health_path}", timeout=90)
        assert status == 200, body
        time.sleep(3)  # let watch register its paths before the edit
        server = stack.root / "server" / "server.js"
        server.write_text(
            server.read_text().replace(
                "app.use('/v1', v1);",
                "app.use('/v1', v1);\napp.get('/dev-reload', (req, res) => res.send('edited'));",
            )
        )
        edited = time.monotonic()
        seconds, answer = wait_for_body(f"http://{host}:{port}/dev-reload", "edited", edited, timeout=60)
        print(f"compose watch: the edit was served {seconds:.1f} s after saving")
        if answer != (200, "edited"):
            watch.terminate()
            output = watch.communicate(timeout=20)[0]
            logs = stack.compose(*FILES, "logs", app_service, check=False).stdout
            pytest.fail(f"edit not served: {answer}\nwatch:\n{output}\nlogs:\n{logs}")
    finally:
        if watch.poll() is None:
            watch.terminate()
            watch.wait(timeout=20)
        stack.compose(*FILES, "down", "--volumes", "--timeout", "10", check=False)
