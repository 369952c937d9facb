"""Registry of check functions: the logic that rule files name in ``check.python``.

A rule file can only name a function registered here, never an import path, so a user's rule folder
cannot run code. A check yields ``Hit``s (where and what); the engine stamps rule id, name and
severity, and prefixes the message with the object, role and container it is about.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

TARGETS = ("object", "pod", "container")

# Modules holding check functions, imported on first use. Listed here, once, so that the set of
# checks does not depend on which modules happen to be imported elsewhere.
_MODULES = ("resources", "accelerators", "images", "secrets", "lifecycle",
            "devices", "scheduling", "ml_secrets", "ml_lifecycle", "operators", "serving")


class Hit(NamedTuple):
    pointer: str  # absolute JSON pointer into the document
    message: str
    at: str = "key"  # "key": the field's key (or nearest existing parent); "value": the value node


@dataclass(slots=True)
class RunContext:
    """Run-wide facts a check may consult (the platform the cluster runs on, ...)."""

    platform: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckSpec:
    name: str
    target: str
    function: Callable[..., Iterable[Hit]]
    params_schema: dict[str, Any]


_REGISTRY: dict[str, CheckSpec] = {}
_loaded = False


def check(name: str, *, target: str, params: dict[str, Any] | None = None) -> Callable[[Callable[..., Any]],
                                                                                       Callable[..., Any]]:
    """Register a check function under ``name``; ``params`` is the JSON schema of its parameters."""
    if target not in TARGETS:
        raise ValueError(f"check {name}: unknown target {target!r}")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY:
            raise ValueError(f"check {name} registered twice")
        schema = {"type": "object", "additionalProperties": False, "properties": {}, **(params or {})}
        _REGISTRY[name] = CheckSpec(name, target, function, schema)
        return function

    return register


def registry() -> dict[str, CheckSpec]:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(f"{__name__}.{module}")
        _loaded = True
    return _REGISTRY


def get_check(name: str) -> CheckSpec | None:
    return registry().get(name)
