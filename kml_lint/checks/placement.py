"""Will it schedule? Pod templates judged against the cluster described with ``--cluster`` (KML210, and
KML201's verdict when a cluster is described). Without a description every check here returns at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from ..findings import Severity
from ..patterns import matches
from . import Hit, check
from ._common import ACCELERATOR_PARAMS, labels

QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


class Placement(NamedTuple):
    """One pod template's verdict, computed once per template and shared by KML201 and KML210."""

    verdict: Any  # scheduling.filters.Verdict
    needs: Any  # scheduling.pod.PodNeeds
    tolerations: list[dict[str, Any]]
    taints_undecided: str | None


def placement(ctx: Any, view: Any) -> Placement | None:
    cluster = ctx.run.cluster
    if cluster is None:
        return None
    return ctx.cached(("placement", view.obj.ref.document, view.pointer), lambda: _place(ctx, view, cluster))


def _place(ctx: Any, view: Any, cluster: Any) -> Placement:
    from ..scheduling.filters import Verdict, judge, platform_tolerations
    from ..scheduling.objects import scheduling_objects
    from ..scheduling.pod import pod_needs

    known = scheduling_objects(ctx)
    needs = pod_needs(view, known.runtime_classes, known.runtime_classes_known)
    tolerations = needs.tolerations + platform_tolerations(ctx.platform, needs.requests)
    taints_undecided = needs.taints_undecided
    flavors: list[tuple[str, dict[str, Any]]] | None = None
    queue = queue_name(view)
    if taints_undecided is None and queue is not None:
        flavors = queue_flavors(known, queue, namespace_of(view))
        if flavors is None:
            taints_undecided = (f"the workload is queued by Kueue (queue {queue}), whose ResourceFlavor may add "
                                "tolerations and node labels; the run does not hold its LocalQueue, ClusterQueue "
                                "and flavors")
    if view.partial:
        verdict = Verdict(None, why_undecided=["pod-level fields are completed in another object"])
    elif flavors:
        verdict = _judge_flavors(needs, cluster, tolerations, flavors)
    else:
        verdict = judge(needs, cluster, tolerations, taints_undecided)
    if verdict.why_undecided:
        for reason in verdict.why_undecided:
            ctx.stats[f"undecided\x1f{ctx.path}\x1f{view.describe()}: {reason}"] += 1
    return Placement(verdict, needs, tolerations, taints_undecided if not flavors else "judged per flavor")


def queue_name(view: Any) -> str | None:
    owner = view.owner or view.obj
    for metadata in (owner.metadata, view.metadata):
        value = labels(metadata).get(QUEUE_LABEL)
        if isinstance(value, str) and value:
            return value
    return None


def namespace_of(view: Any) -> str | None:
    namespace = (view.owner or view.obj).metadata.get("namespace")
    return namespace if isinstance(namespace, str) and namespace else None


def local_queue(known: Any, queue: str, namespace: str | None) -> tuple[bool, str | None]:
    """(found, its ClusterQueue): the LocalQueue in the workload's namespace (any, when either is unset)."""
    for (queue_ns, name), cluster_queue in known.local_queues.items():
        if name == queue and (namespace is None or queue_ns is None or queue_ns == namespace):
            return True, cluster_queue
    return False, None


def queue_flavors(known: Any, queue: str, namespace: str | None) -> list[tuple[str, dict[str, Any]]] | None:
    """The ResourceFlavors the workload's ClusterQueue may admit it to, or None when the chain is not in the run."""
    found, cluster_queue = local_queue(known, queue, namespace)
    spec = known.cluster_queues.get(cluster_queue) if found and cluster_queue else None
    if spec is None:
        return None
    names: list[str] = []
    groups = spec.get("resourceGroups")
    for group in groups if isinstance(groups, list) else []:
        for flavor in (group.get("flavors") if isinstance(group, dict) else None) or []:
            if isinstance(flavor, dict) and isinstance(flavor.get("name"), str) and flavor["name"] not in names:
                names.append(flavor["name"])
    if not names or any(name not in known.flavors for name in names):
        return None
    return [(name, known.flavors[name]) for name in names]


def _judge_flavors(needs: Any, cluster: Any, tolerations: list[dict[str, Any]],
                   flavors: list[tuple[str, dict[str, Any]]]) -> Any:
    """Kueue admits the workload to one flavor and adds its node labels and tolerations: the pod is
    unschedulable only when it is with every flavor."""
    from dataclasses import replace

    from ..scheduling.filters import Verdict, judge

    verdicts = []
    for name, spec in flavors:
        node_labels = spec.get("nodeLabels")
        added = spec.get("tolerations")
        flavored = replace(needs, node_selector={**needs.node_selector, **(
            {str(k): str(v) for k, v in node_labels.items()} if isinstance(node_labels, dict) else {})})
        extra = [t for t in added if isinstance(t, dict)] if isinstance(added, list) else []
        verdicts.append((name, judge(flavored, cluster, tolerations + extra)))
    if any(v.fits for _, v in verdicts):
        return Verdict(True)
    undecided = [f"flavor {name}: {reason}" for name, v in verdicts if v.fits is None for reason in v.why_undecided]
    if undecided:
        return Verdict(None, why_undecided=undecided)
    first = verdicts[0][1]
    message = "; ".join(f"with ResourceFlavor {name}, {v.message}" for name, v in verdicts)
    return Verdict(False, first.pools, message=message)


def _severity(cluster: Any) -> Severity | None:
    return None if cluster.complete else Severity.WARNING


def _provenance(cluster: Any) -> str:
    nodes = sum(pool.count or 0 for pool in cluster.pools)
    pools = len(cluster.pools)
    if cluster.complete:
        return f"the cluster description declares its {pools} node pool{'s' if pools != 1 else ''} complete"
    return (f"a verdict from a snapshot of {nodes} node{'s' if nodes != 1 else ''}; autoscaled pools at zero or "
            "nodes an autoscaler would add are not in it")


class TaintBlock(NamedTuple):
    resource: str
    taint: Any  # cluster.Taint
    pools: int


def accelerator_taint_block(ctx: Any, view: Any, resources: list[str]) -> TaintBlock | None:
    """KML201's case: the pod requests an accelerator, and every node offering it has a taint the pod does
    not tolerate (the same taint everywhere, or the first pool's)."""
    found = placement(ctx, view)
    if found is None or found.taints_undecided is not None or view.partial or found.needs.node_name is not None:
        return None  # nodeName bypasses the scheduler, and with it NoSchedule taints
    from ..scheduling.filters import untolerated_taints

    for resource, amount in found.needs.requests.items():
        if amount <= 0 or not matches(resource, resources):
            continue
        offering = [pool for pool in ctx.run.cluster.pools if pool.allocatable.get(resource, Decimal(0)) > 0]
        if not offering:
            continue
        blocked = [untolerated_taints(pool, found.tolerations) for pool in offering]
        if all(blocked):
            shared = [taint for taint in blocked[0] if all(taint in taints for taints in blocked)]
            return TaintBlock(resource, (shared or blocked[0])[0], len(offering))
    return None


def cluster_toleration_hits(ctx: Any, view: Any, pointer_of: Any, resources: list[str]) -> Iterator[Hit]:
    """KML201 with a cluster description: report only what the description proves (called by
    ``accelerators.missing_toleration`` instead of its guess)."""
    block = accelerator_taint_block(ctx, view, resources)
    if block is None:
        return
    cluster = ctx.run.cluster
    taint = block.taint
    toleration = f"{{key: {taint.key}, operator: Exists, effect: {taint.effect}}}"
    where = "1 node pool" if block.pools == 1 else f"all {block.pools} node pools"
    yield Hit(pointer_of(block.resource),
              f"requests {block.resource}, but every node that offers it ({where}) has the taint {taint}, which the "
              f"pod does not tolerate, so it stays Pending ({_provenance(cluster)}); add `tolerations: "
              f"[{toleration}]`")


_UNSCHEDULABLE_PARAMS = {
    "properties": {
        **ACCELERATOR_PARAMS,
    },
    "required": ["accelerators"],
}


@check("placement.unschedulable", target="pod", params=_UNSCHEDULABLE_PARAMS)
def unschedulable(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML210: no node of the described cluster can ever run the pod."""
    found = placement(ctx, view)
    if found is None or found.verdict.fits is not False:
        return
    if accelerator_taint_block(ctx, view, params["accelerators"]) is not None:
        return  # KML201's finding: one cause, one finding
    cluster = ctx.run.cluster
    verdict = found.verdict
    if found.needs.node_name is not None:
        pointer = view.spec_ptr("nodeName")
        message = f"{verdict.message}; the kubelet rejects it ({_provenance(cluster)})"
    else:
        pointer = _pointer_for(view, verdict)
        message = f"no node can run the pod: {verdict.message} ({_provenance(cluster)})"
    yield Hit(pointer, message, severity=_severity(cluster))


_CATEGORIES = ("Insufficient", "untolerated", "unschedulable")


def _pointer_for(view: Any, verdict: Any) -> str:
    """Where to point: among the pools the pod's selector and affinity accept, the commonest reason's field
    (the request that is too large, the tolerations, the pod spec of a cordoned pool); the selector or
    affinity when they accept no pool."""
    selected = [r for r in verdict.pools if r.matched is not False]
    if not selected:
        for name in ("nodeSelector", "affinity"):
            if name in view.spec:
                return view.spec_ptr(name)
        return view.spec_pointer
    counts = Counter(next(c for c in _CATEGORIES if r.reason.startswith(c)) for r in selected
                     if r.reason and r.reason.startswith(_CATEGORIES))
    if not counts:
        return view.spec_pointer
    category = max(_CATEGORIES, key=lambda c: (counts[c], -_CATEGORIES.index(c)))
    if category == "Insufficient":
        reasons = Counter(r.reason for r in selected if r.reason and r.reason.startswith("Insufficient "))
        return _request_pointer(view, reasons.most_common(1)[0][0][len("Insufficient "):])
    if category == "untolerated" and "tolerations" in view.spec:
        return view.spec_ptr("tolerations")
    return view.spec_pointer


def _request_pointer(view: Any, resource: str) -> str:
    """The field that asks for most of ``resource``: pod-level resources, else the largest container request."""
    from ..quantity import parse_quantity

    pod_level = view.spec.get("resources")
    if isinstance(pod_level, dict):
        for section in ("requests", "limits"):
            values = pod_level.get(section)
            if isinstance(values, dict) and resource in values:
                return view.spec_ptr("resources", section, resource)
    best: tuple[Decimal, str] | None = None
    for container in view.containers:
        for section in ("requests", "limits"):
            value = parse_quantity(container.mapping("resources", section).get(resource))
            if value is not None and (best is None or value > best[0]):
                best = (value, container.ptr("resources", section, resource))
            if value is not None:
                break
    return best[1] if best else view.spec_pointer
