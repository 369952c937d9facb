"""Kubernetes objects found in parsed documents, and how pointers into them become line and column."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .credentials import redact
from .findings import ObjectRef
from .yamlfold import ParsedDocument, Positions, escape_pointer_token


@dataclass(slots=True)
class K8sObject:
    """One object: a whole document, or one item of a ``kind: List`` (then ``base`` is ``/items/N``)."""

    data: dict[str, Any]
    document: ParsedDocument
    base: str
    api_version: str
    kind: str
    ref: ObjectRef

    @property
    def group(self) -> str:
        """The API group (``""`` for the core group): ``apps/v1`` -> ``apps``."""
        return self.api_version.rpartition("/")[0] if "/" in self.api_version else ""

    @property
    def group_kind(self) -> str:
        """The key of the workload table and of ``applies_to.kinds``: ``apps/Deployment``, ``Pod``."""
        group = self.group
        return f"{group}/{self.kind}" if group else self.kind

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    def ptr(self, relative: str) -> str:
        """Absolute (document) pointer of a pointer relative to this object."""
        return self.base + relative

    def describe(self) -> str:
        return self.ref.describe()

    def locate(self, pointer: str, at: str = "key") -> tuple[int, int]:
        return locate(self.document.positions, pointer, at)


def locate(positions: Positions, pointer: str, at: str = "key") -> tuple[int, int]:
    """Line and column of ``pointer``; a missing field lands on its nearest existing parent's key.

    ``at="value"`` points at the value node instead of its key (an image string, a secret value).
    """
    position, exact = positions.nearest(pointer)
    if position is None:
        return 1, 1
    if at == "value" and exact:
        return position[2], position[3]
    return position[0], position[1]


def field_path(pointer: str) -> str:
    """A pointer as people write field paths: ``/spec/containers/0/resource`` -> ``spec.containers[0].resource``,
    ``/metadata/labels/app.kubernetes.io~1name`` -> ``metadata.labels["app.kubernetes.io/name"]``."""
    if not pointer:
        return "the object"
    out = []
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~") if "~" in raw else raw
        if token.isdigit():
            out.append(f"[{token}]")
        elif _PLAIN_KEY.fullmatch(token):
            out.append(f".{token}" if out else token)
        else:
            out.append(f'["{token}"]')
    return "".join(out)


_PLAIN_KEY = re.compile(r"[A-Za-z_$@][A-Za-z0-9_$@-]*")


def pointer_join(base: str, *tokens: str | int) -> str:
    parts = [base]
    for token in tokens:
        parts.append(str(token) if isinstance(token, int) else escape_pointer_token(token))
    return "/".join(parts)


def resolve_pointer(root: Any, pointer: str) -> Any:
    """The value at ``pointer`` (``None`` when any step is missing or of the wrong type)."""
    node = root
    if not pointer:
        return node
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~") if "~" in raw else raw
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def is_object_shaped(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and bool(data.get("apiVersion"))
            and isinstance(data.get("kind"), str) and bool(data.get("kind")))


@dataclass(slots=True)
class InvalidDocument:
    """A document that is not a Kubernetes object (becomes KML002 where the file is linted)."""

    document: ParsedDocument
    pointer: str
    reason: str


def objects_of(document: ParsedDocument) -> Iterator[K8sObject | InvalidDocument]:
    """Objects of a document: the document itself, or each item of a ``kind: List`` / ``*List``."""
    data = document.data
    if data is None:
        return  # an empty document
    if not isinstance(data, dict):
        shape = "a list" if isinstance(data, list) else f"a {type(data).__name__} scalar"
        yield InvalidDocument(document, "", f"document is {shape}, not a Kubernetes object (a mapping)")
        return
    if not is_object_shaped(data):
        missing = [field for field in ("apiVersion", "kind") if not isinstance(data.get(field), str)
                   or not data.get(field)]
        yield InvalidDocument(document, "", f"document has no {' or '.join(missing)}: not a Kubernetes object")
        return
    kind = data["kind"]
    if kind.endswith("List") and isinstance(data.get("items"), list):
        for index, item in enumerate(data["items"]):
            base = f"/items/{index}"
            if item is None:
                continue
            if is_object_shaped(item):
                yield _make(item, document, base, index)
            else:
                yield InvalidDocument(document, base, f"item {index} of the {kind} is not a Kubernetes object "
                                                      "(needs apiVersion and kind)")
        return
    yield _make(data, document, "", None)


def _make(data: dict[str, Any], document: ParsedDocument, base: str, item: int | None) -> K8sObject:
    meta = data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}

    def text(key: str) -> str | None:
        value = meta.get(key)
        # Names appear in messages, logical locations and baselines: never a credential in full.
        return redact(value) if isinstance(value, str) and value else None

    ref = ObjectRef(
        api_version=data["apiVersion"], kind=data["kind"], namespace=text("namespace"), name=text("name"),
        generate_name=text("generateName"), document=document.index, item=item,
    )
    return K8sObject(data, document, base, data["apiVersion"], data["kind"], ref)
