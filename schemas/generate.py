#!/usr/bin/env python3
"""Regenerate every shipped schema: the Kubernetes bundles and the ML operators' CRD schemas.

    .venv/bin/python schemas/generate.py [--kubernetes-validate WHEEL_OR_DIR] [--crds DIR] [--versions 4]

- ``schemas/kubernetes/v1.NN.zip``: one bundle per Kubernetes minor version (the newest ``--versions``
  that the kubernetes-validate package carries), one deflated member per kind,
  ``<group or "core">/<kind>_<version>.json``, each self-contained (references inlined).
- ``schemas/crds/<group>/<kind>_<version>.json.gz``: one schema per served version of each CRD found under
  ``--crds`` (kubeconform's CRDs-catalog layout; ``--schema-dir`` reads the same layout).

Without ``--kubernetes-validate``, the pinned release is fetched with ``pip download`` (PyPI only).
The conversion itself lives in ``kml_lint/validation/convert.py`` (the linter uses it for ``--schema-dir``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from kml_lint.validation.convert import builtin_schema, crd_schemas  # noqa: E402
from kml_lint.yamlfold import parse_yaml  # noqa: E402

KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
SKIPPED_GROUPS_VERSIONS = {("meta", "v1")}  # WatchEvent, DeleteOptions, Status...: never written by users
FIXED_DATE = (2026, 1, 1, 0, 0, 0)  # zip member timestamps: regenerating unchanged input gives the same bytes


def dumps(schema: object) -> str:
    return json.dumps(schema, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def member_name(group: str, version: str, kind: str) -> str:
    return f"{group or 'core'}/{kind.lower()}_{version}.json"


def fetch_kubernetes_validate(workdir: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(workdir),
                    KUBERNETES_VALIDATE], check=True)
    return next(workdir.glob("kubernetes_validate-*.whl"))


def schema_root(source: Path, workdir: Path) -> Path:
    """The ``kubernetes-json-schema`` folder inside a kubernetes-validate wheel or unpacked package."""
    if source.is_file():
        with zipfile.ZipFile(source) as wheel:
            wheel.extractall(workdir / "wheel")
        source = workdir / "wheel"
    found = next(source.rglob("kubernetes-json-schema"), None)
    if found is None:
        raise SystemExit(f"{source}: no kubernetes-json-schema folder (is it kubernetes-validate?)")
    return found


def minor_versions(root: Path) -> list[tuple[int, int]]:
    found = set()
    for entry in root.iterdir():
        match = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local-strict", entry.name)
        if match:
            found.add((int(match.group(1)), int(match.group(2))))
    return sorted(found)


def build_version(root: Path, version: tuple[int, int], out: Path) -> dict[str, int]:
    folder = next(root.glob(f"v{version[0]}.{version[1]}.*-local-strict"))
    definitions = json.loads((folder / "_definitions.json").read_text())["$defs"]
    members: dict[str, str] = {}
    kinds: list[tuple[str, str, str]] = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_") or path.name == "all.json":
            continue
        data = json.loads(path.read_text())
        gvks = data.get("x-kubernetes-group-version-kind") or []
        if len(gvks) != 1:
            continue  # WatchEvent, DeleteOptions: one schema claimed by every group
        gvk = gvks[0]
        group, api_version, kind = gvk["group"], gvk["version"], gvk["kind"]
        if kind.endswith("List") or (group, api_version) in SKIPPED_GROUPS_VERSIONS or "-meta-" in path.name:
            continue  # lists are linted item by item
        schema, problems = builtin_schema(data, definitions)
        for problem in problems:
            print(f"  {path.name}: {problem}", file=sys.stderr)
        members[member_name(group, api_version, kind)] = dumps(schema)
        kinds.append((group, api_version, kind))
    members["index.json"] = dumps(sorted(kinds))
    target = out / f"v{version[0]}.{version[1]}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, members[name], compresslevel=9)
    return {"kinds": len(kinds), "bytes": target.stat().st_size,
            "raw": sum(len(m.encode()) for m in members.values())}


def object_meta(bundle: Path) -> dict:
    with zipfile.ZipFile(bundle) as zipped:
        return json.loads(zipped.read(member_name("", "v1", "ConfigMap")))["properties"]["metadata"]


def build_crds(crds: Path, out: Path, meta: dict) -> dict[str, int]:
    written: dict[str, str] = {}
    kinds: list[tuple[str, str, str]] = []
    total = 0
    for path in sorted(crds.rglob("*.y*ml")):
        parsed = parse_yaml(path.read_text(encoding="utf-8"))
        for document in parsed.documents:
            for group, version, kind, schema in crd_schemas(document.data, meta):
                name = member_name(group, version, kind)
                if name in written and written[name] != str(path):
                    raise SystemExit(f"{name}: defined by {written[name]} and {path}")
                target = out / f"{name}.gz"
                target.parent.mkdir(parents=True, exist_ok=True)
                raw = (dumps(schema) + "\n").encode("utf-8")
                target.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
                written[name] = str(path)
                kinds.append((group, version, kind))
                total += len(raw)
    (out / "index.json").write_text(dumps(sorted(kinds)) + "\n", encoding="utf-8")
    return {"schemas": len(written), "raw": total, "bytes": sum((out / f"{n}.gz").stat().st_size for n in written)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kubernetes-validate", type=Path, help="a kubernetes-validate wheel or unpacked package")
    parser.add_argument("--crds", type=Path, default=ROOT.parent / "shared" / "crds",
                        help="folder of CustomResourceDefinition YAML files (default: ../shared/crds)")
    parser.add_argument("--versions", type=int, default=4, help="how many Kubernetes minor versions to ship")
    parser.add_argument("--crds-only", action="store_true",
                        help="rebuild schemas/crds only, against the Kubernetes bundles already here")
    args = parser.parse_args()

    if args.crds_only:
        out = HERE / "kubernetes"
        newest = max(out.glob("v*.zip"), key=lambda p: tuple(int(n) for n in re.findall(r"\d+", p.stem)))
        return _crds(args.crds, newest)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = args.kubernetes_validate or fetch_kubernetes_validate(work)
        root = schema_root(source, work)
        versions = minor_versions(root)[-args.versions:]
        out = HERE / "kubernetes"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        for version in versions:
            stats = build_version(root, version, out)
            print(f"kubernetes v{version[0]}.{version[1]}: {stats['kinds']} kinds, {stats['raw']:,} bytes of JSON, "
                  f"{stats['bytes']:,} bytes zipped")

    return _crds(args.crds, out / f"v{versions[-1][0]}.{versions[-1][1]}.zip")


def _crds(crds: Path, newest: Path) -> int:
    crd_out = HERE / "crds"
    shutil.rmtree(crd_out, ignore_errors=True)
    crd_out.mkdir()
    stats = build_crds(crds, crd_out, object_meta(newest))
    print(f"crds: {stats['schemas']} schemas, {stats['raw']:,} bytes of JSON, {stats['bytes']:,} bytes gzipped")
    print("then run `python -m kml_lint.docs` to derive their pod rows (kml_lint/compiled_crd_pods.json)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
