"""Shape search: pod-shaped and container-shaped values in data no row or schema describes.

Used for objects of kinds with neither a table row nor a schema (policy kinds excepted: they hold patterns of
pods, not pods) and inside the opaque parts of CRD schemas (``search`` locations). A value is

- a **template** when it is a mapping whose ``spec`` is a pod spec;
- a **podspec** when it is a mapping with a ``containers`` list holding at least one container-shaped item;
- a **container** when it is a mapping with a string ``image`` and one of ``name``, ``command``, ``args``,
  ``env``, ``resources``, ``ports``, ``volumeMounts``.

The search does not go below what it found, nor into the object's ``metadata`` and ``status``, nor into strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..yamlfold import escape_pointer_token
from .derive import CONTAINER_KEYS, derived_role

MAX_DEPTH = 30


def container_shaped(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("image"), str) and any(k in node for k in CONTAINER_KEYS)


def podspec_shaped(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    containers = node.get("containers")
    return isinstance(containers, list) and any(container_shaped(item) for item in containers)


def search(node: Any, pointer: str, tokens: tuple[str, ...], root: bool) -> Iterator[tuple[Any, str, str, str | None]]:
    """(node, absolute pointer, shape, role) of every pod found below ``node`` (at ``pointer``; ``tokens`` are the
    path's labels from the object's root, list items named by their ``name``). ``root``: ``node`` is the object."""
    stack: list[tuple[Any, str, tuple[str, ...], int]] = [(node, pointer, tokens, 0)]
    while stack:
        current, where, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(current, dict):
            if not (root and depth == 0):
                spec = current.get("spec")
                if podspec_shaped(spec):
                    yield current, where, "template", _role(path)
                    continue
                if podspec_shaped(current):
                    yield current, where, "podspec", _role(path)
                    continue
                if container_shaped(current):
                    yield current, where, "container", _role(path)
                    continue
            children = [(key, value) for key, value in current.items() if isinstance(value, (dict, list))
                        and not (root and depth == 0 and key in ("metadata", "status"))]
            for key, value in reversed(children):
                stack.append((value, f"{where}/{escape_pointer_token(str(key))}", (*path, str(key)), depth + 1))
        elif isinstance(current, list):
            for index in range(len(current) - 1, -1, -1):
                value = current[index]
                if isinstance(value, (dict, list)):
                    name = value.get("name") if isinstance(value, dict) else None
                    label = f"[{name}]" if isinstance(name, str) and name else f"[{index}]"
                    stack.append((value, f"{where}/{index}", (*path, label), depth + 1))


def _role(path: tuple[str, ...]) -> str | None:
    """Derived roles name list items by what they hold: ``steps[build]``, ``tasks[train] container``."""
    joined: list[str] = []
    for token in path:
        if token.startswith("[") and joined:
            joined[-1] += token
        else:
            joined.append(token)
    role = derived_role(tuple(joined))  # escapes braces for a role template: undo it, there is nothing to fill
    return role.replace("{{", "{").replace("}}", "}") if role else None
