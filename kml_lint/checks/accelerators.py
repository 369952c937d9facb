"""GPUs, TPUs and other accelerators: tolerations for their taints, and their counts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..findings import Severity
from ..patterns import matches
from ..quantity import is_whole, parse_quantity
from . import PLATFORM_LIST, Hit, check

_PATTERNS = {"type": "array", "items": {"type": "string"}}

_VENDOR = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "resources", "taint_keys"],
    "properties": {
        "name": {"type": "string"},
        "resources": {**_PATTERNS, "minItems": 1, "description": "resource names; `*` matches any text"},
        "exclude": {**_PATTERNS, "description": "resource names that match `resources` but are not accelerators"},
        "taint_keys": {**_PATTERNS, "minItems": 1,
                       "description": "taint keys the vendor's nodes carry; `{resource}` is the resource name"},
        "note": {"type": "string", "description": "added to the message for this vendor"},
        "platform_tolerates": {"type": "boolean",
                               "description": "the only platform that offers it adds the toleration itself "
                                              "(google.com/tpu: GKE): never reported"},
    },
}

_TOLERATION_PARAMS = {
    "properties": {
        "vendors": {"type": "array", "items": _VENDOR, "minItems": 1},
        "any_vendor_taints": {
            "type": "array",
            "description": "taints that mark accelerator nodes of every vendor (AKS: sku=gpu)",
            "items": {"type": "object", "additionalProperties": False, "required": ["key"],
                      "properties": {"key": {"type": "string"}, "value": {"type": "string"}}},
        },
        "auto_toleration_platforms": {
            **PLATFORM_LIST,
            "description": "platforms that add accelerator tolerations themselves (the rule is silent there)",
        },
        "platform_labels": {
            "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "platform -> node label keys (`*` matches any text) whose use in the pod's node selector "
                           "or node affinity shows the platform it runs on (more specific than the setting)",
        },
    },
    "required": ["vendors"],
}

_COUNT_PARAMS = {
    "properties": {
        "resources": {**_PATTERNS, "minItems": 1},
        "exclude": _PATTERNS,
    },
    "required": ["resources"],
}


def _matches(name: str, patterns: list[str], exclude: list[str] | None = None) -> bool:
    return matches(name, patterns) and not (exclude and matches(name, exclude))


def _positive(value: Any) -> bool:
    quantity = parse_quantity(value)
    return quantity is not None and quantity > 0


def _tolerates(toleration: Any, key: str, value: str | None) -> bool:
    """Does one toleration tolerate a NoSchedule taint with ``key`` (and ``value``, when it matters)?"""
    if not isinstance(toleration, dict):
        return False
    effect = toleration.get("effect")
    if effect not in (None, "", "NoSchedule"):
        return False
    operator = toleration.get("operator") or "Equal"
    tol_key = toleration.get("key") or ""
    if tol_key == "":
        return operator == "Exists"  # an empty key with Exists tolerates every taint
    if tol_key != key:
        return False
    if operator == "Exists":
        return True
    # Equal: taint values differ by platform (GKE "present", many EKS setups "true"), so any value is
    # accepted for a vendor key; a taint that names its value (AKS sku=gpu) needs that value.
    return operator == "Equal" and (value is None or toleration.get("value") == value)


@check("accelerators.missing_toleration", target="pod", params=_TOLERATION_PARAMS)
def missing_toleration(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    platform, evidence = pod_platform(view, params.get("platform_labels", {}))
    platform = platform or ctx.platform
    if platform and platform in params.get("auto_toleration_platforms", []):
        return  # GKE taints GPU and TPU node pools and adds the matching toleration to pods that request them
    if view.partial:
        return  # the pod's tolerations are completed in another object (a referenced runtime, a templated patch)
    tolerations = view.spec.get("tolerations")
    tolerations = tolerations if isinstance(tolerations, list) else []
    shared = params.get("any_vendor_taints", [])
    if any(_tolerates(t, taint["key"], taint.get("value")) for t in tolerations for taint in shared):
        return
    for vendor in params["vendors"]:
        requested = _first_request(view, vendor)
        if requested is None or vendor.get("platform_tolerates"):
            continue
        container, resource, pointer = requested
        keys = [key.replace("{resource}", resource) for key in vendor["taint_keys"]]
        if any(_tolerates(t, key, None) for t in tolerations for key in keys):
            continue
        suggestion = keys[0]
        short = f"{container.describe()} requests {resource} but tolerates no {suggestion} taint"
        if platform:
            source = f"from {evidence}" if evidence else "the platform setting"
            where = f"{platform.upper()} ({source})"
            context = (f"on {where} GPU nodes carry no taint unless the cluster adds one, so the pod schedules as is; "
                       f"if your {vendor['name']} nodes are tainted, it stays Pending: add "
                       f"`tolerations: [{{key: {suggestion}, operator: Exists, effect: NoSchedule}}]`")
            severity = Severity.NOTE
        else:
            context = (f"if the {vendor['name']} nodes are tainted, as GKE's and many teams' are, the pod stays "
                       f"Pending: add `tolerations: [{{key: {suggestion}, operator: Exists, effect: NoSchedule}}]`; "
                       "if the cluster adds tolerations itself (GKE) or its GPU nodes carry no taint (EKS, AKS and "
                       "self-managed pools by default), say so with the `platform` setting (gke, eks, aks)")
            severity = None
        if vendor.get("note"):
            context += f" ({vendor['note']})"
        yield Hit(pointer, f"{short}; {context}", short=short, severity=severity)


def pod_platform(view: Any, labels: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """(platform, the label key that shows it) from the pod's node selector and node affinity, or (None, None)."""
    if not labels:
        return None, None
    keys = [key for key in _mapping(view.spec.get("nodeSelector")) if isinstance(key, str)]
    node_affinity = _mapping(_mapping(view.spec.get("affinity")).get("nodeAffinity"))
    required = _mapping(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")).get("nodeSelectorTerms")
    terms = list(required) if isinstance(required, list) else []
    preferred = node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution")
    terms += [_mapping(item).get("preference") for item in (preferred if isinstance(preferred, list) else [])]
    for term in terms:
        expressions = _mapping(term).get("matchExpressions")
        keys += [_mapping(e).get("key") for e in (expressions if isinstance(expressions, list) else [])
                 if isinstance(_mapping(e).get("key"), str)]
    for key in keys:
        for platform, patterns in labels.items():
            if matches(key, patterns):
                return platform, key
    return None, None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first_request(view: Any, vendor: dict[str, Any]) -> tuple[Any, str, str] | None:
    """The first container resource of this vendor with a count above zero: limits first, then requests."""
    for container in view.containers:
        for section in ("limits", "requests"):
            for resource, value in container.mapping("resources", section).items():
                if _matches(resource, vendor["resources"], vendor.get("exclude")) and _positive(value):
                    return container, resource, container.ptr("resources", section, resource)
    return None


def _format(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


@check("accelerators.count_mismatch", target="container", params=_COUNT_PARAMS)
def count_mismatch(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """Accelerators requested without a limit, request != limit, or fractional counts: all rejected."""
    # A null value is an absent one (Kubernetes drops it when the manifest is converted to JSON).
    requests = {k: v for k, v in container.mapping("resources", "requests").items() if v is not None}
    limits = {k: v for k, v in container.mapping("resources", "limits").items() if v is not None}
    names = [name for name in {**requests, **limits}
             if isinstance(name, str) and _matches(name, params["resources"], params.get("exclude"))]
    problems: list[str] = []
    where: str | None = None
    for name in names:
        request, limit = parse_quantity(requests.get(name)), parse_quantity(limits.get(name))
        trouble = []
        if name in requests and name not in limits:
            trouble.append(f"requests {requests.get(name)} {name} but sets no limit; accelerators are counted by "
                           "their limit, so put the count in resources.limits")
        elif request is not None and limit is not None and request != limit:
            trouble.append(f"requests {_format(request)} {name} but limits it to {_format(limit)}; accelerators "
                           "cannot be overcommitted, so requests must equal limits")
        fractional = [q for q in (request, limit) if q is not None and not is_whole(q)]
        if fractional:
            trouble.append(f"asks for {_format(fractional[0])} {name}; accelerator counts must be whole numbers "
                           "(share a GPU with MIG or time-slicing instead)")
        if trouble:
            problems.extend(trouble)
            if where is None:
                section = "requests" if name in requests else "limits"
                where = container.ptr("resources", section, name)
    if where is not None:
        yield Hit(where, "; also ".join(problems) + " (the API server rejects such a pod)")
