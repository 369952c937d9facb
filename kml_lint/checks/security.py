"""Security context, host access and service accounts: what the general-purpose linters check, located at
the exact field, with the container-over-pod precedence Kubernetes applies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..findings import Severity
from ..objects import K8sObject
from . import PLATFORM_LIST, Hit, RunHit, Site, check

BASELINE, RESTRICTED = "baseline", "restricted"  # Pod Security Standards levels of the controls (Hit.level)

_NO_PARAMS: dict[str, Any] = {"properties": {}}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def pod_security_context(view: Any) -> dict[str, Any]:
    return _mapping(view.spec.get("securityContext"))


def is_windows(view: Any) -> bool:
    """Windows pods have no Linux security context: runAsNonRoot, seccomp, capabilities do not apply."""
    os_name = _mapping(view.spec.get("os")).get("name")
    return os_name == "windows" or "windowsOptions" in pod_security_context(view)


def is_privileged(container: Any) -> bool:
    return container.mapping("securityContext").get("privileged") is True


def _cap(name: Any) -> str | None:
    """``cap_sys_admin`` / ``CAP_SYS_ADMIN`` / ``SYS_ADMIN`` -> ``SYS_ADMIN`` (the API stores what you write)."""
    if not isinstance(name, str) or not name.strip():
        return None
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def _capability_list(container: Any, which: str) -> list[tuple[int, str]]:
    items = container.mapping("securityContext", "capabilities").get(which)
    if not isinstance(items, list):
        return []
    return [(index, cap) for index, item in enumerate(items) if (cap := _cap(item)) is not None]


def _names(containers: list[Any]) -> str:
    labels = [c.describe() for c in containers]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


# -- privileged, privilege escalation ---------------------------------------------------------------


@check("security.privileged", target="container", params=_NO_PARAMS)
def privileged(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if is_privileged(container):
        yield Hit(container.ptr("securityContext", "privileged"),
                  "runs privileged: it has every Linux capability and sees every device of the node (all of its "
                  "GPUs, not only the ones the device plugin allocated), so whoever controls the process controls "
                  "the node; remove privileged: true, request accelerators through resources.limits (nvidia.com/gpu) "
                  "and add only the capability the workload needs (IPC_LOCK for RDMA); node agents such as device "
                  "plugins and drivers are the exception: suppress the finding with a reason there",
                  short="runs privileged (every capability and every device of the node)", level=BASELINE)


@check("security.privilege_escalation", target="container", params=_NO_PARAMS)
def privilege_escalation(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if is_windows(view) or is_privileged(container):
        return  # privileged implies escalation (KML801), and the API rejects allowPrivilegeEscalation: false with it
    if any(cap in ("SYS_ADMIN", "ALL") for _, cap in _capability_list(container, "add")):
        return  # the API rejects allowPrivilegeEscalation: false beside CAP_SYS_ADMIN; KML805 reports the capability
    value = container.mapping("securityContext").get("allowPrivilegeEscalation")
    if value is False:
        return
    if value is True:
        yield Hit(container.ptr("securityContext", "allowPrivilegeEscalation"),
                  "sets allowPrivilegeEscalation: true, so a setuid binary (sudo, su, ping on some images) can turn "
                  "a compromised process into root inside the container; set it to false",
                  short="sets allowPrivilegeEscalation: true", level=RESTRICTED)
    elif not container.inherits:  # a block completed elsewhere: its absent field proves nothing
        yield Hit(container.ptr("securityContext", "allowPrivilegeEscalation"),
                  "does not set allowPrivilegeEscalation: false, and Kubernetes allows escalation by default, so a "
                  "setuid binary (sudo, su) can turn a compromised process into root inside the container; set "
                  "securityContext.allowPrivilegeEscalation: false",
                  short="does not set allowPrivilegeEscalation: false", level=RESTRICTED)


# -- running as root --------------------------------------------------------------------------------


def _effective(view: Any, container: Any, key: str) -> tuple[Any, str | None, bool]:
    """The value Kubernetes applies for ``key``: the container's securityContext wins over the pod's.

    Returns (value, pointer of the field that decided it, whether it came from the pod).
    """
    own = container.mapping("securityContext")
    if own.get(key) is not None:
        return own[key], container.ptr("securityContext", key), False
    pod = pod_security_context(view)
    if pod.get(key) is not None:
        return pod[key], view.spec_ptr("securityContext", key), True
    return None, None, False


def _uid(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@check("security.run_as_root", target="pod", params=_NO_PARAMS)
def run_as_root(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """Per container, with container-over-pod precedence; a bad pod-level value is reported once, at the pod."""
    if is_windows(view) or view.spec.get("hostUsers") is False:
        return  # user namespaces: UID 0 in the pod is an unprivileged user on the node
    inherited: dict[str, tuple[str, list[Any]]] = {}  # pod pointer -> (problem, containers)
    for container in view.containers:
        uid, uid_ptr, uid_from_pod = _effective(view, container, "runAsUser")
        non_root, nr_ptr, nr_from_pod = _effective(view, container, "runAsNonRoot")
        uid = _uid(uid)
        if uid == 0:
            problem = ("runAsUser: 0 runs it as root, and runAsNonRoot: true beside it makes the kubelet refuse to "
                       "start it" if non_root is True else "runAsUser: 0 runs it as root")
            where, from_pod = uid_ptr, uid_from_pod
        elif (uid is not None and uid > 0) or non_root is True:
            continue
        elif non_root is False:
            problem, where, from_pod = "runAsNonRoot: false lets it run as root", nr_ptr, nr_from_pod
        elif view.partial:
            continue  # nothing set here, but the pod's fields are completed elsewhere: no evidence either way
        else:
            yield Hit(container.ptr("securityContext", "runAsNonRoot"),
                      f"{container.describe()} may run as root: neither it nor the pod sets runAsNonRoot: true or a "
                      "non-zero runAsUser, so the image's USER decides (most CUDA, PyTorch and Jupyter images run as "
                      "root), and root in a container is one kernel bug away from root on a GPU node; set "
                      "securityContext.runAsNonRoot: true with runAsUser: 1000 (or the UID your image expects)",
                      short=f"{container.describe()} may run as root (no runAsNonRoot: true)", level=RESTRICTED)
            continue
        if from_pod:
            inherited.setdefault(where, (problem, []))[1].append(container)
        else:
            yield Hit(where, f"{container.describe()}: {problem}; a compromised process is root in the container and "
                             "one kernel bug away from root on the node: set runAsNonRoot: true and a non-zero "
                             "runAsUser (1000, or the UID your image expects)",
                      short=f"{container.describe()}: {problem}", level=RESTRICTED)
    for where, (problem, containers) in inherited.items():
        yield Hit(where, f"the pod's {problem} for {_names(containers)} (no container overrides it); a compromised "
                         "process is root in the container and one kernel bug away from root on the node: set "
                         "runAsNonRoot: true and a non-zero runAsUser (1000, or the UID your image expects)",
                  short=f"the pod's {problem} for {_names(containers)}", level=RESTRICTED)


# -- read-only root file system ---------------------------------------------------------------------


@check("security.writable_root_filesystem", target="container", params=_NO_PARAMS)
def writable_root_filesystem(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if is_windows(view):
        return
    value = container.mapping("securityContext").get("readOnlyRootFilesystem")
    if value is True or (value is None and container.inherits):
        return
    state = "sets readOnlyRootFilesystem: false" if value is False else "does not set readOnlyRootFilesystem: true"
    yield Hit(container.ptr("securityContext", "readOnlyRootFilesystem"),
              f"{state}, so an attacker (or a buggy script) can change the container's own binaries and libraries; "
              "set it to true and mount an emptyDir where the process writes (/tmp, and the model or dataset cache "
              "such as HF_HOME or TORCH_HOME)")


# -- capabilities -----------------------------------------------------------------------------------

_CAP_PARAMS = {
    "properties": {
        "allowed": {**_STRINGS, "description": "capabilities a container may add at the baseline level (without the "
                                               "CAP_ prefix): the Pod Security Standards list"},
        "exceptions": {**_STRINGS, "description": "capabilities kml-lint allows at the baseline level although Pod "
                                                  "Security Admission's baseline forbids them (IPC_LOCK, for RDMA): "
                                                  "reported at restricted, and where a namespace's label forbids "
                                                  "them"},
        "restricted_allowed": {**_STRINGS, "description": "capabilities a container may add at the restricted level"},
    },
    "required": ["allowed"],
}

_CAP_RISK = {
    "ALL": "every capability, which is close to running privileged",
    "SYS_ADMIN": "nearly root on the node (mount file systems, enter namespaces, load BPF programs)",
    "NET_ADMIN": "control over the pod's network stack (routes, firewall rules, interfaces)",
    "NET_RAW": "raw sockets, enough to spoof packets and poison ARP or DNS for other pods on the node",
    "SYS_PTRACE": "the right to read and change the memory of other processes it can see",
    "SYS_MODULE": "the right to load kernel modules, which is full control of the node",
    "SYS_RAWIO": "raw access to devices and I/O ports",
    "DAC_READ_SEARCH": "the right to read any file it can reach, whatever its permissions",
    "BPF": "the right to load BPF programs into the node's kernel",
    "PERFMON": "access to the node's performance counters, which can leak other processes' data",
}


@check("security.added_capabilities", target="container", params=_CAP_PARAMS)
def added_capabilities(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if is_windows(view) or is_privileged(container):
        return  # a privileged container has every capability anyway (KML801)
    exceptions = {cap for item in params.get("exceptions", []) if (cap := _cap(item))}
    allowed = {cap for item in params["allowed"] if (cap := _cap(item))} | exceptions
    restricted = {cap for item in params.get("restricted_allowed", ["NET_BIND_SERVICE"]) if (cap := _cap(item))}
    for index, cap in _capability_list(container, "add"):
        where = container.ptr("securityContext", "capabilities", "add", str(index))
        if cap in restricted:
            continue
        if cap in allowed:
            yield Hit(where, f"adds the {cap} capability; the restricted level allows adding only "
                             f"{', '.join(sorted(restricted))}: remove it, or keep it and suppress the finding "
                             "with the reason (IPC_LOCK for RDMA)", at="value",
                      short=f"adds {cap}, outside the restricted level's {', '.join(sorted(restricted))}",
                      level=RESTRICTED, admission=BASELINE if cap in exceptions else None)
            continue
        risk = _CAP_RISK.get(cap, "a kernel privilege outside the set Kubernetes' baseline policy allows")
        yield Hit(where, f"adds the {cap} capability: {risk}; remove it, or if the workload truly needs it, run it "
                         "in a namespace reserved for such workloads and suppress the finding with the reason",
                  at="value",
                  short=f"adds the {cap} capability, outside the baseline level", level=BASELINE)


_DROP_PARAMS = {
    "properties": {
        "must_drop": {**_STRINGS, "minItems": 1,
                      "description": "capabilities the container runtime grants by default that must be dropped "
                                     "(dropping ALL drops them all)"},
    },
    "required": ["must_drop"],
}


@check("security.capabilities_not_dropped", target="container", params=_DROP_PARAMS)
def capabilities_not_dropped(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if is_windows(view) or is_privileged(container):
        return
    dropped = {cap for _, cap in _capability_list(container, "drop")}
    if "ALL" in dropped or (container.inherits and not container.mapping("securityContext").get("capabilities")):
        return
    added = {cap for _, cap in _capability_list(container, "add")}
    if "ALL" in {_cap(item) for item in params["must_drop"]}:
        yield Hit(container.ptr("securityContext", "capabilities", "drop"),
                  "does not drop ALL capabilities: the container runtime grants a default set (NET_RAW among them: "
                  "raw sockets let a compromised process spoof packets and poison ARP or DNS for other pods on the "
                  "node), and the restricted level requires capabilities.drop: [ALL]; set it and add back only "
                  "NET_BIND_SERVICE if the process listens below port 1024",
                  short="does not drop ALL capabilities", level=RESTRICTED)
        return
    missing = [cap for item in params["must_drop"] if (cap := _cap(item)) and cap not in dropped and cap not in added]
    if not missing:
        return  # what is left was added on purpose: KML805 reports it
    names = ", ".join(missing)
    yield Hit(container.ptr("securityContext", "capabilities", "drop"),
              f"does not drop {names}, which the container runtime grants by default (raw sockets let a compromised "
              "process spoof packets and poison ARP or DNS for other pods on the node); set "
              "securityContext.capabilities.drop: [ALL] and add back only what the workload needs",
              short=f"does not drop {names}", level=RESTRICTED)


# -- seccomp ----------------------------------------------------------------------------------------

_SECCOMP_PARAMS = {
    "properties": {
        "default_profile_platforms": {
            **PLATFORM_LIST,
            "description": "platforms whose nodes apply RuntimeDefault to every pod (the rule is silent)"},
    },
}
_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"


def _profile(context: dict[str, Any]) -> str | None:
    kind = _mapping(context.get("seccompProfile")).get("type")
    return kind if isinstance(kind, str) and kind else None


def _legacy(value: Any) -> str | None:
    """The deprecated annotations: ``runtime/default``, ``docker/default``, ``localhost/<file>``, ``unconfined``."""
    if not isinstance(value, str) or not value:
        return None
    return "Unconfined" if value == "unconfined" else "RuntimeDefault"


@check("security.seccomp_profile", target="pod", params=_SECCOMP_PARAMS)
def seccomp_profile(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if is_windows(view) or not view.containers:
        return
    if ctx.platform and ctx.platform in params.get("default_profile_platforms", []):
        return
    annotations = _mapping(view.metadata.get("annotations"))
    pod_profile = _profile(pod_security_context(view)) or _legacy(annotations.get(_POD_ANNOTATION))
    pod_ptr = view.spec_ptr("securityContext", "seccompProfile")
    unset: list[Any] = []
    inherit_unconfined: list[Any] = []
    for container in view.containers:
        own = _profile(container.mapping("securityContext"))
        if own is None and container.name:
            own = _legacy(annotations.get(_CONTAINER_ANNOTATION + container.name))
        if own == "Unconfined":
            yield Hit(container.ptr("securityContext", "seccompProfile", "type"),
                      f"{container.describe()} sets seccompProfile Unconfined, so it may make any system call, "
                      "including the rarely used ones most kernel exploits need; use type: RuntimeDefault",
                      short=f"{container.describe()} sets seccompProfile Unconfined", level=BASELINE)
        elif own is None and pod_profile == "Unconfined":
            inherit_unconfined.append(container)
        elif own is None and pod_profile is None:
            unset.append(container)
    if inherit_unconfined:
        yield Hit(pod_ptr + "/type", f"the pod's seccompProfile Unconfined applies to {_names(inherit_unconfined)}, "
                                     "so they may make any system call, including the rarely used ones most kernel "
                                     "exploits need; use type: RuntimeDefault",
                  short=f"the pod's seccompProfile Unconfined applies to {_names(inherit_unconfined)}", level=BASELINE)
    if unset and not view.partial:  # a partial pod's profile may be set where its pod fields are completed
        yield Hit(pod_ptr, f"no seccompProfile for {_names(unset)}: unless the nodes' kubelet runs with "
                           "--seccomp-default, they run without a system-call filter, so kernel exploits that need "
                           "rare system calls stay open; set securityContext.seccompProfile.type: RuntimeDefault on "
                           "the pod", short=f"no seccompProfile for {_names(unset)}", level=RESTRICTED,
                  severity=Severity.NOTE)


# -- host namespaces, host paths, host ports --------------------------------------------------------


@check("security.host_network", target="pod", params=_NO_PARAMS)
def host_network(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if view.spec.get("hostNetwork") is True:
        yield Hit(view.spec_ptr("hostNetwork"),
                  "hostNetwork: true puts the pod on the node's network: it can bind any node port, see other pods' "
                  "traffic on the node's interfaces and bypass NetworkPolicies, and two replicas on one node collide "
                  "on their ports; for NCCL or RDMA bandwidth request the interfaces through the RDMA or SR-IOV device "
                  "plugin (or a Multus network) instead; node agents are the exception: suppress with a reason",
                  short="hostNetwork: true puts the pod on the node's network", level=BASELINE)


@check("security.host_pid", target="pod", params=_NO_PARAMS)
def host_pid(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if view.spec.get("hostPID") is True:
        yield Hit(view.spec_ptr("hostPID"),
                  "hostPID: true lets the pod see and signal every process of the node and read their environment "
                  "(other pods' tokens and keys); remove it (to let containers of one pod see each other, use "
                  "shareProcessNamespace: true); node agents are the exception: suppress with a reason",
                  short="hostPID: true shows the pod every process of the node", level=BASELINE)


@check("security.host_ipc", target="pod", params=_NO_PARAMS)
def host_ipc(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if view.spec.get("hostIPC") is True:
        yield Hit(view.spec_ptr("hostIPC"),
                  "hostIPC: true shares the node's shared memory and semaphores with the pod, so it can read or "
                  "corrupt other pods' shared memory; if it is there for NCCL or PyTorch DataLoader workers (the "
                  "copy of docker's --ipc=host), mount an emptyDir with medium: Memory (and a sizeLimit) at /dev/shm "
                  "instead", short="hostIPC: true shares the node's shared memory with the pod", level=BASELINE)


_HOST_PATH_PARAMS = {
    "properties": {
        "sockets": {**_STRINGS, "minItems": 1,
                    "description": "container-runtime sockets: a hostPath at one of them or a folder above one"},
        "device_paths": {**_STRINGS, "description": "host paths (`*` matches any text) that reach accelerators "
                                                    "the device plugin should hand out instead"},
        "gpu_sharing_paths": {**_STRINGS, "description": "host paths (`*` matches any text) that GPU-sharing "
                                                         "clients must share with a daemon of the node (the NVIDIA "
                                                         "MPS pipe and shared-memory folders): kept, reported as a "
                                                         "note"},
    },
    "required": ["sockets"],
}


def _clean_path(value: Any) -> str | None:
    if not isinstance(value, str) or not value.startswith("/"):
        return None
    parts = [part for part in value.split("/") if part and part != "."]
    return "/" + "/".join(parts)


def socket_reached(path: str, sockets: list[str]) -> str | None:
    """The runtime socket ``path`` exposes: the socket itself or a folder that holds it (``/var/run``).

    The node's root ``/`` holds everything: KML813 reports it as the whole root file system.
    """
    if path == "/":
        return None
    for socket in sockets:
        clean = _clean_path(socket)
        if clean and (path == clean or clean.startswith(path + "/")):
            return clean
    return None


def _host_paths(view: Any) -> Iterator[tuple[int, str, str | None]]:
    """(index, clean path, volume name) of every hostPath volume."""
    volumes = view.spec.get("volumes")
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        host_path = _mapping(volume).get("hostPath") if isinstance(volume, dict) else None
        if isinstance(host_path, dict):
            path = _clean_path(host_path.get("path"))
            if path is not None:
                name = volume.get("name")
                yield index, path, name if isinstance(name, str) else None


def _writable(view: Any, volume: str | None) -> bool:
    """Whether the volume may be written: some container mounts it without ``readOnly: true``, or none mounts it
    yet (a later edit decides, so no read-only claim is made)."""
    modes = []
    for container in view.containers:
        mounts = container.data.get("volumeMounts")
        modes += [mount.get("readOnly") is True for mount in (mounts if isinstance(mounts, list) else [])
                  if isinstance(mount, dict) and mount.get("name") == volume]
    return not modes or not all(modes)


@check("security.runtime_socket", target="pod", params=_HOST_PATH_PARAMS)
def runtime_socket(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    for index, path, _ in _host_paths(view):
        socket = socket_reached(path, params["sockets"])
        if socket is None:
            continue
        what = f"the container runtime socket {path}" if path == socket else f"{path}, which holds the container " \
                                                                               f"runtime socket {socket}"
        yield Hit(view.spec_ptr("volumes", index, "hostPath"),
                  f"mounts {what}: whoever can write to it can start a privileged container on the node, which is "
                  "root on the node; build images with a daemonless builder (BuildKit rootless, Kaniko) and read "
                  "node metadata through the Kubernetes API instead",
                  short=f"mounts {what}", level=BASELINE)


@check("security.host_path", target="pod", params=_HOST_PATH_PARAMS)
def host_path(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:
    from fnmatch import fnmatchcase

    for index, path, volume in _host_paths(view):
        if socket_reached(path, params["sockets"]):
            continue  # KML814 reports it (one finding, not two)
        writable = _writable(view, volume)
        where = view.spec_ptr("volumes", index, "hostPath")
        if path == "/":
            yield Hit(where, "mounts the node's whole root file system (hostPath /)"
                             f"{'' if writable else ' read-only'}: the pod can read every file of the node, including "
                             "other pods' secrets and the container runtime's socket"
                             f"{', and change them' if writable else ''}; mount only the folders it needs, read-only, "
                             "or suppress the finding with a reason for a node agent (drivers, device plugins)",
                      short="mounts the node's whole root file system (hostPath /)", level=BASELINE)
            continue
        if any(fnmatchcase(path, pattern) for pattern in params.get("gpu_sharing_paths", [])):
            yield Hit(where, f"mounts the node's {path} (hostPath), a GPU-sharing path: NVIDIA MPS clients must share "
                             "it with the node's MPS control daemon, so keep it; it is still a hostPath, which the "
                             "baseline level forbids: run the pod in a namespace whose Pod Security level allows "
                             "it, or let the NVIDIA device plugin's MPS sharing (sharing.mps) provide the GPU "
                             "instead of mounting the daemon's folders yourself",
                      short=f"mounts {path} (hostPath) for NVIDIA MPS GPU sharing", level=BASELINE,
                      severity=Severity.NOTE)
            continue
        if any(fnmatchcase(path, pattern) for pattern in params.get("device_paths", [])):
            advice = ("to reach GPUs or RDMA devices, request them through the device plugin (nvidia.com/gpu, "
                      "rdma/...) instead: it hands out exactly the allocated devices")
        else:
            advice = ("use a PersistentVolumeClaim (a local PersistentVolume for node-local NVMe datasets) or an "
                      "emptyDir instead; node agents that must see host files are the exception")
        access = ("read and change the node's files there (a writable host folder such as /etc or /var/lib/kubelet "
                  "is root on the node)") if writable else "read the node's files there"
        yield Hit(where, f"mounts the node's {path} (hostPath){'' if writable else ' read-only'}: the pod can "
                         f"{access}, and it only works on nodes that have that path; {advice}",
                  short=f"mounts the node's {path} (hostPath){'' if writable else ' read-only'}", level=BASELINE)


@check("security.host_port", target="container", params=_NO_PARAMS)
def host_port(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if view.spec.get("hostNetwork") is True:
        return  # the port is the node's anyway: KML810 reports hostNetwork
    ports = container.data.get("ports")
    for index, port in enumerate(ports if isinstance(ports, list) else []):
        number = _uid(port.get("hostPort")) if isinstance(port, dict) else None
        if number:
            yield Hit(container.ptr("ports", str(index), "hostPort"),
                      f"binds hostPort {number} on the node: only one such pod fits on a node (other replicas stay "
                      "Pending) and the port is reachable from outside the cluster network; expose it through a "
                      "Service instead", short=f"binds hostPort {number} on the node", level=BASELINE)


# -- service accounts -------------------------------------------------------------------------------

_TOKEN_PARAMS = {
    "properties": {
        "api_kinds": {**_STRINGS, "description": "kinds whose pods talk to the Kubernetes API through their "
                                                 "operator's design (MPI launchers, Ray autoscalers, Spark drivers, "
                                                 "Argo executors): never reported"},
    },
}


_BINDINGS = ("rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding")


class PodToken(NamedTuple):
    """A pod template that does not say whether it needs its API token."""

    namespace: str | None
    account: str
    site: Site


class AccountSetting(NamedTuple):
    """A ServiceAccount object and its own automountServiceAccountToken."""

    namespace: str | None
    name: str
    automount: bool | None
    path: str


class Granted(NamedTuple):
    """The service accounts a RoleBinding or ClusterRoleBinding grants a role to: (namespace, name) pairs."""

    accounts: tuple[tuple[str | None, str], ...]
    path: str


def service_account(spec: dict[str, Any]) -> str:
    for key in ("serviceAccountName", "serviceAccount"):  # serviceAccount: the deprecated alias
        value = spec.get(key)
        if isinstance(value, str) and value:
            return value
    return "default"


def _compatible(left: str | None, right: str | None) -> bool:
    """Objects without a namespace land wherever they are applied: they may be in any namespace."""
    return left is None or right is None or left == right


def _bound_accounts(obj: K8sObject) -> tuple[tuple[str | None, str], ...]:
    subjects = obj.data.get("subjects")
    found = []
    for subject in subjects if isinstance(subjects, list) else []:
        if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" and \
                isinstance(subject.get("name"), str):
            namespace = subject.get("namespace")
            found.append((namespace if isinstance(namespace, str) and namespace else obj.ref.namespace,
                          subject["name"]))
    return tuple(found)


def _finish_token(facts: list[Any], params: dict[str, Any]) -> Iterator[RunHit]:
    # Per account name, what exists near a pod (same namespace, else same folder): answered in constant time,
    # so a run over a monorepo costs what its objects cost, not their pairs.
    from .crossobject import Presence

    settings: dict[str, list[tuple[str, str | None]]] = {}
    disabled: dict[str, list[tuple[str, str | None]]] = {}
    grants: dict[str, list[tuple[str, str | None]]] = {}
    for fact in facts:
        if isinstance(fact, AccountSetting):
            settings.setdefault(fact.name, []).append((fact.path, fact.namespace))
            if fact.automount is False:
                disabled.setdefault(fact.name, []).append((fact.path, fact.namespace))
        elif isinstance(fact, Granted):
            for namespace, name in fact.accounts:
                grants.setdefault(name, []).append((fact.path, namespace))
    defined = {name: Presence(items) for name, items in settings.items()}
    turned_off = {name: Presence(items) for name, items in disabled.items()}
    bound = {name: Presence(items) for name, items in grants.items()}

    def near(index: dict[str, Presence], pod: PodToken) -> bool:
        found = index.get(pod.account)
        return found is not None and found.near(pod.site.path, pod.namespace)

    for fact in facts:
        if not (isinstance(fact, tuple) and fact and isinstance(fact[0], PodToken)):
            continue
        for pod in fact:
            if near(turned_off, pod) or near(bound, pod):
                continue  # the account turns the token off, or is given permissions the pod presumably uses
            if pod.account == "default":
                yield RunHit(pod.site,
                             "mounts an API token of the default service account although nothing says the pod needs "
                             "the Kubernetes API; whoever compromises a process gets the token and whatever the "
                             "default account may do; set automountServiceAccountToken: false in the pod spec (or on "
                             "the namespace's default ServiceAccount)")
            elif near(defined, pod):
                yield RunHit(pod.site,
                             f"mounts an API token of service account {pod.account}, which no RoleBinding or "
                             "ClusterRoleBinding among the files linted together grants anything: unless it is bound "
                             "elsewhere, the token only serves whoever compromises a process; set "
                             "automountServiceAccountToken: false in the pod spec or on the ServiceAccount")


@check("security.service_account_token", target="run", params=_TOKEN_PARAMS, finish=_finish_token)
def _collect_token(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Any:
    if obj.group_kind == "ServiceAccount":
        name = obj.ref.name
        value = obj.data.get("automountServiceAccountToken")
        return AccountSetting(obj.ref.namespace, name, value if isinstance(value, bool) else None,
                              ctx.path) if name else None
    if obj.group_kind in _BINDINGS:
        accounts = _bound_accounts(obj)
        return Granted(accounts, ctx.path) if accounts else None
    if obj.group_kind in params.get("api_kinds", []):
        return None
    found = []
    for view in ctx.views(obj):
        if view.spec.get("automountServiceAccountToken") is not None or view.partial:
            continue  # explicit either way: someone decided (or decides it where the pod's fields are completed)
        site = ctx.site(obj, view.spec_ptr("automountServiceAccountToken"), subject=view.describe())
        found.append(PodToken(obj.ref.namespace, service_account(view.spec), site))
    return tuple(found) or None


@check("security.default_service_account", target="object", params=_NO_PARAMS)
def default_service_account(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    """Permissions given to the default service account: bindings to it, and pods that ask for its token."""
    if obj.group_kind in _BINDINGS:
        subjects = obj.data.get("subjects")
        role = _mapping(obj.data.get("roleRef")).get("name")
        role_text = f"role {role}" if isinstance(role, str) and role else "its role"
        for index, subject in enumerate(subjects if isinstance(subjects, list) else []):
            if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" and \
                    subject.get("name") == "default":
                namespace = subject.get("namespace") or obj.ref.namespace
                where = f"namespace {namespace}" if isinstance(namespace, str) and namespace else "its namespace"
                yield Hit(obj.ptr(f"/subjects/{index}"),
                          f"grants {role_text} to the default service account of {where}, so every pod there that "
                          "names no service account gets these permissions; create a dedicated ServiceAccount for "
                          "the workload that needs them and bind the role to it")
        return
    for view in ctx.views(obj):
        if view.spec.get("automountServiceAccountToken") is True and service_account(view.spec) == "default":
            yield Hit(view.spec_ptr("automountServiceAccountToken"),
                      f"{view.role or 'the pod'} asks for an API token (automountServiceAccountToken: true) but "
                      "runs as the default service account, so whatever you grant it is granted to every pod of the "
                      "namespace that names no service account; create a dedicated ServiceAccount and set "
                      "serviceAccountName")


# -- namespaces -------------------------------------------------------------------------------------

_NAMESPACE_PARAMS = {
    "properties": {
        "cluster_scoped_kinds": {**_STRINGS, "description": "kinds (`group/Kind`) that live outside namespaces"},
        "disallowed": {**_STRINGS, "description": "namespaces no object may use (such as default)"},
        "builtin_objects": {**_STRINGS, "description": "`group/Kind/namespace/name` (`*` matches any text) of "
                                                       "objects Kubernetes creates itself, such as the kubernetes "
                                                       "Service: a manifest that patches them is not reported"},
    },
    "required": ["cluster_scoped_kinds"],
}


@check("security.missing_namespace", target="object", params=_NAMESPACE_PARAMS)
def missing_namespace(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    from fnmatch import fnmatchcase

    if obj.group_kind in params["cluster_scoped_kinds"]:
        return
    identity = f"{obj.group_kind}/{obj.ref.namespace or 'default'}/{obj.ref.name or ''}"
    if any(fnmatchcase(identity, pattern) for pattern in params.get("builtin_objects", [])):
        return
    namespace = obj.metadata.get("namespace")
    if not isinstance(namespace, str) or not namespace.strip():
        yield Hit(obj.ptr("/metadata/namespace"),
                  "has no metadata.namespace, so it lands in whatever namespace the deploy command points at (often "
                  "default), outside the quotas, RBAC and network policies of its team; set metadata.namespace")
    elif namespace in params.get("disallowed", []):
        yield Hit(obj.ptr("/metadata/namespace"),
                  f"is in the {namespace} namespace, which every user and tool shares and no team's quota, RBAC or "
                  "network policy covers; move it to the namespace of the team or project that owns it", at="value")
