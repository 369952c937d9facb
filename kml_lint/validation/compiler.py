"""Compile a schema of kml-lint's dialect (see ``convert``) into a validator that reports located problems.

A compiled validator is a tree of closures, built lazily: a property's validator is compiled the first
time an object has that property, so a huge schema (Argo's Workflow) costs only the parts a run meets.
Validation never stops at the first error: every problem is one ``Problem`` with a JSON pointer relative
to the object root and a message in plain words, for KML003 (violation), KML004 (unknown field) or KML005
(invalid quantity).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from ..objects import field_path as display_path
from ..quantity import parse_quantity, suggest_quantity
from ..yamlfold import escape_pointer_token, is_oversized_number
from .patterns import compile_pattern

VIOLATION, UNKNOWN_FIELD, INVALID_QUANTITY = "KML003", "KML004", "KML005"

UNKNOWN_CONSEQUENCE = ("the API server drops unknown fields silently, and kubectl rejects them with its default "
                       "--validate=strict")


class Problem(NamedTuple):
    rule: str  # KML003 | KML004 | KML005
    pointer: str  # relative to the object root
    message: str
    at: str = "key"  # "key" or "value", as in checks.Hit


Validator = Callable[[Any, str, list[Problem]], None]

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,), "integer": (int,),
    "number": (int, float),
}
_EXPECTED = {
    "object": "a mapping (key: value pairs)", "array": "a list", "string": "a string", "boolean": "true or false",
    "integer": "a whole number", "number": "a number",
}


# ---------------------------------------------------------------------------------------------
# Paths and values in messages


def _child(pointer: str, key: str) -> str:
    return f"{pointer}/{escape_pointer_token(key)}"


def show(value: Any) -> str:
    """A value as a message names it: ``the string "3"``, ``the number 8080``, ``the boolean true``."""
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {_number(value)}"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f'the string "{text}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null"


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _expected(types: list[str]) -> str:
    words = [_EXPECTED[t] for t in types]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


_PLACEHOLDER = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:-][^{}]*)?\}|\{\{.*\}\}|<[^<>]+>"
                          r"|[A-Z][A-Z0-9_]{2,}")
PLACEHOLDER_HINT = ("; it looks like an unrendered placeholder: substitute it (envsubst, Helm, kustomize) and lint "
                    "the result")


def is_placeholder(text: str) -> bool:
    """``$NUM_NODES``, ``${GPUS:-8}``, ``{{ .Values.x }}``, ``<your-token>``, ``FILESTORE_CAPACITY``, ``PORT``."""
    return _PLACEHOLDER.fullmatch(text.strip()) is not None


def _type_hint(value: Any, types: list[str], raw: str | None) -> str:
    """Why a scalar has the wrong type, for the common YAML surprises (``raw``: the scalar as written)."""
    if "string" not in types:
        if isinstance(value, str) and is_placeholder(value):
            return PLACEHOLDER_HINT
        if isinstance(value, str) and any(t in types for t in ("integer", "number", "boolean")):
            if is_oversized_number(value):
                return "; it is too large for any 64-bit number, so YAML reads it as text"
            return "; remove the quotes around it"
        return ""
    if isinstance(value, bool):
        written = raw or ("true" if value else "false")
        return f'; YAML reads an unquoted {written} as a boolean: write "{written}" in quotes'
    if isinstance(value, int | float):
        return f'; quote it ("{raw or _number(value)}") so that YAML reads it as text'
    return ""


def _did_you_mean(word: str, choices: list[str]) -> str | None:
    import difflib  # only when there is something to suggest

    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return close[0] if close else None


# ---------------------------------------------------------------------------------------------
# Quantities (KML005)


@lru_cache(maxsize=4096)
def _quantity_problem(text: str) -> str | None:
    """Why ``text`` is not a valid Kubernetes quantity (None when it is)."""
    stripped = text.strip()  # the API server trims spaces around a quantity
    if not stripped:
        return "is empty; a quantity needs a number such as 500m, 1 or 8Gi"
    quantity = parse_quantity(stripped)
    if quantity is None and is_placeholder(stripped):
        return f'"{text}" is not a quantity{PLACEHOLDER_HINT}'
    if quantity is None:
        suggestions = suggest_quantity(stripped)
        advice = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        return (f'"{text}" is not a Kubernetes quantity (a number with an optional suffix: m, k, M, G, T, or '
                f"Ki, Mi, Gi, Ti for powers of two){advice}")
    if quantity < 0:
        return f'"{text}" is negative; resource quantities must be zero or more'
    return None


def _check_quantity(value: Any, pointer: str, out: list[Problem]) -> None:
    kind = type(value)
    if kind is str:
        problem = _quantity_problem(value)
        if problem is not None:
            out.append(Problem(INVALID_QUANTITY, pointer, f"{display_path(pointer)} {problem}", "value"))
    elif kind is int or kind is float:
        if value < 0 or (kind is float and not math.isfinite(value)):
            out.append(Problem(INVALID_QUANTITY, pointer,
                               f"{display_path(pointer)} {_number(value)} is not a valid quantity: quantities are "
                               "finite and zero or more", "value"))
    elif kind is bool:
        out.append(Problem(INVALID_QUANTITY, pointer,
                           f"{display_path(pointer)} is {show(value)}, not a quantity (YAML reads unquoted yes/no/"
                           "on/off as booleans)", "value"))
    elif value is not None:
        out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} must be a quantity such as 500m or 8Gi, "
                                                f"not {show(value)}", "value"))


# ---------------------------------------------------------------------------------------------
# The compiler


class _Pending:
    """A node compiled on first use. ``leaf``: the Python types that pass a type-only node without a call."""

    __slots__ = ("fn", "leaf", "node")

    def __init__(self, node: Any) -> None:
        self.fn: Validator | object | None = _UNSET
        self.node = node
        self.leaf = _leaf_types(node)


def _leaf_types(node: Any) -> tuple[type, ...] | None:
    """``(str,)`` for ``{"type": "string"}``: a value of these types needs no validation at all."""
    if not isinstance(node, dict) or set(node) != {"type"}:
        return None
    names = [node["type"]] if isinstance(node["type"], str) else node["type"]
    if not isinstance(names, list) or "object" in names or "array" in names:
        return None
    return tuple({py for t in names for py in _PY_TYPES.get(t, ())})


_UNSET = object()


class CompiledSchema:
    """The validator of one (Kubernetes version, group, version, kind)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._raw: Callable[[str], str | None] | None = None
        self._defs = schema.get("$defs") or {}
        self._refs: dict[str, list[Validator | None]] = {}
        self._root = self._compile(schema)

    def validate(self, data: Any, raw: Callable[[str], str | None] | None = None) -> list[Problem]:
        """Every problem of ``data``; ``raw(pointer)`` gives a scalar as written, for messages (optional)."""
        out: list[Problem] = []
        if self._root is not None:
            self._raw = raw
            try:
                self._root(data, "", out)
            finally:
                self._raw = None
        return out

    # -- compilation ----------------------------------------------------------------------------

    def _lazy(self, node: Any) -> _Pending | None:
        if isinstance(node, dict) and not node:
            return None  # accepts anything: nothing to compile, nothing to run
        return _Pending(node)

    def _compile(self, node: Any) -> Validator | None:
        """The validator of ``node``; ``None`` when it accepts anything."""
        if node is False:
            return self._reject
        if not isinstance(node, dict) or not node:
            return None
        if node.get("x-kml-quantity"):
            return _check_quantity
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._compile_ref(ref)
        types = node.get("type")
        type_list = [types] if isinstance(types, str) else list(types or [])
        generic: list[Validator] = []  # the full validator, for values the specialised ones do not handle
        obj = self._object_part(node, generic)
        arr = self._array_part(node, generic)
        text = self._string_part(node)
        num = self._number_part(node)
        general = self._general_part(node)
        allowed: tuple[type, ...] | None = None
        if type_list:
            allowed = tuple({py for t in type_list for py in _PY_TYPES.get(t, ())})
        integer_only = "integer" in type_list and "number" not in type_list

        def validate(value: Any, pointer: str, out: list[Problem]) -> None:
            if value is None:
                return
            kind = type(value)
            if allowed is not None and kind not in allowed:
                if not (kind is float and integer_only and value.is_integer()):
                    message = f"{display_path(pointer)} must be {_expected(type_list)}, not {show(value)}"
                    at = "value" if not isinstance(value, dict | list) else "key"
                    raw = self._raw(pointer) if self._raw is not None and kind in (bool, int, float) else None
                    out.append(Problem(VIOLATION, pointer, message + _type_hint(value, type_list, raw), at))
                    return
            if kind is dict:
                if obj is not None:
                    obj(value, pointer, out)
            elif kind is list:
                if arr is not None:
                    arr(value, pointer, out)
            elif kind is str:
                if text is not None:
                    text(value, pointer, out)
            elif kind is not bool and num is not None:
                num(value, pointer, out)
            for check in general:
                check(value, pointer, out)

        generic.append(validate)
        # The common shapes get one closure that does everything (one call per node instead of two).
        if text is None and num is None and not general:
            if obj is not None and arr is None and type_list in ([], ["object"]):
                return obj
            if arr is not None and obj is None and type_list in ([], ["array"]):
                return arr
        return validate

    def _compile_ref(self, ref: str) -> Validator | None:
        """A definition is compiled once, whatever the number of places that use it."""
        name = ref.rpartition("/")[2]
        cell = self._refs.get(name)
        if cell is None:
            cell = self._refs[name] = [_UNSET]  # type: ignore[list-item]
            cell[0] = self._compile(self._defs.get(name, {}))
        if cell[0] is not _UNSET:
            return cell[0]  # compiled: no indirection

        def validate(value: Any, pointer: str, out: list[Problem]) -> None:  # a recursive reference
            fn = cell[0]
            if fn is not None:
                fn(value, pointer, out)

        return validate

    @staticmethod
    def _reject(value: Any, pointer: str, out: list[Problem]) -> None:
        if value is not None:
            out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} is not allowed here"))

    def _compile_pending(self, pending: _Pending) -> Validator | None:
        fn = pending.fn = self._compile(pending.node)
        return fn

    def _run(self, pending: _Pending, value: Any, pointer: str, out: list[Problem]) -> None:
        """Validate ``value`` against a lazily compiled node (callers skip None and passing leaves first)."""
        fn = pending.fn
        if fn is _UNSET:
            fn = self._compile_pending(pending)
        if fn is not None:
            fn(value, pointer, out)  # type: ignore[operator]

    def _object_part(self, node: dict[str, Any], generic: list[Validator]) -> Validator | None:
        """The checks of a mapping; given anything else it hands over to ``generic[0]`` (type errors...)."""
        properties = node.get("properties")
        additional = node.get("additionalProperties")
        patterns = node.get("patternProperties")
        required = tuple(node.get("required") or ())
        min_props, max_props = node.get("minProperties"), node.get("maxProperties")
        if properties is None and additional is None and not patterns and not required and min_props is None \
                and max_props is None:
            return None
        props: dict[str, _Pending | None] = {k: self._lazy(v) for k, v in (properties or {}).items()}
        children = {k: _child("", k) for k in props}
        closed = additional is False
        extra = self._lazy(additional) if isinstance(additional, dict) else None
        pattern_list = [(regex, self._lazy(v)) for p, v in (patterns or {}).items()
                        if (regex := compile_pattern(p)) is not None]
        run = self._run
        unknown = self._unknown
        compile_pending = self._compile_pending

        def validate(value: dict[str, Any], pointer: str, out: list[Problem]) -> None:
            if type(value) is not dict:
                if value is not None:
                    generic[0](value, pointer, out)
                return
            for key, item in value.items():
                if key in props:
                    pending = props[key]
                    if pending is not None and item is not None:
                        leaf = pending.leaf
                        if leaf is None or type(item) not in leaf:
                            fn = pending.fn
                            if fn is _UNSET:
                                fn = compile_pending(pending)
                            if fn is not None:
                                fn(item, pointer + children[key], out)  # type: ignore[operator]
                    continue
                if pattern_list:
                    matched = False
                    for regex, pending in pattern_list:
                        if regex.search(key):
                            matched = True
                            if pending is not None and item is not None:
                                run(pending, item, _child(pointer, key), out)
                    if matched:
                        continue
                if closed:
                    out.append(unknown(pointer, key, list(props)))
                elif extra is not None and item is not None:
                    if extra.leaf is None or type(item) not in extra.leaf:
                        run(extra, item, _child(pointer, key), out)
            for name in required:
                if value.get(name) is None:
                    out.append(Problem(VIOLATION, pointer,
                                       f"missing required field {display_path(_child(pointer, name))}"))
            if min_props is not None and len(value) < min_props:
                out.append(Problem(VIOLATION, pointer,
                                   f"{display_path(pointer)} needs at least {min_props} entr"
                                   f"{'y' if min_props == 1 else 'ies'}"))
            if max_props is not None and len(value) > max_props:
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} allows at most {max_props} entries"))

        return validate

    def _array_part(self, node: dict[str, Any], generic: list[Validator]) -> Validator | None:
        """The checks of a list; given anything else it hands over to ``generic[0]``."""
        items = self._lazy(node["items"]) if "items" in node else None
        min_items, max_items = node.get("minItems"), node.get("maxItems")
        unique = node.get("uniqueItems") is True
        if items is None and min_items is None and max_items is None and not unique:
            return None
        run = self._run

        def validate(value: list[Any], pointer: str, out: list[Problem]) -> None:
            if type(value) is not list:
                if value is not None:
                    generic[0](value, pointer, out)
                return
            if items is not None:
                leaf = items.leaf
                for index, item in enumerate(value):
                    if item is not None and (leaf is None or type(item) not in leaf):
                        run(items, item, f"{pointer}/{index}", out)
            if min_items is not None and len(value) < min_items:
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} needs at least {min_items} "
                                                        f"item{'s' if min_items != 1 else ''}, it has {len(value)}"))
            if max_items is not None and len(value) > max_items:
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} allows at most {max_items} "
                                                        f"item{'s' if max_items != 1 else ''}, it has {len(value)}"))
            if unique:
                seen: list[Any] = []
                for index, item in enumerate(value):
                    if item in seen:
                        out.append(Problem(VIOLATION, f"{pointer}/{index}",
                                           f"{display_path(pointer)} lists {show(item)} more than once"))
                    else:
                        seen.append(item)

        return validate

    def _string_part(self, node: dict[str, Any]) -> Validator | None:
        pattern = node.get("pattern")
        regex = None
        if isinstance(pattern, str):
            regex = compile_pattern(pattern)  # RE2: linear time; None (accept anything) when it cannot compile
        min_length, max_length = node.get("minLength"), node.get("maxLength")
        byte = node.get("format") == "byte"
        if regex is None and min_length is None and max_length is None and not byte:
            return None

        def validate(value: str, pointer: str, out: list[Problem]) -> None:
            if regex is not None and not regex.search(value):
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} is {show(value)}, which does not "
                                                        f"match the required pattern {pattern}", "value"))
            if min_length is not None and len(value) < min_length:
                what = "must not be empty" if min_length == 1 else f"needs at least {min_length} characters"
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} {what}", "value"))
            if max_length is not None and len(value) > max_length:
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} has {len(value)} characters; at "
                                                        f"most {max_length} are allowed", "value"))
            if byte and not _is_base64(value):
                hint = PLACEHOLDER_HINT if is_placeholder(value) else (
                    " (for a Secret, put plain text under stringData instead of data)")
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} is not valid base64: values here "
                                                        f"must be base64-encoded{hint}", "value"))

        return validate

    def _number_part(self, node: dict[str, Any]) -> Validator | None:
        bounds = [(key, node[key]) for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
                  if isinstance(node.get(key), int | float) and not isinstance(node.get(key), bool)]
        multiple = node.get("multipleOf")
        if not bounds and not isinstance(multiple, int | float):
            return None
        words = {"minimum": ("at least", lambda v, b: v >= b), "maximum": ("at most", lambda v, b: v <= b),
                 "exclusiveMinimum": ("more than", lambda v, b: v > b),
                 "exclusiveMaximum": ("less than", lambda v, b: v < b)}

        def validate(value: float, pointer: str, out: list[Problem]) -> None:
            for key, bound in bounds:
                phrase, ok = words[key]
                if not ok(value, bound):
                    out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} is {_number(value)}; it must be "
                                                            f"{phrase} {_number(bound)}", "value"))
            if isinstance(multiple, int | float) and multiple and (value / multiple) % 1:
                out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} is {_number(value)}; it must be a "
                                                        f"multiple of {_number(multiple)}", "value"))

        return validate

    def _general_part(self, node: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        if isinstance(node.get("enum"), list):
            checks.append(self._enum(node["enum"]))
        if "const" in node:
            checks.append(self._enum([node["const"]]))
        for branch in node.get("allOf") or ():
            fn = self._compile(branch)
            if fn is not None:
                checks.append(fn)
        for key in ("anyOf", "oneOf"):
            if isinstance(node.get(key), list) and node[key]:
                checks.append(self._alternatives(node[key], exactly_one=key == "oneOf"))
        if isinstance(node.get("not"), dict):
            checks.append(self._negation(node["not"]))
        return checks

    @staticmethod
    def _enum(values: list[Any]) -> Validator:
        allowed = [v for v in values if v is not None]
        texts = [v for v in allowed if isinstance(v, str)]

        def same(a: Any, b: Any) -> bool:
            return a == b and (type(a) is type(b) or (type(a) in (int, float) and type(b) in (int, float)))

        def validate(value: Any, pointer: str, out: list[Problem]) -> None:
            if any(same(value, v) for v in allowed) or not allowed:
                return
            listing = ", ".join(str(v) for v in allowed[:12]) + (", ..." if len(allowed) > 12 else "")
            message = f"{display_path(pointer)} is {show(value)}; allowed: {listing}"
            if isinstance(value, str) and texts:
                guess = _did_you_mean(value, texts)
                if guess is not None:
                    message += f"; did you mean {guess}?"
            out.append(Problem(VIOLATION, pointer, message, "value"))

        return validate

    def _alternatives(self, branches: list[Any], exactly_one: bool) -> Validator:
        compiled = [self._compile(b) for b in branches]
        required_only = all(isinstance(b, dict) and set(b) == {"required"} for b in branches)
        names = [", ".join(b["required"]) for b in branches] if required_only else []

        def validate(value: Any, pointer: str, out: list[Problem]) -> None:
            results: list[list[Problem]] = []
            passed = 0
            for fn in compiled:
                found: list[Problem] = []
                if fn is not None:
                    fn(value, pointer, found)
                if not found:
                    passed += 1
                    if not exactly_one:
                        return
                results.append(found)
            if passed == 1 or (passed and not exactly_one):
                return
            where = display_path(pointer)
            if required_only:
                if passed == 0:
                    word = "exactly one" if exactly_one else "at least one"
                    out.append(Problem(VIOLATION, pointer, f"{where} must set {word} of: {'; '.join(names)}"))
                else:
                    out.append(Problem(VIOLATION, pointer, f"{where} must set only one of: {'; '.join(names)}"))
                return
            if passed > 1:
                out.append(Problem(VIOLATION, pointer, f"{where} matches more than one of the allowed forms; it must "
                                                        "match exactly one"))
                return
            best = min(results, key=len)
            out.extend(best)

        return validate

    def _negation(self, branch: Any) -> Validator:
        fn = self._compile(branch)
        names = branch.get("required") if isinstance(branch, dict) and set(branch) == {"required"} else None

        def validate(value: Any, pointer: str, out: list[Problem]) -> None:
            found: list[Problem] = []
            if fn is not None:
                fn(value, pointer, found)
            if not found:
                if names:
                    out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} must not set "
                                                            f"{' and '.join(names)} together"))
                else:
                    out.append(Problem(VIOLATION, pointer, f"{display_path(pointer)} has a form that is not allowed"))

        return validate

    # -- unknown fields -------------------------------------------------------------------------

    def _unknown(self, pointer: str, key: str, known: list[str]) -> Problem:
        child = _child(pointer, key)
        message = f"unknown field {display_path(child)}"
        guess = _did_you_mean(key, known) if known else None
        if guess is not None:
            message += f" (did you mean {guess}?)"
        elif key not in ("apiVersion", "kind"):
            homes = self._homes_of(pointer, key)
            if homes:
                places = " or ".join(display_path(h) if h else "the top level" for h in homes)
                message += f" (it belongs in {places}: move it there)"
        return Problem(UNKNOWN_FIELD, child, f"{message}: {UNKNOWN_CONSEQUENCE}")

    def _homes_of(self, pointer: str, key: str) -> list[str]:
        """Where ``key`` belongs when it is misplaced: the nearest enclosing object whose schema knows it, else
        the child objects that know it (``template.spec`` for a pod field written under ``template``)."""
        node = self._resolve(self.schema)
        ancestors: list[tuple[str, Any]] = [("", node)]
        current = ""
        for token in (pointer[1:].split("/") if pointer else []):
            node = self._resolve(_step(node, token.replace("~1", "/").replace("~0", "~"), self._resolve))
            if node is None:
                return []
            current = f"{current}/{token}"
            ancestors.append((current, node))
        for where, schema in reversed(ancestors[:-1]):
            if key in _properties(schema, self._resolve):
                return [where]
        found = []
        for name, child in _properties(ancestors[-1][1], self._resolve).items():
            child = self._resolve(child)
            if isinstance(child, dict) and key in _properties(child, self._resolve):
                found.append(_child(pointer, name))
                continue
            items = self._resolve(child.get("items")) if isinstance(child, dict) else None
            if isinstance(items, dict) and key in _properties(items, self._resolve):
                found.append(f"{_child(pointer, name)}/0")
        return found[:3]

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = self._defs.get(node["$ref"].rpartition("/")[2])
        return node


def _properties(node: Any, resolve: Callable[[Any], Any]) -> dict[str, Any]:
    if not isinstance(node, dict):
        return {}
    found = dict(node.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(key) or ():
            found.update(_properties(resolve(branch), resolve))
    return found


def _step(node: Any, token: str, resolve: Callable[[Any], Any]) -> Any:
    """The schema of the child ``token`` of a value of schema ``node`` (None when unknown)."""
    if not isinstance(node, dict):
        return None
    props = _properties(node, resolve)
    if token in props:
        return props[token]
    if token.isdigit() and isinstance(node.get("items"), dict):
        return node["items"]
    if isinstance(node.get("additionalProperties"), dict):
        return node["additionalProperties"]
    return None


def _is_base64(text: str) -> bool:
    cleaned = text.replace("\n", "").replace("\r", "")
    try:
        base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
