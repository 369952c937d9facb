"""What the API server and Kueue check before a pod may exist: references to scheduling objects (KML213) and
its namespace's LimitRanges and ResourceQuotas (KML212). The objects come from the run-wide pre-pass and the
cluster description (``scheduling/objects.py``); without them every check here is silent."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..objects import K8sObject, pointer_join
from ..quantity import parse_quantity
from . import Hit, check
from .placement import QUEUE_LABEL, local_queue, namespace_of, queue_name


@check("admission.missing_reference", target="object")
def missing_reference(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    """KML213: a priorityClassName, runtimeClassName or Kueue queue that neither the run nor the description
    has, when they have objects of that kind at all."""
    if not ctx.facts and ctx.run.cluster is None:
        return
    from ..scheduling.objects import scheduling_objects

    known = scheduling_objects(ctx)
    seen: set[tuple[str, str]] = set()
    for view in ctx.views(obj):
        spec = view.spec
        for field, present, kind, where in (
                ("priorityClassName", known.priority_classes_known, "PriorityClass", known.priority_classes),
                ("runtimeClassName", known.runtime_classes_known, "RuntimeClass", known.runtime_classes)):
            name = spec.get(field)
            if not present or not isinstance(name, str) or not name or name in where or (field, name) in seen:
                continue
            seen.add((field, name))
            yield Hit(view.spec_ptr(field), f"{field}: {name} names a {kind} that neither the run nor the cluster "
                      f"description has ({_some(where)}), so the API server rejects the pod; fix the name or "
                      f"apply the {kind} first", at="value")
        queue = queue_name(view)
        if queue is None or not known.queues_known or ("queue", queue) in seen:
            continue
        namespace = namespace_of(view)
        found, _ = local_queue(known, queue, namespace)
        if found or queue in known.described_queues:
            continue
        if namespace is not None and not known.described_queues and not any(
                queue_ns in (None, namespace) for queue_ns, _ in known.local_queues):
            continue  # LocalQueues are namespaced: none in this namespace means they are managed elsewhere
        seen.add(("queue", queue))
        owner = view.owner or view.obj
        pointer = pointer_join(owner.base, "metadata", "labels", QUEUE_LABEL)
        if QUEUE_LABEL not in (owner.metadata.get("labels") or {}):
            pointer = pointer_join(view.pointer, "metadata", "labels", QUEUE_LABEL)
        where = f" in namespace {namespace}" if namespace else ""
        yield Hit(pointer, f"{QUEUE_LABEL}: {queue} names a LocalQueue the run does not have{where} "
                  f"({_some(known.queue_names)}), so Kueue never admits the workload and it waits forever; fix "
                  "the name or apply the LocalQueue", at="value")


def _some(names: Any) -> str:
    listed = sorted(str(name) for name in names)
    shown = ", ".join(listed[:5]) + (", ..." if len(listed) > 5 else "")
    return f"it has {shown}" if listed else "it has none"


# -- KML212: LimitRange and ResourceQuota ---------------------------------------------------------------

_COMPUTE = frozenset({"cpu", "memory", "ephemeral-storage"})


def _quantity_map(node: Any) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    if isinstance(node, dict):
        for name, value in node.items():
            quantity = parse_quantity(value)
            if quantity is not None and isinstance(name, str):
                out[name] = quantity
    return out


def _fmt(quantity: Decimal, resource: str = "") -> str:
    from ..scheduling.filters import format_quantity

    return format_quantity(quantity, resource.rpartition(".")[2] if resource.startswith(("requests.", "limits."))
                           else resource)


def _container_values(container: Any) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(requests, limits) as the API server sees them: a missing request takes the limit."""
    limits = _quantity_map(container.mapping("resources", "limits"))
    requests = {**limits, **_quantity_map(container.mapping("resources", "requests"))}
    return requests, limits


@check("admission.namespace_limits", target="pod")
def namespace_limits(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML212: a container or pod above its namespace's LimitRange max (or below its min), above a
    ResourceQuota's hard limit, or without a request or limit that a quota counts and nothing defaults."""
    if not ctx.facts:
        return
    from ..scheduling.objects import scheduling_objects

    namespace = namespace_of(view)
    if namespace is None or view.partial:
        return  # the namespace is decided elsewhere (kubectl -n, a kustomization): no verdict
    known = scheduling_objects(ctx)
    ranges = known.limit_ranges.get(namespace, [])
    quotas = known.quotas.get(namespace, [])
    if not ranges and not quotas:
        return
    defaults: dict[str, set[str]] = {"requests": set(), "limits": set()}
    for fact, spec in ranges:
        for item in spec.get("limits") or []:
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            if kind == "Container":
                defaults["limits"] |= set(_quantity_map(item.get("default")) | _quantity_map(item.get("max")))
                # generous on purpose: every field the API server may default a request or limit from
                for field in ("defaultRequest", "default", "max", "min"):
                    defaults["requests"] |= set(_quantity_map(item.get(field)))
                hit = next(_container_range(view, item, fact), None)
            else:
                hit = _pod_range(view, item, fact) if kind == "Pod" else None
            if hit is not None:
                yield hit  # one finding per pod: the LimitRange rejects it before any quota counts it
                return
    for fact, spec in quotas:
        # "must specify" only where the run holds the namespace's LimitRanges (else one in the cluster may
        # default what the container omits)
        hit = _quota(view, spec, fact, defaults, judge_omissions=bool(ranges))
        if hit is not None:
            yield hit
            return


def _container_range(view: Any, item: dict[str, Any], fact: Any) -> Iterator[Hit]:
    maximum, minimum = _quantity_map(item.get("max")), _quantity_map(item.get("min"))
    for container in view.containers:
        requests, limits = _container_values(container)
        for resource, bound in maximum.items():
            value = limits.get(resource, requests.get(resource))
            if value is not None and value > bound:
                section = "limits" if resource in limits else "requests"
                yield Hit(container.ptr("resources", section, resource),
                          f"{container.describe()} asks for {_fmt(value, resource)} {resource}, above the maximum "
                          f"{_fmt(bound, resource)} per container of LimitRange {fact.name} in namespace "
                          f"{fact.namespace} ({fact.path}:{fact.line}), so the API server rejects the pod; stay "
                          "within it")
                break
        else:
            for resource, bound in minimum.items():
                value = requests.get(resource)
                if value is not None and value < bound:
                    yield Hit(container.ptr("resources", "requests", resource),
                              f"{container.describe()} requests {_fmt(value, resource)} {resource}, below the minimum "
                              f"{_fmt(bound, resource)} per container of LimitRange {fact.name} in namespace "
                              f"{fact.namespace} ({fact.path}:{fact.line}), so the API server rejects the pod")
                    break


def _pod_range(view: Any, item: dict[str, Any], fact: Any) -> Hit | None:
    from ..scheduling.pod import effective_request

    maximum = _quantity_map(item.get("max"))
    total = effective_request(view.containers, view.spec.get("resources"))
    for resource, bound in maximum.items():
        value = total.get(resource)
        if value is not None and value > bound:
            return Hit(view.spec_pointer, f"the pod asks for {_fmt(value, resource)} {resource} in all, above the "
                       f"maximum {_fmt(bound, resource)} per pod of LimitRange {fact.name} in namespace "
                       f"{fact.namespace} ({fact.path}:{fact.line}), so the API server rejects it")
    return None


def _quota(view: Any, spec: dict[str, Any], fact: Any, defaults: dict[str, set[str]],
           judge_omissions: bool) -> Hit | None:
    """A pod's own requests and limits against one ResourceQuota's hard limits (the pod alone, so sound)."""
    hard = _quantity_map(spec.get("hard"))
    if not hard or spec.get("scopes") or spec.get("scopeSelector"):
        return None  # a scoped quota counts only some pods: not judged
    for key, bound in hard.items():
        if key.startswith(("requests.", "limits.")):
            section, _, resource = key.partition(".")
        else:
            section, resource = "requests", key
        compute = resource in _COMPUTE or resource.startswith("hugepages-")
        if not compute and not ("/" in resource and key.startswith(("requests.", "limits."))):
            continue  # pods, count/..., storage, services...: not what one pod's containers ask for
        total = Decimal(0)
        for container in view.main_containers():
            requests, limits = _container_values(container)
            value = (limits if section == "limits" else requests).get(resource)
            if value is None:
                if not judge_omissions or resource in defaults[section] or "/" in resource:
                    continue  # a LimitRange default fills it in (or an extended resource the pod does not use)
                return Hit(container.ptr("resources"),
                           f"{container.describe()} sets no {section}.{resource}, which ResourceQuota {fact.name} in "
                           f"namespace {fact.namespace} ({fact.path}:{fact.line}) counts and no LimitRange "
                           f"defaults, so the API server rejects the pod (must specify {section}.{resource}); set it")
            total += value
        if total > bound:
            return Hit(view.spec_pointer,
                       f"the pod alone asks for {_fmt(total, key)} {key}, more than the hard limit "
                       f"{_fmt(bound, key)} of ResourceQuota {fact.name} in namespace {fact.namespace} "
                       f"({fact.path}:{fact.line}), so it is never admitted (exceeded quota); lower it or raise the "
                       "quota")
    return None
