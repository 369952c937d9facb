"""Cleanup after ML batch work finishes: training jobs, Ray clusters, JobSets, Volcano jobs, Argo workflows.

The fields read here are each operator's own (``runPolicy.cleanPodPolicy``, ``shutdownAfterJobFinishes``,
``podGC``): these rules are inherently about one operator's API, and their rule files name the pointers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..objects import K8sObject, resolve_pointer
from . import Hit, check
from ._common import ACCELERATOR_PARAMS, KINDS, PATTERNS, matches, pod_accelerators

_HOOKS = {**PATTERNS, "description": "annotations whose presence means a deploy tool deletes the object (hooks)"}


def _hooked(obj: K8sObject, params: dict[str, Any]) -> bool:
    annotations = obj.annotations
    return any(key in annotations for key in params.get("hook_annotations", []))


def _set(value: Any) -> bool:
    return value is not None and value != ""


# -- KML502: Kubeflow training jobs without a TTL ---------------------------------------------------------


@check("ml_lifecycle.kubeflow_ttl", target="object", params={"properties": {"hook_annotations": _HOOKS}})
def kubeflow_ttl(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    if _hooked(obj, params):
        return
    run_policy = resolve_pointer(obj.data, "/spec/runPolicy")
    if isinstance(run_policy, dict) and _set(run_policy.get("ttlSecondsAfterFinished")):
        return
    where = "/spec/runPolicy" if isinstance(run_policy, dict) else "/spec"
    yield Hit(obj.ptr(where),
              "no spec.runPolicy.ttlSecondsAfterFinished, so the finished job, its pods and their logs stay in the "
              "cluster until someone deletes them; set it (for example 86400 to keep them a day)")


# -- KML503: cleanPodPolicy that keeps pods running after the job finished ------------------------------------

_CLEAN_PARAMS = {
    "properties": {
        "defaults": {"type": "object", "additionalProperties": {"enum": ["None", "Running", "All"]},
                     "description": "the operator's default cleanPodPolicy per kind (group/Kind)"},
        "top_level_field": {"type": "array", "description": "apiVersion/kind pairs that still read the deprecated "
                            "spec.cleanPodPolicy", "items": {"type": "string"}},
        **ACCELERATOR_PARAMS,
    },
    "required": ["defaults", "accelerators"],
}


@check("ml_lifecycle.kubeflow_clean_pods", target="object", params=_CLEAN_PARAMS)
def kubeflow_clean_pods(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return
    legacy = f"{obj.api_version}/{obj.kind}" in params.get("top_level_field", [])
    run_policy = spec.get("runPolicy") if isinstance(spec.get("runPolicy"), dict) else {}
    if "cleanPodPolicy" in spec and not legacy and "cleanPodPolicy" not in run_policy:
        yield Hit(obj.ptr("/spec/cleanPodPolicy"),
                  f"spec.cleanPodPolicy is not a field of {obj.api_version} {obj.kind}: the API server drops it and "
                  "the default applies; move it to spec.runPolicy.cleanPodPolicy")
        return
    policy, pointer = run_policy.get("cleanPodPolicy"), "/spec/runPolicy/cleanPodPolicy"
    if policy is None and legacy and "cleanPodPolicy" in spec:
        policy, pointer = spec.get("cleanPodPolicy"), "/spec/cleanPodPolicy"
    explicit = policy is not None
    if policy is None:
        policy = params["defaults"].get(obj.group_kind)
    if policy != "None":
        return
    views = ctx.views(obj)
    holders = [v for v in views if pod_accelerators(v, params) > 0]
    coordinators = [v for v in views if v.has("coordinator")]
    if not holders and not coordinators:
        return  # nothing that keeps running and costs: finished CPU pods hold no resources
    reason = (f"{holders[0].role or 'its pod'} holds accelerators" if holders
              else f"{coordinators[0].role or 'a coordinator'} finishes before the replicas it coordinates")
    said = "cleanPodPolicy: None" if explicit else f"cleanPodPolicy defaults to None for {obj.kind}"
    yield Hit(obj.ptr(pointer if explicit else ("/spec/runPolicy" if run_policy else "/spec")),
              f"{said}, so pods still running when the job finishes are never stopped, and {reason}: replicas "
              "left waiting on a finished master, chief or launcher keep their nodes (and accelerators) busy for "
              "days; set spec.runPolicy.cleanPodPolicy: Running (or All)")


# -- KML504: RayJob clusters that outlive their job -------------------------------------------------------------

_RAY_PARAMS = {
    "properties": {
        "job_specs": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "per kind (group/Kind), the pointer of the RayJob spec"},
    },
    "required": ["job_specs"],
}


@check("ml_lifecycle.rayjob_cleanup", target="object", params=_RAY_PARAMS)
def rayjob_cleanup(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    base = params["job_specs"].get(obj.group_kind)
    if base is None:
        return
    spec = resolve_pointer(obj.data, base)
    if not isinstance(spec, dict):
        return
    selector = spec.get("clusterSelector")
    if isinstance(selector, dict) and selector:
        return  # the job runs on a long-lived cluster that someone else owns
    if not isinstance(spec.get("rayClusterSpec"), dict) or _set(spec.get("deletionStrategy")):
        return
    shutdown = spec.get("shutdownAfterJobFinishes") is True
    if shutdown:
        return
    ttl = spec.get("ttlSecondsAfterFinished")
    if _set(ttl):
        yield Hit(obj.ptr(f"{base}/ttlSecondsAfterFinished"),
                  f"ttlSecondsAfterFinished: {ttl} has no effect because shutdownAfterJobFinishes is not true: "
                  "KubeRay only deletes the cluster after the TTL when it shuts clusters down; set "
                  "shutdownAfterJobFinishes: true")
        return
    where = f"{base}/shutdownAfterJobFinishes" if "shutdownAfterJobFinishes" in spec else base
    yield Hit(obj.ptr(where),
              "the RayJob creates its own RayCluster but shutdownAfterJobFinishes is not true, so the cluster (head, "
              "workers and their accelerators) keeps running after the job ends; set shutdownAfterJobFinishes: true "
              "with a ttlSecondsAfterFinished long enough to read the logs")


# -- KML505: JobSet, Volcano Job and SparkApplication without a TTL -----------------------------------------------

_TTL_PARAMS = {
    "properties": {
        "ttl_fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "per kind (group/Kind), the pointer of its time-to-live field"},
        "hook_annotations": _HOOKS,
    },
    "required": ["ttl_fields"],
}


@check("ml_lifecycle.batch_ttl", target="object", params=_TTL_PARAMS)
def batch_ttl(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    field = params["ttl_fields"].get(obj.group_kind)
    if field is None or _hooked(obj, params) or _set(resolve_pointer(obj.data, field)):
        return
    name = field.rsplit("/", 1)[-1]
    yield Hit(obj.ptr("/spec"),
              f"no spec.{name}, so the finished {obj.kind} and its pods (with their logs, volumes and services) "
              f"stay in the cluster until someone deletes them; set spec.{name} (for example 86400 for a day)")


# -- KML506: Argo workflows that keep their pods and themselves forever ----------------------------------------------

_ARGO_PARAMS = {
    "properties": {
        "workflow_specs": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "per kind (group/Kind), the pointer of the workflow spec"},
        "history_kinds": {**KINDS, "description": "kinds whose own history limits delete old workflows"},
        "controller_defaults": {"type": "boolean",
                                "description": "true when the workflow controller sets podGC and ttlStrategy "
                                               "defaults (workflowDefaults): the rule is silent"},
    },
    "required": ["workflow_specs"],
}


@check("ml_lifecycle.argo_gc", target="object", params=_ARGO_PARAMS)
def argo_gc(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    if params.get("controller_defaults"):
        return
    base = params["workflow_specs"].get(obj.group_kind)
    spec = resolve_pointer(obj.data, base) if base is not None else None
    if not isinstance(spec, dict):
        return
    if _set(spec.get("workflowTemplateRef")):
        return  # the referenced template's podGC and ttlStrategy apply
    if obj.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate") and not _set(spec.get("entrypoint")):
        return  # a library of templates other workflows call: its spec-level settings never apply
    missing = [name for name in ("podGC", "ttlStrategy") if not _set(spec.get(name))]
    if matches(obj.group_kind, params.get("history_kinds", [])) and "ttlStrategy" in missing:
        missing.remove("ttlStrategy")  # successful/failedJobsHistoryLimit delete old workflows
    if not missing:
        return
    advice = {"podGC": "podGC: {strategy: OnPodCompletion}",
              "ttlStrategy": "ttlStrategy: {secondsAfterSuccess: 3600, secondsAfterFailure: 86400}"}
    if missing == ["podGC"]:
        effect = "completed pods are kept until the workflow itself is deleted"
    elif missing == ["ttlStrategy"]:
        effect = "the finished workflow object is kept until someone deletes it"
    else:
        effect = "every run's completed pods and its workflow object are kept until someone deletes them"
    yield Hit(obj.ptr(base),
              f"no {' and no '.join(missing)}: {effect}, piling up in etcd and in the UI; set "
              + " and ".join(advice[m] for m in missing))
