"""Will it schedule? Pod templates judged against the cluster described with ``--cluster`` (KML210, and
KML201's verdict when a cluster is described). Without a description every check here returns at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from ..findings import Severity
from ..objects import pointer_join
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
              f"[{toleration}]`",
              short=f"requests {block.resource}, but every node offering it has the untolerated taint {taint}")


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
    if ctx.run.runs("KML201") and accelerator_taint_block(ctx, view, params["accelerators"]) is not None:
        return  # KML201's finding: one cause, one finding (when KML201 runs)
    cluster = ctx.run.cluster
    verdict = found.verdict
    if found.needs.node_name is not None:
        pointer = view.spec_ptr("nodeName")
        message = f"{verdict.message}; the kubelet rejects it ({_provenance(cluster)})"
    else:
        pointer = _pointer_for(view, verdict)
        message = f"no node can run the pod: {verdict.message} ({_provenance(cluster)})"
    short = verdict.message.replace(" are available: ", ": ", 1)
    yield Hit(pointer, message, severity=_severity(cluster),
              short=short if cluster.complete else f"{short} (snapshot)")


_CATEGORIES = ("Insufficient", "untolerated", "unschedulable")


def _pointer_for(view: Any, verdict: Any) -> str:
    """Where to point: among the pools the pod's selector and affinity accept, the commonest reason's field
    (the request that is too large, the tolerations, the pod spec of a cordoned pool); the selector or
    affinity when they accept no pool."""
    for result in verdict.pools:  # a resource no node offers at all (a MIG profile spelt another way) comes first
        if result.reason and result.reason.startswith("Insufficient "):
            resource = result.reason[len("Insufficient "):]
            if not any(r.pool.allocatable.get(resource, 0) > 0 for r in verdict.pools):
                return _request_pointer(view, resource)
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


# -- KML211: pods that must run together -------------------------------------------------------------------


class GangRow(NamedTuple):
    view: Any
    pods: int  # the pods of this template there are
    requests: dict[str, Decimal]
    least: int  # the fewest of them that must run at once (a shared minimum may be met by other roles' pods)


class GangGroup(NamedTuple):
    """Rows whose pods must run at once together: ``need`` of them, any of them."""

    need: int
    rows: list[GangRow]


def _gang_groups(rows: list[GangRow]) -> list[GangGroup]:
    """A row without a minimum needs all its pods; rows whose minimum is the same field (a job-level minimum
    across roles, such as Volcano's minAvailable) need that many of their pods together, never more than there
    are. Each row's ``least`` is what the others cannot make up for."""
    members: dict[Any, list[GangRow]] = {}  # in the order of the object's pod templates
    for n, row in enumerate(rows):
        members.setdefault(row.view.gang_min_pointer or n, []).append(row)
    groups = []
    for group in members.values():
        there = sum(row.pods for row in group)
        minimum = group[0].view.gang_min
        need = there if group[0].view.gang_min_pointer is None else min(minimum, there)
        groups.append(GangGroup(need, [row._replace(least=max(need - (there - row.pods), 0)) for row in group]))
    return groups


def _least_demand(groups: list[GangGroup]) -> dict[str, Decimal]:
    """What the pods that must run at once need at least, per resource: where a group needs only some of its
    pods, the ones asking least for that resource (a lower bound, whichever pods the scheduler picks)."""
    names = {name for group in groups for row in group.rows for name in row.requests}
    demand: dict[str, Decimal] = {}
    for name in names:
        total = Decimal(0)
        for group in groups:
            left = group.need
            for row in sorted(group.rows, key=lambda r: r.requests.get(name, Decimal(0))):
                take = min(left, row.pods)
                total += row.requests.get(name, Decimal(0)) * take
                left -= take
        demand[name] = total
    return demand


def _gang_field(view: Any) -> str:
    """Where the gang's size is said: its minimum, else its count."""
    return view.gang_min_pointer or view.gang_pointer or view.pointer


def _at_once(groups: list[GangGroup]) -> str:
    pods = sum(group.need for group in groups)
    if all(row.view.gang_min_pointer is None for group in groups for row in group.rows):
        return f"its {pods} pods need"
    return f"the {pods} of its pods that must run together need at least"


def _per_node(pool: Any, requests: dict[str, Decimal]) -> int | None:
    """How many such pods one node of ``pool`` holds (its allocatable ``pods`` included); None: no bound known."""
    bound: int | None = None
    for name, amount in (*requests.items(), ("pods", Decimal(1))):
        offered = pool.allocatable.get(name)
        if amount <= 0 or offered is None:
            continue
        fits = int(offered // amount)
        bound = fits if bound is None else min(bound, fits)
    return bound


def _usable(found: Placement) -> list[Any] | None:
    """The pools a pod may run on (surely or perhaps); None when the verdict does not list them."""
    verdict = found.verdict
    if not verdict.pools or found.needs.node_name is not None or found.taints_undecided == "judged per flavor":
        return None
    return [result.pool for result in verdict.pools if result.reason is None]


def _cluster_gang_hit(ctx: Any, groups: list[GangGroup]) -> Hit | None:
    cluster = ctx.run.cluster
    rows = [row for group in groups for row in group.rows]
    pools_of: list[list[Any]] = []
    for row in rows:
        found = placement(ctx, row.view)
        usable = _usable(found) if found is not None else None
        if usable is None or not usable or any(pool.count is None for pool in usable):
            return None  # undecided, or KML210's finding, or an autoscaled pool without a maximum
        pools_of.append(usable)
        holds = [_per_node(pool, row.requests) for pool in usable]
        if any(h is None for h in holds):
            continue
        capacity = sum(h * pool.count for h, pool in zip(holds, usable, strict=True))  # type: ignore[operator]
        if row.least > capacity:
            needs = f"needs {row.least}" if row.view.gang_min_pointer is None else f"needs at least {row.least}"
            return Hit(_gang_field(row.view),
                       f"{row.view.role or 'the pod'} {needs} pods running at once, but the nodes that can "
                       f"run them hold at most {capacity} ({_pools_text(usable, holds)}), so the gang never starts "
                       f"({_provenance(cluster)})", severity=_severity(cluster))
    union = {id(pool): pool for pools in pools_of for pool in pools}.values()
    for name, needed in _least_demand(groups).items():
        if any(name not in pool.allocatable for pool in union):
            continue
        supply = sum((pool.allocatable[name] * pool.count for pool in union), Decimal(0))
        if needed > supply and len(rows) > 1:
            return Hit(_gang_field(rows[0].view),
                       f"{_at_once(groups)} {_num(needed)} {name} at once, but every node that can run them "
                       f"offers {_num(supply)} in all, so the gang never starts ({_provenance(cluster)})",
                       severity=_severity(cluster))
    return None


def _num(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


def _pools_text(pools: list[Any], holds: list[int | None]) -> str:
    parts = [f"{pool.count} node{'s' if pool.count != 1 else ''} of {pool.name} × {hold}"
             for pool, hold in zip(pools, holds, strict=True) if hold]
    return ", ".join(parts) if parts else "none holds one"


def _queue_gang_hit(ctx: Any, obj: Any, groups: list[GangGroup]) -> Hit | None:
    """What the workload's ClusterQueue can ever admit: its nominal quota, plus what it may borrow from its
    cohort (decidable when the cohort's ClusterQueues are in the run and no Cohort object adds quota)."""
    from ..scheduling.objects import scheduling_objects

    if not ctx.facts:
        return None
    view = groups[0].rows[0].view
    queue = queue_name(view)
    if queue is None:
        return None
    known = scheduling_objects(ctx)
    found, name = local_queue(known, queue, namespace_of(view))
    spec = known.cluster_queues.get(name) if found and name else None
    if spec is None:
        return None
    cohort = spec.get("cohort") or spec.get("cohortName")
    if cohort and any(fact.name == cohort for fact in ctx.facts("kueuecohorts")):
        return None  # a Cohort object of its own may hold quota too
    own = _quotas(spec)
    lendable: dict[str, Decimal] = {}
    if cohort:
        for other, other_spec in known.cluster_queues.items():
            if other != name and (other_spec.get("cohort") or other_spec.get("cohortName")) == cohort:
                for resource, (nominal, _, lending) in _quotas(other_spec).items():
                    lend = nominal if lending is None else min(nominal, lending)
                    lendable[resource] = lendable.get(resource, Decimal(0)) + lend
    for resource, needed in _least_demand(groups).items():
        if resource not in own:
            continue  # a resource the queue does not cover: Kueue's configuration decides
        nominal, borrowing, _ = own[resource]
        borrow = Decimal(0)
        if cohort:
            available = lendable.get(resource, Decimal(0))
            borrow = available if borrowing is None else min(borrowing, available)
        limit = nominal + borrow
        if needed > limit:
            how = f"nominal {_num(nominal)}" + (f" + {_num(borrow)} it may borrow from cohort {cohort}" if cohort
                                                  else ", no cohort to borrow from")
            label = pointer_join(obj.base, "metadata", "labels", QUEUE_LABEL)
            pods = sum(group.need for group in groups)
            return Hit(label if QUEUE_LABEL in labels(obj.metadata) else _gang_field(view),
                       f"the workload needs {_num(needed)} {resource} at once ({pods} pods), but "
                       f"ClusterQueue {name} (LocalQueue {queue}) can admit at most {_num(limit)} ({how}), so Kueue "
                       "never admits it; shrink the workload or raise the quota", at="value")
    return None


def _quotas(spec: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal | None, Decimal | None]]:
    """resource -> (nominal quota summed over flavors, borrowing limit, lending limit) of a ClusterQueue."""
    from ..quantity import parse_quantity

    out: dict[str, list[Any]] = {}
    groups = spec.get("resourceGroups")
    for group in groups if isinstance(groups, list) else []:
        flavors = group.get("flavors") if isinstance(group, dict) else None
        for flavor in flavors if isinstance(flavors, list) else []:
            resources = flavor.get("resources") if isinstance(flavor, dict) else None
            for item in resources if isinstance(resources, list) else []:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    continue
                nominal = parse_quantity(item.get("nominalQuota")) or Decimal(0)
                entry = out.setdefault(item["name"], [Decimal(0), Decimal(0), Decimal(0), True, True])
                entry[0] += nominal
                borrowing = parse_quantity(item.get("borrowingLimit"))
                lending = parse_quantity(item.get("lendingLimit"))
                if borrowing is None:
                    entry[3] = False
                else:
                    entry[1] += borrowing
                if lending is None:
                    entry[4] = False
                else:
                    entry[2] += lending
    return {name: (e[0], e[1] if e[3] else None, e[2] if e[4] else None) for name, e in out.items()}


@check("placement.gang_capacity", target="object")
def gang_capacity(ctx: Any, obj: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML211: pods that must run together need more than the cluster, or the workload's ClusterQueue, can
    ever give at once. The gang's size per pod template is the workload table's ``gang`` data."""
    if ctx.run.cluster is None and not ctx.facts:
        return
    from ..scheduling.pod import effective_request

    rows = []
    for view in ctx.views(obj):
        if view.gang is None:
            continue
        if view.partial:
            return
        rows.append(GangRow(view, view.gang, effective_request(view.containers, view.spec.get("resources")), 0))
    groups = _gang_groups([row for row in rows if row.pods > 0])
    if sum(group.need for group in groups) < 2:
        return
    hit = _queue_gang_hit(ctx, obj, groups)
    if hit is None and ctx.run.cluster is not None:
        hit = _cluster_gang_hit(ctx, groups)
    if hit is not None:
        yield hit
