"""``kml-lint --inspect PATH...``: what the workload table finds in each object, so users can check that
their CRD is understood: pod templates with pointers, roles, traits and lines, their containers, pod-level
fields taken from elsewhere, and the reference fields of objects whose pods live in another object.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from .discovery import discover
from .objects import InvalidDocument, K8sObject, objects_of
from .pods.finder import PodFinder
from .source import DEFAULT_MAX_FILE_SIZE, SourceError, decode, read_path
from .workloads import PodView, WorkloadTable
from .yamlfold import parse_yaml


@dataclass(slots=True)
class ObjectInspection:
    obj: K8sObject
    status: str  # pods | reference-only | no-pods | not-a-workload
    views: list[PodView] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FileInspection:
    path: str
    objects: list[ObjectInspection] = field(default_factory=list)
    error: str | None = None


def inspect_object(finder: PodFinder | WorkloadTable, obj: K8sObject) -> ObjectInspection:
    if isinstance(finder, WorkloadTable):
        finder = PodFinder(finder)
    if not finder.knows(obj):
        return ObjectInspection(obj, "not-a-workload")
    views = finder.views(obj)
    references = finder.table.references(obj)
    if views:
        return ObjectInspection(obj, "pods", views, references)
    return ObjectInspection(obj, "reference-only" if references else "no-pods", [], references)


def inspect_text(table: PodFinder | WorkloadTable, path: str, text: str) -> FileInspection:
    result = FileInspection(path)
    parsed = parse_yaml(text)
    if parsed.error is not None:
        result.error = f"{parsed.error.line}:{parsed.error.col}: {parsed.error.message}"
    for document in parsed.documents:
        for item in objects_of(document):
            if not isinstance(item, InvalidDocument):
                result.objects.append(inspect_object(table, item))
    return result


def inspect_paths(paths: list[str], table: WorkloadTable, excludes: list[str] | None = None,
                  force_exclude: bool = False, max_file_size: int = DEFAULT_MAX_FILE_SIZE,
                  stdin_filename: str | None = None, kubernetes_version: str | None = None,
                  schema_dirs: list[str] | None = None) -> list[FileInspection]:
    """What kml-lint finds in each object, the way a run finds it: the table, the CRDs it knows (shipped,
    ``schema_dirs``, and those among the files, found by the same pre-pass) and shape search."""
    from .checks import RunContext
    from .pods.finder import pod_finder
    from .runwide import prepass

    found = discover(paths, excludes or [], force_exclude)
    piped = sys.stdin.buffer.read(max_file_size + 1) if any(t.path == "-" for t in found.targets) else None
    facts = prepass([t.path for t in found.targets if t.path != "-"], max_file_size,
                    stdin=(stdin_filename or "-", piped) if piped is not None else None)
    run = RunContext(kubernetes_version=kubernetes_version, schema_dirs=tuple(schema_dirs or ()), facts=facts)
    finder = pod_finder(run, table)
    out = []
    for target in found.targets:
        if target.path == "-":
            source = decode(piped or b"")
            name = stdin_filename or "-"
        else:
            source = read_path(target.path, max_file_size)
            name = target.path
        if isinstance(source, SourceError):
            out.append(FileInspection(name, error=source.message))
            continue
        inspected = inspect_text(finder, name, source.text)
        if inspected.objects or inspected.error or target.explicit:
            out.append(inspected)
    return out


# ---------------------------------------------------------------------------------------------
# Rendering


def _line(obj: K8sObject, pointer: str) -> int:
    return obj.locate(pointer)[0]


def _pointer(pointer: str) -> str:
    return pointer or "/"


def view_dict(view: PodView) -> dict[str, Any]:
    obj = view.obj
    out: dict[str, Any] = {
        "role": view.role,
        "pointer": _pointer(view.pointer),
        "line": _line(obj, view.pointer),
        "shape": view.shape,
        "found_by": found_by(view),
        "traits": sorted(view.traits),
        "partial": view.partial,
        "containers": [
            {"name": c.name, "kind": c.kind, "pointer": c.pointer, "line": _line(obj, c.pointer),
             "block": c.block, **({"inherits": True} if c.inherits else {}),
             **({"from_elsewhere": dict(c.origins)} if c.origins else {})}
            for c in view.containers],
    }
    if view.origins:
        out["pod_fields_from_elsewhere"] = dict(view.origins)
    if view.owner is not None:
        out["embedded_object"] = {"apiVersion": obj.api_version, "kind": obj.kind, "pointer": obj.base}
    return out


def found_by(view: PodView) -> str:
    """Where kml-lint learnt this pod: ``table`` (a row of workloads.yaml or --workloads), ``crd <file>`` (derived
    from the kind's CRD schema), or ``shape`` (found by its shape: add a row with --workloads to give it roles,
    traits and defaults)."""
    return view.source


def render_json(files: list[FileInspection]) -> str:
    document = {"files": []}
    for item in files:
        entry: dict[str, Any] = {"path": item.path, "objects": []}
        if item.error:
            entry["error"] = item.error
        for inspected in item.objects:
            obj = inspected.obj
            entry["objects"].append({
                "apiVersion": obj.api_version, "kind": obj.kind, "name": obj.ref.name, "document": obj.ref.document,
                "line": _line(obj, obj.base), "status": inspected.status,
                "references": [{"pointer": p, "line": _line(obj, p)} for p in inspected.references],
                "pods": [view_dict(view) for view in inspected.views],
            })
        document["files"].append(entry)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_STATUS = {
    "reference-only": "reference-only: its pods are defined elsewhere",
    "no-pods": "a workload kind, but no pod template found (check the pointers, or add a row with --workloads)",
    "not-a-workload": "not a workload kind (no row in the workload table, no pod in its CRD, not searched)",
}


def render_text(files: list[FileInspection]) -> str:
    lines: list[str] = []
    pods = objects = 0
    for item in files:
        lines.append(item.path)
        if item.error:
            lines.append(f"  error: {item.error}")
        for inspected in item.objects:
            objects += 1
            obj = inspected.obj
            lines.append(f"  {obj.describe()} ({obj.api_version}, line {_line(obj, obj.base)})")
            if inspected.status != "pods":
                lines.append(f"    {_STATUS[inspected.status]}")
            for pointer in inspected.references:
                lines.append(f"    reference {pointer} (line {_line(obj, pointer)})")
            for view in inspected.views:
                pods += 1
                lines.extend(_view_lines(view))
    lines.append(f"{pods} pod template{'s' if pods != 1 else ''} in {objects} object{'s' if objects != 1 else ''}.")
    return "\n".join(lines) + "\n"


_LEARNT = {"table": "from the workload table", "crd": "derived from the CRD {}",
           "shape": "found by shape (add a row with --workloads for roles, traits and defaults)"}


def _view_lines(view: PodView) -> list[str]:
    obj = view.obj
    role = view.role or "(pod)"
    notes = [view.shape, _LEARNT.get(view.source.split(" ", 1)[0], view.source).format(view.source[4:])]
    if view.traits:
        notes.append("traits " + ", ".join(sorted(view.traits)))
    if view.partial:
        notes.append("partial: pod-level fields completed elsewhere")
    out = [f"    pod {role}: {_pointer(view.pointer)} (line {_line(obj, view.pointer)}; {'; '.join(notes)})"]
    for name, source in sorted(view.origins.items()):
        out.append(f"      {name} from {source} (line {_line(obj, source)})")
    if not view.containers:
        out.append("      no containers")
    for container in view.containers:
        extra = " (container-shaped block)" if container.block else ""
        if container.inherits:
            extra += " (overrides a container of another object)"
        out.append(f"      {container.describe()}: {container.pointer} (line {_line(obj, container.pointer)}){extra}")
        for name, source in sorted(container.origins.items()):
            out.append(f"        {name} from {source} (line {_line(obj, source)})")
    return out
