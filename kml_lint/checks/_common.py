"""Helpers shared by the ML rules' checks: accelerator counting, labels, literal values. No checks here."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .. import placeholders
from ..patterns import matches
from ..quantity import parse_quantity
from .images import parse_image

# JSON-schema pieces for rule parameters.
PATTERNS = {"type": "array", "items": {"type": "string"},
            "description": "names; `*` matches any text"}
KINDS = {"type": "array", "items": {"type": "string"}, "description": "group/Kind, core kinds bare"}

ACCELERATOR_PARAMS = {
    "accelerators": {**PATTERNS, "minItems": 1,
                     "description": "extended resources that are accelerators (`*` matches any text)"},
    "not_accelerators": {**PATTERNS, "description": "names matching `accelerators` that are not (monitoring)"},
}


@lru_cache(maxsize=64)
def compiled_regexes(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def is_accelerator(name: str, params: dict[str, Any]) -> bool:
    return matches(name, params.get("accelerators", ())) and not matches(name, params.get("not_accelerators", ()))


def container_accelerators(container: Any, params: dict[str, Any]) -> dict[str, Decimal]:
    """Accelerator counts of one container: limits first (what the scheduler counts), requests otherwise."""
    found: dict[str, Decimal] = {}
    for section in ("requests", "limits"):
        for name, value in container.mapping("resources", section).items():
            if isinstance(name, str) and is_accelerator(name, params):
                quantity = parse_quantity(value)
                if quantity is not None and quantity > 0:
                    found[name] = quantity
    return found


def pod_accelerators(view: Any, params: dict[str, Any]) -> Decimal:
    """Accelerators a pod holds while it runs: its long-running containers' counts, added up."""
    total = Decimal(0)
    for container in view.main_containers():
        total += sum(container_accelerators(container, params).values(), Decimal(0))
    return total


def mapping(node: Any, *path: str) -> dict[str, Any]:
    for step in path:
        node = node.get(step) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def labels(metadata: Any) -> dict[str, Any]:
    return mapping(metadata, "labels")


def command_line(container: Any) -> str:
    """The container's command and args as one string (for launcher detection, never shown)."""
    parts: list[str] = []
    for key in ("command", "args"):
        value = container.data.get(key)
        if isinstance(value, list):
            parts.extend(str(item) for item in value if isinstance(item, (str, int, float)))
        elif isinstance(value, str):
            parts.append(value)
    source = container.data.get("source")  # Argo script templates
    if isinstance(source, str):
        parts.append(source)
    return " ".join(parts)


def image_repository(container: Any) -> str:
    """The image's repository, lowercased (``docker.io/rayproject/ray:2.34.0`` -> ``docker.io/rayproject/ray``)."""
    image = container.data.get("image")
    return parse_image(image.strip()).name.lower() if isinstance(image, str) else ""


def is_templated(value: str) -> bool:
    """A value someone meant to fill (a placeholder of any syntax): its real value is unknown here."""
    return placeholders.unknown(value)


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
