"""The scheduler's filters, run once per node pool, and the verdict in the scheduler's own words.

Each filter answers True (passes), False (rejects) or None (the description cannot tell). A pool rejects
the pod when any filter surely rejects it; its reason is the first such filter in the scheduler's order
(NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit), worded as ``kubectl describe pod``
shows it. A pod is unschedulable only when every pool surely rejects it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .cluster import HOSTNAME, Cluster, Pool, Taint
from .pod import PodNeeds

_UNSCHEDULABLE_TAINT = Taint("node.kubernetes.io/unschedulable", "", "NoSchedule")


@lru_cache(maxsize=1)
def platforms() -> dict[str, Any]:
    """The platform presets (``platforms.yaml``): what each platform adds to pods, with its source."""
    from importlib import resources as package_files  # lazily: it imports tempfile

    from ..yamlfold import parse_yaml

    text = package_files.files(__package__).joinpath("platforms.yaml").read_text(encoding="utf-8")
    return parse_yaml(text).documents[0].data


def platform_tolerations(platform: str | None, requests: dict[str, Decimal]) -> list[dict[str, Any]]:
    preset = platforms().get(platform or "") or {}
    added: list[dict[str, Any]] = []
    for resource, tolerations in (preset.get("tolerations_for") or {}).items():
        if requests.get(resource):
            added.extend(tolerations)
    return added


def tolerates(toleration: dict[str, Any], taint: Taint) -> bool:
    """The scheduler's ``Toleration.ToleratesTaint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.effect:
        return False
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or "Equal"
    if key == "":
        return operator == "Exists"  # an empty key with Exists tolerates every taint
    if key != taint.key:
        return False
    if operator == "Exists":
        return True
    value = toleration.get("value")
    return operator == "Equal" and ("" if value is None else str(value)) == taint.value


def untolerated_taints(pool: Pool, tolerations: list[dict[str, Any]]) -> list[Taint]:
    """The pool's NoSchedule and NoExecute taints that no toleration tolerates."""
    return [taint for taint in pool.taints
            if taint.effect in ("NoSchedule", "NoExecute") and not any(tolerates(t, taint) for t in tolerations)]


def untolerated(pool: Pool, tolerations: list[dict[str, Any]]) -> Taint | None:
    """The first NoSchedule or NoExecute taint of the pool that no toleration tolerates."""
    found = untolerated_taints(pool, tolerations)
    return found[0] if found else None


def _label(pool: Pool, key: str, known: frozenset[str]) -> tuple[bool, str | None] | None:
    """(present, value) of a pool's label; None when the description does not record the key at all."""
    if key == HOSTNAME and pool.hostnames:
        return (True, next(iter(pool.hostnames))) if len(pool.hostnames) == 1 else None
    if key not in known:
        return None
    return (key in pool.labels, pool.labels.get(key))


def _expression(pool: Pool, expression: dict[str, Any], known: frozenset[str]) -> bool | None:
    key = expression.get("key")
    operator = expression.get("operator")
    values = expression.get("values")
    values = [str(v) for v in values] if isinstance(values, list) else []
    if not isinstance(key, str):
        return None
    found = _label(pool, key, known)
    if found is None:
        return None
    present, value = found
    if operator == "In":
        return present and value in values
    if operator == "NotIn":
        return not present or value not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt"):
        if not present or len(values) != 1:
            return False
        try:
            have, bound = int(str(value)), int(values[0])
        except ValueError:
            return False
        return have > bound if operator == "Gt" else have < bound
    return None  # an operator the API server would reject


def _all(results: list[bool | None]) -> bool | None:
    if False in results:
        return False
    return None if None in results else True


def _any(results: list[bool | None]) -> bool | None:
    if True in results:
        return True
    return None if None in results else False


def affinity_filter(pool: Pool, needs: PodNeeds, known: frozenset[str]) -> bool | None:
    """nodeSelector AND required node affinity (terms ORed, expressions ANDed; an empty term matches none)."""
    results: list[bool | None] = []
    for key, value in needs.node_selector.items():
        found = _label(pool, key, known)
        results.append(None if found is None else (found[0] and found[1] == value))
    if needs.affinity_terms is not None:
        if not needs.affinity_terms:
            results.append(None)  # no term at all: the API server rejects the pod, not the scheduler
        else:
            results.append(_any([_all([_expression(pool, e, known) for e in term]) if term else False
                                 for term in needs.affinity_terms]))
    return _all(results)


def _extended(name: str) -> bool:
    """Extended resources (``vendor/name``) a node without them offers none of; hugepages likewise."""
    return ("/" in name and not name.startswith("kubernetes.io/")) or name.startswith("hugepages-")


def short(pool: Pool, requests: dict[str, Decimal]) -> list[str]:
    """The resources a node of the pool has too few of, in request order (empty: it fits)."""
    missing = []
    for name, wanted in requests.items():
        if name in pool.unreadable:
            continue
        offered = pool.allocatable.get(name)
        if offered is None:
            if not _extended(name):
                continue  # cpu, memory... not described: undecided, never a verdict
            offered = Decimal(0)
        if wanted > offered:
            missing.append(name)
    return missing


@dataclass(slots=True)
class PoolResult:
    pool: Pool
    reason: str | None = None  # the scheduler's words for why the pool rejects the pod; None: not rejected
    taint: Taint | None = None  # the untolerated taint, when that is the reason
    undecided: str | None = None  # why the pool might reject the pod but the description cannot tell
    matched: bool | None = True  # the pod's node selector and affinity accept the pool


@dataclass(slots=True)
class Verdict:
    """Can any pool run the pod? ``fits`` False only when every pool surely rejects it."""

    fits: bool | None
    pools: list[PoolResult] = field(default_factory=list)
    why_undecided: list[str] = field(default_factory=list)
    message: str = ""


def judge_pool(pool: Pool, needs: PodNeeds, tolerations: list[dict[str, Any]], known: frozenset[str],
               taints_undecided: str | None) -> PoolResult:
    matched = affinity_filter(pool, needs, known)
    if pool.unschedulable and not any(tolerates(t, _UNSCHEDULABLE_TAINT) for t in tolerations):
        return PoolResult(pool, "unschedulable (cordoned)", matched=matched)
    taint = untolerated(pool, tolerations)
    undecided = None
    if taint is not None:
        if taints_undecided is None:
            return PoolResult(pool, f"untolerated taint {taint}", taint, matched=matched)
        undecided = taints_undecided
    if matched is False:
        return PoolResult(pool, "didn't match Pod's node affinity/selector", matched=matched)
    if matched is None:
        undecided = undecided or "node selector or affinity on a label the description does not record"
    missing = short(pool, needs.requests)
    if missing:
        return PoolResult(pool, "Insufficient " + missing[0], matched=matched)
    return PoolResult(pool, None, undecided=undecided, matched=matched)


def judge(needs: PodNeeds, cluster: Cluster, tolerations: list[dict[str, Any]],
          taints_undecided: str | None = None) -> Verdict:
    """Run the filters over every pool of ``cluster`` for one pod."""
    if not cluster.pools:
        return Verdict(None, why_undecided=["the cluster description has no node"])
    if needs.claims:
        return Verdict(None, why_undecided=["the pod claims devices through dynamic resource allocation"])
    if needs.undecided:
        return Verdict(None, why_undecided=list(needs.undecided))
    if needs.node_name is not None:
        return _judge_named(needs, cluster)
    known = cluster.label_keys
    results = [judge_pool(pool, needs, tolerations, known, taints_undecided) for pool in cluster.pools]
    if any(r.reason is None and r.undecided is None for r in results):
        return Verdict(True, results)
    undecided = [f"node pool {r.pool.name}: {r.undecided}" for r in results if r.reason is None]
    if undecided:
        return Verdict(None, results, undecided)
    return Verdict(False, results, message=wording(results, needs.requests, cluster))


def _judge_named(needs: PodNeeds, cluster: Cluster) -> Verdict:
    """``nodeName`` bypasses the scheduler: the kubelet of that node admits the pod if its resources fit."""
    name = needs.node_name
    pool = next((p for p in cluster.pools if name in p.hostnames), None)
    if pool is None:
        return Verdict(None, why_undecided=[f"node {name} (nodeName) is not in the description"])
    missing = short(pool, needs.requests)
    if not missing:
        return Verdict(True)
    resource = missing[0]
    offered = pool.allocatable.get(resource, Decimal(0))
    return Verdict(False, [PoolResult(pool, f"Insufficient {resource}")],
                   message=(f"nodeName {name} bypasses the scheduler, and that node cannot admit the pod: "
                            f"Insufficient {resource} (it offers {format_quantity(offered, resource)}, the pod "
                            f"requests {format_quantity(needs.requests[resource], resource)})"))


_BYTES = (("Ti", Decimal(2) ** 40), ("Gi", Decimal(2) ** 30), ("Mi", Decimal(2) ** 20), ("Ki", Decimal(2) ** 10))


def format_quantity(quantity: Decimal, resource: str = "") -> str:
    """A quantity as people write it: bytes of memory and storage in binary units (64Gi, 1.5Ti)."""
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        for suffix, size in _BYTES:
            if quantity >= size:
                return format((quantity / size).quantize(Decimal("0.1")).normalize(), "f") + suffix
    if resource == "cpu" and 0 < quantity < 1:
        return format((quantity * 1000).normalize(), "f") + "m"
    return format(quantity.normalize(), "f")


def _alternatives(resource: str, cluster: Cluster) -> str:
    """Resources of the same kind the cluster does offer: a MIG profile spelt as another cluster offers it."""
    stem = resource.rsplit("-", 1)[0] + "-" if "/mig-" in resource else resource.split("/", 1)[0] + "/"
    offered = sorted({name for pool in cluster.pools for name, amount in pool.allocatable.items()
                      if amount > 0 and name.startswith(stem) and name != resource})
    return f"; it offers {', '.join(offered)}" if offered else ""


def wording(results: list[PoolResult], requests: dict[str, Decimal], cluster: Cluster) -> str:
    """``0/3 node pools are available: 2 Insufficient nvidia.com/gpu (largest offers 4, the pod requests
    8), 1 untolerated taint nvidia.com/gpu=present:NoSchedule``."""
    counts = Counter(r.reason for r in results)
    parts = []
    for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0] or "")):
        text = f"{count} {reason}"
        if reason and reason.startswith("Insufficient "):
            resource = reason[len("Insufficient "):]
            offers = [r.pool.allocatable.get(resource, Decimal(0)) for r in results if r.reason == reason]
            if max(offers) > 0:
                text += (f" (largest offers {format_quantity(max(offers), resource)}, the pod requests "
                         f"{format_quantity(requests[resource], resource)})")
            elif any(pool.allocatable.get(resource, 0) > 0 for pool in cluster.pools):
                text += f" (none of them offers {resource})"
            else:
                text += f" (no node offers {resource}{_alternatives(resource, cluster)})"
        parts.append(text)
    noun = "node pool" if len(results) == 1 else "node pools"
    return f"0/{len(results)} {noun} are available: " + ", ".join(parts)
