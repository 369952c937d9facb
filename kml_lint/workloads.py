"""Pod-template views: every pod an object will create, found through the table in workloads.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .objects import K8sObject
from .yamlfold import escape_pointer_token, parse_yaml

CONTAINER_LISTS = ("containers", "initContainers")  # ephemeralContainers are debugging aids: skipped


@dataclass(slots=True)
class Container:
    list_name: str  # containers | initContainers
    index: int
    name: str | None
    data: dict[str, Any]
    pointer: str  # absolute pointer of the container's list item

    def describe(self) -> str:
        label = self.name if self.name else f"{self.list_name}[{self.index}]"
        return f"init container {label}" if self.list_name == "initContainers" else f"container {label}"

    def field(self, name: str) -> Any:
        return self.data.get(name)

    def mapping(self, *path: str) -> dict[str, Any]:
        """The mapping at ``path`` under the container, or ``{}`` when absent or of the wrong type."""
        node: Any = self.data
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    def ptr(self, *path: str) -> str:
        return "/".join([self.pointer, *(escape_pointer_token(step) for step in path)])


@dataclass(slots=True)
class PodView:
    obj: K8sObject
    pointer: str  # absolute pointer of the template node
    spec_pointer: str  # absolute pointer of its PodSpec
    spec: dict[str, Any]
    metadata: dict[str, Any]
    role: str | None
    containers: list[Container] = field(default_factory=list)

    def describe(self) -> str:
        """``Deployment vllm`` or ``PyTorchJob bert-ft, replica Worker``."""
        where = self.obj.describe()
        return f"{where}, {self.role}" if self.role else where

    def spec_field(self, name: str) -> Any:
        return self.spec.get(name)

    def spec_ptr(self, *path: str | int) -> str:
        return "/".join([self.spec_pointer, *(str(s) if isinstance(s, int) else escape_pointer_token(s)
                                              for s in path)])


@dataclass(frozen=True, slots=True)
class PodLocation:
    path: tuple[str, ...]  # pointer tokens, '*' for wildcards
    shape: str = "template"
    role: str | None = None


@dataclass(slots=True)
class WorkloadTable:
    by_kind: dict[str, list[PodLocation]]

    def kinds(self) -> set[str]:
        return set(self.by_kind)

    def views(self, obj: K8sObject) -> list[PodView]:
        locations = self.by_kind.get(obj.group_kind)
        if not locations:
            return []
        found: list[PodView] = []
        for location in locations:
            for node, pointer, captures in _expand(obj.data, obj.base, location.path):
                view = _make_view(obj, node, pointer, location, captures)
                if view is not None:
                    found.append(view)
        return found


def parse_table(data: Any, origin: str) -> WorkloadTable:
    """Build the table from workloads.yaml-shaped data; errors name the offending entry."""
    by_kind: dict[str, list[PodLocation]] = {}
    entries = data.get("workloads") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{origin}: expected a 'workloads' list")
    for number, entry in enumerate(entries):
        kinds = entry.get("kinds") if isinstance(entry, dict) else None
        pods = entry.get("pods") if isinstance(entry, dict) else None
        if not isinstance(kinds, list) or not isinstance(pods, list) or not kinds:
            raise ValueError(f"{origin}: workloads[{number}] needs 'kinds' and 'pods' lists")
        locations = []
        for pod in pods:
            if not isinstance(pod, dict) or not isinstance(pod.get("path"), str):
                raise ValueError(f"{origin}: workloads[{number}].pods entries need a 'path' string")
            path = pod["path"]
            if path and not path.startswith("/"):
                raise ValueError(f"{origin}: pointer {path!r} must start with '/'")
            tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")) if path else ()
            shape = pod.get("shape", "template")
            if shape not in ("template", "podspec"):
                raise ValueError(f"{origin}: unknown shape {shape!r} (template or podspec)")
            locations.append(PodLocation(tokens, shape, pod.get("role")))
        for kind in kinds:
            by_kind.setdefault(str(kind), []).extend(locations)
    return WorkloadTable(by_kind)


@cache
def builtin_table() -> WorkloadTable:
    text = resources.files("kml_lint").joinpath("workloads.yaml").read_text(encoding="utf-8")
    result = parse_yaml(text)
    if result.error or not result.documents:
        raise ValueError(f"workloads.yaml does not parse: {result.error}")
    return parse_table(result.documents[0].data, "workloads.yaml")


def _expand(node: Any, pointer: str, path: tuple[str, ...]) -> Iterator[tuple[Any, str, tuple[str, ...]]]:
    """Every node matching ``path`` (with ``*`` wildcards) below ``node``, with its pointer and captures."""
    frontier: list[tuple[Any, str, tuple[str, ...]]] = [(node, pointer, ())]
    for token in path:
        following: list[tuple[Any, str, tuple[str, ...]]] = []
        for current, current_ptr, captures in frontier:
            if token == "*":
                if isinstance(current, dict):
                    for key, child in current.items():
                        following.append((child, f"{current_ptr}/{escape_pointer_token(key)}", (*captures, key)))
                elif isinstance(current, list):
                    for index, child in enumerate(current):
                        label = _item_label(child, index)
                        following.append((child, f"{current_ptr}/{index}", (*captures, label)))
            elif isinstance(current, dict) and token in current:
                following.append((current[token], f"{current_ptr}/{escape_pointer_token(token)}", captures))
        frontier = following
    yield from frontier


def _item_label(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for key in ("name", "groupName"):
            value = item.get(key)
            if isinstance(value, str) and value:
                return value
    return str(index)


def _make_view(obj: K8sObject, node: Any, pointer: str, location: PodLocation,
               captures: tuple[str, ...]) -> PodView | None:
    if not isinstance(node, dict):
        return None
    if location.shape == "template":
        spec = node.get("spec")
        metadata = node.get("metadata")
        spec_pointer = f"{pointer}/spec"
    else:
        spec, metadata, spec_pointer = node, None, pointer
    if not isinstance(spec, dict):
        return None
    role = location.role.format(*captures) if location.role else None
    view = PodView(obj, pointer, spec_pointer, spec, metadata if isinstance(metadata, dict) else {}, role)
    for list_name in CONTAINER_LISTS:
        items = spec.get(list_name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict):
                name = item.get("name")
                view.containers.append(Container(list_name, index, name if isinstance(name, str) else None, item,
                                                 f"{spec_pointer}/{list_name}/{index}"))
    return view
