"""CPU and memory requests and limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import Hit, check

_PARAMS = {
    "properties": {
        "section": {"enum": ["requests", "limits"],
                    "description": "which part of `resources` must name the resources"},
        "resources": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                      "description": "resource names that must be present, such as cpu and memory"},
    },
    "required": ["section", "resources"],
}

_ADVICE = {
    ("limits", "memory"): "set resources.limits.memory (for training pods, equal to the request) so a leak is "
                          "OOM-killed in its own cgroup instead of evicting the node's other pods",
    ("limits", "cpu"): "set resources.limits.cpu if your cluster requires it (CPU limits throttle data loaders; "
                       "many teams leave them off on purpose)",
}


_DISPLAY = {"cpu": "CPU"}
_REQUESTS_RULE = "KML102"  # reports a container with no resources at all; the limit rules then stay silent


def _bare(container: Any) -> bool:
    """No CPU or memory in requests or limits (False when an operator sizes the container or it is decided
    elsewhere)."""
    return all(container.declares(section, name) is False for section in ("requests", "limits")
               for name in ("cpu", "memory"))


@check("resources.missing", target="container", params=_PARAMS)
def missing_resources(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """A container lacks some of ``params.resources`` in ``params.section``.

    For requests, a limit counts: Kubernetes copies a limit into an absent request.
    """
    section = params["section"]
    if section == "limits" and ctx.run.runs(_REQUESTS_RULE) and _bare(container):
        return  # no resources at all: one cause, one finding (the requests rule names it)
    missing = []
    for resource in params["resources"]:
        # Container-shaped blocks of custom resources: the operator may size the container itself (Spark's
        # cores/memory, KServe's webhook defaults), or the block may inherit from another object (None).
        found = container.declares(section, resource)
        if found is None:
            continue
        if not found and section == "requests":
            found = bool(container.declares("limits", resource))
        if not found:
            missing.append(resource)
    if not missing:
        return
    where = container.ptr("resources") if "resources" in container.data else container.pointer
    if section == "requests" and _bare(container):
        yield Hit(where, "sets no CPU or memory request or limit; set resources.requests.cpu and .memory from observed "
                         "usage so the scheduler places the pod on a node that fits it, and resources.limits.memory "
                         "so a leak is OOM-killed in its own cgroup instead of evicting the node's other pods",
                  short="no CPU or memory request or limit")
        return
    names = " and ".join(f"{_DISPLAY.get(name, name)} {section[:-1]}" for name in missing)
    if len(missing) == 1 and (section, missing[0]) in _ADVICE:
        advice = _ADVICE[(section, missing[0])]
    elif section == "requests":
        fields = ", ".join(f"resources.requests.{name}" for name in missing)
        advice = (f"set {fields} from observed usage so the scheduler places the pod on a node that fits it "
                  "and it is not the first evicted under pressure")
    else:
        advice = "set " + ", ".join(f"resources.{section}.{name}" for name in missing)
    yield Hit(where, f"no {names}; {advice}")
