"""Pod rows derived from a CRD's schema (the compact dialect of ``validation/convert.py``).

The schema is walked from the root: ``properties`` add their key to the path, ``items`` and a map's
``additionalProperties`` add ``*``, local ``$ref``s are followed (a recursion is followed once). A node is

- a **template** when its ``spec`` is a pod spec (a PodTemplateSpec: pods of Deployments, replica specs...);
- a **podspec** when it has a ``containers`` array of container-shaped items (other container-shaped
  properties of it, such as Dynamo's ``mainContainer``, become more containers of the same pod);
- a **container** when it has a string ``image`` and one of ``command``, ``args``, ``env``, ``resources``,
  ``ports``, ``volumeMounts`` (Tekton steps, Argo templates' ``container``...; a ``name`` beside an ``image``
  is not enough in a schema: that is a list of images, such as OLM's ``relatedImages``);
- an **object** when it is an embedded resource (``apiVersion`` + ``kind`` + ``metadata``) with nothing typed
  below it: the embedded object's own kind says where its pods are;
- **opaque** (shape search applies inside, at run time) when it is an object whose fields are not described.

The walk does not go below a pod, nor into ``status`` or the root ``metadata``. Rows come out in the table's own
syntax (``workloads.yaml``), so users can copy one into ``--workloads`` and give it roles and traits.
"""

from __future__ import annotations

from typing import Any

CONTAINER_KEYS = frozenset({"name", "command", "args", "env", "resources", "ports", "volumeMounts"})
# Path tokens that say nothing about which pod it is: left out of derived roles.
_GENERIC = frozenset({"spec", "template", "templates", "podTemplate", "podSpec", "pod", "podTemplateSpec",
                      "templateSpec", "jobTemplate", "replicaSpec", "extraPodSpec", "job"})
_POD_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
MAX_DEPTH = 40
_ROOT_FIELDS = frozenset({"apiVersion", "kind", "metadata", "status"})


def _props(node: dict[str, Any]) -> dict[str, Any]:
    value = node.get("properties")
    return value if isinstance(value, dict) else {}


class _Walker:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.defs = root.get("$defs") if isinstance(root.get("$defs"), dict) else {}
        self.pods: list[dict[str, Any]] = []

    def resolve(self, node: Any, seen: frozenset[str]) -> tuple[Any, frozenset[str]]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/$defs/"):
                return None, seen
            seen = seen | {ref}
            node = self.defs.get(ref[len("#/$defs/"):])
        for key in ("allOf", "anyOf", "oneOf"):  # a typed object behind a combinator: its first object branch
            if isinstance(node, dict) and not _props(node) and isinstance(node.get(key), list):
                for branch in node[key]:
                    branch, seen2 = self.resolve(branch, seen)
                    if isinstance(branch, dict) and _props(branch):
                        return branch, seen2
        return node, seen

    def child(self, node: dict[str, Any], key: str, seen: frozenset[str]) -> Any:
        return self.resolve(_props(node).get(key), seen)[0]

    def container_shaped(self, node: Any, seen: frozenset[str]) -> bool:
        node, _ = self.resolve(node, seen)
        if not isinstance(node, dict):
            return False
        props = _props(node)
        image, _ = self.resolve(props.get("image"), seen)
        # ``name`` alone is not enough in a schema: {name, image} pairs are image lists (OLM's relatedImages).
        return isinstance(image, dict) and image.get("type") == "string" and bool((CONTAINER_KEYS - {"name"}) &
                                                                                  set(props))

    def container_array(self, node: Any, seen: frozenset[str]) -> bool:
        node, seen = self.resolve(node, seen)
        return isinstance(node, dict) and node.get("type") == "array" and self.container_shaped(node.get("items"),
                                                                                                seen)

    def podspec_shaped(self, node: Any, seen: frozenset[str]) -> bool:
        node, seen = self.resolve(node, seen)
        return isinstance(node, dict) and self.container_array(_props(node).get("containers"), seen)

    def extra_containers(self, node: dict[str, Any], seen: frozenset[str]) -> list[dict[str, Any]]:
        """Container-shaped properties of a pod spec besides its container lists (Dynamo's mainContainer)."""
        out = []
        for key, child in sorted(_props(node).items()):
            if key in _POD_CONTAINER_LISTS:
                continue
            kind = "init" if "init" in key.lower() else "sidecar" if "sidecar" in key.lower() else "main"
            if self.container_shaped(child, seen):
                out.append({"path": f"/{_escape(key)}", "kind": kind})
            elif self.container_array(child, seen):
                out.append({"path": f"/{_escape(key)}/*", "kind": kind})
        return out

    def nested(self, node: dict[str, Any], path: tuple[str, ...], seen: frozenset[str]) -> None:
        """Pod specs that are properties of a pod spec (KServe's workerSpec: the multi-node workers' pods)."""
        for key, child in sorted(_props(node).items()):
            if key not in _POD_CONTAINER_LISTS and self.podspec_shaped(child, seen):
                self.add((*path, key), "podspec", self.extra_containers(self.resolve(child, seen)[0], seen))

    def walk(self, node: Any, path: tuple[str, ...], seen: frozenset[str]) -> None:
        node, seen = self.resolve(node, seen)
        if not isinstance(node, dict) or len(path) > MAX_DEPTH:
            return
        props = _props(node)
        if path:
            spec = props.get("spec")
            if self.podspec_shaped(spec, seen):
                spec_node, spec_seen = self.resolve(spec, seen)
                self.add(path, "template", self.extra_containers(spec_node, spec_seen))
                self.nested(spec_node, (*path, "spec"), spec_seen)
                return
            if self.podspec_shaped(node, seen):
                self.add(path, "podspec", self.extra_containers(node, seen))
                self.nested(node, path, seen)
                return
            if self.container_shaped(node, seen):
                self.add(path, "container")
                return
            if {"apiVersion", "kind", "metadata"} <= set(props) and not (set(props) - {"apiVersion", "kind",
                                                                                      "metadata"}):
                self.add(path, "object")
                return
        if not path and not set(props) - _ROOT_FIELDS and node.get("additionalProperties") is not False:
            self.add(path, "search")  # a CRD without a schema (Katib's, old v1beta1 ones) describes nothing
            return
        opaque = node.get("type") == "object" or not node  # `{}`: preserve-unknown-fields without a type
        if not props and opaque and not isinstance(node.get("additionalProperties"), dict) and "items" not in node:
            if path and node.get("additionalProperties") is not False:
                self.add(path, "search")
            return
        for key, child in props.items():
            if not path and key in _ROOT_FIELDS:
                continue
            self.walk(child, (*path, key), seen)
        for key in ("items", "additionalProperties"):
            child = node.get(key)
            if isinstance(child, dict):
                self.walk(child, (*path, "*"), seen)

    def add(self, path: tuple[str, ...], shape: str, containers: list[dict[str, Any]] | None = None) -> None:
        entry: dict[str, Any] = {"path": "".join("/" + _escape(t) for t in path), "shape": shape}
        role = derived_role(path)
        if role:
            entry["role"] = role
        if shape in ("template", "podspec", "container"):
            entry["partial"] = True  # no row knows this operator's defaults: absent pod fields are not judged
        if containers:
            default = [{"path": "/containers/*"}, {"path": "/initContainers/*", "kind": "init"}]
            entry["containers"] = default + containers
        self.pods.append(entry)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def derived_role(path: tuple[str, ...]) -> str | None:
    """How messages name a derived pod: the last one or two meaningful path tokens, with what each ``*`` matched
    (``roles[{0}]``, ``leaderWorkerTemplate workerTemplate``); None for the object's only pod (``/spec/template``)."""
    labels: list[str] = []
    wildcard = 0
    for token in path[1:] if path and path[0] == "spec" else path:
        if token == "*":
            if labels:
                labels[-1] += f"[{{{wildcard}}}]"
            else:
                labels.append(f"{{{wildcard}}}")
            wildcard += 1
        elif token not in _GENERIC:
            labels.append(token.replace("{", "{{").replace("}", "}}"))
    return " ".join(labels[-2:]) or None


def derive_pods(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod entries (table syntax, plus the ``search`` shape for opaque places) of one CRD version's schema."""
    walker = _Walker(schema)
    walker.walk(schema, (), frozenset())
    return walker.pods
