"""Credentials written as plain fields of ML custom resources (configuration maps, parameters, embedded YAML)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ..credentials import PREFILTER, find_credentials, is_placeholder, mask
from ..objects import K8sObject, pointer_join, resolve_pointer
from ..yamlfold import parse_yaml
from . import Hit, check
from ._common import KINDS, PATTERNS, is_templated, matches

_FIELD = {
    "type": "object", "additionalProperties": False, "required": ["kinds", "path", "format"],
    "properties": {
        "kinds": KINDS,
        "path": {"type": "string", "description": "pointer (relative to the object) of the field to read"},
        "format": {"enum": ["properties", "parameters", "yaml"],
                   "description": "properties: a map of key -> value; parameters: a list of {name, value}; "
                                  "yaml: a string holding YAML or JSON, every key -> value pair in it"},
        "what": {"type": "string", "description": "how messages name the field's content"},
    },
}

_PARAMS = {
    "properties": {
        "fields": {"type": "array", "items": _FIELD, "minItems": 1},
        "suffixes": {**PATTERNS, "minItems": 1,
                     "description": "final words of a key that make it a credential (words split on . _ - and "
                                    "camelCase; `_ID` may follow a KEY)"},
        "anywhere": {**PATTERNS, "description": "word sequences that make a key a credential wherever they occur "
                                                "(Azure's fs.azure.account.key.<account>...)"},
        "not_credentials": {**PATTERNS, "description": "words that make a key a setting about credentials "
                                                       "(a provider class, a file, a reference)"},
    },
    "required": ["fields", "suffixes"],
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[._\-/\s]+")
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off"})


def _words(key: str) -> list[str]:
    return [w for w in _SPLIT.split(_CAMEL.sub("_", key).upper()) if w]


def _phrases(items: list[str]) -> list[tuple[str, ...]]:
    return [tuple(_words(item)) for item in items]


def credential_key(key: str, suffixes: list[tuple[str, ...]], anywhere: list[tuple[str, ...]],
                   excluded: set[str]) -> bool:
    words = _words(key)
    if not words or excluded.intersection(words):
        return False
    if len(words) > 1 and words[-1] == "ID" and words[-2].endswith("KEY"):
        words = words[:-1]  # ACCESS_KEY_ID
    for phrase in suffixes:
        if len(words) >= len(phrase) and tuple(words[-len(phrase):]) == phrase:
            return True
    for phrase in anywhere:
        size = len(phrase)
        if any(tuple(words[i:i + size]) == phrase for i in range(len(words) - size + 1)):
            return True
    return False


def literal(value: Any, formats_reported: bool = False) -> str | None:
    """The value as text when it is a literal secret candidate; ``None`` for references and placeholders."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = str(value).strip()
    if not text or is_placeholder(text) or is_templated(text) or text.lower() in _BOOLEAN:
        return None
    if text.startswith(("/", "./", "~/", "file:", "secret:", "vault:")):
        return None  # a path or a reference to a secret store
    if formats_reported and PREFILTER.search(text) and find_credentials(text):
        return None  # a known format (hf_..., AKIA...): KML402 reports it; one leak, one finding
    return text


def _pairs(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every key -> scalar pair in parsed YAML, with a dotted path for messages."""
    stack = [(node, prefix)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                path = f"{where}.{key}" if where else str(key)
                if isinstance(value, (dict, list)):
                    stack.append((value, path))
                else:
                    yield path, value
        elif isinstance(current, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(current))


@lru_cache(maxsize=16)
def _vocabulary(suffixes: tuple[str, ...], anywhere: tuple[str, ...], excluded: tuple[str, ...]) -> tuple[
        list[tuple[str, ...]], list[tuple[str, ...]], set[str]]:
    return _phrases(list(suffixes)), _phrases(list(anywhere)), {w.upper() for w in excluded}


@check("ml_secrets.inline_credentials", target="object", params=_PARAMS)
def inline_credentials(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    kind = obj.group_kind
    fields = [field for field in params["fields"] if matches(kind, field["kinds"])]
    if not fields:
        return
    suffixes, anywhere, excluded = _vocabulary(tuple(params["suffixes"]), tuple(params.get("anywhere", [])),
                                               tuple(params.get("not_credentials", [])))
    formats = ctx.run.runs("KML402")

    def candidate(value: Any) -> str | None:
        return literal(value, formats)

    for field in fields:
        node = resolve_pointer(obj.data, field["path"])
        if node is None:
            continue
        base = obj.ptr(field["path"])
        what = field.get("what", field["path"][1:].replace("/", "."))
        fmt = field["format"]
        if fmt == "properties" and isinstance(node, dict):
            for key, value in node.items():
                text = candidate(value)
                if text and isinstance(key, str) and credential_key(key, suffixes, anywhere, excluded):
                    yield _hit(pointer_join(base, key), f"{what} sets {key} to a literal credential", text)
        elif fmt == "parameters" and isinstance(node, list):
            for index, item in enumerate(node):
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    continue
                text = candidate(item.get("value"))
                if text and credential_key(item["name"], suffixes, anywhere, excluded):
                    yield _hit(pointer_join(base, index, "value"),
                               f"{what} gives parameter {item['name']} a literal credential as its value", text)
        elif fmt == "yaml" and isinstance(node, str) and node.strip():
            parsed = parse_yaml(node)
            if parsed.error is not None:
                continue
            for document in parsed.documents:
                for path, value in _pairs(document.data):
                    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
                    text = candidate(value)
                    if text and credential_key(key, suffixes, anywhere, excluded):
                        yield _hit(base, f"{what} sets {path} to a literal credential", text)


def _hit(pointer: str, what: str, text: str) -> Hit:
    return Hit(pointer, f"{what} ({mask(text)}): it is stored in the object, shown by kubectl get -o yaml and kept in "
                        "git; reference a Secret instead (the operator's secret mechanism, an env var from "
                        "secretKeyRef) and rotate the credential", at="value")
