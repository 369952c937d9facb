"""Health probes of long-running workloads (servers, not batch jobs): which kinds count is the rules' data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import Hit, check

_KINDS = {
    "type": "array", "items": {"type": "string"}, "minItems": 1,
    "description": "kinds (`group/Kind`) whose pods run until stopped; Jobs, CronJobs, bare Pods and training "
                   "operators are batch and never listed",
}
_PARAMS = {"properties": {"kinds": _KINDS}, "required": ["kinds"]}
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def long_running(view: Any, params: dict[str, Any]) -> bool:
    return view.obj.group_kind in params["kinds"]


def _probe(container: Any, name: str) -> dict[str, Any] | None:
    value = container.data.get(name)
    return value if isinstance(value, dict) and value else None


def _main_containers(view: Any) -> list[Any]:
    """Regular containers only: init containers finish before the pod serves (native sidecars are helpers)."""
    return [c for c in view.containers if c.list_name == "containers"]


def _serving(containers: list[Any]) -> Any:
    """The container a missing pod-level probe is reported on: the first one that declares a port."""
    for container in containers:
        ports = container.data.get("ports")
        if isinstance(ports, list) and ports:
            return container
    return containers[0]


def _missing(view: Any, params: dict[str, Any], name: str) -> Any:
    """The container to report when no regular container of a long-running pod has probe ``name``."""
    if not long_running(view, params):
        return None
    containers = _main_containers(view)
    if not containers or any(_probe(c, name) for c in containers):
        return None
    return _serving(containers)


@check("probes.missing_readiness", target="pod", params=_PARAMS)
def missing_readiness(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """A pod is ready when all its containers are; one readiness probe (on the server) gates the whole pod."""
    container = _missing(view, params, "readinessProbe")
    if container is not None:
        yield Hit(container.pointer,
                  "no container has a readinessProbe, so Kubernetes counts the pod ready as soon as "
                  f"{container.describe()} starts: Services send it requests and rolling updates move on before it "
                  "can answer (a model server may still be loading weights), and clients see errors on every rollout "
                  "or restart; add a readinessProbe that succeeds only when the server can answer (for example "
                  "httpGet on its health endpoint)")


@check("probes.missing_liveness", target="pod", params=_PARAMS)
def missing_liveness(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    container = _missing(view, params, "livenessProbe")
    if container is not None:
        yield Hit(container.pointer,
                  f"no container has a livenessProbe, so a server that hangs (a deadlocked worker, a stuck CUDA "
                  f"call) keeps its pod, and any GPU it holds, until someone notices; add a livenessProbe to "
                  f"{container.describe()} on a cheap endpoint, with a startupProbe (or a generous "
                  "failureThreshold) so the kubelet does not kill it while the model is still loading")


def _handler(probe: dict[str, Any]) -> tuple[str, Any] | None:
    for name in _HANDLERS:
        if name in probe:
            value = probe[name]
            if name == "httpGet" and isinstance(value, dict):
                value = {"path": "/", "scheme": "HTTP", **{k: v for k, v in value.items() if v is not None}}
                value["scheme"] = str(value["scheme"]).upper()
            return name, value
    return None


def _patience(probe: dict[str, Any]) -> float:
    """How long a probe tolerates failures before acting: failureThreshold x periodSeconds (defaults 3 x 10)."""
    def number(key: str, default: int) -> float:
        value = probe.get(key)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
            else float(default)
    return number("failureThreshold", 3) * number("periodSeconds", 10)


@check("probes.identical", target="container", params=_PARAMS)
def identical(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if container.list_name != "containers" or not long_running(view, params):
        return
    liveness, readiness = _probe(container, "livenessProbe"), _probe(container, "readinessProbe")
    if liveness is None or readiness is None:
        return
    handler = _handler(liveness)
    if handler is None or handler != _handler(readiness):
        return
    if _patience(liveness) > _patience(readiness):
        return  # liveness gives up later than readiness: a busy server leaves rotation before it is restarted
    yield Hit(container.ptr("livenessProbe"),
              "livenessProbe calls the same check as readinessProbe and gives up no later, so a server that is only "
              "busy (a long batch, a slow request) is restarted instead of being taken out of rotation, and the "
              "restart makes the overload worse; point liveness at a cheaper endpoint or give it a higher "
              "failureThreshold than readiness")
