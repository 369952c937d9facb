"""Cleanup after batch work finishes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..objects import K8sObject
from . import Hit, check

_PARAMS = {
    "properties": {
        "hook_annotations": {
            "type": "array", "items": {"type": "string"},
            "description": "annotations whose presence means a deploy tool deletes the Job (Helm, Argo CD hooks)",
        },
    },
}


@check("lifecycle.job_ttl", target="object", params=_PARAMS)
def job_ttl(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    """A top-level Job without ttlSecondsAfterFinished (templates inside other objects are never objects)."""
    annotations = obj.annotations
    if any(key in annotations for key in params.get("hook_annotations", [])):
        return
    spec = obj.data.get("spec")
    if isinstance(spec, dict) and spec.get("ttlSecondsAfterFinished") is not None:
        return
    yield Hit(obj.ptr("/spec"),
              "no spec.ttlSecondsAfterFinished, so the finished Job and its pods stay in the cluster until "
              "someone deletes them: set it, for example to 86400 to keep them (and their logs) for one day")
