"""#16: the rendered Kubernetes Deployment, played for real with `podman kube play`.

The fixture app's image (built from its generated Dockerfile) runs from the ConfigMap and
Deployment that `kubernetes: true` renders for the same answers, unchanged except for the
image name, one replica and the port's name (host networking: two pods would share the
port, and podman maps ports on a bridge only). The pod must
come up under the manifest's locked-down settings, answer on its port and health path, and
stop within the manifest's grace period, with room for the preStop sleep before SIGTERM (podman
ignores preStop hooks: that part is the sum of the manifest's sleep and the measured stop).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml

from tests.e2e.conftest import _Builds
from tests.support.containers import Containers, assert_port_free, wait_for_http
from wizard.engine.render import Renderer
from wizard.questions import QuestionSet

APP = "express-nolock-npm"


def test_kube_play_runs_the_rendered_deployment(builds: _Builds, engine: Containers, tmp_path: Path) -> None:
    built = builds.get(APP)
    answers = {**built.app.answers, "kubernetes": True}
    resolution = QuestionSet().resolve(answers, folder_name=APP)
    assert not resolution.problems
    files = Renderer().render(resolution.answers)
    name = resolution.answers["service_name"]
    base = f"deploy/kubernetes/{name}/"
    configmap = yaml.safe_load(files[base + "configmap.yaml"].text)
    deployment = yaml.safe_load(files[base + "deployment.yaml"].text)
    spec = deployment["spec"]["template"]["spec"]
    [container] = spec["containers"]
    assert container["image"] == name
    container["image"] = built.tag
    deployment["spec"]["replicas"] = 1
    # Host networking here: podman refuses port mappings without a bridge, so the named port
    # goes and the probes name its number instead.
    port = built.app.port
    assert container.pop("ports") == [{"name": "http", "containerPort": port}]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = container[probe].get("httpGet") or container[probe]["tcpSocket"]
        assert check["port"] == "http"
        check["port"] = port
    kube = tmp_path / "kube.yaml"
    kube.write_text(yaml.safe_dump_all([configmap, deployment]), encoding="utf-8")

    assert_port_free(port)
    engine.podman("kube", "down", str(kube), check=False)
    played = engine.podman("kube", "play", "--network", "host", str(kube), check=False, timeout=180)
    try:
        assert played.returncode == 0, played.stderr
        status, body = wait_for_http(f"http://127.0.0.1:{port}{built.app.health_path}", timeout=60)
        assert status == 200, body
        pods = engine.podman("pod", "ps", "--format", "{{.Name}}").stdout.split()
        [pod] = [found for found in pods if found.startswith(f"{name}-pod")]
        members = json.loads(engine.podman("pod", "inspect", pod).stdout)
        members = members[0] if isinstance(members, list) else members
        [app] = [c["Name"] for c in members["Containers"] if c["Name"].endswith(f"-{name}")]
        assert engine.inspect(app, "{{.State.Running}}") == "true"
        # The manifest's security settings reached the container.
        assert engine.podman("exec", app, "id", "-u").stdout.strip() == str(
            spec["securityContext"]["runAsUser"]
        )
        assert engine.inspect(app, "{{.HostConfig.ReadonlyRootfs}}") == "true"
        assert (
            engine.podman("exec", app, "sh", "-c", "touch /tmp/ok && ! touch /app/x 2>/dev/null").returncode
            == 0
        )
        assert engine.inspect(app, "{{.HostConfig.CapDrop}}").count("CAP_") >= 10
        grace = spec["terminationGracePeriodSeconds"]
        started = time.monotonic()
        engine.podman("pod", "stop", "--time", str(grace), pod, timeout=grace + 60)
        elapsed = time.monotonic() - started
        code = int(engine.inspect(app, "{{.State.ExitCode}}"))
        print(f"kube play: {name} stopped in {elapsed:.2f} s (grace {grace} s), exit {code}")
        assert elapsed < grace and code != 137, f"stopped in {elapsed:.1f} s with exit {code}"
        # podman runs no preStop hook, so Kubernetes' order is checked by arithmetic: the kubelet
        # runs preStop, then sends SIGTERM, all within the grace period; the measured SIGTERM-to-exit
        # time plus the preStop sleep must fit it.
        pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        print(f"kube play: preStop {pre_stop} s + stop {elapsed:.2f} s of a {grace} s grace period")
        assert pre_stop + elapsed < grace, f"preStop {pre_stop} s + stop {elapsed:.1f} s >= grace {grace} s"
    finally:
        engine.podman("kube", "down", str(kube), check=False, timeout=120)
