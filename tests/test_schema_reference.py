"""The compiled schema validator agrees with the reference implementation, jsonschema.

kml-lint validates objects with validators compiled from its schema bundles (fast enough for a pre-commit
hook, and located, plain-words messages). jsonschema is the reference: on every schema-backed object of the
real corpus, both must reach the same verdict, and every field jsonschema rejects must be a field the
compiled validator reports. The dialect's own conventions are applied to the instance first: ``null`` is
accepted everywhere (Kubernetes decodes it to the zero value) and quantities are KML005's (their grammar is
checked by the compiled validator, not by a pattern).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import CORPUS, requires_corpus

from kml_lint.discovery import discover
from kml_lint.objects import K8sObject, objects_of
from kml_lint.source import SourceText, read_path
from kml_lint.validation.store import SchemaStore
from kml_lint.yamlfold import parse_yaml


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value if item is not None]
    return value


_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")


def _reference_schema(schema: Any) -> Any:
    """The schema as plain JSON Schema: the quantity marker accepts numbers and strings (grammar: KML005)."""
    if not isinstance(schema, dict):
        return schema
    if schema.get("x-kml-quantity"):
        return {"type": ["integer", "number", "string"]}
    out = {}
    for key, item in schema.items():
        if key in _MAPS and isinstance(item, dict):
            out[key] = {name: _reference_schema(sub) for name, sub in item.items()}
        elif key in _ONE:
            out[key] = _reference_schema(item)
        elif key in _MANY and isinstance(item, list):
            out[key] = [_reference_schema(sub) for sub in item]
        else:
            out[key] = item
    return out


def _format_checker() -> Any:
    import base64
    import binascii

    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())

    @checker.checks("byte", raises=(binascii.Error, ValueError))
    def is_byte(value: object) -> bool:
        # Go's base64 decoder (what the API server uses) skips line breaks: so does the reference.
        if isinstance(value, str):
            base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
        return True

    return checker


def _objects() -> list[K8sObject]:
    found = []
    for target in discover([str(CORPUS)]).targets:
        source = read_path(target.path)
        if not isinstance(source, SourceText):
            continue
        for document in parse_yaml(source.text).documents:
            found.extend(o for o in objects_of(document) if isinstance(o, K8sObject))
    return found


@requires_corpus()
@pytest.mark.slow
def test_compiled_validators_agree_with_jsonschema_on_the_corpus() -> None:
    from jsonschema import Draft202012Validator

    store = SchemaStore()
    validators: dict[int, Any] = {}
    compared = disagreements = 0
    report = []
    for obj in _objects():
        entry = store.lookup(obj.group, obj.api_version.rpartition("/")[2], obj.kind)
        if entry is None:
            continue
        data = _without_nulls(obj.data)
        problems = [p for p in entry.compiled.validate(data) if p.rule in ("KML003", "KML004")]
        key = id(entry)
        if key not in validators:
            validators[key] = Draft202012Validator(_reference_schema(entry.compiled.schema),
                                                   format_checker=_format_checker())
        errors = list(validators[key].iter_errors(data))
        compared += 1
        if bool(problems) != bool(errors):
            disagreements += 1
            report.append(f"{obj.describe()}: compiled {[p.pointer for p in problems][:3]}, "
                          f"jsonschema {[e.json_path for e in errors][:3]}")
    assert compared > 3000, compared
    assert not report, f"{disagreements} of {compared} objects differ:\n" + "\n".join(report[:10])
