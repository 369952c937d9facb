"""Distributed training and the ML operators' own expectations: /dev/shm, Kubeflow replicas, Ray pods."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..objects import K8sObject, resolve_pointer
from . import Hit, check
from ._common import (
    ACCELERATOR_PARAMS,
    PATTERNS,
    command_line,
    compiled_regexes,
    container_accelerators,
    image_repository,
    int_or_none,
    mapping,
    matches,
    pod_accelerators,
)

# -- KML601: /dev/shm ------------------------------------------------------------------------------

_SHM_PARAMS = {
    "properties": {
        **ACCELERATOR_PARAMS,
        "min_accelerators": {"type": "integer", "minimum": 1,
                             "description": "accelerators per pod from which any pod needs a larger /dev/shm"},
        "launchers": {**PATTERNS, "description": "regular expressions of distributed launch commands"},
        "pytorch_images": {**PATTERNS, "description": "image repositories (`*` wildcards) that run PyTorch"},
        "training_traits": {**PATTERNS, "description": "pod traits (workloads.yaml) of batch or training pods"},
        "ml_images": {**PATTERNS, "description": "image repositories (`*` wildcards) of ML frameworks and servers: "
                                                 "a long-running multi-accelerator pod is judged only with one"},
        "process_counts": {**PATTERNS, "description": "regular expressions whose first group is a count of worker "
                                                      "processes (DataLoader workers, launcher processes per node): "
                                                      "evidence of shared-memory use when above zero (one, for "
                                                      "launchers: see `several_processes`)"},
        "several_processes": {**PATTERNS, "description": "the `process_counts` expressions that count processes "
                                                         "of a launcher (shared memory from two on)"},
    },
    "required": ["accelerators", "min_accelerators"],
}

SHM_PATH = "/dev/shm"


def _mounts_shm(view: Any) -> bool:
    for container in view.containers:
        mounts = container.data.get("volumeMounts")
        if isinstance(mounts, list) and any(isinstance(m, dict) and isinstance(m.get("mountPath"), str)
                                            and m["mountPath"].rstrip("/") == SHM_PATH for m in mounts):
            return True
    return False


def _launches(line: str, launchers: tuple[Any, ...]) -> bool:
    return bool(line) and any(pattern.search(line) for pattern in launchers)


@check("operators.missing_shm", target="pod", params=_SHM_PARAMS)
def missing_shm(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if view.has("shm-provided") or view.partial or view.spec.get("hostIPC") is True or _mounts_shm(view):
        return
    main = view.main_containers()
    if any(c.inherits and "volumeMounts" not in c.data for c in main):
        return  # its mounts come from the container it overrides (a ServingRuntime may mount /dev/shm)
    accelerators = pod_accelerators(view, params)
    training = any(view.has(trait) for trait in params.get("training_traits", []))
    if not training and accelerators < params["min_accelerators"]:
        return  # neither a training pod nor a multi-accelerator one: nothing below can fire
    launchers = compiled_regexes(tuple(params.get("launchers", [])))
    launching = [c for c in main if _launches(command_line(c), launchers)]
    pytorch_image = [c for c in main if matches(image_repository(c), params.get("pytorch_images", []))]
    pytorch = view.has("pytorch") or bool(launching) or (accelerators > 0 and bool(pytorch_image))
    ml_pod = training or view.has("serving") or bool(launching) or any(
        matches(image_repository(c), params.get("ml_images", [])) for c in main)
    if accelerators >= params["min_accelerators"] and ml_pod:
        why = (f"the pod uses {accelerators:f} accelerators (NCCL and the framework's worker processes exchange "
               "data through shared memory)")
    elif pytorch and training and (evidence := _shm_evidence(main, accelerators, params)):
        why = f"it is a PyTorch training pod with {evidence}, which exchange data through shared memory"
    else:
        return
    subject = next((c for c in main if container_accelerators(c, params)), None) or (launching or main or [None])[0]
    if subject is None:
        return
    where = subject.ptr("volumeMounts") if "volumeMounts" in subject.data else subject.pointer
    yield Hit(where,
              f"no memory-backed volume at /dev/shm, and {why}: container runtimes give a pod 64 MiB of shared "
              "memory, so training fails with 'bus error' or NCCL shared-memory errors; mount an emptyDir "
              "{medium: Memory, sizeLimit: 16Gi} at /dev/shm (and count it in the memory limit)",
              short="no memory-backed volume at /dev/shm (the runtime gives 64 MiB)")


def _shm_evidence(main: list[Any], accelerators: Any, params: dict[str, Any]) -> str | None:
    """What shows that a PyTorch training pod uses shared memory: accelerators, DataLoader worker processes, or a
    launcher with several processes. None without evidence (PyTorch's DataLoader runs no workers by default)."""
    if accelerators > 0:
        return f"{accelerators:f} accelerator{'s' if accelerators != 1 else ''} (NCCL)"
    several = set(params.get("several_processes", []))
    for container in main:
        line = command_line(container)
        for pattern in params.get("process_counts", []):
            for match in compiled_regexes((pattern,))[0].finditer(line):
                count = int_or_none(match.group(1))
                if count is not None and count >= (2 if pattern in several else 1):
                    return f"{count} worker processes ({match.group(0).strip()})"
    return None


# -- KML602: the container the Kubeflow training operator looks for ---------------------------------------------


@check("operators.required_container", target="pod", params={"properties": {}})
def required_container(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    name = getattr(view, "required_container", None)
    if not name:
        return
    main = [c for c in view.containers if c.kind == "main"]
    if any(c.name == name for c in main):
        return
    names = ", ".join(c.name or "(unnamed)" for c in main) or "none"
    where = view.spec_ptr("containers") if "containers" in view.spec else view.spec_pointer
    yield Hit(where,
              f"no container is named {name} (containers: {names}): the training operator finds the training "
              f"process by that name to give it its rank, master address and ports, and its webhook rejects the "
              f"job; name the training container {name} (sidecars keep their own names)")


# -- KML603: single-instance roles ---------------------------------------------------------------------------------

_SINGLE_PARAMS = {
    "properties": {
        "kinds": {
            "type": "object",
            "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["replica_specs", "single"],
                "properties": {"replica_specs": {"type": "string"}, "single": PATTERNS},
            },
            "description": "per kind (group/Kind): the replica-spec map and the roles that must run exactly once "
                           "(at most one of them may be present)",
        },
    },
    "required": ["kinds"],
}


@check("operators.single_master", target="object", params=_SINGLE_PARAMS)
def single_master(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    entry = params["kinds"].get(obj.group_kind)
    if entry is None:
        return
    specs = resolve_pointer(obj.data, entry["replica_specs"])
    if not isinstance(specs, dict):
        return
    present = [role for role in entry["single"] if role in specs]
    if len(present) > 1:
        yield Hit(obj.ptr(f"{entry['replica_specs']}/{present[1]}"),
                  f"has both {present[0]} and {present[1]} replicas: only one of them may coordinate the job, and the "
                  f"operator rejects it; keep one")
        return
    for role in present:
        replicas = mapping(specs, role).get("replicas")
        count = int_or_none(replicas)
        if replicas is None or count == 1 or (count is None and isinstance(replicas, str)):
            continue  # absent means 1; a template expression is not ours to judge
        yield Hit(obj.ptr(f"{entry['replica_specs']}/{role}/replicas"),
                  f"replica {role} has replicas: {replicas}, but there must be exactly one {role}: it is rank 0 and "
                  f"the rendezvous address of every other replica, and the operator rejects other counts; set "
                  f"replicas: 1 and scale the Worker replicas instead")


# -- KML604 / KML605: Ray pods -------------------------------------------------------------------------------------

_RAY_IMAGE_PARAMS = {
    "properties": {
        "ray_images": {**PATTERNS, "minItems": 1, "description": "image repositories of Ray (`*` wildcards)"},
        "ray_names": {**PATTERNS, "description": "container names that say Ray (`*` wildcards)"},
    },
    "required": ["ray_images"],
}


def _looks_like_ray(container: Any, params: dict[str, Any]) -> bool:
    return matches(image_repository(container), params["ray_images"]) or (
        isinstance(container.name, str) and matches(container.name, params.get("ray_names", [])))


@check("operators.ray_container_first", target="pod", params=_RAY_IMAGE_PARAMS)
def ray_container_first(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if not view.has("ray"):
        return
    regular = [c for c in view.containers if c.list_name == "containers"]
    if len(regular) < 2 or _looks_like_ray(regular[0], params):
        return
    ray = next((c for c in regular[1:] if _looks_like_ray(c, params)), None)
    if ray is None:
        return
    yield Hit(regular[0].pointer,
              f"{regular[0].describe()} comes before the Ray container {ray.name or ray.index}: KubeRay treats "
              "containers[0] as the Ray container (it injects `ray start`, the ports and the resources Ray "
              "advertises into it), so Ray runs in the wrong container; move the Ray container to the first place")


_RAY_RESOURCE_PARAMS = {
    "properties": {
        "start_params": {"type": "object", "additionalProperties": {"type": "string"},
                         "description": "resource -> the rayStartParams key that sets it explicitly"},
    },
    "required": ["start_params"],
}


@check("operators.ray_container_resources", target="pod", params=_RAY_RESOURCE_PARAMS)
def ray_container_resources(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if not view.has("ray"):
        return
    regular = [c for c in view.containers if c.list_name == "containers"]
    if not regular:
        return
    ray = regular[0]
    group = resolve_pointer(view.obj.document.data, view.pointer.rsplit("/", 1)[0])
    start = mapping(group, "rayStartParams")
    group_resources = {str(k).lower() for k in mapping(group, "resources")}
    limits = ray.mapping("resources", "limits")
    requests = ray.mapping("resources", "requests")
    missing = []
    for resource, key in params["start_params"].items():
        if key in start or resource in group_resources:
            continue
        if resource in limits or (resource == "cpu" and "cpu" in requests):
            continue  # KubeRay reads the CPU limit, else the CPU request; memory only from the limit
        missing.append(resource)
    if not missing:
        return
    where = ray.ptr("resources", "limits") if limits else (ray.ptr("resources") if "resources" in ray.data
                                                           else ray.pointer)
    what = " and no ".join("CPU limit or request" if r == "cpu" else f"{r} limit" for r in missing)
    name = f"{ray.describe()} (containers[0], the one KubeRay runs Ray in)"
    yield Hit(where,
              f"{name} has no {what}: KubeRay derives what `ray start` advertises from them, so Ray "
              f"assumes the whole machine's {' and '.join('CPUs' if r == 'cpu' else r for r in missing)}, places "
              "more tasks and objects on the pod than it may use, and is throttled or OOM-killed mid-job; set "
              f"resources.limits (equal to the requests) on {ray.describe()}, or move the Ray container first if "
              "containers[0] is a sidecar", short=f"{ray.describe()} (containers[0], the Ray container) has no {what}")
