"""Unrendered placeholders (KML009): one finding at the value, with what the field does with the text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import placeholders
from ..objects import K8sObject
from ..yamlfold import escape_pointer_token
from . import Hit, check

_PARAMS = {
    "properties": {
        "substitution": {"type": "array", "items": {"enum": sorted(placeholders.SUBSTITUTIONS)},
                         "description": "tools that fill placeholders before the manifests are applied (the "
                                        "top-level `substitution` setting): their syntax is not reported"},
    },
}


def _hit(pointer: str, where: str, field: str, value: str, found: placeholders.Placeholder) -> Hit:
    shown = found.text if len(found.text) <= 40 else found.text[:37] + "..."
    short = f"{where} is the unfilled placeholder {shown}"
    return Hit(pointer, f"{short}: {placeholders.consequence(field, value, found)}; fill it in, or render the "
                        "manifest with the tool that fills it before linting (or declare that tool in the "
                        "`substitution` setting)", at="value", short=short)


def _metadata(base: str, metadata: Any, scan: Any) -> Iterator[Hit]:
    if not isinstance(metadata, dict):
        return
    for key in ("name", "namespace", "generateName"):
        found = scan(metadata.get(key), placeholders.NAME)
        if found:
            yield _hit(f"{base}/metadata/{key}", f"metadata.{key}", placeholders.NAME, metadata[key], found)
    labels = metadata.get("labels")
    for key, value in (labels.items() if isinstance(labels, dict) else ()):
        found = scan(value, placeholders.LABEL)
        if found:
            yield _hit(f"{base}/metadata/labels/{escape_pointer_token(str(key))}", f"label {key}",
                       placeholders.LABEL, value, found)


@check("templating.unrendered_placeholder", target="object", params=_PARAMS)
def unrendered_placeholder(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    operator = placeholders.operator_syntax(obj.data.get("apiVersion"))
    substituted = frozenset().union(*(placeholders.SUBSTITUTIONS[name] for name in params.get("substitution", [])
                                      if name in placeholders.SUBSTITUTIONS))

    def scan(value: Any, field: str) -> placeholders.Placeholder | None:
        return placeholders.find(value, field, operator, substituted)

    yield from _metadata(obj.base, obj.metadata, scan)
    for view in ctx.views(obj):
        if view.pointer != obj.base:
            yield from _metadata(view.pointer, view.metadata, scan)
        for container in view.containers:
            image = container.data.get("image")
            found = scan(image, placeholders.IMAGE)
            if found:
                yield _hit(container.ptr("image"), "image", placeholders.IMAGE, image, found)
            for section in ("command", "args"):
                items = container.data.get(section)
                for index, item in enumerate(items if isinstance(items, list) else []):
                    found = scan(item, placeholders.COMMAND)
                    if found:
                        yield _hit(container.ptr(section, index), f"{section}[{index}]", placeholders.COMMAND,
                                   item, found)
            env = container.data.get("env")
            for index, entry in enumerate(env if isinstance(env, list) else []):
                if isinstance(entry, dict):
                    name = entry.get("name")
                    found = placeholders.find(entry.get("value"), placeholders.ENV, operator, substituted,
                                              own_name=name if isinstance(name, str) else None)
                    if found:
                        yield _hit(container.ptr("env", index, "value"), f"env {entry.get('name')}",
                                   placeholders.ENV, entry["value"], found)
            mounts = container.data.get("volumeMounts")
            for index, mount in enumerate(mounts if isinstance(mounts, list) else []):
                if isinstance(mount, dict):
                    for key, kind in (("subPath", placeholders.OTHER), ("subPathExpr", placeholders.SUBPATH_EXPR)):
                        found = scan(mount.get(key), kind)
                        if found:
                            yield _hit(container.ptr("volumeMounts", index, key), f"volumeMounts[{index}].{key}",
                                       kind, mount[key], found)
