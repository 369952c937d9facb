"""Turn Kubernetes' JSON schemas, CRDs and users' JSON schemas into kml-lint's compact schema dialect.

The dialect is the part of JSON Schema 2020-12 that Kubernetes and structural CRD schemas use, with four
conventions that make validation fast and its findings right:

- references are inlined; only recursive definitions (JSONSchemaProps) stay, as local ``$defs``;
- descriptions, defaults, examples and ``x-kubernetes-*`` annotations are dropped;
- ``null`` is accepted for every value (Kubernetes decodes it to the zero value, CRDs prune it), so types
  never list ``"null"``; a required field whose value is null still counts as missing;
- resource quantities are marked ``{"x-kml-quantity": true}`` (checked by KML005 with Kubernetes' own
  grammar), int-or-string is ``{"type": ["integer", "string"]}``, and only ``format: byte`` is kept.

CRD schemas keep their looseness: an object with ``properties`` is closed (unknown fields are reported)
unless it carries ``x-kubernetes-preserve-unknown-fields``; a bare ``type: object`` accepts anything.
CEL rules (``x-kubernetes-validations``) are dropped: they cannot be evaluated here.

Used both by ``schemas/generate.py`` (which writes the shipped bundles) and at run time for the CRD YAML
and JSON schema files of ``--schema-dir``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..objects import resolve_pointer
from .patterns import compile_pattern

DIALECT = "kml-lint/1"
"""Value of the ``x-kml-dialect`` key of a schema already in this dialect (the shipped files)."""

QUANTITY = {"x-kml-quantity": True}
INT_OR_STRING = {"type": ["integer", "string"]}

_QUANTITY_DEF = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_INT_OR_STRING_DEF = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY_PATTERN_HINT = "[KMGTPE]i"  # the quantity regex every controller-gen CRD carries

_TYPES = ("object", "array", "string", "integer", "number", "boolean")
_COPIED = ("required", "enum", "const", "minLength", "maxLength", "minimum", "maximum", "multipleOf", "minItems",
           "maxItems", "uniqueItems", "minProperties", "maxProperties")

Resolver = Callable[[str, "str | None"], "tuple[str, Any] | None"]
"""``resolve(ref, key of the definition being converted or None)`` -> ``(key, target)``."""


class Normalizer:
    """One schema's conversion: inlines references (``resolve``), records the recursive ones in ``defs``."""

    def __init__(self, resolve: Resolver | None = None, crd: bool = False) -> None:
        self.resolve = resolve
        self.crd = crd
        self.defs: dict[str, Any] = {}
        self.problems: list[str] = []
        self._stack: list[str] = []
        self._recursive: set[str] = set()
        self._done: dict[str, Any] = {}
        self._names: dict[str, str] = {}

    def finish(self, root: Any) -> dict[str, Any]:
        """The converted root (a mapping), with ``$defs`` for recursive and repeated definitions."""
        out = dict(root) if isinstance(root, dict) else ({} if root is not False else {"not": {}})
        out = share_repeated(out, self.defs)
        out["x-kml-dialect"] = DIALECT
        return out

    # -- references ---------------------------------------------------------------------------------

    def _short(self, key: str) -> str:
        name = self._names.get(key)
        if name is None:
            base = re.split(r"[./#]", key)[-1] or "def"
            name = base
            number = 2
            while name in self._names.values():
                name = f"{base}{number}"
                number += 1
            self._names[key] = name
        return name

    def ref(self, ref: str) -> Any:
        if ref.endswith(_QUANTITY_DEF):
            return dict(QUANTITY)
        if ref.endswith(_INT_OR_STRING_DEF):
            return dict(INT_OR_STRING)
        found = self.resolve(ref, self._stack[-1] if self._stack else None) if self.resolve else None
        if found is None:
            self.problems.append(f"unresolved reference {ref} (accepted as anything)")
            return {}
        key, target = found
        if key in self._stack:
            self._recursive.add(key)
            return {"$ref": f"#/$defs/{self._short(key)}"}
        if key in self._done:
            return self._done[key]
        self._stack.append(key)
        try:
            converted = self.node(target, branch=False)
        finally:
            self._stack.pop()
        if key in self._recursive:
            self.defs[self._short(key)] = converted
            converted = {"$ref": f"#/$defs/{self._short(key)}"}
        self._done[key] = converted
        return converted

    # -- nodes --------------------------------------------------------------------------------------

    def node(self, node: Any, branch: bool = False) -> Any:
        """Convert one schema node. ``branch``: inside anyOf/oneOf/allOf/not (CRD objects stay open there)."""
        if node is False:
            return False
        if not isinstance(node, dict):
            return {}
        if "$ref" in node and isinstance(node["$ref"], str):
            target = self.ref(node["$ref"])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            extra = self.node(rest, branch) if rest else {}
            if extra and target:
                return {"allOf": [target, extra]}
            return target or extra
        if _is_quantity(node):
            return dict(QUANTITY)
        preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
        out: dict[str, Any] = {}
        types = _types(node.get("type"))
        if node.get("x-kubernetes-int-or-string") is True:
            types = ["integer", "string"]
        if types:
            out["type"] = types[0] if len(types) == 1 else types
        properties = node.get("properties")
        if isinstance(properties, dict):
            out["properties"] = {str(k): self.node(v) for k, v in properties.items()}
            if node.get("x-kubernetes-embedded-resource") is True:
                for name in ("apiVersion", "kind"):
                    out["properties"].setdefault(name, {"type": "string"})
                out["properties"].setdefault("metadata", {"type": "object"})
        additional = node.get("additionalProperties")
        if additional is False:
            if not preserve:
                out["additionalProperties"] = False
        elif isinstance(additional, dict):
            converted = self.node(additional)
            if converted or converted is False:
                out["additionalProperties"] = converted
        elif (self.crd and not branch and not preserve and additional is None and isinstance(properties, dict)
              and properties):
            out["additionalProperties"] = False  # a structural schema prunes (drops) unknown fields
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict):
            kept = {}
            for key, value in patterns.items():
                if _compiles(key):
                    kept[key] = self.node(value)
                else:  # accepts anything (noted when the schema folder is read): no key is unknown any more
                    if out.get("additionalProperties") is False:
                        del out["additionalProperties"]
            if kept:
                out["patternProperties"] = kept
        items = node.get("items")
        if isinstance(items, dict):
            converted = self.node(items)
            if converted or converted is False:
                out["items"] = converted
        for key in _COPIED:
            if key in node:
                out[key] = node[key]
        if isinstance(out.get("required"), list):
            # The API server applies a property's default before it validates: such a field is never missing.
            declared = properties if isinstance(properties, dict) else {}
            defaulted = {k for k, v in declared.items() if isinstance(v, dict) and "default" in v}
            out["required"] = [r for r in out["required"] if isinstance(r, str) and r not in defaulted]
            if not out["required"]:
                del out["required"]
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            value = node.get(bound)
            if value is True and isinstance(node.get(limit), int | float):  # OpenAPI 3.0 / draft 4 form
                out[bound] = out.pop(limit)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out[bound] = value
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            if _compiles(pattern):  # else accepts anything (noted when the schema folder is read)
                out["pattern"] = pattern
        if node.get("format") == "byte":
            out["format"] = "byte"
        for key in ("allOf", "anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list) and branches:
                converted_branches = [self.node(b, branch=True) for b in branches]
                merged = _merge_type_branches(converted_branches)
                if merged is not None and key != "allOf":
                    if "type" not in out:
                        out["type"] = merged if len(merged) > 1 else merged[0]
                    continue
                if node.get("x-kubernetes-int-or-string") is True and _only_types(converted_branches):
                    continue
                out[key] = converted_branches
        if isinstance(node.get("not"), dict):
            out["not"] = self.node(node["not"], branch=True)
        return out


SHARE_MIN_SIZE = 400
"""A subtree this long (in compact JSON) that occurs twice or more becomes one shared local definition."""


def share_repeated(root: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Move repeated subtrees (a CRD's PodSpec in every replica spec, Container in containers and
    initContainers) into ``$defs``: a smaller file to load, and each compiled once instead of per copy."""
    texts: dict[int, str] = {}
    counts: dict[str, int] = {}

    def measure(node: Any) -> str:
        if isinstance(node, dict):
            text = "{" + ",".join(f"{json.dumps(k)}:{measure(v)}" for k, v in sorted(node.items())) + "}"
            texts[id(node)] = text
            counts[text] = counts.get(text, 0) + 1
            return text
        if isinstance(node, list):
            return "[" + ",".join(measure(v) for v in node) + "]"
        return json.dumps(node, sort_keys=True)

    for body in [root, *defs.values()]:
        measure(body)
    names: dict[str, str] = {}
    shared = dict(defs)

    def rewrite(node: Any, top: bool = False) -> Any:
        """``node`` (a schema) with its repeated sub-schemas replaced by references."""
        if not isinstance(node, dict):
            return node
        text = texts.get(id(node))
        if not top and text is not None and counts.get(text, 0) >= 2 and len(text) >= SHARE_MIN_SIZE:
            name = names.get(text)
            if name is None:
                name = names[text] = f"shared{len(names) + 1}"
                shared[name] = None  # reserve the name: the body may hold shared parts too
                shared[name] = rewrite(node, top=True)
            return {"$ref": f"#/$defs/{name}"}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("properties", "patternProperties") and isinstance(value, dict):
                out[key] = {name: rewrite(sub) for name, sub in value.items()}
            elif key in ("items", "additionalProperties", "not"):
                out[key] = rewrite(value)
            elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
                out[key] = [rewrite(sub) for sub in value]
            else:
                out[key] = value
        return out

    out = rewrite(root, top=True)
    for name in list(defs):
        shared[name] = rewrite(defs[name], top=True)
    if shared:
        out["$defs"] = shared
    return out


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [t for t in value if t in _TYPES]


def _only_types(branches: list[Any]) -> bool:
    return all(isinstance(b, dict) and set(b) <= {"type"} for b in branches)


def _merge_type_branches(branches: list[Any]) -> list[str] | None:
    """``oneOf: [{type: string}, {type: integer}]`` -> ``[string, integer]`` (None when not that shape)."""
    if not _only_types(branches) or not all("type" in b for b in branches):
        return None
    merged: list[str] = []
    for branch in branches:
        for t in _types(branch["type"]):
            if t not in merged:
                merged.append(t)
    return merged or None


def _is_quantity(node: dict[str, Any]) -> bool:
    """A resource quantity: a CRD's int-or-string with the quantity pattern, or kubeconform's string|number."""
    if node.get("x-kubernetes-int-or-string") is True:
        pattern = node.get("pattern")
        if isinstance(pattern, str) and _QUANTITY_PATTERN_HINT in pattern:
            return True
        for branch in node.get("anyOf") or ():
            if isinstance(branch, dict) and _QUANTITY_PATTERN_HINT in str(branch.get("pattern", "")):
                return True
    one_of = node.get("oneOf")
    if isinstance(one_of, list) and len(one_of) == 2 and set(node) <= {"oneOf", "description"}:
        kinds = [set(_types(b.get("type"))) if isinstance(b, dict) else set() for b in one_of]
        return sorted(map(sorted, kinds)) == [["number"], ["string"]]
    return False


def _compiles(pattern: Any) -> bool:
    return isinstance(pattern, str) and compile_pattern(pattern) is not None


# ---------------------------------------------------------------------------------------------
# Kubernetes (kubernetes-validate's JSON schemas: one file per kind plus _definitions.json)


def builtin_schema(kind_schema: dict[str, Any], definitions: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A kind's schema with every ``$ref`` into ``definitions`` inlined."""

    def resolve(ref: str, current: str | None) -> tuple[str, Any] | None:
        name = ref.rpartition("/")[2]
        target = definitions.get(name)
        return (name, target) if target is not None else None

    normalizer = Normalizer(resolve)
    root = normalizer.node(kind_schema)
    return normalizer.finish(root), normalizer.problems


# ---------------------------------------------------------------------------------------------
# CustomResourceDefinitions


def crd_schemas(crd: Any, object_meta: dict[str, Any] | None) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """``(group, version, kind, schema)`` for every served version of a CRD object (v1 and v1beta1 CRDs).

    The root ``metadata`` is validated as Kubernetes' ObjectMeta (``object_meta``), as the API server does;
    a version the CRD marks deprecated carries ``x-kml-deprecated`` (its warning and the version to use).
    """
    if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
        return
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return
    group = spec.get("group")
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    kind = names.get("kind")
    if not isinstance(group, str) or not isinstance(kind, str):
        return
    validation = spec.get("validation")
    shared = validation.get("openAPIV3Schema") if isinstance(validation, dict) else None
    versions = spec.get("versions")
    entries: list[dict[str, Any]] = []
    if isinstance(versions, list):
        entries = [v for v in versions if isinstance(v, dict) and isinstance(v.get("name"), str)
                   and v.get("served") is not False]
    elif isinstance(spec.get("version"), str):
        entries = [{"name": spec["version"]}]
    current = [v["name"] for v in entries if not v.get("deprecated")]
    stored = [v["name"] for v in entries if v.get("storage") and not v.get("deprecated")]
    replacement = (stored or current or [None])[0]
    for entry in entries:
        holder = entry.get("schema")
        schema = holder.get("openAPIV3Schema") if isinstance(holder, dict) else None
        converted = crd_version_schema(schema if schema is not None else shared, object_meta, group,
                                       entry["name"], kind)
        if entry.get("deprecated") is True:
            warning = entry.get("deprecationWarning")
            converted["x-kml-deprecated"] = {
                "warning": warning if isinstance(warning, str) else None,
                "use": f"{group}/{replacement}" if replacement else None,
            }
        yield group, entry["name"], kind, converted


def crd_version_schema(schema: Any, object_meta: dict[str, Any] | None, group: str, version: str,
                       kind: str) -> dict[str, Any]:
    normalizer = Normalizer(crd=True)
    root = normalizer.node(schema if isinstance(schema, dict) else {"type": "object",
                                                                       "x-kubernetes-preserve-unknown-fields": True})
    if not isinstance(root, dict):
        root = {}
    root["type"] = "object"
    properties = root.setdefault("properties", {})
    properties["apiVersion"] = {"type": "string", "enum": [f"{group}/{version}"]}
    properties["kind"] = {"type": "string", "enum": [kind]}
    if object_meta is not None:
        properties["metadata"] = object_meta
    return normalizer.finish(root)


# ---------------------------------------------------------------------------------------------
# Users' JSON schemas (kubeconform's layouts), with references into the same folder


def user_json_schema(path: Path, data: Any) -> tuple[dict[str, Any], list[str]]:
    """A user's JSON schema in the dialect: local and relative-file references inlined, as written otherwise.

    Already converted files (``x-kml-dialect``) are returned as they are.
    """
    if isinstance(data, dict) and data.get("x-kml-dialect") == DIALECT:
        return data, []
    documents: dict[Path, Any] = {path.resolve(): data}

    def load(file: Path) -> Any:
        file = file.resolve()
        if file not in documents:
            try:
                documents[file] = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                documents[file] = None
        return documents[file]

    def resolve(ref: str, current_key: str | None) -> tuple[str, Any] | None:
        current = Path(current_key.partition("#")[0]) if current_key else path
        target, _, fragment = ref.partition("#")
        if target.startswith(("http://", "https://")):
            target = target.rstrip("/").rpartition("/")[2]  # a URL: try the file of that name beside
        file = (current.parent / target) if target else current
        node = resolve_pointer(load(file), fragment)
        if node is None:
            return None
        return f"{file.resolve()}#{fragment}", node

    normalizer = Normalizer(resolve)
    root = normalizer.node(data)
    return normalizer.finish(root), normalizer.problems
