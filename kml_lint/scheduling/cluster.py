"""Cluster descriptions: what nodes a cluster has, or can grow, read into pools of identical nodes.

Two formats, told apart by their ``kind``:

- a snapshot, ``kubectl get nodes -o yaml`` (a ``List`` of ``Node``s; a ``NodeList``; single ``Node``
  documents). The same ``List`` may hold ``RuntimeClass`` and ``PriorityClass`` objects
  (``kubectl get nodes,runtimeclasses,priorityclasses -o yaml``). A snapshot shows the nodes of today:
  not an autoscaled pool at zero, not a node Karpenter would create. Its verdicts are warnings.
- a profile (``kind: ClusterProfile``, schema ``profile.schema.json``): node pools with labels, taints,
  allocatable resources and a count or an autoscaling range, written by hand or refreshed from a live
  cluster. ``complete: true`` says the pools are every node the cluster can ever have: errors come only
  from such a description.

Nodes with the same labels (their hostname aside), taints, allocatable resources and cordon are one pool:
a 1,000-node cluster is a handful of pools, and every filter runs once per pool, not per node.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ..quantity import parse_quantity

HOSTNAME = "kubernetes.io/hostname"


class ClusterError(Exception):
    """A cluster description that cannot be read: the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@dataclass(slots=True)
class Pool:
    """Nodes of one shape: a profile's node pool, or the snapshot's nodes that look alike."""

    name: str
    labels: dict[str, str]
    taints: tuple[Taint, ...]
    allocatable: dict[str, Decimal]  # what one node offers pods
    unreadable: frozenset[str] = frozenset()  # resources whose quantity could not be read: undecided
    count: int | None = 1  # nodes now (snapshot) or at most (profile); None: an autoscaled pool without max
    unschedulable: bool = False
    hostnames: set[str] = field(default_factory=set)  # snapshot: the nodes' names, for nodeName
    autoscaled: bool = False  # a profile pool with an autoscaling range (never merged with another)
    source: str = ""  # the file it came from

    def describe(self) -> str:
        return self.name


@dataclass(slots=True)
class RuntimeClassInfo:
    name: str
    overhead: dict[str, Decimal]
    node_selector: dict[str, str]
    tolerations: list[dict[str, Any]]


@dataclass(slots=True)
class Cluster:
    """Every pool of every description given, with what the descriptions say about themselves."""

    pools: list[Pool] = field(default_factory=list)
    complete: bool = False  # a profile declared its pools complete: verdicts are errors
    snapshot: bool = False  # at least one description is a node list
    sources: list[str] = field(default_factory=list)
    runtime_classes: dict[str, RuntimeClassInfo] = field(default_factory=dict)
    priority_classes: set[str] = field(default_factory=set)
    queues: set[str] = field(default_factory=set)
    label_keys: frozenset[str] = frozenset()  # every label key some pool records
    digest: str = ""  # of the descriptions' contents (the cache key)

    @property
    def kind_of_verdict(self) -> str:
        return "described as complete" if self.complete else "from a snapshot"

    def finish(self) -> Cluster:
        self.label_keys = frozenset(key for pool in self.pools for key in pool.labels) | (
            {HOSTNAME} if any(pool.hostnames for pool in self.pools) else set())
        return self


@lru_cache(maxsize=1)
def profile_schema() -> dict[str, Any]:
    from importlib import resources as package_files  # lazily: it imports tempfile

    text = package_files.files(__package__).joinpath("profile.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_cluster(paths: list[str]) -> Cluster:
    """Read every description (``ClusterError`` names the file and what is wrong)."""
    from ..yamlfold import parse_yaml

    cluster = Cluster()
    digest = hashlib.sha256()
    snapshot_nodes: list[tuple[dict[str, Any], str]] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise ClusterError(f"{path}: cannot read the cluster description: {exc}") from exc
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
        parsed = parse_yaml(text)
        if parsed.error is not None:
            raise ClusterError(f"{path}:{parsed.error.line}: not YAML: {parsed.error.message}")
        cluster.sources.append(path)
        documents = [doc.data for doc in parsed.documents if doc.data is not None]
        if not documents:
            raise ClusterError(f"{path}: empty cluster description")
        for data in documents:
            _read_document(cluster, data, path, snapshot_nodes)
    cluster.pools = _merge_fixed(cluster.pools)
    cluster.pools.extend(_group_nodes(snapshot_nodes))
    cluster.digest = digest.hexdigest()
    return cluster.finish()


def _read_document(cluster: Cluster, data: Any, path: str, nodes: list[tuple[dict[str, Any], str]]) -> None:
    if not isinstance(data, dict):
        raise ClusterError(f"{path}: expected a node list (kubectl get nodes -o yaml) or a ClusterProfile")
    kind = data.get("kind")
    if kind == "ClusterProfile":
        _read_profile(cluster, data, path)
        return
    if kind in ("List", "NodeList"):
        items = data.get("items")
        if not isinstance(items, list):
            raise ClusterError(f"{path}: a {kind} without items")
        for item in items:
            _read_object(cluster, item, path, nodes)
        return
    if kind in ("Node", "RuntimeClass", "PriorityClass"):
        _read_object(cluster, data, path, nodes)
        return
    raise ClusterError(f"{path}: kind {kind!r} is not a cluster description; expected the output of "
                       "`kubectl get nodes -o yaml` (a List of Nodes) or a kml-lint ClusterProfile")


def _read_object(cluster: Cluster, item: Any, path: str, nodes: list[tuple[dict[str, Any], str]]) -> None:
    if not isinstance(item, dict):
        return
    kind = item.get("kind")
    name = _mapping(item, "metadata").get("name")
    if kind == "Node":
        cluster.snapshot = True
        nodes.append((item, path))
    elif kind == "PriorityClass" and isinstance(name, str):
        cluster.priority_classes.add(name)
    elif kind == "RuntimeClass" and isinstance(name, str):
        scheduling = _mapping(item, "scheduling")
        tolerations = scheduling.get("tolerations")
        cluster.runtime_classes[name] = RuntimeClassInfo(
            name, _quantities(_mapping(item, "overhead", "podFixed"))[0],
            {str(k): str(v) for k, v in _mapping(scheduling, "nodeSelector").items()},
            [t for t in tolerations if isinstance(t, dict)] if isinstance(tolerations, list) else [])


def _read_profile(cluster: Cluster, data: dict[str, Any], path: str) -> None:
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(profile_schema()).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise ClusterError(f"{path}: invalid ClusterProfile at {where}: {error.message}")
    cluster.complete = cluster.complete or bool(data.get("complete"))
    for entry in data["pools"]:
        allocatable, unreadable = _quantities(entry["allocatable"])
        if unreadable:
            raise ClusterError(f"{path}: pool {entry['name']}: allocatable {sorted(unreadable)[0]} is not a "
                               "Kubernetes quantity")
        scaling = entry.get("autoscaling")
        count = entry["count"] if "count" in entry else (scaling or {}).get("max")
        taints = tuple(Taint(t["key"], t.get("value", ""), t["effect"]) for t in entry.get("taints", []))
        cluster.pools.append(Pool(entry["name"], dict(entry.get("labels", {})), taints, allocatable,
                                  count=count, unschedulable=bool(entry.get("unschedulable")), source=path,
                                  autoscaled="autoscaling" in entry))
    cluster.priority_classes.update(data.get("priorityClasses", []))
    cluster.queues.update(data.get("queues", []))
    for entry in data.get("runtimeClasses", []):
        cluster.runtime_classes[entry["name"]] = RuntimeClassInfo(
            entry["name"], _quantities(entry.get("overhead", {}))[0], dict(entry.get("nodeSelector", {})),
            list(entry.get("tolerations", [])))


def _merge_fixed(pools: list[Pool]) -> list[Pool]:
    """Fixed profile pools of identical shape as one (a profile written one pool per node by the kubectl
    one-liner becomes a handful of pools)."""
    merged: dict[tuple[Any, ...], Pool] = {}
    out: list[Pool] = []
    for pool in pools:
        if pool.autoscaled:
            out.append(pool)
            continue
        key = (tuple(sorted(pool.labels.items())), tuple(sorted(pool.taints, key=str)),
               tuple(sorted(pool.allocatable.items())), pool.unschedulable)
        first = merged.get(key)
        if first is None:
            merged[key] = pool
            out.append(pool)
            continue
        first.count = (first.count or 0) + (pool.count or 0)
        first.name = _pool_name(first.labels, first.name)
    return out


def _group_nodes(nodes: list[tuple[dict[str, Any], str]]) -> list[Pool]:
    """Snapshot nodes of identical shape as one pool each, named after a pool label when they share one."""
    pools: dict[tuple[Any, ...], Pool] = {}
    for node, path in nodes:
        name = _mapping(node, "metadata").get("name")
        labels = {str(k): str(v) for k, v in _mapping(node, "metadata", "labels").items() if v is not None}
        labels.pop(HOSTNAME, None)
        spec = _mapping(node, "spec")
        raw_taints = spec.get("taints")
        taints = tuple(sorted(
            (Taint(str(t.get("key") or ""), str(t.get("value") or ""), str(t.get("effect") or ""))
             for t in (raw_taints if isinstance(raw_taints, list) else []) if isinstance(t, dict)),
            key=lambda t: (t.key, t.value, t.effect)))
        allocatable, unreadable = _quantities(_mapping(node, "status", "allocatable"))
        cordoned = spec.get("unschedulable") is True
        key = (tuple(sorted(labels.items())), taints, tuple(sorted(allocatable.items())), unreadable, cordoned)
        pool = pools.get(key)
        if pool is None:
            pool = pools[key] = Pool(_pool_name(labels, name), labels, taints, allocatable, unreadable, count=0,
                                     unschedulable=cordoned, source=path)
        pool.count = (pool.count or 0) + 1
        if isinstance(name, str):
            pool.hostnames.add(name)
    for pool in pools.values():  # a pool of one node is named after it; a cordoned pool says so
        if pool.count == 1 and pool.hostnames:
            pool.name = next(iter(pool.hostnames))
        if pool.unschedulable:
            pool.name += " (cordoned)"
    return list(pools.values())


# Labels that name a node pool on the common platforms (the pool's name in verdicts).
_POOL_LABELS = ("cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup", "karpenter.sh/nodepool",
                "kubernetes.azure.com/agentpool", "agentpool", "node.kubernetes.io/instance-type")


def _pool_name(labels: dict[str, str], node_name: Any) -> str:
    for key in _POOL_LABELS:
        if labels.get(key):
            return labels[key]
    return str(node_name) if node_name else "unnamed"


def _mapping(node: Any, *path: str) -> dict[str, Any]:
    for step in path:
        node = node.get(step) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _quantities(raw: dict[str, Any]) -> tuple[dict[str, Decimal], frozenset[str]]:
    values: dict[str, Decimal] = {}
    unreadable: set[str] = set()
    for name, value in raw.items():
        quantity = parse_quantity(value)
        if quantity is None:
            unreadable.add(str(name))
        else:
            values[str(name)] = quantity
    return values, frozenset(unreadable)
