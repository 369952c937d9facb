"""Schema rules: KML003, KML004, KML005 and KML007 share one validation per object; KML006 is a table lookup.

The validation runs the first time one of these rules asks for it (rules that are not selected cost
nothing); the schema store and the compiled validators live for the whole run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..findings import Severity
from . import Hit, RunContext, check

_STORE = "schema_store"
VALIDATING_CHECKS = frozenset({"schema.violation", "schema.unknown_field", "schema.invalid_quantity",
                               "schema.unknown_kind"})
"""The checks that need schema validation (``--no-schemas`` drops their rules; KML006 is a table lookup)."""


@dataclass(slots=True)
class Validation:
    """What the schemas say about one object."""

    source: str | None  # built-in | CRD | user; None: no schema; "skipped": no validation for it
    problems: list[Any] = field(default_factory=list)  # validation.compiler.Problem
    entry: Any = None  # validation.store.SchemaEntry


def schema_store(run: RunContext) -> Any:
    """The run's schema store (created on first use; the bundles are opened when a kind needs them)."""
    store = run.extra.get(_STORE)
    if store is None:
        from ..validation.store import SchemaStore

        crds = run.facts("crds") if run.facts is not None else ()
        store = run.extra[_STORE] = SchemaStore(run.kubernetes_version, run.schema_dirs, crds)
    return store


def _version_of(run: RunContext) -> str:
    store = run.extra.get(_STORE)
    if store is not None:
        return str(store.version)
    from ..validation.versions import resolve_version

    return resolve_version(run.kubernetes_version)


def validation(ctx: Any, obj: Any) -> Validation:
    """The object's validation, computed once per object and shared by the schema rules."""
    return ctx.cached(("schema", obj.document.index, obj.base), lambda: _validate(ctx, obj))


def _validate(ctx: Any, obj: Any) -> Validation:
    run = ctx.run
    if not run.schemas:
        return Validation("skipped")
    from ..validation.apis import REMOVED, change_of

    store = schema_store(run)
    removed = change_of(obj.api_version, obj.kind, store.version)
    if removed is not None and removed[0] == REMOVED:
        ctx.stats["schema removed"] += 1
        return Validation("skipped")  # KML006 says it all: the API server does not know this apiVersion
    entry = store.lookup(obj.group, obj.api_version.rpartition("/")[2], obj.kind)
    table = _table(ctx)
    problems = _embedded_problems(ctx, store, table, obj)
    if entry is None:
        ctx.stats["schema none"] += 1
        return Validation(None, problems)
    ctx.stats[f"schema {entry.source}"] += 1
    own = entry.compiled.validate(obj.data, lambda p: _raw_scalar(ctx.text, obj, p))
    return Validation(entry.source, _filled_at_run_time(own, obj.data, table.placeholders(obj.group_kind)) + problems,
                      entry)


def _table(ctx: Any) -> Any:
    from ..workloads import builtin_table

    return getattr(ctx, "workloads", None) or builtin_table()


def _filled_at_run_time(problems: list[Any], data: Any, placeholders: Any) -> list[Any]:
    """Problems about a value that holds the operator's own placeholder (``${trialParameters.lr}``,
    ``{{inputs.parameters.n}}``, ``$(params.image)``) are not problems: the operator fills the value in."""
    if placeholders is None:
        return problems
    from ..objects import resolve_pointer

    kept = []
    for problem in problems:
        value = resolve_pointer(data, problem.pointer) if problem.rule != "KML004" else None
        if isinstance(value, str) and placeholders.search(value):
            continue
        kept.append(problem)
    return kept


def _embedded_problems(ctx: Any, store: Any, table: Any, obj: Any) -> list[Any]:
    """Objects written inside ``obj`` (Katib's trialSpec, an AppWrapper component, an Argo resource manifest),
    validated against their own kind's schema; located in the outer object, named by their kind and place."""
    from ..objects import field_path
    from ..pods.finder import pod_finder
    from ..validation.compiler import Problem

    out: list[Any] = []
    finder = pod_finder(ctx.run, table)
    for inner, whole in table.embedded(obj, finder.locations):
        entry = store.lookup(inner.group, inner.api_version.rpartition("/")[2], inner.kind)
        if entry is None:
            continue
        ctx.stats["schema embedded"] += 1
        placeholders = table.placeholders(obj.group_kind, inner.group_kind)
        found = _filled_at_run_time(entry.compiled.validate(inner.data, lambda p, o=inner: _raw_scalar(ctx.text, o, p)),
                                    inner.data, placeholders)
        if not whole:  # a reference (get, delete) or a patch: the fields it writes are checked, not what it omits
            found = [p for p in found if not p.message.startswith("missing required field")]
        relative = inner.base[len(obj.base):]
        where = f"{inner.kind} embedded at {field_path(relative) or relative}"
        out.extend(Problem(p.rule, relative + p.pointer, f"{where}: {p.message}", p.at) for p in found)
    return out


def _raw_scalar(text: str, obj: Any, pointer: str) -> str | None:
    """A plain scalar as it is written in the file (``yes``, ``1.10``), for messages about YAML typing."""
    line, col = obj.locate(obj.base + pointer, "value")
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    end = text.find("\n", start)
    rest = text[start + col - 1: end if end >= 0 else len(text)]
    token = re.split(r"\s#|[,\]}]", rest, maxsplit=1)[0].strip()
    return token or None


def _hits(ctx: Any, obj: Any, rule: str) -> Iterator[Hit]:
    for problem in validation(ctx, obj).problems:
        if problem.rule == rule:
            yield Hit(obj.base + problem.pointer, problem.message, problem.at)


@check("schema.violation", target="object")
def violation(ctx: Any, obj: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML003: every place the object does not match its schema."""
    yield from _hits(ctx, obj, "KML003")


@check("schema.unknown_field", target="object")
def unknown_field(ctx: Any, obj: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML004: fields the schema does not know, with a suggestion."""
    yield from _hits(ctx, obj, "KML004")


@check("schema.invalid_quantity", target="object")
def invalid_quantity(ctx: Any, obj: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML005: quantities (wherever the schema has one) that do not parse."""
    yield from _hits(ctx, obj, "KML005")


@check("schema.unknown_kind", target="object")
def unknown_kind(ctx: Any, obj: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML007: no schema for this apiVersion and kind."""
    if validation(ctx, obj).source is not None:
        return
    store = schema_store(ctx.run)
    hints = store.memo.setdefault("kind hints", {})
    key = (obj.group, obj.api_version, obj.kind)
    if key not in hints:
        hints[key] = _kind_hint(store, obj)
    message = f"no schema for {obj.api_version} {obj.kind}; {_inside(ctx, obj)}"
    yield Hit(obj.ptr("/kind"), message + hints[key], "value")


def _inside(ctx: Any, obj: Any) -> str:
    """What was checked inside an object without a schema: the containers of the pods kml-lint found in it (by
    the workload table, or by shape), or nothing."""
    views = ctx.views(obj)
    counts = {"table": 0, "shape": 0}
    for view in views:
        counts["shape" if view.source == "shape" else "table"] += len(view.containers)
    total = counts["table"] + counts["shape"]
    if not total:
        return "nothing inside it was checked"
    # Its own fields never are: say what was, and only that.
    noun = "container" if total == 1 else "containers"
    verb = "was" if total == 1 else "were"
    if not counts["table"]:
        return f"{total} {noun} found by shape {verb} checked"
    if not counts["shape"]:
        return f"{total} {noun} of its pods (workload table) {verb} checked"
    return (f"{total} {noun} {verb} checked ({counts['table']} from the workload table, {counts['shape']} found by "
            "shape)")


def _kind_hint(store: Any, obj: Any) -> str:
    """What exists instead: other versions of the kind, the kind in another group, or a close kind name."""
    import difflib

    known = store.known()
    kind = obj.kind.lower()
    same = sorted({_api(g, v) for g, v, k in known if k.lower() == kind and g == obj.group})
    if same:
        return f"; its known versions are {', '.join(same)}"
    elsewhere = sorted({f"{_api(g, v)} {k}" for g, v, k in known if k.lower() == kind})
    builtin = {k.lower() for _, _, k in store.builtin_kinds()}
    if elsewhere and (_kubernetes_group(obj.group) or kind not in builtin):
        return f"; known as {', '.join(elsewhere[:4])}"  # not for a CRD kind named like a built-in (knative Service)
    names = sorted({k for g, _, k in known if g == obj.group})
    if not names and _kubernetes_group(obj.group):
        names = sorted({k for _, _, k in store.builtin_kinds()})
    names = [name for name in names if name.lower() != kind]
    close = difflib.get_close_matches(obj.kind, names, n=1, cutoff=0.8)
    if close:
        return f"; did you mean kind {close[0]}?"
    return ("; if it is a custom resource, pass its CRD (or a JSON schema) with --schema-dir to check it, or "
            "--ignore KML007 to silence this note")


def _kubernetes_group(group: str) -> bool:
    return "." not in group or group.endswith(".k8s.io")


def _api(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version



@check("schema.removed_api", target="object")
def removed_api(ctx: Any, obj: Any, params: dict[str, Any]) -> Iterator[Hit]:
    """KML006: an apiVersion the selected Kubernetes version no longer serves (error) or deprecates (warning)."""
    from ..validation.apis import REMOVED, change_of

    version = _version_of(ctx.run)
    pointer = obj.ptr("/apiVersion")
    found = change_of(obj.api_version, obj.kind, version)
    if found is not None:
        state, change = found
        use = change.replacement(version)
        advice = f"; use apiVersion {use}" if use else ""
        if change.note:
            advice += f"; {change.note}"
        if state == REMOVED:
            yield Hit(pointer, f"{obj.api_version} {obj.kind} was removed in Kubernetes {change.removed}: Kubernetes "
                               f"{version} rejects it (no matches for kind {obj.kind} in version "
                               f"{obj.api_version}){advice}", "value")
        else:
            until = f" and is removed in {change.removed}" if change.removed else ""
            yield Hit(pointer, f"{obj.api_version} {obj.kind} is deprecated since Kubernetes {change.deprecated}"
                               f"{until}{advice}", "value", severity=Severity.WARNING)
        return
    if not ctx.run.schemas:
        return
    entry = validation(ctx, obj).entry
    deprecated = entry.compiled.schema.get("x-kml-deprecated") if entry is not None else None
    if isinstance(deprecated, dict):
        use = deprecated.get("use")
        warning = deprecated.get("warning")
        message = f"{obj.api_version} {obj.kind} is deprecated by its operator"
        if warning:
            message += f" (\"{warning.strip()}\")"
        if use:
            message += f"; use apiVersion {use}"
        yield Hit(pointer, message, "value", severity=Severity.WARNING)
