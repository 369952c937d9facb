"""Pod Security Standards controls that no older rule covered: Windows HostProcess, AppArmor, SELinux, the /proc
mount type, sysctls (baseline) and volume types (restricted). Allowed values are the Kubernetes documentation's
(concepts/security/pod-security-standards), kept in the rule files' parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import Hit, check

_STRINGS = {"type": "array", "items": {"type": "string"}}
_NO_PARAMS: dict[str, Any] = {"properties": {}}
BASELINE, RESTRICTED = "baseline", "restricted"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pod_context(view: Any) -> dict[str, Any]:
    return _mapping(view.spec.get("securityContext"))


def _contexts(view: Any) -> Iterator[tuple[dict[str, Any], Any, str]]:
    """(securityContext, pointer builder, who) for the pod and for each container."""
    yield _pod_context(view), lambda *path: view.spec_ptr("securityContext", *path), "the pod"
    for container in view.containers:
        yield (container.mapping("securityContext"),
               lambda *path, c=container: c.ptr("securityContext", *path), container.describe())


@check("pod_security.host_process", target="pod", params=_NO_PARAMS)
def host_process(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    for context, ptr, who in _contexts(view):
        if _mapping(context.get("windowsOptions")).get("hostProcess") is True:
            yield Hit(ptr("windowsOptions", "hostProcess"),
                      f"{who} sets windowsOptions.hostProcess: true: a HostProcess container runs as a process of "
                      "the Windows node with its privileges; the baseline level forbids it",
                      short=f"{who} runs as a Windows HostProcess container", level=BASELINE)


_APPARMOR_PARAMS = {
    "properties": {
        "allowed_types": {**_STRINGS, "description": "appArmorProfile.type values the baseline level allows"},
    },
    "required": ["allowed_types"],
}
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


@check("pod_security.apparmor", target="pod", params=_APPARMOR_PARAMS)
def apparmor(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    allowed = set(params["allowed_types"])
    for context, ptr, who in _contexts(view):
        kind = _mapping(context.get("appArmorProfile")).get("type")
        if isinstance(kind, str) and kind and kind not in allowed:
            yield Hit(ptr("appArmorProfile", "type"),
                      f"{who} sets appArmorProfile.type: {kind}, which turns AppArmor confinement off; the baseline "
                      "level allows only RuntimeDefault or Localhost: remove it or use RuntimeDefault",
                      at="value", short=f"{who} runs with AppArmor profile {kind}", level=BASELINE)
    annotations = _mapping(view.metadata.get("annotations"))
    for key, value in annotations.items():
        if isinstance(key, str) and key.startswith(_APPARMOR_ANNOTATION) and isinstance(value, str) and \
                value and value != "runtime/default" and not value.startswith("localhost/"):
            name = key[len(_APPARMOR_ANNOTATION):]
            pointer = f"{view.pointer}/metadata/annotations/{key.replace('~', '~0').replace('/', '~1')}"
            yield Hit(pointer, f"annotation {key}: {value} runs container {name} without AppArmor confinement; the "
                               "baseline level allows only runtime/default or localhost/<profile>",
                      at="value", short=f"container {name} runs with AppArmor {value}", level=BASELINE)


_SELINUX_PARAMS = {
    "properties": {
        "allowed_types": {**_STRINGS, "description": "seLinuxOptions.type values the baseline level allows"},
    },
    "required": ["allowed_types"],
}


@check("pod_security.selinux", target="pod", params=_SELINUX_PARAMS)
def selinux(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    allowed = set(params["allowed_types"])
    for context, ptr, who in _contexts(view):
        options = _mapping(context.get("seLinuxOptions"))
        kind = options.get("type")
        if isinstance(kind, str) and kind and kind not in allowed:
            yield Hit(ptr("seLinuxOptions", "type"),
                      f"{who} sets seLinuxOptions.type: {kind}; a custom SELinux type can lift the confinement of "
                      f"container processes, and the baseline level allows only {', '.join(sorted(allowed))}",
                      at="value", short=f"{who} sets SELinux type {kind}", level=BASELINE)
        for key in ("user", "role"):
            value = options.get(key)
            if isinstance(value, str) and value:
                yield Hit(ptr("seLinuxOptions", key),
                          f"{who} sets seLinuxOptions.{key}: {value}; the baseline level forbids setting the "
                          "SELinux user or role: remove it", at="value",
                          short=f"{who} sets SELinux {key} {value}", level=BASELINE)


@check("pod_security.proc_mount", target="container", params=_NO_PARAMS)
def proc_mount(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    value = container.mapping("securityContext").get("procMount")
    if isinstance(value, str) and value and value != "Default":
        yield Hit(container.ptr("securityContext", "procMount"),
                  f"sets procMount: {value}, which leaves /proc unmasked: the container sees kernel and node "
                  "information the runtime normally hides; the baseline level allows only Default", at="value",
                  short=f"procMount {value} leaves /proc unmasked", level=BASELINE)


_SYSCTL_PARAMS = {
    "properties": {
        "safe": {**_STRINGS, "description": "sysctls the baseline level allows (namespaced, isolated per pod)"},
    },
    "required": ["safe"],
}


@check("pod_security.sysctls", target="pod", params=_SYSCTL_PARAMS)
def sysctls(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    safe = set(params["safe"])
    items = _pod_context(view).get("sysctls")
    for index, item in enumerate(items if isinstance(items, list) else []):
        name = _mapping(item).get("name")
        if isinstance(name, str) and name and name not in safe:
            yield Hit(view.spec_ptr("securityContext", "sysctls", index, "name"),
                      f"sets sysctl {name}, which is not in the baseline level's safe set: it may affect the whole "
                      "node or other pods, and the kubelet rejects the pod unless it runs with "
                      "--allowed-unsafe-sysctls; set it on the node (a DaemonSet or the node image) instead",
                      at="value", short=f"sets unsafe sysctl {name}", level=BASELINE)


_VOLUME_PARAMS = {
    "properties": {
        "allowed": {**_STRINGS, "description": "volume sources the restricted level allows"},
        "reported_elsewhere": {**_STRINGS, "description": "volume sources another rule reports (hostPath: KML813)"},
    },
    "required": ["allowed"],
}


@check("pod_security.volume_types", target="pod", params=_VOLUME_PARAMS)
def volume_types(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    allowed = set(params["allowed"]) | set(params.get("reported_elsewhere", []))
    volumes = view.spec.get("volumes")
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(volume, dict):
            continue
        sources = [key for key in volume if key != "name" and key not in allowed]
        for source in sources[:1]:
            name = volume.get("name")
            yield Hit(view.spec_ptr("volumes", index, source),
                      f"volume {name} is a {source} volume; the restricted level allows only "
                      f"{', '.join(sorted(params['allowed']))} (a PersistentVolumeClaim can bind the same storage)",
                      short=f"volume {name} uses {source}, outside the restricted volume types", level=RESTRICTED)
