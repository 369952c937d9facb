"""The run's own scheduling objects (from the run-wide pre-pass) and the cluster description's, indexed once.

Namespaces, LimitRanges, ResourceQuotas, PriorityClasses, RuntimeClasses and Kueue's ResourceFlavors,
ClusterQueues and LocalQueues come from ``ctx.facts`` (``runwide/kinds.py`` collects them); a description
may add PriorityClasses, RuntimeClasses and queue names. Built once per process and run (``run.extra``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cluster import RuntimeClassInfo, _mapping, _quantities

BUILTIN_PRIORITY_CLASSES = frozenset({"system-cluster-critical", "system-node-critical"})


@dataclass(slots=True)
class SchedulingObjects:
    runtime_classes: dict[str, RuntimeClassInfo] = field(default_factory=dict)
    runtime_classes_known: bool = False  # the run or the description has RuntimeClasses at all
    priority_classes: set[str] = field(default_factory=set)
    priority_classes_known: bool = False
    local_queues: dict[tuple[str | None, str], str | None] = field(default_factory=dict)  # (ns, name) -> CQ
    queue_names: set[str] = field(default_factory=set)  # LocalQueue names in any namespace, and described ones
    queues_known: bool = False
    described_queues: set[str] = field(default_factory=set)  # queue names the cluster description lists
    cluster_queues: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> spec
    flavors: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> spec
    limit_ranges: dict[str, list[tuple[Any, dict[str, Any]]]] = field(default_factory=dict)  # ns -> [(fact, spec)]
    quotas: dict[str, list[tuple[Any, dict[str, Any]]]] = field(default_factory=dict)


def scheduling_objects(ctx: Any) -> SchedulingObjects:
    found = ctx.run.extra.get("scheduling-objects")
    if found is None:
        found = ctx.run.extra["scheduling-objects"] = _build(ctx.facts, ctx.run.cluster)
    return found


def _build(facts: Any, cluster: Any) -> SchedulingObjects:
    out = SchedulingObjects()
    if cluster is not None:
        out.runtime_classes.update(cluster.runtime_classes)
        out.priority_classes.update(cluster.priority_classes)
        out.queue_names.update(cluster.queues)
        out.described_queues.update(cluster.queues)
    for fact in facts("runtimeclasses"):
        if fact.name and fact.name not in out.runtime_classes:
            scheduling = _mapping(fact.data, "scheduling")
            tolerations = scheduling.get("tolerations")
            out.runtime_classes[fact.name] = RuntimeClassInfo(
                fact.name, _quantities(_mapping(fact.data, "overhead", "podFixed"))[0],
                {str(k): str(v) for k, v in _mapping(scheduling, "nodeSelector").items()},
                [t for t in tolerations if isinstance(t, dict)] if isinstance(tolerations, list) else [])
    out.priority_classes.update(fact.name for fact in facts("priorityclasses") if fact.name)
    for fact in facts("kueue"):
        spec = _mapping(fact.data, "spec")
        kind = fact.group_kind.rsplit("/", 1)[-1]
        if not fact.name:
            continue
        if kind == "LocalQueue":
            cluster_queue = spec.get("clusterQueue")
            out.local_queues.setdefault((fact.namespace, fact.name),
                                        cluster_queue if isinstance(cluster_queue, str) else None)
            out.queue_names.add(fact.name)
        elif kind == "ClusterQueue":
            out.cluster_queues.setdefault(fact.name, spec)
        elif kind == "ResourceFlavor":
            out.flavors.setdefault(fact.name, spec)
    for kind, index in (("limitranges", out.limit_ranges), ("resourcequotas", out.quotas)):
        for fact in facts(kind):
            if fact.namespace:
                index.setdefault(fact.namespace, []).append((fact, _mapping(fact.data, "spec")))
    out.runtime_classes_known = bool(out.runtime_classes)
    out.priority_classes_known = bool(out.priority_classes)
    out.queues_known = bool(out.queue_names)
    out.priority_classes |= BUILTIN_PRIORITY_CLASSES
    return out
