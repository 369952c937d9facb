"""What a pod template asks of a node, as the scheduler computes it.

The effective request (what ``NodeResourcesFit`` compares with allocatable): the larger of the app
containers plus every sidecar (an init container with ``restartPolicy: Always`` runs beside them) and, for
each ordinary init container, its own request plus the sidecars started before it; pod-level ``resources``
replace the containers' sum for the resources they set; the RuntimeClass's ``overhead.podFixed`` is added.
A request that is absent but has a limit takes the limit (the API server's defaulting); extended resources
are requested by their limit. Requests this module cannot see (a LimitRange default, a webhook) only add to
a pod, so what it computes is a lower bound: a pod that does not fit with it never fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..quantity import parse_quantity

Resources = dict[str, Decimal]


@dataclass(slots=True)
class PodNeeds:
    """A pod template's demands on a node, gathered once per template."""

    requests: Resources
    node_selector: dict[str, str]
    affinity_terms: list[list[dict[str, Any]]] | None  # required nodeSelectorTerms (ORed), each ANDed expressions
    tolerations: list[dict[str, Any]]
    node_name: str | None = None
    undecided: list[str] = field(default_factory=list)  # why some filter cannot be judged
    taints_undecided: str | None = None  # why tolerations may be added where the manifest cannot show it
    claims: bool = False  # dynamic resource allocation: left undecided
    runtime_class: str | None = None


def _container_requests(container: Any) -> Resources:
    requests = container.mapping("resources", "requests")
    limits = container.mapping("resources", "limits")
    out: Resources = {}
    for name in {**limits, **requests}:
        if not isinstance(name, str):
            continue
        value = requests.get(name)
        if value is None:
            value = limits.get(name)
        quantity = parse_quantity(value)
        if quantity is not None and quantity > 0:
            out[name] = quantity
    return out


def _add(total: Resources, more: Resources) -> None:
    for name, value in more.items():
        total[name] = total.get(name, Decimal(0)) + value


def _maximum(total: Resources, other: Resources) -> None:
    for name, value in other.items():
        if value > total.get(name, Decimal(0)):
            total[name] = value


def effective_request(containers: list[Any], pod_resources: Any = None,
                      overhead: Resources | None = None) -> Resources:
    """The pod's request per resource: init-container maxima, sidecars, pod-level resources, overhead."""
    app: Resources = {}
    sidecars: Resources = {}
    init_peak: Resources = {}
    for container in containers:
        requests = _container_requests(container)
        if container.kind == "init":
            if container.data.get("restartPolicy") == "Always":  # a native sidecar: runs beside the app
                _add(sidecars, requests)
            else:
                during = dict(sidecars)
                _add(during, requests)
                _maximum(init_peak, during)
        else:
            _add(app, requests)
    _add(app, sidecars)
    if isinstance(pod_resources, dict):
        pod_level = _container_requests(_PodLevel(pod_resources))
        app.update(pod_level)  # pod-level resources replace the containers' sum for what they set
        for name in pod_level:
            init_peak.pop(name, None)
    _maximum(app, init_peak)
    if overhead:
        _add(app, overhead)
    return app


class _PodLevel:
    """Pod-level ``resources`` read through the container helper."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = {"resources": data}

    def mapping(self, *path: str) -> dict[str, Any]:
        node: Any = self.data
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}


def _strings(node: Any) -> dict[str, str]:
    if not isinstance(node, dict):
        return {}
    return {str(k): ("" if v is None else str(v) if not isinstance(v, bool) else str(v).lower())
            for k, v in node.items()}


def pod_needs(view: Any, runtime_classes: dict[str, Any], runtime_classes_known: bool) -> PodNeeds:
    """What ``view`` asks of a node. ``runtime_classes``: name -> ``RuntimeClassInfo`` from the run and the
    description; ``runtime_classes_known``: whether any is known at all (else a named one stays undecided)."""
    spec = view.spec
    undecided: list[str] = []
    tolerations = spec.get("tolerations")
    tolerations = [t for t in tolerations if isinstance(t, dict)] if isinstance(tolerations, list) else []
    selector = _strings(spec.get("nodeSelector"))
    overhead: Resources = {}
    taints_undecided = None
    runtime_name = spec.get("runtimeClassName")
    runtime_name = runtime_name if isinstance(runtime_name, str) and runtime_name else None
    if runtime_name is not None:
        info = runtime_classes.get(runtime_name)
        if info is None:
            taints_undecided = f"RuntimeClass {runtime_name} is not described (it may add tolerations)"
        else:
            overhead = dict(info.overhead)
            tolerations = tolerations + list(info.tolerations)
            selector = {**info.node_selector, **selector}
    affinity = spec.get("affinity")
    terms: list[list[dict[str, Any]]] | None = None
    node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") \
        if isinstance(node_affinity, dict) else None
    if isinstance(required, dict) and isinstance(required.get("nodeSelectorTerms"), list):
        terms = []
        for term in required["nodeSelectorTerms"]:
            if not isinstance(term, dict):
                continue
            if term.get("matchFields"):
                undecided.append("node affinity matchFields (node names) is not judged")
                terms = None
                break
            expressions = term.get("matchExpressions")
            terms.append([e for e in expressions if isinstance(e, dict)] if isinstance(expressions, list) else [])
    node_name = spec.get("nodeName")
    claims = bool(spec.get("resourceClaims")) or any(
        container.mapping("resources").get("claims") for container in view.containers)
    return PodNeeds(effective_request(view.containers, spec.get("resources"), overhead), selector, terms,
                    tolerations, node_name if isinstance(node_name, str) and node_name else None, undecided,
                    taints_undecided, claims, runtime_name)
