"""The fact kinds the pre-pass collects: one registration each (the features that read them are named)."""

from __future__ import annotations

from typing import Any

from ..discovery import KUSTOMIZATION_NAMES
from .facts import fact_kind


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _metadata(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    meta = _mapping(data.get("metadata"))
    return {key: meta[key] for key in keys if key in meta}


@fact_kind("crds", kinds=("apiextensions.k8s.io/CustomResourceDefinition",))
def _crd(data: dict[str, Any]) -> Any:
    """CustomResourceDefinitions in the run: schemas (KML003-KML005) and derived pod rows for their kinds,
    before the shipped CRD of the same kind."""
    return data  # the whole CRD: its schemas are what is needed


@fact_kind("namespaces", kinds=("Namespace",))
def _namespace(data: dict[str, Any]) -> Any:
    """Namespaces with their labels (Pod Security Admission levels) and annotations."""
    return _metadata(data, "labels", "annotations")


def _spec(data: dict[str, Any]) -> Any:
    return {"spec": data.get("spec")}


for _name, _kinds, _doc in (
        ("limitranges", ("LimitRange",), "LimitRanges: default requests and limits per namespace."),
        ("resourcequotas", ("ResourceQuota",), "ResourceQuotas: what a namespace may request in all."),
        ("kueue", ("kueue.x-k8s.io/ResourceFlavor", "kueue.x-k8s.io/ClusterQueue", "kueue.x-k8s.io/LocalQueue"),
         "Kueue ResourceFlavors, ClusterQueues and LocalQueues (the queue a workload names)."),
):
    fact_kind(_name, kinds=_kinds, doc=_doc)(_spec)


@fact_kind("kueuecohorts", kinds=("kueue.x-k8s.io/Cohort",))
def _cohort(data: dict[str, Any]) -> Any:
    """Kueue Cohorts (hierarchical cohorts): a cohort with quota of its own makes what a ClusterQueue may
    borrow undecidable offline (KML211)."""
    return {"parent": _mapping(data.get("spec")).get("parentName")}


@fact_kind("priorityclasses", kinds=("scheduling.k8s.io/PriorityClass",))
def _priority_class(data: dict[str, Any]) -> Any:
    """PriorityClasses: value, global default and preemption policy of the classes pods name."""
    return {key: data.get(key) for key in ("value", "globalDefault", "preemptionPolicy")}


@fact_kind("runtimeclasses", kinds=("node.k8s.io/RuntimeClass",))
def _runtime_class(data: dict[str, Any]) -> Any:
    """RuntimeClasses: handler, scheduling constraints and pod overhead of the classes pods name."""
    return {key: data.get(key) for key in ("handler", "scheduling", "overhead")}


@fact_kind("kustomizations", files=KUSTOMIZATION_NAMES)
def _kustomization(data: dict[str, Any]) -> Any:
    """Kustomization files (by name): resources, patches, namespace and the rest, as written."""
    return data


@fact_kind("charts", files=("Chart.yaml",))
def _chart(data: dict[str, Any]) -> Any:
    """Helm charts (by their Chart.yaml): name, version and dependencies; the chart is the file's folder."""
    return {key: data.get(key) for key in ("apiVersion", "name", "version", "type", "dependencies")}
