"""Rules whose check is a JSON-Schema condition on an object, a pod spec or a container."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .checks import CheckSpec, Hit
from .yamlfold import escape_pointer_token


def schema_condition(rule_id: str, target: str, schema: dict[str, Any], message: str) -> CheckSpec:
    """A check that fires, once per subject, where the subject does not match ``schema``.

    The finding points at the deepest offending field the validator names.
    """
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)

    def located(base: str, data: Any) -> Iterator[Hit]:
        error = next(iter(sorted(validator.iter_errors(data), key=lambda e: -len(e.absolute_path))), None)
        if error is not None:
            tokens = [str(p) if isinstance(p, int) else escape_pointer_token(str(p)) for p in error.absolute_path]
            yield Hit("/".join([base, *tokens]), message)

    if target == "object":
        def function(ctx: Any, obj: Any, params: dict[str, Any]) -> Iterator[Hit]:
            yield from located(obj.base, obj.data)
    elif target == "pod":
        def function(ctx: Any, view: Any, params: dict[str, Any]) -> Iterator[Hit]:  # type: ignore[misc]
            yield from located(view.spec_pointer, view.spec)
    else:
        def function(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:  # type: ignore[misc]
            yield from located(container.pointer, container.data)

    return CheckSpec(f"schema:{rule_id}", target, function, {"type": "object"})
