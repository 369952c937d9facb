"""Model servers: probes that kill a server while it loads weights, rollouts that wait for a spare GPU."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..objects import K8sObject, resolve_pointer
from . import Hit, check
from ._common import (
    ACCELERATOR_PARAMS,
    PATTERNS,
    container_accelerators,
    image_repository,
    int_or_none,
    matches,
    pod_accelerators,
)

# -- KML701: liveness probe without startup probe ------------------------------------------------------------

_PROBE_PARAMS = {
    "properties": {
        **ACCELERATOR_PARAMS,
        "server_images": {**PATTERNS, "description": "image repositories of model servers (`*` wildcards)"},
        "long_running_traits": {**PATTERNS, "description": "pod traits of pods that run until stopped"},
        "min_seconds": {"type": "integer", "minimum": 0,
                        "description": "the time a model server gets before its first liveness failure kills it"},
        "min_seconds_accelerator": {"type": "integer", "minimum": 0,
                                    "description": "the same for a server with accelerators (large models)"},
    },
    "required": ["accelerators", "min_seconds", "min_seconds_accelerator"],
}

_PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "failureThreshold": 3}


def _model_server(view: Any, container: Any, params: dict[str, Any]) -> bool:
    if container_accelerators(container, params) or matches(image_repository(container),
                                                            params.get("server_images", [])):
        return True
    if view.has("serving"):
        main = [c for c in view.containers if c.kind == "main"]
        return bool(main) and (main[0] is container or container.name == "kserve-container")
    return False


@check("serving.liveness_without_startup", target="container", params=_PROBE_PARAMS)
def liveness_without_startup(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    liveness = container.data.get("livenessProbe")
    if not isinstance(liveness, dict) or container.data.get("startupProbe") or container.kind == "init":
        return
    if container.inherits:
        return  # the container it overrides (a ServingRuntime's, an LLM preset's) may have the startup probe
    if not (view.has("serving") or any(view.has(t) for t in params.get("long_running_traits", []))):
        return
    if not _model_server(view, container, params):
        return
    values = {}
    for key, default in _PROBE_DEFAULTS.items():
        value = int_or_none(liveness.get(key, default))
        if value is None:
            return  # a template expression: not ours to judge
        values[key] = value
    budget = values["initialDelaySeconds"] + values["periodSeconds"] * max(values["failureThreshold"], 1)
    accelerated = bool(container_accelerators(container, params)) or pod_accelerators(view, params) > 0
    needed = params["min_seconds_accelerator"] if accelerated else params["min_seconds"]
    if budget >= needed:
        return
    yield Hit(container.ptr("livenessProbe"),
              f"has a liveness probe but no startup probe, so the server has {budget} s (initialDelaySeconds "
              f"{values['initialDelaySeconds']} + periodSeconds {values['periodSeconds']} x failureThreshold "
              f"{values['failureThreshold']}) to load its model before the kubelet kills it; downloading and "
              "loading weights often takes longer, and the pod restarts forever (CrashLoopBackOff); add a "
              "startupProbe on the same endpoint with failureThreshold x periodSeconds covering the slowest load "
              f"(at least {needed} s, e.g. failureThreshold: {math.ceil(needed / 10)}, periodSeconds: 10)")


# -- KML702: rolling updates that need a spare accelerator ---------------------------------------------------------

_ROLLOUT = {
    "type": "object", "additionalProperties": False, "required": ["kinds", "strategy", "rolling_update", "pods"],
    "properties": {
        "kinds": PATTERNS,
        "strategy": {"type": "string", "description": "pointer of the strategy (its `type` names the kind of update)"},
        "rolling_update": {"type": "string", "description": "pointer of maxSurge / maxUnavailable"},
        "replicas": {"type": "string", "description": "pointer of the replica count (absent: 1)"},
        "pods": {"type": "string", "description": "pointer of the pod template the rollout replaces"},
        "default_max_surge": {"type": ["integer", "string"]},
        "default_max_unavailable": {"type": ["integer", "string"]},
        "only_when_set": {"type": "boolean", "description": "judge only an explicit strategy"},
    },
}

_SURGE_PARAMS = {
    "properties": {**ACCELERATOR_PARAMS, "rollouts": {"type": "array", "items": _ROLLOUT, "minItems": 1}},
    "required": ["accelerators", "rollouts"],
}


def _scaled(value: Any, replicas: int, round_up: bool) -> int | None:
    """maxSurge (rounded up) or maxUnavailable (rounded down) as a pod count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    percent = int_or_none(value[:-1]) if isinstance(value, str) and value.endswith("%") else None
    if percent is not None:
        exact = Decimal(percent) * replicas / 100
        return int(math.ceil(exact) if round_up else math.floor(exact))
    return int_or_none(value)


@check("serving.rollout_surge", target="object", params=_SURGE_PARAMS)
def rollout_surge(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    for rollout in params["rollouts"]:
        if not matches(obj.group_kind, rollout["kinds"]):
            continue
        strategy = resolve_pointer(obj.data, rollout["strategy"])
        if strategy is None and rollout.get("only_when_set"):
            continue
        strategy = strategy if isinstance(strategy, dict) else {}
        if strategy.get("type") not in (None, "RollingUpdate"):
            continue  # Recreate: old pods go first
        pod_pointer = obj.ptr(rollout["pods"])
        views = [v for v in ctx.views(obj) if v.pointer == pod_pointer]
        accelerators = sum((pod_accelerators(v, params) for v in views), Decimal(0))
        if accelerators <= 0:
            continue
        raw_replicas = resolve_pointer(obj.data, rollout["replicas"]) if rollout.get("replicas") else None
        replicas = 1 if raw_replicas is None else int_or_none(raw_replicas)
        if not replicas:
            continue  # zero, or a template expression
        rolling = resolve_pointer(obj.data, rollout["rolling_update"])
        rolling = rolling if isinstance(rolling, dict) else {}
        raw_surge = rolling.get("maxSurge", rollout.get("default_max_surge", "25%"))
        raw_unavailable = rolling.get("maxUnavailable", rollout.get("default_max_unavailable", "25%"))
        surge = _scaled(raw_surge, replicas, True)
        unavailable = _scaled(raw_unavailable, replicas, False)
        if surge is None or unavailable is None or surge < 1 or unavailable > 0:
            continue
        per_pod = (accelerators / len(views)).normalize()
        yield Hit(obj.ptr(rollout["rolling_update"]),  # absent: lands on the strategy, else on the spec
                  f"a rolling update adds {surge} new pod{'s' if surge != 1 else ''} (maxSurge {raw_surge}) and stops "
                  f"no old pod before it is ready (maxUnavailable {raw_unavailable} of {replicas} "
                  f"replica{'s' if replicas != 1 else ''}), but each pod holds {per_pod:f} "
                  f"accelerator{'s' if per_pod != 1 else ''}: when the cluster has none to spare the new pod stays "
                  "Pending, the old one never leaves, and the rollout hangs; use strategy type Recreate, or "
                  "maxSurge: 0 with maxUnavailable: 1")
