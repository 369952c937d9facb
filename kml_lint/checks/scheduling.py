"""Queueing (Kueue): where the queue label goes, and what a queued workload must declare."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..objects import K8sObject, pointer_join
from . import Hit, check
from ._common import ACCELERATOR_PARAMS, PATTERNS, container_accelerators, labels, matches

_LABEL_PARAMS = {
    "properties": {
        "label": {"type": "string", "description": "the label that names the LocalQueue"},
    },
    "required": ["label"],
}


@check("scheduling.queue_label_on_pod", target="object", params=_LABEL_PARAMS)
def queue_label_on_pod(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    """The queue label on a pod template of a kind whose Kueue integration reads it from the object."""
    label = params["label"]
    if label in labels(obj.metadata):
        return
    for view in ctx.views(obj):
        if view.owner is not None:
            continue  # a component of an AppWrapper: the AppWrapper's own label is what counts
        value = labels(view.metadata).get(label)
        if value is None:
            continue
        pointer = pointer_join(view.pointer, "metadata", "labels", label) if view.shape == "template" else view.pointer
        yield Hit(pointer,
                  f"the pod template carries {label}: {value}, but Kueue reads the queue from the {obj.kind}'s own "
                  "metadata.labels, so the workload is never queued and runs outside every quota; move the label to "
                  f"the {obj.kind}'s metadata.labels")
        return


_REQUEST_PARAMS = {
    "properties": {
        "label": {"type": "string", "description": "the label that names the LocalQueue"},
        "resources": {**PATTERNS, "minItems": 1, "description": "resources every container must request"},
        "accelerator_node_labels": {**PATTERNS, "description": "node labels that select accelerator nodes"},
        "pod_label_kinds": {**PATTERNS, "description": "kinds whose pods Kueue queues by the pod template's label "
                                                       "(plain-pod integration)"},
        **ACCELERATOR_PARAMS,
    },
    "required": ["label", "resources", "accelerators"],
}


@check("scheduling.queued_without_requests", target="pod", params=_REQUEST_PARAMS)
def queued_without_requests(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    owner = view.owner or view.obj
    label = params["label"]
    queued = label in labels(owner.metadata) or (
        label in labels(view.metadata) and matches(owner.group_kind, params.get("pod_label_kinds", [])))
    if not queued:
        return
    missing: list[tuple[Any, list[str]]] = []
    for container in view.containers:
        absent = [name for name in params["resources"]
                  if container.declares("requests", name) is False and container.declares("limits", name) is False]
        if absent:
            missing.append((container, absent))
    if missing:
        container, absent = missing[0]
        names = "; ".join(f"{c.describe()} requests no {' or '.join(a)}" for c, a in missing)
        where = container.ptr("resources") if "resources" in container.data else container.pointer
        yield Hit(where,
                  f"the workload is queued (label {label}) but {names}: Kueue admits workloads by their requests, "
                  "so what they do not request is never counted against the ClusterQueue's quota and the pods may "
                  "not fit where they are placed; set resources.requests for every container",
                  short=f"queued by Kueue but {names.split('; ')[0]}")
        return
    selector = view.spec.get("nodeSelector")
    selected = [key for key in selector if matches(key, params.get("accelerator_node_labels", []))] \
        if isinstance(selector, dict) else []
    if selected and not any(container_accelerators(c, params) for c in view.containers):
        yield Hit(view.spec_ptr("nodeSelector", selected[0]),
                  f"the workload is queued (label {label}) and selects accelerator nodes ({selected[0]}) but requests "
                  "no accelerator: Kueue meters only requested resources, so the GPUs it will use are outside any "
                  "quota; request them in resources.limits",
                  short=f"queued by Kueue and selects accelerator nodes ({selected[0]}) but requests no accelerator")
