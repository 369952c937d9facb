"""Which Kustomize patch wrote a field of a built object.

Kustomize records which patch transformer ran on an object, never which patch file or field. When a finding is
about a field a patch sets, the line to fix is in the patch, not in the base: this index reads the patches of
every kustomization a build used and answers, for a rendered object and a key path, the patch line that writes
that exact path (strategic-merge patches matched through list items' ``name``, the merge key of containers,
env, volumes and ports; JSON 6902 patches through their operations' ``path``). Later patches win, as in
Kustomize.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..discovery import KUSTOMIZATION_NAMES
from ..objects import resolve_pointer
from ..yamlfold import ParsedDocument, escape_pointer_token, parse_yaml

_MAX_PATCH_BYTES = 4 * 1024 * 1024


@dataclass(slots=True)
class _Patch:
    path: str  # the patch file
    document: ParsedDocument  # a strategic-merge document, or the JSON 6902 operation list
    json6902: bool
    kind: str | None  # the target: from the patch itself or the kustomization's `target`
    name: str | None


def kustomization_file(folder: str) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def read_yaml(path: str) -> list[ParsedDocument]:
    try:
        if os.path.getsize(path) > _MAX_PATCH_BYTES:
            return []
        with open(path, encoding="utf-8") as handle:
            return parse_yaml(handle.read()).documents
    except (OSError, UnicodeDecodeError):
        return []


class PatchIndex:
    """The patches of a kustomization and of every kustomization it builds on, in the order Kustomize applies
    them (bases first)."""

    def __init__(self, folder: str) -> None:
        self.patches: list[_Patch] = []
        self._visit(os.path.abspath(folder), set())

    def __bool__(self) -> bool:
        return bool(self.patches)

    def _visit(self, folder: str, seen: set[str]) -> None:
        if folder in seen:
            return
        seen.add(folder)
        file = kustomization_file(folder)
        if file is None:
            return
        documents = read_yaml(file)
        data = documents[0].data if documents and isinstance(documents[0].data, dict) else {}
        for key in ("resources", "bases", "components"):
            entries = data.get(key)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, str) and "://" not in entry:
                    child = os.path.normpath(os.path.join(folder, entry))
                    if os.path.isdir(child):
                        self._visit(child, seen)
        for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
            entries = data.get(key)
            for entry in entries if isinstance(entries, list) else []:
                self._add(folder, entry, json6902=key == "patchesJson6902")

    def _add(self, folder: str, entry: Any, json6902: bool) -> None:
        relative = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(relative, str) or "\n" in relative:
            return  # inline patches live in the kustomization itself: not attributed
        path = os.path.normpath(os.path.join(folder, relative))
        target = entry.get("target") if isinstance(entry, dict) and isinstance(entry.get("target"), dict) else {}
        for doc in read_yaml(path):
            if isinstance(doc.data, list):
                self.patches.append(_Patch(path, doc, True, _str(target.get("kind")), _str(target.get("name"))))
            elif isinstance(doc.data, dict) and not json6902:
                meta = doc.data.get("metadata") if isinstance(doc.data.get("metadata"), dict) else {}
                kind = _str(target.get("kind")) or _str(doc.data.get("kind"))
                name = _str(target.get("name")) or _str(meta.get("name"))
                self.patches.append(_Patch(path, doc, False, kind, name))

    def find(self, data: dict[str, Any], pointer: str) -> tuple[str, int, int] | None:
        """The (patch file, line, column) that writes ``pointer`` of the built object ``data``, if a patch does."""
        if not pointer or not self.patches:
            return None
        kind = data.get("kind")
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        name = meta.get("name") if isinstance(meta.get("name"), str) else ""
        for patch in reversed(self.patches):
            if patch.kind is not None and patch.kind != kind:
                continue
            if patch.name is not None and patch.name not in name:
                continue
            spot = _json6902(patch, data, pointer) if patch.json6902 else _strategic(patch, data, pointer)
            if spot is not None:
                return patch.path, spot[0], spot[1]
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strategic(patch: _Patch, built: Any, pointer: str) -> tuple[int, int] | None:
    """Follow ``pointer`` of the built object through the patch document; list items are matched by name."""
    node: Any = patch.document.data
    mapped = ""
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(built, list) and token.isdigit():
            index = int(token)
            item = built[index] if index < len(built) else None
            built = item
            if not isinstance(node, list):
                return None
            key = item.get("name") if isinstance(item, dict) else None
            matches = [i for i, candidate in enumerate(node)
                       if isinstance(candidate, dict) and key is not None and candidate.get("name") == key]
            if not matches:
                return None
            node = node[matches[0]]
            mapped += f"/{matches[0]}"
            continue
        if not isinstance(node, dict) or token not in node:
            return None
        node = node[token]
        built = built.get(token) if isinstance(built, dict) else None
        mapped += "/" + escape_pointer_token(token)
    if not _wrote(node, built):
        return None
    position = patch.document.positions.get(mapped)
    return (position[0], position[1]) if position is not None else None


def _wrote(patched: Any, built: Any) -> bool:
    """Whether the patch decided the field: it sets a value, or the whole structure the object ends with (a
    patch that names a container to change its image did not write the container's other fields)."""
    return not isinstance(patched, (dict, list)) or patched == built


def _json6902(patch: _Patch, built: dict[str, Any], pointer: str) -> tuple[int, int] | None:
    """An ``add``/``replace`` operation whose path is the field or one of its parents."""
    operations = patch.document.data
    for index in range(len(operations) - 1, -1, -1):
        operation = operations[index]
        if not isinstance(operation, dict) or operation.get("op") not in ("add", "replace", "copy", "move"):
            continue
        path = operation.get("path")
        if not isinstance(path, str) or not (pointer == path or pointer.startswith(path.rstrip("/") + "/")):
            continue
        rest = pointer[len(path.rstrip("/")):]
        written = resolve_pointer(operation["value"], rest) if "value" in operation else None
        if "value" in operation and not _wrote(written, resolve_pointer(built, pointer)):
            continue
        value_pointer = f"/{index}/value{rest}" if "value" in operation else f"/{index}/path"
        position = patch.document.positions.get(value_pointer) or patch.document.positions.get(f"/{index}")
        if position is not None:
            return position[0], position[1]
    return None
