"""deploy/kubernetes/ renders and validates: the kustomization, its documented patch, CI's schema check.

``.ci/render_kustomization.py`` renders the kustomization wherever CI runs; where kubectl is
installed it must agree with ``kubectl kustomize``. ``.ci/check-kubernetes`` validates against
Kubernetes' published schemas (kubernetes-validate); its tests break one field at a time in a
copy of the manifests and expect the check to fail naming it. These need the tools of
``.ci/deploy-tools.txt`` (which .ci/run installs) and skip without them.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML comes with .ci/deploy-tools.txt")

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "kubernetes"
CHECK = ROOT / ".ci" / "check-kubernetes"
LEAGUE_CALENDAR = {"leaguectl-freeze-begin", "leaguectl-thaw", "leaguectl-cleanup-commands"}
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
needs_validator = pytest.mark.skipif(
    shutil.which("kubernetes-validate") is None, reason="kubernetes-validate is not installed (.ci/deploy-tools.txt)"
)


def _renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_kustomization", ROOT / ".ci" / "render_kustomization.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render_kustomization = _renderer()


def by_identity(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(item["kind"], item["metadata"]["name"]): item for item in objects}


def kubectl_render(directory: Path) -> list[dict[str, Any]]:
    assert KUBECTL is not None
    done = subprocess.run([KUBECTL, "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [item for item in yaml.safe_load_all(done.stdout) if item]


def copy_manifests(tmp_path: Path) -> Path:
    target = tmp_path / "kubernetes"
    shutil.copytree(K8S, target)
    return target


def with_zone_patch(directory: Path) -> Path:
    """The kustomization with its documented (commented) zone patch switched on."""
    path = directory / "kustomization.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("# patches:")
    lines[start:] = [line[2:] for line in lines[start:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def containers(item: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = item["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return result


# --- rendering ---------------------------------------------------------------------------------


def test_the_kustomization_renders_the_configmap_and_every_cronjob_with_the_image_set() -> None:
    objects = by_identity(render_kustomization.render(K8S))
    kinds = sorted(kind for kind, _ in objects)
    assert kinds == ["ConfigMap"] + ["CronJob"] * 5
    assert ("Secret", "leaguectl-secrets") not in objects
    for (kind, _), item in objects.items():
        if kind == "CronJob":
            assert [c["image"] for c in containers(item)] == ["registry.example.org/leaguectl:REPLACE-ME"]
            assert item["spec"]["timeZone"] == "Etc/UTC"


def test_the_documented_zone_patch_moves_exactly_the_league_calendar_cronjobs(tmp_path: Path) -> None:
    objects = by_identity(render_kustomization.render(with_zone_patch(copy_manifests(tmp_path))))
    zones = {name: item["spec"]["timeZone"] for (kind, name), item in objects.items() if kind == "CronJob"}
    assert {name for name, zone in zones.items() if zone == "America/New_York"} == LEAGUE_CALENDAR
    assert {zone for name, zone in zones.items() if name not in LEAGUE_CALENDAR} == {"Etc/UTC"}


def write_overlay(tmp_path: Path) -> Path:
    """A per-league overlay as deploy/kubernetes/README.md describes: namespace, own image tag."""
    base = copy_manifests(tmp_path)
    overlay = tmp_path / "overlays" / "east"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"namespace: league-east\nresources:\n  - {Path('..', '..', base.name)}\n"
        "images:\n  - name: registry.example.org/leaguectl\n    newTag: '0.1.0'\n",
        encoding="utf-8",
    )
    return overlay


def test_an_overlay_per_league_sets_its_namespace_and_image_tag(tmp_path: Path) -> None:
    objects = render_kustomization.render(write_overlay(tmp_path))
    assert {item["metadata"]["namespace"] for item in objects} == {"league-east"}
    images = {c["image"] for item in objects if item["kind"] == "CronJob" for c in containers(item)}
    assert images == {"registry.example.org/leaguectl:0.1.0"}


@needs_kubectl
@pytest.mark.parametrize("variant", ["shipped", "zone patch", "overlay"])
def test_the_renderer_agrees_with_kubectl_kustomize(variant: str, tmp_path: Path) -> None:
    if variant == "shipped":
        directory = K8S
    elif variant == "zone patch":
        directory = with_zone_patch(copy_manifests(tmp_path))
    else:
        directory = write_overlay(tmp_path)
    assert by_identity(render_kustomization.render(directory)) == by_identity(kubectl_render(directory))


BASE = "resources: [configmap.yaml]\n"


def _patch(target: str, operations: str) -> str:
    return f"{BASE}patches:\n  - target: {target}\n    patch: '{operations}'\n"


@pytest.mark.parametrize(
    ("kustomization", "named"),
    [
        (f"{BASE}commonLabels: {{a: b}}\n", "commonLabels"),
        ("resources: [missing.yaml]\n", "missing.yaml"),
        (_patch("{kind: ConfigMap}", "[{op: move, path: /a}]"), "move"),
        (_patch("{kind: Nothing}", "[{op: remove, path: /data}]"), "selects no object"),
        (_patch("{kind: ConfigMap}", "[{op: replace, path: /data/NOPE, value: x}]"), "/data/NOPE"),
        (f"{BASE}images:\n  - name: x\n    newImage: y\n", "images[0]"),
    ],
)
def test_the_renderer_refuses_what_it_cannot_render_and_names_it(
    kustomization: str, named: str, tmp_path: Path
) -> None:
    shutil.copy(K8S / "configmap.yaml", tmp_path / "configmap.yaml")
    (tmp_path / "kustomization.yaml").write_text(kustomization, encoding="utf-8")
    with pytest.raises(render_kustomization.RenderError, match=re.escape(named)):
        render_kustomization.render(tmp_path)


def test_json_patch_operations_add_remove_and_replace_in_mappings_and_lists() -> None:
    item = {"apiVersion": "v1", "kind": "X", "metadata": {"name": "x"}, "spec": {"l": [1, 2, 3], "a/b": 1}}
    operations = [
        {"op": "add", "path": "/spec/l/0", "value": 0},
        {"op": "add", "path": "/spec/l/-", "value": 4},
        {"op": "remove", "path": "/spec/l/2"},
        {"op": "replace", "path": "/spec/a~1b", "value": 2},
        {"op": "add", "path": "/spec/new", "value": {"k": "v"}},
    ]
    patched = render_kustomization._patched(item, operations, "test")
    assert patched["spec"] == {"l": [0, 1, 3, 4], "a/b": 2, "new": {"k": "v"}}
    assert item["spec"]["l"] == [1, 2, 3], "the input is left alone"


@pytest.mark.parametrize(
    ("reference", "image", "expected"),
    [
        ("leaguectl", {"name": "leaguectl", "newName": "r.example/l", "newTag": "1"}, "r.example/l:1"),
        ("leaguectl:old", {"name": "leaguectl", "newTag": "new"}, "leaguectl:new"),
        ("leaguectl:old", {"name": "leaguectl", "newName": "r:5000/l"}, "r:5000/l:old"),
        ("r:5000/l:1", {"name": "r:5000/l", "digest": "sha256:ab"}, "r:5000/l@sha256:ab"),
        ("other:1", {"name": "leaguectl", "newTag": "2"}, "other:1"),
    ],
)
def test_images_are_matched_by_name_and_retagged_as_kustomize_does(
    reference: str, image: dict[str, str], expected: str
) -> None:
    spec = {"containers": [{"image": reference}]}
    item = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
    render_kustomization._set_image([item], "test", image)
    assert spec["containers"][0]["image"] == expected


# --- CI's schema check ------------------------------------------------------------------------------


def run_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(CHECK), str(directory)], capture_output=True, text=True, timeout=300)


@needs_validator
def test_the_ci_check_passes_the_shipped_manifests_for_every_claimed_release() -> None:
    done = run_check(K8S)
    assert done.returncode == 0, done.stderr
    assert "valid for Kubernetes 1.27 to 1.37" in done.stdout


@needs_validator
@pytest.mark.parametrize(
    ("file", "old", "new", "reported"),
    [
        # A misspelt field: strict validation allows no unknown property.
        ("cronjob-thaw.yaml", "concurrencyPolicy: Forbid", "concurencyPolicy: Forbid", "concurencyPolicy"),
        # The field Kubernetes 1.27's schema requires on every podFailurePolicy rule.
        ("cronjob-freeze-begin.yaml", "            onPodConditions: []\n", "", "onPodConditions"),
        # The status Kubernetes 1.33 and later require on a pod-condition pattern.
        ("cronjob-run-due-tasks.yaml", '                status: "True"\n', "", "'status' is a required property"),
        # A wrong type.
        ("cronjob-scorebug-tick.yaml", "backoffLimit: 1", 'backoffLimit: "once"', "backoffLimit"),
        # An apiVersion no release knows: only a warning to kubernetes-validate, a failure here.
        ("configmap.yaml", "apiVersion: v1", "apiVersion: v2", "Couldn't find schema"),
        # The kustomization no longer renders.
        ("kustomization.yaml", "  - cronjob-thaw.yaml", "  - cronjob-thaw.yml", "cronjob-thaw.yml"),
    ],
)
def test_the_ci_check_fails_when_one_field_breaks(file: str, old: str, new: str, reported: str, tmp_path: Path) -> None:
    directory = copy_manifests(tmp_path)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    done = run_check(directory)
    assert done.returncode == 1, done.stdout
    assert reported in done.stderr
    assert "check-kubernetes: FAIL" in done.stderr


def test_the_readmes_claim_the_range_the_ci_check_covers() -> None:
    found = re.search(r"oldest_minor=(\d+) newest_minor=(\d+)", CHECK.read_text(encoding="utf-8"))
    assert found is not None
    oldest, newest = f"1.{found[1]}", f"1.{found[2]}"
    for readme in (ROOT / "README.md", K8S / "README.md"):
        text = readme.read_text(encoding="utf-8")
        assert f"{oldest} to {newest}" in text, f"{readme.name} should claim Kubernetes {oldest} to {newest}"
    pinned = re.search(r"^kubernetes-validate==(\d+)\.(\d+)\.", (ROOT / ".ci" / "deploy-tools.txt").read_text(), re.M)
    assert pinned is not None and int(pinned[2]) >= int(found[2]), "the pinned validator must know the newest release"
