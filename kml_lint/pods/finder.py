"""One place that says where an object's pods are: the table's rows, rows derived from the object's CRD, and
shape search, in that order of precedence (see ``pods/__init__.py``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import cache
from typing import Any

from ..objects import K8sObject
from ..paths import package_file
from ..workloads import PodLocation, PodView, TableError, Tokens, WorkloadTable, _pod

COMPILED_CRD_PODS = "compiled_crd_pods.json"
"""Pod rows derived from every shipped CRD schema, ahead of time (written by ``python -m kml_lint.docs``,
checked by a test): a run reads them instead of walking the schemas. Each entry carries the sha256 of the schema's
JSON (the file, gunzipped) it was derived from; a schema that changed since is derived again at run time."""

SHAPE = "shape"
_SEARCH_ALL = PodLocation((), "search", partial=True, source=SHAPE)


def compiled_crd_pods(crds_dir: Any) -> dict[str, Any]:
    """The precomputed rows of the shipped CRD schemas under ``crds_dir`` (what compiled_crd_pods.json holds)."""
    import gzip

    from .derive import derive_pods

    members = {}
    for path in sorted(crds_dir.rglob("*.json.gz")):
        raw = gzip.decompress(path.read_bytes())
        name = path.relative_to(crds_dir).as_posix().removesuffix(".gz")
        members[name] = {"digest": hashlib.sha256(raw).hexdigest(), "pods": derive_pods(json.loads(raw))}
    return {"format": 1, "members": members}


@cache
def _compiled() -> dict[str, Any]:
    try:
        data = json.loads(package_file(COMPILED_CRD_PODS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("members", {}) if data.get("format") == 1 else {}


def _locations(pods: list[dict[str, Any]], origin: str) -> list[PodLocation]:
    source = f"crd {origin}"
    locations = []
    for number, pod in enumerate(pods):
        try:
            locations.append(replace(_pod(pod, f"{origin}: derived pod {number}"), source=source))
        except TableError:
            continue  # a path the table syntax cannot say: not a pod kml-lint can show
    return locations


def derived_locations(entry: Any) -> list[PodLocation]:
    """The pod locations of a schema entry (``validation.store.SchemaEntry``), derived once per schema."""
    if entry.pods is None:
        from ..validation.store import BUILTIN, CRD

        if entry.source == BUILTIN:
            entry.pods = []
        elif entry.source == CRD:
            entry.pods = shipped_locations(entry.origin) or []
        else:
            from .derive import derive_pods

            entry.pods = _locations(derive_pods(entry.compiled.schema), entry.origin)
    return entry.pods


@cache
def shipped_locations(member: str) -> list[PodLocation] | None:
    """The derived pod locations of a shipped CRD schema (``kubeflow.org/pytorchjob_v1.json``), or None when no
    such schema is shipped: precomputed, unless the schema file changed since (then derived from it now)."""
    import gzip

    from ..registry import schemas_dir

    path = schemas_dir() / "crds" / f"{member}.gz"
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError):
        return None
    compiled = _compiled().get(member)
    if compiled is not None and compiled.get("digest") == hashlib.sha256(raw).hexdigest():
        return _locations(compiled["pods"], member)
    from .derive import derive_pods

    return _locations(derive_pods(json.loads(raw)), member)


@cache
def builtin_kinds(version: str | None) -> frozenset[tuple[str, str]]:
    """(group, Kind) of every kind the Kubernetes version serves (the bundle's index; no schema is loaded)."""
    import zipfile

    from ..registry import schemas_dir
    from ..validation.versions import resolve_version

    try:
        with zipfile.ZipFile(schemas_dir() / "kubernetes" / f"v{resolve_version(version)}.zip") as bundle:
            return frozenset((group, kind) for group, _, kind in json.loads(bundle.read("index.json")))
    except (OSError, ValueError, KeyError):
        return frozenset()


def _matches(left: Tokens, right: Tokens) -> bool:
    """One path is the other or inside it (``*`` matches any token)."""
    return all(a == b or a == "*" or b == "*" for a, b in zip(left, right, strict=False))


def _hand_paths(locations: list[PodLocation], references: list[Tokens]) -> list[Tokens]:
    """What a kind's rows already say something about: their pods, the fields their defaults take (a default
    naming fields of ``/spec`` claims those fields, not all of ``/spec``) and their reference fields."""
    paths = list(references)
    for location in locations:
        paths.append(location.path)
        container_defaults = [d for c in location.containers or () for d in c.defaults]
        for source in [*location.defaults, *container_defaults]:
            if source.relative_to != "object":
                continue
            if source.fields is None:
                paths.append(source.path)
            else:
                paths.extend((*source.path, name) for name in source.fields)
    return paths


class PodFinder:
    """The pod locations of each kind for one run: computed once per (group, version, kind) and process.

    ``store`` (``validation.store.SchemaStore``) is given only when the run has CRDs of its own or --schema-dir
    folders; otherwise the shipped CRDs' precomputed rows are read without loading any schema.
    """

    def __init__(self, table: WorkloadTable, store: Any = None, kubernetes_version: str | None = None,
                 schemas: bool = True) -> None:
        self.table = table
        self.store = store
        self.kubernetes_version = kubernetes_version
        self.schemas = schemas  # False: the table only (a table without schemas, as --inspect of old tests)
        self._locations: dict[tuple[str, str, str], list[PodLocation]] = {}

    def views(self, obj: K8sObject) -> list[PodView]:
        return self.table.views(obj, self.locations)

    def prepare(self, crds: Any) -> None:
        """Convert and derive the run's own CRDs now (in the parent process, before workers are forked), so that
        each is paid for once, not once per worker."""
        if self.store is None:
            return
        for fact in crds:
            spec = fact.data.get("spec") if isinstance(fact.data.get("spec"), dict) else {}
            names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
            for version in spec.get("versions") or [{"name": spec.get("version")}]:
                if isinstance(version, dict) and isinstance(version.get("name"), str):
                    try:
                        entry = self.store.lookup(str(spec.get("group")), version["name"], str(names.get("kind")))
                    except (OSError, ValueError, KeyError, TypeError):
                        continue
                    if entry is not None:
                        derived_locations(entry)
        self.store.release_files()  # workers are forked next: each opens the bundle for itself

    def knows(self, obj: K8sObject) -> bool:
        return bool(self.locations(obj)) or obj.group_kind in self.table.references_by_kind

    def locations(self, obj: K8sObject) -> list[PodLocation]:
        key = (obj.group, obj.api_version.rpartition("/")[2], obj.kind)
        found = self._locations.get(key)
        if found is None:
            found = self._locations[key] = self._compute(obj, key)
        return found

    def described(self, obj: K8sObject) -> tuple[bool, list[PodLocation]]:
        """(whether a schema describes the kind, the pod locations derived from it), first source first: a CRD
        of --schema-dir, a CRD among the run's files, a shipped CRD, the Kubernetes kinds."""
        group, version, kind = obj.group, obj.api_version.rpartition("/")[2], obj.kind
        if group == "":
            return True, []
        if self.store is not None:
            try:
                entry = self.store.lookup(group, version, kind)
            except (OSError, ValueError, KeyError):
                entry = None
            if entry is not None:
                return True, derived_locations(entry)
            return False, []
        shipped = shipped_locations(f"{group}/{kind.lower()}_{version}.json")
        if shipped is not None:
            return True, shipped
        return (group, kind) in builtin_kinds(self.kubernetes_version), []

    def _compute(self, obj: K8sObject, key: tuple[str, str, str]) -> list[PodLocation]:
        hand = self.table.by_kind.get(obj.group_kind) or []
        if not self.schemas or self.table.holds_no_pods(obj.group_kind):
            return hand
        described, derived = self.described(obj)
        if not described:  # nothing describes the kind: the table's rows, else a search by shape
            if hand or obj.group_kind in self.table.references_by_kind:
                return hand
            return [_SEARCH_ALL]
        if not hand:
            return [d for d in derived if d.shape != "search"] + [d for d in derived if d.shape == "search"]
        taken = _hand_paths(hand, self.table.references_by_kind.get(obj.group_kind, []))
        extra = [d for d in derived if not any(_matches(d.path, path) for path in taken)]
        return hand + [d for d in extra if d.shape != "search"] + [d for d in extra if d.shape == "search"]


def pod_finder(run: Any, table: WorkloadTable) -> PodFinder:
    """The run's finder for ``table`` (one per table, kept in the run context: workers inherit it)."""
    key = ("pod finder", id(table))
    finder = run.extra.get(key)
    if finder is None:
        store = None
        if run.schema_dirs or (run.facts is not None and run.facts("crds")):
            from ..checks.schema import schema_store  # the run's own CRDs and --schema-dir need the store

            store = schema_store(run)
        finder = run.extra[key] = PodFinder(table, store, run.kubernetes_version)
    return finder
