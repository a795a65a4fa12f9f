"""#16 part 2: the Kubernetes base rendered from the answers, and its validation.

What a user relies on: pods that probe the app's health path, run locked down as the image's
uid, stop gracefully and roll out without losing a ready pod; settings split into a ConfigMap
and a referenced Secret (never a value); the migration as a Job of the same image; schemas
checked by `ndw check`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_deploy_ci import git, ndw, render
from wizard.lint_deploy import kustomize_resources, lint_kustomizations

BASE = "deploy/kubernetes/orders-api/"
APP_ENV = [
    {"name": "JWT_SECRET", "required": True, "secret": True},
    {"name": "LOG_LEVEL", "default": "info"},
    {"name": "PUBLIC_URL", "required": True},
]


def manifests(**given: Any) -> dict[str, Any]:
    """The rendered documents by file name below the base (migrate/job.yaml included)."""
    files = render(kubernetes=True, **given)
    return {
        path.removeprefix(BASE): yaml.safe_load(text) for path, text in files.items() if path.startswith(BASE)
    }


def pod(docs: dict[str, Any], name: str = "deployment.yaml") -> dict[str, Any]:
    return dict(docs[name]["spec"]["template"]["spec"])


def test_nothing_is_written_without_the_answer() -> None:
    assert not [path for path in render() if path.startswith("deploy/")]


def test_deployment_probes_the_health_path_and_runs_locked_down_as_the_image_uid() -> None:
    docs = manifests(port=3170, health_path="/v1/health", orm="drizzle", redis=True)
    spec = pod(docs)
    [container] = spec["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 3170}]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/v1/health", "port": "http"}, probe
    assert spec["securityContext"]["runAsUser"] == 1000 and spec["securityContext"]["runAsNonRoot"]
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in spec["volumes"]
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    # Stopping: preStop first, and the grace period leaves the app time to drain after it.
    wait = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert wait > 0 and spec["terminationGracePeriodSeconds"] >= wait + 15
    strategy = docs["deployment.yaml"]["spec"]["strategy"]
    assert strategy == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    assert docs["pdb.yaml"]["spec"]["minAvailable"] == 1 and docs["deployment.yaml"]["spec"]["replicas"] == 2
    assert docs["service.yaml"]["spec"]["ports"][0]["targetPort"] == "http"
    assert "hpa.yaml" not in docs


def test_uid_and_probe_follow_the_image() -> None:
    distroless = pod(manifests(image_flavor="distroless", init_system="docker-init", health_path=""))
    assert distroless["securityContext"]["runAsUser"] == 65532
    # No health route: a TCP probe of the port; no init in the image: the pause container reaps.
    assert distroless["containers"][0]["readinessProbe"]["tcpSocket"] == {"port": "http"}
    assert distroless["shareProcessNamespace"] is True
    tini = pod(manifests(uid=4321))
    assert tini["securityContext"]["runAsUser"] == 4321 and "shareProcessNamespace" not in tini


def test_secrets_are_referenced_never_written_and_plain_settings_go_to_the_configmap() -> None:
    files = render(kubernetes=True, orm="drizzle", app_env=APP_ENV)
    docs = manifests(orm="drizzle", app_env=APP_ENV)
    kinds = [doc["kind"] for doc in docs.values() if isinstance(doc, dict) and "kind" in doc]
    assert "Secret" not in kinds
    assert docs["configmap.yaml"]["data"] == {"LOG_LEVEL": "info"}
    assert "#   PUBLIC_URL:" in files[BASE + "configmap.yaml"]  # required, no default: named, not invented
    env_from = pod(docs)["containers"][0]["envFrom"]
    assert env_from == [
        {"configMapRef": {"name": "orders-api-config"}},
        {"secretRef": {"name": "orders-api-secrets"}},
    ]
    assert "# Keys: DATABASE_URL, JWT_SECRET." in files[BASE + "deployment.yaml"]
    for text in (files[BASE + "configmap.yaml"], files[BASE + "deployment.yaml"]):
        assert "JWT_SECRET:" not in text
    # Nothing secret: no Secret reference at all.
    assert len(pod(manifests())["containers"][0]["envFrom"]) == 1


def test_the_migration_job_runs_the_same_image_with_the_migrator_command() -> None:
    drizzle = manifests(orm="drizzle", migrations="job")
    job = pod(drizzle, "migrate/job.yaml")
    assert job["restartPolicy"] == "Never"
    [container] = job["containers"]
    assert container["image"] == pod(drizzle)["containers"][0]["image"] == "orders-api"
    assert container["args"] == ["node", "docker/migrate.mjs"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    distroless = pod(
        manifests(orm="drizzle", image_flavor="distroless", init_system="docker-init"), "migrate/job.yaml"
    )
    assert distroless["containers"][0]["args"] == ["docker/migrate.mjs"]
    prisma = pod(manifests(orm="prisma", migrations="job"), "migrate/job.yaml")
    assert prisma["containers"][0]["image"] == "orders-api-migrate" and "args" not in prisma["containers"][0]
    assert "migrate/job.yaml" not in manifests(orm="drizzle", migrations="none")
    assert "migrate/job.yaml" not in manifests()


def test_hpa_owns_replicas_and_sqlite_gets_one_pod_with_its_volume() -> None:
    scaled = manifests(kubernetes_hpa=True)
    assert scaled["hpa.yaml"]["spec"]["scaleTargetRef"]["name"] == "orders-api"
    assert "replicas" not in scaled["deployment.yaml"]["spec"]
    sqlite = manifests(orm="drizzle", database="sqlite", kubernetes_hpa=True)
    assert "hpa.yaml" not in sqlite and sqlite["deployment.yaml"]["spec"]["strategy"] == {"type": "Recreate"}
    assert sqlite["pvc.yaml"]["kind"] == "PersistentVolumeClaim"
    assert {"name": "data", "mountPath": "/data"} in pod(sqlite)["containers"][0]["volumeMounts"]


def write_base(tmp_path: Path, **given: Any) -> Path:
    for path, text in render(kubernetes=True, **given).items():
        if path.startswith("deploy/"):
            target = tmp_path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return tmp_path / BASE


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")
@pytest.mark.parametrize("folder", ["", "migrate"])
def test_python_kustomize_build_equals_kubectl_kustomize(tmp_path: Path, folder: str) -> None:
    base = write_base(tmp_path, orm="drizzle", kubernetes_hpa=True, app_env=APP_ENV) / folder
    built = subprocess.run(["kubectl", "kustomize", str(base)], capture_output=True, text=True, check=True)
    ours = [document for _, document in kustomize_resources(base / "kustomization.yaml")]

    def key(doc: dict[str, Any]) -> str:
        return json.dumps(doc, sort_keys=True)

    assert sorted(map(key, yaml.safe_load_all(built.stdout))) == sorted(map(key, ours))


def test_kubernetes_validate_finds_schema_errors(tmp_path: Path) -> None:
    base = write_base(tmp_path, orm="drizzle")
    assert lint_kustomizations([base / "kustomization.yaml", base / "migrate" / "kustomization.yaml"]) == []
    deployment = base / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("readOnlyRootFilesystem", "readOnlyRootFileSystem"))
    job = base / "migrate" / "job.yaml"
    job.write_text(job.read_text().replace("backoffLimit: 2", 'backoffLimit: "two"'))
    findings = lint_kustomizations([base / "kustomization.yaml", base / "migrate" / "kustomization.yaml"])
    assert [(Path(f.path).name, f.code) for f in findings] == [
        ("deployment.yaml", "schema"),
        ("job.yaml", "schema"),
    ]
    assert "readOnlyRootFileSystem" in findings[0].message


def test_check_validates_the_manifests_of_the_service(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "package.json").write_text('{"name": "orders-api", "dependencies": {"express": "^5"}}')
    (repo / "package-lock.json").write_text("{}")
    git(repo, "init", "-q")
    done = ndw("init", ".", "--defaults", "--set", "kubernetes=true", cwd=repo)
    assert done.returncode == 0, done.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "scaffold")
    report = json.loads(ndw("check", ".", "--format", "json", cwd=repo).stdout)
    assert report["lint"] == [] and report["drift"] == []
    deployment = repo / BASE / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("containerPort: 3000", "containerPort: http"))
    done = ndw("check", ".", "--format", "json", cwd=repo)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert [(item["tool"], item["path"]) for item in report["lint"]] == [
        ("kubernetes-validate", BASE + "deployment.yaml")
    ]
