"""Rules about how objects of one run fit together (PodDisruptionBudgets and their workloads, Services and the
pods they select). Each is a run-scope pair: ``collect`` keeps a small fact per object, ``finish`` judges them."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any, NamedTuple

from ..objects import K8sObject
from ..workloads import _expand, builtin_table
from . import RunHit, Site, check
from .devices import _distance

_STRINGS = {"type": "array", "items": {"type": "string"}}
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")

Labels = tuple[tuple[str, str], ...]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _labels(value: Any) -> Labels:
    return tuple(sorted((str(k), _text(v)) for k, v in _mapping(value).items() if v is not None))


def _compatible(left: str | None, right: str | None) -> bool:
    """Objects without a namespace land wherever they are applied: they may be in any namespace."""
    return left is None or right is None or left == right


class Selector(NamedTuple):
    """A label selector: ``match_labels`` plus ``(key, operator, values)`` expressions; ``everything`` for ``{}``."""

    match_labels: Labels
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...]

    @classmethod
    def parse(cls, value: Any) -> Selector | None:
        """``None`` for a missing or malformed selector (it selects nothing)."""
        if not isinstance(value, dict):
            return None
        expressions = []
        for item in value.get("matchExpressions") or ():
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                return None
            values = item.get("values")
            expressions.append((item["key"], str(item.get("operator")),
                                tuple(_text(v) for v in values) if isinstance(values, list) else ()))
        return cls(_labels(value.get("matchLabels")), tuple(expressions))

    def matches(self, labels: Labels) -> bool:
        present = dict(labels)
        if any(present.get(key) != value for key, value in self.match_labels):
            return False
        for key, operator, values in self.expressions:
            if operator == "In" and present.get(key) not in values:
                return False
            if operator == "NotIn" and key in present and present[key] in values:
                return False
            if operator == "Exists" and key not in present:
                return False
            if operator == "DoesNotExist" and key in present:
                return False
        return True


def pod_labels(ctx: Any, obj: K8sObject) -> list[Labels | None]:
    """The labels of every pod template ``obj`` holds (``None``: an operator labels those pods itself).

    Kinds of the workload table are read through it (a template whose spec is missing still counts); other
    kinds (older API groups, CRDs without a row) through any nested mapping shaped like a pod template.
    """
    table = getattr(ctx, "workloads", None) or builtin_table()
    locations = table.by_kind.get(obj.group_kind)
    if not locations:
        return _template_shaped(obj.data)
    found: list[Labels | None] = []
    for location in locations:
        for node, _, _ in _expand(obj.data, obj.base, location.path):
            if not isinstance(node, dict):
                continue
            found.append(_labels(_mapping(node.get("metadata")).get("labels")) if location.shape == "template"
                         else None)
    return found


_NOT_WORKLOADS = frozenset({"CustomResourceDefinition", "ConfigMap", "Secret", "Service", "Namespace"})


def _template_shaped(data: dict[str, Any], depth: int = 8) -> list[Labels | None]:
    """Labels of nested ``{metadata, spec: {containers: [...]}}`` mappings (pod templates of unknown kinds)."""
    if data.get("kind") in _NOT_WORKLOADS:
        return []
    found: list[Labels | None] = []
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            spec = node.get("spec")
            if isinstance(spec, dict) and isinstance(spec.get("containers"), list) and level > 0:
                found.append(_labels(_mapping(node.get("metadata")).get("labels")))
                continue
            if level < depth:
                stack.extend((child, level + 1) for child in node.values() if isinstance(child, (dict, list)))
        elif isinstance(node, list) and level < depth:
            stack.extend((child, level + 1) for child in node if isinstance(child, (dict, list)))
    return found


def near(left_path: str, left_namespace: str | None, right_path: str, right_namespace: str | None,
          by_namespace: bool = True) -> bool:
    """Objects that belong together: the same file or folder, or (``by_namespace``) the same namespace spelled
    out on both."""
    if by_namespace and left_namespace is not None and right_namespace is not None:
        return left_namespace == right_namespace
    return left_path == right_path or os.path.dirname(left_path) == os.path.dirname(right_path)


class Presence:
    """Whether anything is ``near`` and namespace-compatible with (path, namespace), answered in constant time.

    Near and compatible means: the same namespace when both objects name one, else the same folder.
    """

    def __init__(self, items: list[tuple[str, str | None]]) -> None:
        self.namespaces = {namespace for _, namespace in items if namespace is not None}
        self.folders = {os.path.dirname(path) for path, _ in items}
        self.folders_without_namespace = {os.path.dirname(path) for path, namespace in items if namespace is None}

    def near(self, path: str, namespace: str | None) -> bool:
        folder = os.path.dirname(path)
        if namespace is None:
            return folder in self.folders
        return namespace in self.namespaces or folder in self.folders_without_namespace


class Nearby:
    """Items indexed by folder and by namespace, so that finding what is ``near`` an object costs what is
    near it, not the whole run (a run over a monorepo holds thousands of workloads)."""

    def __init__(self, items: Iterator[Any] | list[Any], path: Any, namespace: Any) -> None:
        self._path, self._namespace = path, namespace
        self._by_folder: dict[str, list[Any]] = {}
        self._by_namespace: dict[str, list[Any]] = {}
        for item in items:
            self._by_folder.setdefault(os.path.dirname(path(item)), []).append(item)
            if namespace(item) is not None:
                self._by_namespace.setdefault(namespace(item), []).append(item)

    def near(self, path: str, namespace: str | None, by_namespace: bool = True) -> list[Any]:
        """The items ``near`` (path, namespace), in the order they were indexed."""
        pool = {id(item): item for item in self._by_folder.get(os.path.dirname(path), ())}
        if by_namespace and namespace is not None:
            pool.update((id(item), item) for item in self._by_namespace.get(namespace, ()))
        return [item for item in pool.values()
                if near(path, namespace, self._path(item), self._namespace(item), by_namespace)]


# -- PodDisruptionBudgets that allow no disruption --------------------------------------------------

_PDB_PARAMS = {
    "properties": {
        "replicated_kinds": {**_STRINGS, "minItems": 1,
                             "description": "kinds (`group/Kind`) whose `spec.replicas` sets how many pods run"},
    },
    "required": ["replicated_kinds"],
}


class Budget(NamedTuple):
    namespace: str | None
    selector: Selector | None
    field: str  # minAvailable | maxUnavailable
    value: int | None  # a count
    percent: float | None  # or a percentage
    site: Site


class Replicated(NamedTuple):
    namespace: str | None
    kind: str
    name: str | None
    replicas: int
    labels: Labels
    path: str


class Autoscaler(NamedTuple):
    namespace: str | None
    kind: str | None
    name: str | None
    min_replicas: int


def _count(value: Any) -> tuple[int | None, float | None] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    if isinstance(value, str) and (match := _PERCENT.match(value)):
        return None, float(match.group(1))
    return None


def allowed_disruptions(budget: Budget, replicas: int) -> int:
    """How many of ``replicas`` healthy pods may be evicted (the disruption controller rounds percentages up)."""
    if budget.field == "minAvailable":
        needed = budget.value if budget.value is not None else math.ceil(replicas * (budget.percent or 0) / 100)
        return replicas - needed
    if budget.value is not None:
        return budget.value
    return math.ceil(replicas * (budget.percent or 0) / 100)


def _describe_budget(budget: Budget) -> str:
    shown = f"{budget.value}" if budget.value is not None else f"{budget.percent:g}%"
    return f"{budget.field}: {shown}"


def _finish_budget(facts: list[Any], params: dict[str, Any]) -> Iterator[RunHit]:
    workloads = Nearby((f for f in facts if isinstance(f, Replicated)), lambda w: w.path, lambda w: w.namespace)
    scalers: dict[tuple[str | None, str | None], list[Autoscaler]] = {}
    for fact in facts:
        if isinstance(fact, Autoscaler):
            scalers.setdefault((fact.kind, fact.name), []).append(fact)
    advice = ("kubectl drain, node upgrades and the cluster autoscaler wait on these pods forever (and a GPU node "
              "that cannot drain keeps billing)")
    for budget in (f for f in facts if isinstance(f, Budget)):
        if allowed_disruptions(budget, 1_000_000) <= 0:
            yield RunHit(budget.site, f"{_describe_budget(budget)} allows no voluntary disruption at all: {advice}; "
                                      "allow at least one pod to go (maxUnavailable: 1)")
            continue
        if budget.selector is None:
            continue
        matched: dict[tuple[str, str | None, str | None], tuple[int, str]] = {}
        for workload in workloads.near(budget.site.path, budget.namespace):
            if not _compatible(budget.namespace, workload.namespace) or not budget.selector.matches(workload.labels):
                continue
            replicas, source = workload.replicas, f"{workload.replicas} replica" + \
                ("" if workload.replicas == 1 else "s")
            for scaler in scalers.get((workload.kind, workload.name), ()):
                if _compatible(scaler.namespace, workload.namespace):
                    replicas, source = scaler.min_replicas, f"autoscaler minimum of {scaler.min_replicas}"
            # The same object met twice (a copy in another file) counts once.
            matched[(workload.kind, workload.namespace, workload.name)] = (replicas, source)
        if not matched:
            continue
        total = sum(replicas for replicas, _ in matched.values())
        if allowed_disruptions(budget, total) > 0:
            continue
        listed = [f"{kind} {name or '(unnamed)'} ({source})" for (kind, _, name), (_, source) in matched.items()]
        shown = ", ".join(listed[:3]) + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")
        yield RunHit(budget.site,
                     f"{_describe_budget(budget)} allows no voluntary disruption of the {total} pod"
                     f"{'' if total == 1 else 's'} it covers ({shown}): {advice}; run at least one replica more than "
                     "the budget keeps, or use maxUnavailable: 1 instead")


@check("crossobject.pdb_blocks_eviction", target="run", params=_PDB_PARAMS, finish=_finish_budget)
def collect_budget(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Any:
    spec = _mapping(obj.data.get("spec"))
    kind = obj.group_kind
    if kind == "policy/PodDisruptionBudget":
        for field in ("minAvailable", "maxUnavailable"):
            parsed = _count(spec.get(field))
            if parsed is not None:
                return Budget(obj.ref.namespace, Selector.parse(spec.get("selector")), field, parsed[0], parsed[1],
                              ctx.site(obj, obj.ptr(f"/spec/{field}")))
        return None
    if kind == "autoscaling/HorizontalPodAutoscaler":
        target = _mapping(spec.get("scaleTargetRef"))
        low = spec.get("minReplicas")
        low = 1 if low is None else low
        if not isinstance(low, int) or isinstance(low, bool):
            return None
        return Autoscaler(obj.ref.namespace, target.get("kind") if isinstance(target.get("kind"), str) else None,
                          target.get("name") if isinstance(target.get("name"), str) else None, low)
    if kind not in params["replicated_kinds"]:
        return None
    replicas = spec.get("replicas", 1)
    replicas = 1 if replicas is None else replicas
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas <= 0:
        return None  # templated, or scaled to zero: nothing to evict
    selector_labels = _labels(_mapping(spec.get("selector")).get("matchLabels"))
    templates = [labels for labels in pod_labels(ctx, obj) if labels is not None] or [()]
    merged = tuple(sorted(dict(templates[0] + selector_labels).items()))
    return Replicated(obj.ref.namespace, obj.kind, obj.ref.name, replicas, merged, ctx.path)


# -- Services that select no pod ---------------------------------------------------------------------

_SERVICE_PARAMS = {
    "properties": {
        "external_pod_labels": {
            **_STRINGS,
            "description": "labels of pods that controllers or the platform create, which manifests never hold: "
                           "`key` or `key=value` (`*` matches any text); a Service selecting one is not judged",
        },
    },
}


def _external(selector: Labels, patterns: list[str]) -> bool:
    for pattern in patterns:
        key_pattern, has_value, value_pattern = pattern.partition("=")
        if any(fnmatchcase(key, key_pattern) and (not has_value or fnmatchcase(value, value_pattern))
               for key, value in selector):
            return True
    return False


class Selecting(NamedTuple):
    namespace: str | None
    selector: Labels
    site: Site


class Pods(NamedTuple):
    namespace: str | None
    labels: tuple[Labels | None, ...]
    path: str


class _Labels:
    """Pod templates' labels, inverted (label -> templates): a selector is answered by intersecting a few sets."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str], set[int]] = {}
        self.keys: dict[str, set[int]] = {}  # label key -> templates that carry it (any value)
        self.by_value: dict[str, set[str]] = {}  # label value -> keys it appears under (near-miss keys)
        self.templates: dict[int, Labels] = {}
        self.any_labels = False  # an operator labels some of these pods itself: they may match anything
        self._next = 0

    def add(self, labels: Labels | None) -> None:
        if labels is None:
            self.any_labels = True
            return
        self._next += 1
        self.templates[self._next] = labels
        for pair in labels:
            self.index.setdefault(pair, set()).add(self._next)
            self.keys.setdefault(pair[0], set()).add(self._next)
            self.by_value.setdefault(pair[1], set()).add(pair[0])

    def near_miss(self, selector: Labels) -> str | None:
        """Evidence that the selected pods should be here: a template carrying every key of the selector (with
        other values), or a label with a selector value under a key one or two letters away (a typo)."""
        common: set[int] | None = None
        for key, _ in selector:
            common = set(self.keys.get(key, ())) if common is None else common & self.keys.get(key, set())
            if not common:
                break
        if common:
            labels = dict(self.templates[min(common)])
            return ", ".join(f"{key}={labels[key]}" for key, _ in selector)
        for key, value in selector:
            for other in sorted(self.by_value.get(value, ())):
                if other != key and _distance(other, key) <= 2:
                    return f"{other}={value}"
        return None

    def selects(self, selector: Labels) -> bool:
        if self.any_labels:
            return True
        matches: set[int] | None = None
        for pair in selector:
            found = self.index.get(pair)
            if not found:
                return False
            matches = set(found) if matches is None else matches & found
            if not matches:
                return False
        return bool(matches)


class _PodIndex:
    """The run's pod templates by namespace and by folder, each with its labels inverted, so that a Service is
    compared with the pods near it (the same namespace when both name one, else the same folder) at the cost of
    a few set intersections, not with every template of the run."""

    def __init__(self, pods: list[Pods]) -> None:
        self.by_namespace: dict[str, _Labels] = {}
        self.by_folder: dict[str, _Labels] = {}
        self.by_folder_without_namespace: dict[str, _Labels] = {}
        for pod in pods:
            folder = os.path.dirname(pod.path)
            targets = [self.by_folder.setdefault(folder, _Labels())]
            if pod.namespace is None:
                targets.append(self.by_folder_without_namespace.setdefault(folder, _Labels()))
            else:
                targets.append(self.by_namespace.setdefault(pod.namespace, _Labels()))
            for labels in pod.labels:
                for target in targets:
                    target.add(labels)

    def beside(self, path: str) -> bool:
        return os.path.dirname(path) in self.by_folder

    def near_miss(self, path: str, namespace: str | None, selector: Labels) -> str | None:
        """A near-miss label among the pod templates of the same folder or namespace (see ``_Labels``)."""
        pools = [self.by_folder.get(os.path.dirname(path))]
        if namespace is not None:
            pools.append(self.by_namespace.get(namespace))
        for pool in pools:
            found = pool.near_miss(selector) if pool is not None else None
            if found:
                return found
        return None

    def selects(self, path: str, namespace: str | None, selector: Labels) -> bool:
        folder = os.path.dirname(path)
        if namespace is None:
            pools = [self.by_folder.get(folder)]
        else:
            pools = [self.by_namespace.get(namespace), self.by_folder_without_namespace.get(folder)]
        return any(pool is not None and pool.selects(selector) for pool in pools)


def _finish_service(facts: list[Any], params: dict[str, Any]) -> Iterator[RunHit]:
    pods = _PodIndex([f for f in facts if isinstance(f, Pods)])
    for service in (f for f in facts if isinstance(f, Selecting)):
        if not pods.beside(service.site.path):
            continue  # no pod template beside it (same file or folder): its workload is linted elsewhere
        if pods.selects(service.site.path, service.namespace, service.selector):
            continue
        near = pods.near_miss(service.site.path, service.namespace, service.selector)
        if near is None:
            continue  # no evidence the pods belong here: an operator may create them from an object elsewhere
        shown = ", ".join(f"{key}={value}" for key, value in service.selector)
        yield RunHit(service.site,
                     f"selects pods labelled {shown}, but the pod templates beside it carry {near} and none carries "
                     "all of these labels in its namespace, so the Service has no endpoints and every request to it "
                     "fails; fix the selector or the pod template's labels",
                     f"selects {shown}, which no nearby pod carries (they have {near})")


@check("crossobject.service_selects_nothing", target="run", params=_SERVICE_PARAMS, finish=_finish_service)
def collect_service(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Any:
    if obj.group_kind == "Service":
        spec = _mapping(obj.data.get("spec"))
        selector = _labels(spec.get("selector"))
        if spec.get("type") == "ExternalName" or not selector:
            return None  # no selector: endpoints are managed by hand (or by another controller)
        if _external(selector, params.get("external_pod_labels", [])):
            return None
        return Selecting(obj.ref.namespace, selector, ctx.site(obj, obj.ptr("/spec/selector")))
    labels = pod_labels(ctx, obj)
    return Pods(obj.ref.namespace, tuple(labels), ctx.path) if labels else None
