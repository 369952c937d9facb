"""Where the schema of an apiVersion/kind comes from, loaded only when an object needs it.

Sources, first match wins: the ``--schema-dir`` folders in the order given (JSON schemas in kubeconform's
layouts, CRD YAML files), the shipped CRD schemas (``schemas/crds``), then the Kubernetes bundle of the
selected version (``schemas/kubernetes/v1.NN.zip``: one member per kind, read on first use).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..registry import schemas_dir
from ..safeio import MAX_INPUT_SIZE, UnsafeFile, describe_error, read_bytes, read_text
from .compiler import CompiledSchema
from .convert import crd_schemas, user_json_schema
from .versions import resolve_version

BUILTIN, CRD, USER, RUN = "built-in", "CRD", "user", "run"


@dataclass(slots=True)
class SchemaEntry:
    source: str  # built-in | CRD (shipped) | user (--schema-dir) | run (a CRD among the linted files)
    compiled: CompiledSchema
    origin: str = ""  # the file it comes from (a shipped schema: its member name, such as kubeflow.org/x_v1.json)
    digest: str = ""  # sha256 of a shipped schema file's bytes (precomputed pod rows are checked against it)
    pods: Any = None  # pods.finder: the pod locations derived from this schema, once


def member_name(group: str, version: str, kind: str) -> str:
    """A schema's name in a bundle and in kubeconform's CRDs-catalog layout: ``apps/deployment_v1.json``."""
    return f"{group or 'core'}/{kind.lower()}_{version}.json"


def schema_bytes(path: Path) -> bytes:
    """A JSON schema file's bytes, gunzipped for ``.gz``: a regular file, and at most ``MAX_INPUT_SIZE`` bytes
    before and after decompression (a small gzip file can expand to gigabytes)."""
    raw = read_bytes(str(path))
    if not path.name.endswith(".gz"):
        return raw
    import io

    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
        data = unpacked.read(MAX_INPUT_SIZE + 1)
    if len(data) > MAX_INPUT_SIZE:
        raise UnsafeFile(str(path), f"expands to more than {MAX_INPUT_SIZE:,} bytes: not read", True)
    return data


class SchemaFolder:
    """A folder of schemas: kubeconform's layouts (``<group>/<kind>_<version>.json``, ``<kind>_<version>.json``,
    ``<kind>-<group>-<version>.json``, optionally gzipped) and CRD YAML files, indexed on first lookup."""

    def __init__(self, path: Path | None, source: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.source = source
        self.problems = problems
        self._files: dict[str, Path] | None = None
        self._crds: dict[tuple[str, str, str], tuple[Path, Any]] = {}  # the CRD object, then its SchemaEntry

    def _index(self) -> dict[str, Path]:
        if self._files is None and self.path is None:
            self._files = {}  # CRDs of the run: given, not walked
        if self._files is None:
            self._files = {}
            for folder, dirs, names in os.walk(self.path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    full = Path(folder) / name
                    relative = full.relative_to(self.path).as_posix()
                    if name.endswith((".json", ".json.gz")):
                        self._files[relative.lower().removesuffix(".gz")] = full
                    elif name.endswith((".yaml", ".yml")) and self.source == USER:
                        self._index_crds(full)
        return self._files

    def _index_crds(self, path: Path) -> None:
        from ..yamlfold import parse_yaml

        try:
            text = read_text(str(path))
        except UnsafeFile:
            raise  # a FIFO, device or oversized file among users' schemas: an error, not a warning
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append((str(path), f"schema file cannot be read: {describe_error(exc)}"))
            return
        if "CustomResourceDefinition" not in text:
            return
        parsed = parse_yaml(text)
        for document in parsed.documents:
            self.add_crd(path, document.data)

    def add_crd(self, path: Path | str, data: Any) -> None:
        """Index a CRD's versions (converted when an object first needs one); the first CRD of a kind wins."""
        if isinstance(data, dict) and data.get("kind") == "CustomResourceDefinition":
            spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
            names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
            for version in spec.get("versions") or [{"name": spec.get("version")}]:
                if isinstance(version, dict) and isinstance(version.get("name"), str):
                    key = (str(spec.get("group")), version["name"], str(names.get("kind")))
                    self._crds.setdefault(key, (path, data))

    def candidates(self, group: str, version: str, kind: str) -> list[str]:
        kind = kind.lower()
        first = group.split(".")[0]
        names = [f"{group}/{kind}_{version}.json"] if group else [f"core/{kind}_{version}.json"]
        names += [f"{kind}_{version}.json"]
        names += [f"{kind}-{first}-{version}.json", f"{kind}-{group}-{version}.json"] if group \
            else [f"{kind}-{version}.json"]
        return [name.lower() for name in names]

    def find(self, group: str, version: str, kind: str, object_meta: Any) -> SchemaEntry | None:
        files = self._index()
        crd = self._crds.get((group, version, kind))
        if crd is not None:
            path, data = crd
            if not isinstance(data, dict) or data.get("kind") != "CustomResourceDefinition":
                return data  # converted before (every version of a CRD is converted at once)
            for g, v, k, schema in crd_schemas(data, object_meta()):
                if self._crds.get((g, v, k), (None,))[0] == path:
                    self._crds[(g, v, k)] = (path, SchemaEntry(self.source, CompiledSchema(schema), str(path)))
            converted = self._crds[(group, version, kind)][1]
            return converted if isinstance(converted, SchemaEntry) else None
        for name in self.candidates(group, version, kind):
            path = files.get(name)
            if path is None:
                continue
            try:
                raw = schema_bytes(path)
                data = json.loads(raw)
            except (OSError, ValueError, EOFError, RecursionError) as exc:
                self.problems.append((str(path), f"schema file is not valid JSON: {describe_error(exc)}"))
                continue
            schema, notes = user_json_schema(path, data)
            for note in notes:
                self.problems.append((str(path), note))
            if self.source == CRD:  # shipped: named by member, digested for the precomputed pod rows
                import hashlib

                return SchemaEntry(self.source, CompiledSchema(schema), name, hashlib.sha256(raw).hexdigest())
            return SchemaEntry(self.source, CompiledSchema(schema), str(path))
        return None

    def known(self) -> list[tuple[str, str, str]]:
        """(group, version, kind) of every schema here (kinds in lower case for JSON files without an index)."""
        found = list(self._crds)
        index = self._index().get("index.json")
        if index is not None:
            try:
                return found + [tuple(item) for item in json.loads(read_bytes(str(index)))]
            except (OSError, ValueError, TypeError):
                pass
        for name in self._index():
            match = re.fullmatch(r"(?:(?P<group>[^/]+)/)?(?P<kind>[^/_]+)_(?P<version>[^/_]+)\.json", name)
            if match:
                group = match.group("group") or ""
                found.append(("" if group == "core" else group, match.group("version"), match.group("kind")))
        return found


class SchemaStore:
    """Schemas of one run: compiled once per (group, version, kind), cached, loaded lazily."""

    def __init__(self, kubernetes_version: str | None = None, schema_dirs: tuple[str, ...] | list[str] = (),
                 run_crds: Any = ()) -> None:
        self.version = resolve_version(kubernetes_version)
        self.problems: list[tuple[str, str]] = []  # (path, message): unreadable user schemas...
        root = schemas_dir()
        self._bundle_path = root / "kubernetes" / f"v{self.version}.zip"
        self._bundle: zipfile.ZipFile | None = None
        self._members: set[str] | None = None
        self._folders = [SchemaFolder(Path(d), USER, self.problems) for d in schema_dirs]
        # CRDs among the linted files (runwide facts, in path order): what the repository deploys, so they come
        # before the shipped CRDs of the same kinds.
        self.run_folder = SchemaFolder(None, RUN, self.problems)
        for fact in run_crds:
            self.run_folder.add_crd(fact.path, fact.data)
        self._folders.append(self.run_folder)
        self._folders.append(SchemaFolder(root / "crds", CRD, self.problems))
        self._cache: dict[tuple[str, str, str], SchemaEntry | None] = {}
        self._object_meta: Any = None
        self._builtin_kinds: list[tuple[str, str, str]] | None = None
        self._known: list[tuple[str, str, str]] | None = None
        self.memo: dict[str, Any] = {}  # the schema rules' own caches (KML007's hints)

    def preload(self) -> None:
        """Read every --schema-dir file now (not when a kind first needs it), so that the ones that cannot be
        used are reported once, before the run starts (worker processes then inherit what was read)."""
        for folder in self._folders:
            if folder.source != USER:
                continue
            for path in folder._index().values():
                try:
                    json.loads(schema_bytes(path))
                except UnsafeFile:
                    raise  # a FIFO, device or oversized file among users' schemas: an error, not a warning
                except (OSError, ValueError, EOFError, RecursionError) as exc:
                    self.problems.append((str(path), f"schema file is not valid JSON: {describe_error(exc)}"))


    def lookup(self, group: str, version: str, kind: str) -> SchemaEntry | None:
        key = (group, version, kind)
        if key not in self._cache:
            self._cache[key] = self._find(group, version, kind)
        return self._cache[key]

    def _find(self, group: str, version: str, kind: str) -> SchemaEntry | None:
        for folder in self._folders:
            entry = folder.find(group, version, kind, self.object_meta)
            if entry is not None:
                return entry
        name = member_name(group, version, kind)
        if name in self._bundle_members():
            schema = json.loads(self._open().read(name))
            return SchemaEntry(BUILTIN, CompiledSchema(schema))
        return None

    def release_files(self) -> None:
        """Close the bundle: a process about to fork must not share an open file (and its offset) with workers;
        the next lookup opens it again."""
        if self._bundle is not None:
            self._bundle.close()
            self._bundle = None

    def _open(self) -> zipfile.ZipFile:
        if self._bundle is None:
            self._bundle = zipfile.ZipFile(self._bundle_path)
        return self._bundle

    def _bundle_members(self) -> set[str]:
        if self._members is None:
            self._members = set(self._open().namelist())
        return self._members

    def object_meta(self) -> Any:
        """Kubernetes' ObjectMeta schema: every custom resource's ``metadata`` is validated against it."""
        if self._object_meta is None:
            configmap = json.loads(self._open().read(member_name("", "v1", "ConfigMap")))
            self._object_meta = configmap["properties"]["metadata"]
        return self._object_meta

    def builtin_kinds(self) -> list[tuple[str, str, str]]:
        """(group, version, Kind) of every kind the selected Kubernetes version serves."""
        if self._builtin_kinds is None:
            index = json.loads(self._open().read("index.json"))
            self._builtin_kinds = [tuple(item) for item in index]  # type: ignore[misc]
        return self._builtin_kinds

    def known(self) -> list[tuple[str, str, str]]:
        """Every (group, version, kind) a schema exists for (Kubernetes kinds properly capitalised)."""
        if self._known is None:
            found = list(self.builtin_kinds())
            for folder in self._folders:
                found.extend(folder.known())
            self._known = found
        return self._known


def summary(version: str, stats: Counter[str]) -> str:
    """How many objects were validated against which schemas (for --verbose), from the run's statistics."""
    return (f"schemas of Kubernetes {version}: {stats['schema ' + BUILTIN]} objects validated against Kubernetes "
            f"schemas, {stats['schema ' + CRD]} against CRD schemas, {stats['schema ' + USER]} against --schema-dir "
            f"schemas, {stats['schema ' + RUN]} against CRDs among the linted files; {stats['schema none']} without "
            f"a schema, {stats['schema removed']} with a removed apiVersion")
