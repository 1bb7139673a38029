#!/usr/bin/env python3
"""Render a kustomization as ``kubectl kustomize DIR`` does, for the fields leaguectl's manifests use.

CI validates the rendered objects against Kubernetes' published schemas, so it needs the
rendering on every machine. kubectl is not always installed, and Debian 12's own package of it
(kubernetes-client) is release 1.20, whose kustomize v2 predates the ``patches:`` field. This
renderer covers what ``deploy/kubernetes/kustomization.yaml`` and a per-league overlay use:

* ``resources``: YAML files (several documents each) and directories holding a kustomization;
* ``namespace``: set on every namespaced object;
* ``images``: ``newName``, ``newTag`` and ``digest`` of the containers whose image has that name;
* ``patches``: JSON 6902 operations (add, remove, replace), inline (``patch``) or in a file
  (``path``), on the objects a target selects by ``group``, ``version``, ``kind``, ``name``
  (an anchored regular expression, as in kustomize) and ``namespace``.

Any other field is an error that names it, never silently ignored. Where kubectl is installed,
``tests/test_kubernetes_render.py`` checks that both render the same objects.

Usage: ``python .ci/render_kustomization.py DIR`` prints the objects as a YAML stream; exit 1 with
a message naming the file and field on anything it cannot render. Needs PyYAML (kubernetes-validate
brings it).
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = frozenset({"apiVersion", "kind", "resources", "namespace", "images", "patches"})
TARGET_FIELDS = frozenset({"group", "version", "kind", "name", "namespace"})
# Kinds that live outside namespaces, among those a league's overlay could plausibly hold.
CLUSTER_SCOPED = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass"}
)
CONTAINER_LISTS = ("containers", "initContainers")

Object = dict[str, Any]


class RenderError(Exception):
    """A kustomization this renderer cannot render faithfully; the message names file and field."""


def render(directory: Path) -> list[Object]:
    """The objects ``kubectl kustomize directory`` would print, in resource order."""
    path = _kustomization_file(directory)
    kustomization = _load_mapping(path)
    unsupported = sorted(set(kustomization) - SUPPORTED_FIELDS)
    if unsupported:
        raise RenderError(f"{path}: unsupported field(s) {', '.join(unsupported)}; check with kubectl kustomize")
    objects = _load_resources(directory, path, kustomization.get("resources") or [])
    for index, patch in enumerate(kustomization.get("patches") or []):
        _apply_patch(objects, directory, f"{path}: patches[{index}]", patch)
    if kustomization.get("namespace"):
        _set_namespace(objects, str(kustomization["namespace"]))
    for index, image in enumerate(kustomization.get("images") or []):
        _set_image(objects, f"{path}: images[{index}]", image)
    return objects


def _kustomization_file(directory: Path) -> Path:
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_file():
            return directory / name
    raise RenderError(f"{directory}: no kustomization.yaml")


def _load_mapping(path: Path) -> Object:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(f"{path}: cannot read: {exc}") from None
    if not isinstance(document, dict):
        raise RenderError(f"{path}: not a YAML mapping")
    return document


def _load_resources(directory: Path, origin: Path, entries: list[Any]) -> list[Object]:
    objects: list[Object] = []
    for entry in entries:
        target = directory / str(entry)
        if target.is_dir():
            objects.extend(render(target))
        elif target.is_file():
            objects.extend(_load_objects(target))
        else:
            raise RenderError(f"{origin}: resource {entry!r} is neither a file nor a directory")
    return objects


def _load_objects(path: Path) -> list[Object]:
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(f"{path}: cannot read: {exc}") from None
    objects = []
    for number, document in enumerate(documents, start=1):
        if document is None:
            continue
        if not isinstance(document, dict) or not {"apiVersion", "kind", "metadata"} <= document.keys():
            raise RenderError(f"{path}: document {number} is not a Kubernetes object (apiVersion, kind, metadata)")
        objects.append(document)
    return objects


# --- patches ----------------------------------------------------------------------------------


def _apply_patch(objects: list[Object], directory: Path, where: str, patch: Any) -> None:
    if not isinstance(patch, dict) or set(patch) - {"target", "patch", "path"}:
        raise RenderError(f"{where}: only target with patch or path is supported")
    operations = _patch_operations(directory, where, patch)
    target = patch.get("target") or {}
    unknown = sorted(set(target) - TARGET_FIELDS)
    if unknown:
        raise RenderError(f"{where}: unsupported target field(s) {', '.join(unknown)}")
    if not operations or not target:
        raise RenderError(f"{where}: a JSON 6902 patch needs a target and at least one operation")
    chosen = [index for index, item in enumerate(objects) if _selected(item, target)]
    if not chosen:
        raise RenderError(f"{where}: the target selects no object")
    for index in chosen:
        objects[index] = _patched(objects[index], operations, where)


def _patch_operations(directory: Path, where: str, patch: Object) -> list[Object]:
    if "patch" in patch:
        text = str(patch["patch"])
    elif "path" in patch:
        try:
            text = (directory / str(patch["path"])).read_text(encoding="utf-8")
        except OSError as exc:
            raise RenderError(f"{where}: cannot read {patch['path']!r}: {exc}") from None
    else:
        raise RenderError(f"{where}: neither patch nor path")
    try:
        operations = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RenderError(f"{where}: the patch is not YAML: {exc}") from None
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise RenderError(f"{where}: only JSON 6902 patches (a list of operations) are supported")
    return operations


def _selected(item: Object, target: Object) -> bool:
    group, _, version = str(item["apiVersion"]).rpartition("/")
    metadata = item.get("metadata") or {}
    facts = {
        "group": group,
        "version": version,
        "kind": str(item["kind"]),
        "name": str(metadata.get("name", "")),
        "namespace": str(metadata.get("namespace", "")),
    }
    return all(re.fullmatch(str(pattern), facts[field]) is not None for field, pattern in target.items())


def _patched(item: Object, operations: list[Object], where: str) -> Object:
    result = copy.deepcopy(item)
    for number, operation in enumerate(operations):
        op, pointer = operation.get("op"), operation.get("path")
        if op not in ("add", "remove", "replace") or not isinstance(pointer, str) or not pointer.startswith("/"):
            raise RenderError(f"{where}: operation {number}: only add, remove and replace with a /path are supported")
        parent, key = _walk(result, pointer, where)
        _apply_operation(parent, key, op, operation.get("value"), f"{where}: operation {number} ({pointer})")
    return result


def _walk(document: Any, pointer: str, where: str) -> tuple[Any, str]:
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]
    node = document
    for token in tokens[:-1]:
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            raise RenderError(f"{where}: {pointer} does not exist") from None
    return node, tokens[-1]


def _apply_operation(parent: Any, key: str, op: str, value: Any, where: str) -> None:
    if isinstance(parent, dict):
        if op != "add" and key not in parent:
            raise RenderError(f"{where}: no such field to {op}")
        if op == "remove":
            del parent[key]
        else:
            parent[key] = value
        return
    if not isinstance(parent, list):
        raise RenderError(f"{where}: the parent is neither a mapping nor a list")
    if op == "add" and key == "-":
        parent.append(value)
        return
    try:
        index = int(key)
    except ValueError:
        raise RenderError(f"{where}: {key!r} is not a list index") from None
    if not 0 <= index <= len(parent) - (op != "add"):
        raise RenderError(f"{where}: index {index} out of range")
    if op == "add":
        parent.insert(index, value)
    elif op == "remove":
        del parent[index]
    else:
        parent[index] = value


# --- namespace and images -------------------------------------------------------------------------


def _set_namespace(objects: list[Object], namespace: str) -> None:
    for item in objects:
        if item["kind"] not in CLUSTER_SCOPED:
            item.setdefault("metadata", {})["namespace"] = namespace


def _set_image(objects: list[Object], where: str, image: Any) -> None:
    if not isinstance(image, dict) or "name" not in image or set(image) - {"name", "newName", "newTag", "digest"}:
        raise RenderError(f"{where}: an image needs name and only newName, newTag or digest")
    for container in _containers(objects):
        reference = container.get("image")
        if isinstance(reference, str) and _image_name(reference) == image["name"]:
            container["image"] = _new_reference(reference, image)


def _containers(node: Any) -> list[Object]:
    """Every container and init container anywhere in ``node`` (pods, jobs, cron jobs, ...)."""
    found: list[Object] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CONTAINER_LISTS and isinstance(value, list):
                found.extend(item for item in value if isinstance(item, dict))
            else:
                found.extend(_containers(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_containers(value))
    return found


def _image_name(reference: str) -> str:
    name = reference.split("@", 1)[0]
    # A tag follows the last colon, unless that colon belongs to a registry's port (a slash after it).
    head, colon, tail = name.rpartition(":")
    return head if colon and "/" not in tail else name


def _new_reference(reference: str, image: Object) -> str:
    name = _image_name(reference)
    rest = reference[len(name) :]
    new_name = str(image.get("newName", name))
    if "digest" in image:
        return f"{new_name}@{image['digest']}"
    if "newTag" in image:
        return f"{new_name}:{image['newTag']}"
    return new_name + rest


def main(argv: list[str]) -> int:
    """Print the rendered objects of the kustomization directory ``argv[0]`` as a YAML stream."""
    if len(argv) != 1:
        print("usage: render_kustomization.py DIR", file=sys.stderr)
        return 64
    try:
        objects = render(Path(argv[0]))
    except RenderError as exc:
        print(f"render_kustomization: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(yaml.safe_dump_all(objects, sort_keys=True, default_flow_style=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
