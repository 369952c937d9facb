"""Pod-template views: every pod an object will create, found through the table in workloads.yaml.

The table is data (``workloads.yaml``, plus rows users add with ``--workloads`` or the configuration);
this module only walks it: pointers with ``*`` wildcards, shapes (a PodTemplateSpec, a PodSpec, one
container-shaped block, an embedded object or a string holding one), roles, traits, pod-level defaults
taken from elsewhere in the object, and the fields that say "the pods are defined in another object".
No kind is named in this file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .objects import K8sObject, is_object_shaped, pointer_join
from .paths import package_file
from .yamlfold import escape_pointer_token, parse_yaml

CONTAINER_LISTS = ("containers", "initContainers")  # ephemeralContainers are debugging aids: skipped
SHAPES = ("template", "podspec", "container", "object", "manifest", "search")
CONTAINER_KINDS = {"main": "containers", "init": "initContainers", "sidecar": "sidecars"}
SIZING_KEYS = frozenset(f"{section}.{name}" for section in ("requests", "limits") for name in ("cpu", "memory"))
MAX_EMBEDDING = 4  # objects inside objects inside objects...: deeper is refused, not followed

Tokens = tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# What rules see


@dataclass(slots=True)
class Container:
    """One container of a pod template (or a block an operator turns into one)."""

    list_name: str  # containers | initContainers | sidecars | the block's own field name
    index: int
    name: str | None
    data: dict[str, Any]
    pointer: str  # absolute pointer of the container's list item, or of the container-shaped block
    kind: str = "main"  # main | init | sidecar
    block: bool = False  # a container-shaped field of a custom resource: the operator builds the container
    origins: dict[str, str] = field(default_factory=dict)  # field -> absolute pointer, for fields taken elsewhere
    sizing: dict[str, str] = field(default_factory=dict)  # "limits.memory" -> "operator" | a field of the block
    inherits: bool = False  # the block overrides a container defined in another object: absent means unknown

    def describe(self) -> str:
        label = self.name if self.name else f"{self.list_name}[{self.index}]"
        if self.kind == "init":
            return f"init container {label}"
        if self.kind == "sidecar":
            return f"sidecar {label}"
        return f"container {label}"

    def field(self, name: str) -> Any:
        return self.data.get(name)

    def mapping(self, *path: str) -> dict[str, Any]:
        """The mapping at ``path`` under the container, or ``{}`` when absent or of the wrong type."""
        node: Any = self.data
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    def ptr(self, *path: str | int) -> str:
        """Absolute pointer of a field of the container (where it really is, for fields taken elsewhere)."""
        if path and isinstance(path[0], str) and path[0] in self.origins:
            return pointer_join(self.origins[path[0]], *path[1:])
        return pointer_join(self.pointer, *path)

    def declares(self, section: str, resource: str) -> bool | None:
        """Will the container the cluster runs have ``resources.<section>.<resource>``?

        ``True`` when the manifest sets it or the operator always does (the table's ``sizing``), ``False``
        when nothing sets it, ``None`` when it is decided in another object (a block that ``inherits``).
        """
        value = self.mapping("resources", section).get(resource)
        if value is not None and value != "":
            return True
        how = self.sizing.get(f"{section}.{resource}")
        if how == "operator" or (how and self.data.get(how) not in (None, "")):
            return True
        if self.inherits and not self.mapping("resources"):
            return None
        return False


@dataclass(slots=True)
class PodView:
    """One pod template of an object, as rules see it, whatever the object's kind."""

    obj: K8sObject  # the object whose pod this is (an embedded object for AppWrapper components)
    pointer: str  # absolute pointer of the template node
    spec_pointer: str  # absolute pointer of its PodSpec
    spec: dict[str, Any]
    metadata: dict[str, Any]
    role: str | None
    containers: list[Container] = field(default_factory=list)
    traits: frozenset[str] = frozenset()
    partial: bool = False  # pod-level fields are completed elsewhere (a referenced runtime, an unparsed patch)
    origins: dict[str, str] = field(default_factory=dict)  # spec field -> absolute pointer, for merged defaults
    owner: K8sObject | None = None  # the top-level object, when ``obj`` is embedded in it
    shape: str = "template"
    required_container: str | None = None  # the operator rejects the pod unless a container has this name
    source: str = "table"  # where kml-lint learnt this pod: table | crd (with the CRD's file) | shape
    gang: int | None = None  # pods of this template that must run together (None: not a gang, or unknown)
    gang_pointer: str | None = None  # the field that sets ``gang`` (absolute)
    # The least number of pods that must run at once, when a field says so (an elastic job's minimum, Volcano's
    # minAvailable): pod templates of one object whose minimum is the same field share it (any that many of
    # their pods together); ``gang`` stays the count of pods there are.
    gang_min: int | None = None
    gang_min_pointer: str | None = None  # the field that sets ``gang_min`` (absolute)

    def describe(self) -> str:
        """``Deployment vllm`` or ``PyTorchJob bert-ft, replica Worker``."""
        where = (self.owner or self.obj).describe()
        return f"{where}, {self.role}" if self.role else where

    def spec_field(self, name: str) -> Any:
        return self.spec.get(name)

    def spec_ptr(self, *path: str | int) -> str:
        if path and isinstance(path[0], str) and path[0] in self.origins:
            return pointer_join(self.origins[path[0]], *path[1:])
        return pointer_join(self.spec_pointer, *path)

    def has(self, trait: str) -> bool:
        return trait in self.traits

    def main_containers(self) -> list[Container]:
        """Containers that run for the pod's lifetime: ``containers``, sidecars and native sidecars."""
        return [c for c in self.containers if c.kind != "init" or c.data.get("restartPolicy") == "Always"]


# ---------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True, slots=True)
class DefaultSource:
    """Pod-level (or container-level) fields that apply when the pod (container) does not set them."""

    path: Tokens
    fields: tuple[str, ...] | None = None  # None: every field of the source
    relative_to: str = "object"  # object | pod
    patch: bool = False  # the node is a string holding a patch (YAML or JSON): applied over the pod


@dataclass(frozen=True, slots=True)
class ContainerLocation:
    """Where a pod template's containers are, as a row of the workload table says."""

    path: Tokens  # relative to the pod's spec node; may end in '*'
    kind: str = "main"
    name: str | None = None  # the name the operator gives a block that has none
    fields: tuple[tuple[str, str], ...] = ()  # Container field -> the block's field that stands for it
    sizing: tuple[tuple[str, str], ...] = ()
    inherits: bool = False
    defaults: tuple[DefaultSource, ...] = ()


_DEFAULT_CONTAINERS = (ContainerLocation(("containers", "*")), ContainerLocation(("initContainers", "*"), "init"))
_BLOCK_CONTAINER = (ContainerLocation(()),)


@dataclass(frozen=True, slots=True)
class PodLocation:
    """Where an object holds a pod template, as a row of the workload table says."""

    path: Tokens  # pointer tokens, '*' for wildcards
    shape: str = "template"
    role: str | None = None
    traits: frozenset[str] = frozenset()
    containers: tuple[ContainerLocation, ...] | None = None  # None: containers + initContainers
    metadata: Tokens | None = None  # podspec shapes: where the pod's labels and annotations are
    defaults: tuple[DefaultSource, ...] = ()
    when: tuple[Tokens, ...] = ()  # the pod exists only when one of these (relative to the node) exists
    partial: bool = False
    required_container: str | None = None  # the operator rejects the pod without a container of this name
    source: str = "table"  # table | "crd <file>" (derived from a CRD schema) | shape (not in the table syntax)
    gang: GangCount | None = None  # how many of these pods must run together (None: not a gang)
    # Embedded objects: the object is whole (its required fields are checked) only when each of these fields
    # (``../x`` from the object's node, ``/x`` in the owner) holds one of the values; otherwise it is a reference
    # or a patch (an Argo resource template that gets or deletes an object names it by metadata alone).
    complete_when: tuple[tuple[str, frozenset[str]], ...] = ()


@dataclass(frozen=True, slots=True)
class GangCount:
    """How many pods of one pod entry must run at once: the product of the counts at ``count`` (each
    ``(pointer, default)``; ``../x`` is relative to the pod node, ``/x`` to the object), plus ``add``; at
    least the first field of ``min`` that exists (a minimum below the count, shared by the entries naming the
    same field); unknown when a field of ``unknown_when`` exists and no ``min`` field does (an elastic policy)."""

    count: tuple[tuple[str, int], ...] = ()
    add: int = 0
    unknown_when: tuple[str, ...] = ()
    min: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of the workload table: kinds, their pod templates and their reference fields."""

    kinds: tuple[str, ...]
    pods: tuple[PodLocation, ...]
    references: tuple[Tokens, ...] = ()
    origin: str = ""
    parameters: tuple[str, ...] = ()  # regexes of the operator's own run-time placeholders (${trialParameters.x})


@dataclass(slots=True)
class WorkloadTable:
    """The workload table, indexed by kind."""

    by_kind: dict[str, list[PodLocation]]
    references_by_kind: dict[str, list[Tokens]] = field(default_factory=dict)
    rows: list[TableRow] = field(default_factory=list)
    not_pods: tuple[str, ...] = ()  # group/Kind patterns never searched by shape (policies hold patterns of pods)
    parameters_by_kind: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def placeholders(self, *group_kinds: str) -> re.Pattern[str] | None:
        """One regex for the run-time placeholders of these kinds' operators (None: they have none)."""
        patterns = sorted({p for kind in group_kinds for p in self.parameters_by_kind.get(kind, ())})
        return _placeholder_regex(tuple(patterns)) if patterns else None

    def embedded(self, obj: K8sObject, locate: Locate | None = None) -> list[tuple[K8sObject, bool]]:
        """Objects written inside ``obj`` (a Katib trial, an AppWrapper component, an Argo resource manifest),
        each with whether it is a whole object (``complete_when``) rather than a reference or a patch."""
        from .objects import resolve_pointer

        found = []
        root = obj.document.data
        for location in (locate or self.locations)(obj):
            if location.shape not in ("object", "manifest"):
                continue
            for node, pointer, _ in _expand(obj.data, obj.base, location.path):
                inner = _embedded(obj, node, pointer, location.shape)
                if inner is not None:
                    whole = all(resolve_pointer(root, _gang_target(obj, pointer, field)) in values
                                for field, values in location.complete_when)
                    found.append((inner, whole))
        return found

    def holds_no_pods(self, group_kind: str) -> bool:
        from fnmatch import fnmatchcase

        return any(fnmatchcase(group_kind, pattern) for pattern in self.not_pods)

    def kinds(self) -> set[str]:
        return set(self.by_kind) | set(self.references_by_kind)

    def knows(self, obj: K8sObject) -> bool:
        return obj.group_kind in self.by_kind or obj.group_kind in self.references_by_kind

    def views(self, obj: K8sObject, locate: Locate | None = None) -> list[PodView]:
        """The object's pods. ``locate``: where an object of some kind keeps its pods (default: this table's rows;
        ``pods.finder.PodFinder`` adds rows derived from CRDs and shape search)."""
        return list(self._views(obj, None, None, 0, locate or self.locations))

    def locations(self, obj: K8sObject) -> list[PodLocation]:
        return self.by_kind.get(obj.group_kind) or []

    def references(self, obj: K8sObject) -> list[str]:
        """Absolute pointers of the object's reference fields that are set (pods defined elsewhere)."""
        found = []
        for path in self.references_by_kind.get(obj.group_kind, ()):
            for node, pointer, _ in _expand(obj.data, obj.base, path):
                if node is not None and node != "" and node != {} and node != []:
                    found.append(pointer)
        return found

    def extended(self, data: Any, origin: str) -> WorkloadTable:
        """This table plus rows in the table's own syntax; rows for a kind replace that kind's rows."""
        extra = parse_rows(data, origin)
        replaced = {kind for row in extra for kind in row.kinds}
        kept = [TableRow(tuple(k for k in row.kinds if k not in replaced), row.pods, row.references, row.origin,
                         row.parameters) for row in self.rows]
        return _build([row for row in kept if row.kinds] + extra, self.not_pods + _not_pods(data, origin))

    # -- walking --------------------------------------------------------------------------------

    def _views(self, obj: K8sObject, owner: K8sObject | None, prefix: str | None, depth: int,
               locate: Locate) -> Iterator[PodView]:
        locations = locate(obj)
        if not locations:
            return
        seen: set[str] = set()
        for location in locations:
            for node, pointer, captures in _expand(obj.data, obj.base, location.path):
                if pointer in seen or not isinstance(node, (dict, str)):
                    continue
                if location.source != "table" and _under(pointer, seen):
                    continue  # a derived row never finds a second pod inside one a row found
                if location.shape in ("object", "manifest"):
                    inner = _embedded(obj, node, pointer, location.shape)
                    if inner is not None and depth < MAX_EMBEDDING:
                        seen.add(pointer)
                        role = _chain(prefix, _role(location.role, captures, inner.data))
                        yield from self._views(inner, owner or obj, role, depth + 1, locate)
                    continue
                if location.shape == "search":
                    yield from _searched(obj, node, pointer, location, seen, owner, prefix)
                    continue
                role = _chain(prefix, _role(location.role, captures, node))
                if not isinstance(node, dict):
                    continue
                if location.when and not any(_exists(node, path) for path in location.when):
                    continue
                view = _make_view(obj, node, pointer, location, role)
                if view is not None:
                    seen.add(pointer)
                    view.owner = owner
                    if location.gang is not None:
                        size = _gang_size(obj, pointer, location.gang)
                        view.gang, view.gang_pointer, view.gang_min, view.gang_min_pointer = size
                    yield view


Locate = Callable[[K8sObject], "list[PodLocation]"]


def _under(pointer: str, seen: set[str]) -> bool:
    """Whether ``pointer`` is a pod already found, or inside one."""
    return any(pointer == found or pointer.startswith(found + "/") for found in seen)


def _searched(obj: K8sObject, node: Any, pointer: str, location: PodLocation, seen: set[str],
              owner: K8sObject | None, prefix: str | None) -> Iterator[PodView]:
    """Pods found by shape below ``node`` (a ``search`` location: an opaque part of a schema, or a whole object
    of a kind nothing describes)."""
    from .pods.shape import search

    if not isinstance(node, dict) or _under(pointer, seen):
        return
    root = pointer == obj.base
    for found, where, shape, role in search(node, pointer, _labels(obj, pointer), root):
        if _under(where, seen):
            continue
        shaped = PodLocation((), shape, partial=True, source="shape")
        role = f"{role} (found by shape)" if role else "found by shape"  # messages, JSON and SARIF say so
        role = _chain(prefix, _capped(role))
        view = _make_view(obj, found, where, shaped, role)
        if view is not None and view.containers:
            seen.add(where)
            view.owner = owner
            yield view


def _labels(obj: K8sObject, pointer: str) -> tuple[str, ...]:
    """The tokens of ``pointer`` (below the object's base), list items named ``[name]`` as in derived roles."""
    tokens: list[str] = []
    node: Any = obj.data
    for raw in pointer[len(obj.base):].split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
            name = node.get("name") if isinstance(node, dict) else None
            label = f"[{name}]" if isinstance(name, str) and name else f"[{token}]"
            if tokens:
                tokens[-1] += label
            else:
                tokens.append(label)
        else:
            node = node.get(token) if isinstance(node, dict) else None
            tokens.append(token)
    return tuple(tokens)


def _gang_target(obj: K8sObject, pod_pointer: str, pointer: str) -> str:
    """The absolute pointer a gang pointer names: ``../x`` climbs from the pod node, ``/x`` is in the object."""
    if not pointer.startswith("../"):
        return obj.base + pointer
    base = pod_pointer
    while pointer.startswith("../"):
        base, pointer = base.rsplit("/", 1)[0], pointer[3:]
    return f"{base}/{pointer}"


def _gang_size(obj: K8sObject, pod_pointer: str,
               gang: GangCount) -> tuple[int | None, str | None, int | None, str | None]:
    """(pods that must run together, the field that says so, the least number of them that must run at once
    and its field, when one is set); all None when unknown."""
    from .objects import resolve_pointer

    unknown = None, None, None, None
    root = obj.document.data
    minimum, min_where = None, None
    for pointer in gang.min:
        target = _gang_target(obj, pod_pointer, pointer)
        value = resolve_pointer(root, target)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return unknown  # a templated or odd minimum: unknown
        minimum, min_where = value, target
        break
    if minimum is None and any(resolve_pointer(root, _gang_target(obj, pod_pointer, p)) is not None
                               for p in gang.unknown_when):
        return unknown
    total, where = 1, None
    for pointer, default in gang.count:
        target = _gang_target(obj, pod_pointer, pointer)
        value = resolve_pointer(root, target)
        if value is None:
            total *= default
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return unknown  # a templated or odd count: unknown
        total *= value
        where = where or target
    return max(total + gang.add, 0), where or pod_pointer, minimum, min_where


def _embedded(obj: K8sObject, node: Any, pointer: str, shape: str) -> K8sObject | None:
    """An object written inside another one (or inside one of its strings), as an object of its own."""
    if shape == "manifest":
        if not isinstance(node, str) or "kind" not in node:
            return None
        parsed = parse_yaml(node)
        if parsed.error or len(parsed.documents) != 1:
            return None
        node = parsed.documents[0].data
    if not is_object_shaped(node):
        return None
    from .objects import _make  # one constructor for every object

    inner = _make(node, obj.document, pointer, obj.ref.item)
    return inner


MAX_ROLE = 200
"""Characters of a role as shown (a ``*`` may match a key of any length)."""

_ROLE_PART = re.compile(r"\{(?:(\d{1,2})|(kind))\}")


@cache
def role_template(template: str) -> tuple[str | int, ...]:
    """A role's parts: text, the index of a ``*`` capture, or ``-1`` for the embedded object's kind.

    Roles are a template language of our own, not Python's ``str.format``: ``{N}`` (what the N-th ``*``
    matched) and ``{kind}`` are the only fields, so a row from the repository can neither pad a value to
    gigabytes nor walk attributes. Raises ValueError for any other brace.
    """
    parts: list[str | int] = []
    at = 0
    for match in _ROLE_PART.finditer(template):
        parts.append(template[at:match.start()])
        parts.append(int(match.group(1)) if match.group(1) is not None else -1)
        at = match.end()
    parts.append(template[at:])
    for text in parts:
        if isinstance(text, str) and ("{" in text or "}" in text):
            raise ValueError("only {0}, {1}, ... (what each * matched) and {kind} may stand in braces")
    return tuple(part for part in parts if part != "")


def _role(template: str | None, captures: tuple[str, ...], node: Any) -> str | None:
    if not template:
        return None
    kind = node.get("kind") if isinstance(node, dict) else None
    out = []
    for part in role_template(template):
        if isinstance(part, str):
            out.append(part)
        elif part < 0:
            out.append(kind if isinstance(kind, str) else "object")
        elif part < len(captures):
            out.append(captures[part])
    return _capped("".join(out))


def _chain(prefix: str | None, role: str | None) -> str | None:
    """An embedded object's role after its owner's ("component 0, replica Worker"), capped as one role."""
    return _capped(f"{prefix}, {role}") if prefix and role else (prefix or role)


def _capped(role: str) -> str:
    return role if len(role) <= MAX_ROLE else role[:MAX_ROLE - 3] + "..."


def _exists(node: Any, path: Tokens) -> bool:
    return any(found is not None for found, _, _ in _expand(node, "", path))


def _expand(node: Any, pointer: str, path: Tokens) -> Iterator[tuple[Any, str, tuple[str, ...]]]:
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
                        following.append((child, f"{current_ptr}/{index}", (*captures, _item_label(child, index))))
            elif isinstance(current, dict):
                if token in current:
                    following.append((current[token], f"{current_ptr}/{escape_pointer_token(token)}", captures))
            elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
                following.append((current[int(token)], f"{current_ptr}/{token}", captures))
        frontier = following
        if not frontier:
            break
    yield from frontier


def _item_label(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for key in ("name", "groupName"):
            value = item.get(key)
            if isinstance(value, str) and value:
                return value
    return str(index)


def _make_view(obj: K8sObject, node: dict[str, Any], pointer: str, location: PodLocation,
               role: str | None) -> PodView | None:
    shape = location.shape
    if shape == "template":
        spec = node.get("spec")
        metadata = node.get("metadata")
        spec_pointer = f"{pointer}/spec"
    elif shape == "podspec":
        spec, spec_pointer = node, pointer
        metadata = _first(node, location.metadata) if location.metadata else None
    else:  # container: one container-shaped block is the pod's main container
        spec, spec_pointer, metadata = {}, pointer, None
    if not isinstance(spec, dict):
        return None
    view = PodView(obj, pointer, spec_pointer, spec, metadata if isinstance(metadata, dict) else {}, role,
                   traits=location.traits, partial=location.partial, shape=shape,
                   required_container=location.required_container, source=location.source)
    if location.defaults:
        _apply_defaults(view, obj, node, location.defaults)
    locations = location.containers if location.containers is not None else (
        _BLOCK_CONTAINER if shape == "container" else _DEFAULT_CONTAINERS)
    seen: set[str] = set()
    base = node if shape == "container" else spec
    for where in locations:
        for item, item_ptr, _ in _expand(base, spec_pointer, where.path):
            if not isinstance(item, dict) or item_ptr in seen:
                continue
            seen.add(item_ptr)
            last = item_ptr.rsplit("/", 1)[1]
            listed = bool(where.path) and (where.path[-1] == "*" or where.path[-1].isdigit())
            index = int(last) if listed and last.isdigit() else 0
            if listed and len(where.path) > 1:
                list_name = where.path[-2]
            else:
                list_name = where.path[-1] if where.path else CONTAINER_KINDS[where.kind]
            view.containers.append(_container(where, item, item_ptr, list_name, index, obj, block=not listed))
    _apply_patches(view, obj, node, location.defaults)
    if location.source != "table":
        for container in view.containers:
            # A block found by a CRD's schema or by shape: which container fields the operator reads is unknown,
            # so a field it lacks means "unknown", as for a block that overrides another object's container.
            container.inherits = container.inherits or container.block
    return view


def _container(where: ContainerLocation, item: dict[str, Any], pointer: str, list_name: str, index: int,
               obj: K8sObject, block: bool) -> Container:
    data = item
    origins: dict[str, str] = {}
    if where.fields or where.defaults:
        data = dict(item)
        for field_name, source in where.fields:
            if source in item:
                data[field_name] = item[source]
                origins[field_name] = pointer_join(pointer, source)
        renamed = {source: field_name for field_name, source in where.fields}  # computeResources -> resources
        for source in where.defaults:
            for node, node_ptr, _ in _expand(obj.data, obj.base, source.path):
                if not isinstance(node, dict):
                    continue
                for key in source.fields if source.fields is not None else tuple(node):
                    if key not in node:
                        continue
                    target = renamed.get(key, key)
                    own = data.get(target)
                    if own is None:
                        data[target] = node[key]
                        origins[target] = pointer_join(node_ptr, key)
                    elif isinstance(own, dict) and isinstance(node[key], dict):
                        # A template's mapping (Tekton's stepTemplate, Argo's templateDefaults) is merged like a
                        # strategic merge patch: the container's own keys win, one level down too.
                        data[target] = _merged(node[key], own)
    name = item.get("name")
    return Container(list_name, index, name if isinstance(name, str) and name else where.name, data, pointer,
                     where.kind, block, origins, dict(where.sizing), where.inherits)


def _merged(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in own.items():
        below = out.get(key)
        out[key] = {**below, **value} if isinstance(below, dict) and isinstance(value, dict) else value
    return out


def _first(node: Any, path: Tokens) -> Any:
    for found, _, _ in _expand(node, "", path):
        return found
    return None


def _apply_defaults(view: PodView, obj: K8sObject, node: dict[str, Any], sources: tuple[DefaultSource, ...]) -> None:
    spec = None
    for source in sources:
        if source.patch:
            continue
        base, base_ptr = (node, view.pointer) if source.relative_to == "pod" else (obj.data, obj.base)
        for found, found_ptr, _ in _expand(base, base_ptr, source.path):
            if not isinstance(found, dict):
                continue
            for key in source.fields if source.fields is not None else tuple(found):
                if key in found and found[key] is not None and view.spec.get(key) is None and (
                        spec is None or key not in spec or spec[key] is None):
                    if spec is None:
                        spec = dict(view.spec)
                    spec[key] = found[key]
                    view.origins[key] = pointer_join(found_ptr, key)
    if spec is not None:
        view.spec = spec


def _apply_patches(view: PodView, obj: K8sObject, node: dict[str, Any], sources: tuple[DefaultSource, ...]) -> None:
    """Pod-spec patches held in strings (Argo's podSpecPatch): their fields override the pod's own."""
    for source in sources:
        if not source.patch:
            continue
        base, base_ptr = (node, view.pointer) if source.relative_to == "pod" else (obj.data, obj.base)
        for text, text_ptr, _ in _expand(base, base_ptr, source.path):
            if text is None or text == "":
                continue
            patch = _parse_patch(text)
            if patch is None:
                view.partial = True  # a templated or broken patch: the pod's final fields are unknown
                continue
            spec = dict(view.spec)
            for key, value in patch.items():
                if key == "containers" and isinstance(value, list):
                    _patch_containers(view, value, text_ptr)
                elif source.fields is None or key in source.fields:
                    spec[key] = value
                    view.origins[key] = text_ptr
            view.spec = spec


def _parse_patch(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or "{{" in text:
        return None
    parsed = parse_yaml(text)
    if parsed.error or len(parsed.documents) != 1 or not isinstance(parsed.documents[0].data, dict):
        return None
    return parsed.documents[0].data


def _patch_containers(view: PodView, patches: list[Any], text_ptr: str) -> None:
    by_name = {c.name: c for c in view.containers if c.name}
    for patch in patches:
        if not isinstance(patch, dict):
            continue
        target = by_name.get(patch.get("name"))
        if target is None:
            continue
        data = dict(target.data)
        for key, value in patch.items():
            if key != "name":
                data[key] = value
                target.origins[key] = text_ptr
        target.data = data


# ---------------------------------------------------------------------------------------------
# Reading the table (the built-in file and users' rows share one syntax and one validator)


class TableError(ValueError):
    """A row of a workload table is wrong; the message names the file, the entry and the field."""


def parse_rows(data: Any, origin: str) -> list[TableRow]:
    """Rows from workloads.yaml-shaped data (``{workloads: [...]}`` or the list itself)."""
    entries = data.get("workloads") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise TableError(f"{origin}: expected a 'workloads' list of rows")
    return [_row(entry, f"{origin}: workloads[{number}]") for number, entry in enumerate(entries)]


def parse_table(data: Any, origin: str) -> WorkloadTable:
    """Build the table from workloads.yaml-shaped data; errors name the offending entry."""
    return _build(parse_rows(data, origin), _not_pods(data, origin))


def _not_pods(data: Any, origin: str) -> tuple[str, ...]:
    value = data.get("not_pods", []) if isinstance(data, dict) else []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TableError(f"{origin}: not_pods: expected a list of group/Kind patterns (`*` allowed)")
    return tuple(value)


def _build(rows: list[TableRow], not_pods: tuple[str, ...] = ()) -> WorkloadTable:
    by_kind: dict[str, list[PodLocation]] = {}
    references: dict[str, list[Tokens]] = {}
    parameters: dict[str, tuple[str, ...]] = {}
    for row in rows:
        for kind in row.kinds:
            by_kind.setdefault(kind, []).extend(row.pods)
            if row.references:
                references.setdefault(kind, []).extend(row.references)
            if row.parameters:
                parameters[kind] = (*parameters.get(kind, ()), *row.parameters)
    return WorkloadTable(by_kind, references, rows, not_pods, parameters)


@cache
def _placeholder_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _fail(where: str, message: str) -> TableError:
    return TableError(f"{where}: {message}")


def _keys(entry: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _fail(where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _pointer(value: Any, where: str, allow_empty: bool = True) -> Tokens:
    if not isinstance(value, str):
        raise _fail(where, "a pointer must be a string such as /spec/template")
    if value == "":
        if not allow_empty:
            raise _fail(where, "the pointer must not be empty")
        return ()
    if not value.startswith("/"):
        raise _fail(where, f"pointer {value!r} must start with '/'")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in value[1:].split("/"))


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, "expected a list of strings")
    return tuple(value)


def _row(entry: Any, where: str) -> TableRow:
    if not isinstance(entry, dict):
        raise _fail(where, "a row is a mapping with 'kinds' and 'pods'")
    kinds = entry.get("kinds")
    label = f"{where} ({', '.join(map(str, kinds))})" if isinstance(kinds, list) and kinds else where
    _keys(entry, {"kinds", "pods", "references", "parameters"}, label)
    if not isinstance(kinds, list) or not kinds:
        raise _fail(label, "needs a non-empty 'kinds' list (group/Kind, core kinds bare: Pod, batch/Job)")
    for kind in kinds:
        if not isinstance(kind, str) or not kind or kind.count("/") > 1 or kind.endswith("/") or " " in kind:
            raise _fail(label, f"kinds: {kind!r} is not group/Kind (core kinds bare: Pod)")
    pods = entry.get("pods", [])
    if not isinstance(pods, list) or ("pods" not in entry and "references" not in entry):
        raise _fail(label, "needs a 'pods' list (or 'references' only)")
    references = tuple(_pointer(p, f"{label}: references[{n}]", allow_empty=False)
                       for n, p in enumerate(entry.get("references") or []))
    if "references" in entry and not isinstance(entry["references"], list):
        raise _fail(label, "references: expected a list of pointers")
    parameters = _strings(entry["parameters"], f"{label}: parameters") if "parameters" in entry else ()
    for pattern in parameters:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(label, f"parameters: {pattern!r} is not a regular expression: {exc}") from None
    return TableRow(tuple(kinds), tuple(_pod(pod, f"{label}: pods[{n}]") for n, pod in enumerate(pods)), references,
                    where, parameters)


_POD_KEYS = {"path", "shape", "role", "traits", "containers", "metadata", "defaults", "when", "partial",
             "required_container", "gang", "complete_when"}


def _pod(pod: Any, where: str) -> PodLocation:
    if not isinstance(pod, dict) or "path" not in pod:
        raise _fail(where, "each pod entry needs a 'path' pointer")
    _keys(pod, _POD_KEYS, where)
    shape = pod.get("shape", "template")
    if shape not in SHAPES:
        raise _fail(where, f"unknown shape {shape!r} (one of {', '.join(SHAPES)})")
    role = pod.get("role")
    if role is not None:
        if not isinstance(role, str):
            raise _fail(where, "role must be a string")
        try:
            parts = role_template(role)
        except ValueError as exc:
            raise _fail(f"{where}: role", f"{role[:80]!r} is not a valid template: {exc}") from None
        stars = str(pod.get("path", "")).split("/").count("*")
        beyond = [part for part in parts if isinstance(part, int) and part >= stars]
        if beyond:
            raise _fail(f"{where}: role", f"{{{beyond[0]}}} names a '*' the path does not have (it has {stars})")
        if sum(len(part) for part in parts if isinstance(part, str)) > MAX_ROLE:
            raise _fail(f"{where}: role", f"longer than {MAX_ROLE} characters")
    containers = None
    if "containers" in pod:
        if not isinstance(pod["containers"], list):
            raise _fail(where, "containers: expected a list of container locations")
        containers = tuple(_container_location(c, f"{where}: containers[{n}]")
                           for n, c in enumerate(pod["containers"]))
    defaults = tuple(_default(d, f"{where}: defaults[{n}]") for n, d in enumerate(_list(pod, "defaults", where)))
    when = tuple(_pointer(p, f"{where}: when[{n}]", allow_empty=False) for n, p in enumerate(_list(pod, "when", where)))
    for flag in ("partial",):
        if flag in pod and not isinstance(pod[flag], bool):
            raise _fail(where, f"{flag} must be true or false")
    required = pod.get("required_container")
    if required is not None and not isinstance(required, str):
        raise _fail(where, "required_container must be a container name")
    return PodLocation(
        _pointer(pod["path"], f"{where}: path"), shape, role,
        frozenset(_strings(pod["traits"], f"{where}: traits")) if "traits" in pod else frozenset(),
        containers, _pointer(pod["metadata"], f"{where}: metadata") if "metadata" in pod else None, defaults, when,
        bool(pod.get("partial", False)), required,
        gang=_gang(pod.get("gang"), f"{where}: gang") if "gang" in pod else None,
        complete_when=_complete_when(pod.get("complete_when"), f"{where}: complete_when"))


def _complete_when(entry: Any, where: str) -> tuple[tuple[str, frozenset[str]], ...]:
    if entry is None:
        return ()
    if not isinstance(entry, dict):
        raise _fail(where, "expected a mapping of pointer -> [values]")
    return tuple((_gang_pointer(pointer, where), frozenset(_strings(values, f"{where}: {pointer}")))
                 for pointer, values in entry.items())


def _gang_pointer(value: Any, where: str) -> str:
    if not isinstance(value, str) or not (value.startswith("/") or value.startswith("../")):
        raise _fail(where, "expected a pointer: /x (relative to the object) or ../x (relative to the pod node)")
    return value


def _gang(entry: Any, where: str) -> GangCount:
    if not isinstance(entry, dict):
        raise _fail(where, "expected a mapping with count, add, min, unknown_when")
    _keys(entry, {"count", "add", "min", "unknown_when"}, where)
    counts = []
    for n, item in enumerate(_list(entry, "count", where)):
        if isinstance(item, dict):
            _keys(item, {"pointer", "default"}, f"{where}: count[{n}]")
            default = item.get("default", 1)
            if not isinstance(default, int) or isinstance(default, bool):
                raise _fail(f"{where}: count[{n}]", "default must be an integer")
            counts.append((_gang_pointer(item.get("pointer"), f"{where}: count[{n}]"), default))
        else:
            counts.append((_gang_pointer(item, f"{where}: count[{n}]"), 1))
    add = entry.get("add", 0)
    if not isinstance(add, int) or isinstance(add, bool):
        raise _fail(where, "add must be an integer")
    unknown = tuple(_gang_pointer(p, f"{where}: unknown_when[{n}]")
                    for n, p in enumerate(_list(entry, "unknown_when", where)))
    minimum = tuple(_gang_pointer(p, f"{where}: min[{n}]") for n, p in enumerate(_list(entry, "min", where)))
    return GangCount(tuple(counts), add, unknown, minimum)


def _list(entry: dict[str, Any], key: str, where: str) -> list[Any]:
    value = entry.get(key) or []
    if not isinstance(value, list):
        raise _fail(where, f"{key}: expected a list")
    return value


def _container_location(entry: Any, where: str) -> ContainerLocation:
    if not isinstance(entry, dict) or "path" not in entry:
        raise _fail(where, "each container location needs a 'path' pointer (relative to the pod spec)")
    _keys(entry, {"path", "kind", "name", "fields", "sizing", "inherits", "defaults"}, where)
    kind = entry.get("kind", "main")
    if kind not in CONTAINER_KINDS:
        raise _fail(where, f"unknown container kind {kind!r} (main, init or sidecar)")
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        raise _fail(where, "name must be a string")
    fields = entry.get("fields") or {}
    if not isinstance(fields, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
        raise _fail(where, "fields: expected a mapping of container field -> the block's field")
    sizing = entry.get("sizing") or {}
    if not isinstance(sizing, dict) or not all(isinstance(v, str) and v for v in sizing.values()):
        raise _fail(where, "sizing: expected a mapping such as {limits.memory: operator}")
    unknown = sorted(set(sizing) - SIZING_KEYS)
    if unknown:
        raise _fail(where, f"sizing: unknown key {unknown[0]!r} (one of {', '.join(sorted(SIZING_KEYS))})")
    if "inherits" in entry and not isinstance(entry["inherits"], bool):
        raise _fail(where, "inherits must be true or false")
    defaults = tuple(_default(d, f"{where}: defaults[{n}]") for n, d in enumerate(_list(entry, "defaults", where)))
    return ContainerLocation(_pointer(entry["path"], f"{where}: path"), kind, name, tuple(fields.items()),
                             tuple(sizing.items()), bool(entry.get("inherits", False)), defaults)


def _default(entry: Any, where: str) -> DefaultSource:
    if not isinstance(entry, dict):
        raise _fail(where, "a defaults entry is a mapping with 'path' (or 'pod_path') and optional 'fields'")
    _keys(entry, {"path", "pod_path", "fields", "patch"}, where)
    if ("path" in entry) == ("pod_path" in entry):
        raise _fail(where, "give exactly one of 'path' (relative to the object) or 'pod_path' (relative to the pod)")
    key = "path" if "path" in entry else "pod_path"
    fields = _strings(entry["fields"], f"{where}: fields") if "fields" in entry else None
    if "patch" in entry and not isinstance(entry["patch"], bool):
        raise _fail(where, "patch must be true or false")
    return DefaultSource(_pointer(entry[key], f"{where}: {key}"), fields,
                         "object" if key == "path" else "pod", bool(entry.get("patch", False)))


COMPILED_WORKLOADS = "compiled_workloads.json"
"""workloads.yaml, parsed ahead of time (written by ``python -m kml_lint.docs``, checked by a test): start-up
reads JSON instead of folding 26 kB of YAML."""


def compiled_workloads(text: str) -> dict[str, Any]:
    """The precompiled form of workloads.yaml's text (what ``compiled_workloads.json`` holds)."""
    result = parse_yaml(text)
    if result.error or not result.documents:
        raise ValueError(f"workloads.yaml does not parse: {result.error}")
    return {"format": 1, "digest": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "table": result.documents[0].data}


@cache
def builtin_table() -> WorkloadTable:
    text = package_file("workloads.yaml").read_text(encoding="utf-8")
    try:
        compiled = json.loads(package_file(COMPILED_WORKLOADS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        compiled = {}
    if compiled.get("format") != 1 or compiled.get("digest") != hashlib.sha256(text.encode("utf-8")).hexdigest():
        compiled = compiled_workloads(text)  # workloads.yaml was edited since: read it itself
    return parse_table(compiled["table"], "workloads.yaml")


def load_table_file(path: str, base: WorkloadTable | None = None) -> WorkloadTable:
    """``base`` (the built-in table by default) extended with the rows of a YAML file in the table's syntax."""
    from .safeio import describe_error, read_text

    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{path}: cannot read the workload table: {describe_error(exc)}") from None
    result = parse_yaml(text)
    if result.error is not None:
        raise TableError(f"{path}:{result.error.line}:{result.error.col}: {result.error.message}")
    if len(result.documents) != 1:
        raise TableError(f"{path}: expected exactly one YAML document")
    return (base or builtin_table()).extended(result.documents[0].data, path)
