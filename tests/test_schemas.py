"""Schema validation beyond the rule fixtures: versions, options, user schemas, laziness, the API table."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, all_rules, kml_process, rules_by_id

from kml_lint.checks import RunContext
from kml_lint.cli import main
from kml_lint.engine import Engine
from kml_lint.findings import Severity
from kml_lint.quantity import suggest_quantity
from kml_lint.registry import schemas_dir
from kml_lint.validation import compiler
from kml_lint.validation.apis import REMOVED, api_table
from kml_lint.validation.convert import crd_version_schema, user_json_schema
from kml_lint.validation.store import member_name
from kml_lint.validation.versions import UnsupportedVersion, resolve_version, supported_versions

SCHEMA_RULES = ("KML003", "KML004", "KML005", "KML006", "KML007")


def lint(text: str, version: str | None = None, rules: tuple[str, ...] = SCHEMA_RULES, **run: object):
    engine = Engine(rules_by_id(*rules), RunContext(kubernetes_version=version, **run))  # type: ignore[arg-type]
    return engine.lint_text("test.yaml", textwrap.dedent(text))


def found(result) -> set[tuple[int, str]]:
    return {(f.line, f.rule_id) for f in result.findings}


run_cli = kml_process


# ---------------------------------------------------------------------------------------------
# Kubernetes versions


def test_four_newest_versions_are_shipped_and_the_newest_is_the_default() -> None:
    versions = supported_versions()
    assert len(versions) == 4
    assert resolve_version(None) == versions[-1]
    assert resolve_version(f"v{versions[0]}.3") == versions[0]


def test_unsupported_version_is_a_usage_error_listing_the_supported_ones() -> None:
    with pytest.raises(UnsupportedVersion):
        resolve_version("1.20")
    proc = run_cli("examples/", "--kubernetes-version", "1.20")
    assert proc.returncode == 2
    assert "1.20" in proc.stderr and ", ".join(supported_versions()) in proc.stderr
    assert "Traceback" not in proc.stderr


REMOVED_IN_NEWEST = """\
    apiVersion: scheduling.k8s.io/v1alpha2
    kind: Workload
    metadata: {name: gang}
    spec: {podGroupTemplates: [{name: workers, schedulingPolicy: {gang: {minCount: 4}}}]}
    ---
    apiVersion: storage.k8s.io/v1beta1
    kind: VolumeAttributesClass
    metadata: {name: fast}
    driverName: pd.csi.storage.gke.io
    """


def test_an_api_removed_in_the_shipped_range_is_flagged_only_where_it_is_gone() -> None:
    newest = lint(REMOVED_IN_NEWEST, "1.37")
    assert [(f.line, f.rule_id, f.severity) for f in newest.findings] == [
        (1, "KML006", Severity.ERROR), (6, "KML006", Severity.ERROR)]
    previous = lint(REMOVED_IN_NEWEST, "1.36")
    # 1.36 still serves both: the alpha Workload is validated as usual, the beta class is deprecated (a warning).
    assert [(f.line, f.rule_id, f.severity) for f in previous.findings] == [(6, "KML006", Severity.WARNING)]
    assert "deprecated since Kubernetes 1.34" in previous.findings[0].message
    older = lint(REMOVED_IN_NEWEST, "1.34")
    # scheduling.k8s.io/v1alpha2 did not exist yet in 1.34: no schema, not a removal.
    assert (2, "KML007") in found(older) and (1, "KML006") not in found(older)


def test_the_replacement_follows_the_selected_version() -> None:
    text = "apiVersion: scheduling.k8s.io/v1alpha1\nkind: Workload\nmetadata: {name: w}\n"
    assert "use apiVersion scheduling.k8s.io/v1alpha2" in lint(text, "1.36").findings[0].message
    assert "use apiVersion scheduling.k8s.io/v1beta1" in lint(text, "1.37").findings[0].message


def test_the_api_table_agrees_with_the_bundles() -> None:
    """A removal in the table means the kind is gone from that version's bundle, and every kind a shipped
    version stops serving is in the table."""
    served = {}
    for version in supported_versions():
        with zipfile.ZipFile(schemas_dir() / "kubernetes" / f"v{version}.zip") as bundle:
            served[version] = {(g, v, k) for g, v, k in json.loads(bundle.read("index.json"))}
    for (api, kind), change in api_table().items():
        group, _, version = api.rpartition("/")
        for release, kinds in served.items():
            if change.state(release) == REMOVED:
                assert (group, version, kind) not in kinds, f"{api} {kind} is still in the {release} bundle"
            for replacement in change.use.values():
                if replacement and change.state(release) == REMOVED and change.replacement(release) == replacement:
                    g, _, v = replacement.rpartition("/")
                    assert (g, v, kind) in kinds, f"{replacement} {kind} is not served by {release}"
    releases = list(served)
    for before, after in itertools.pairwise(releases):
        for group, version, kind in served[before] - served[after]:
            api = f"{group}/{version}" if group else version
            change = api_table().get((api, kind))
            assert change is not None and change.removed == after, f"{api} {kind} vanishes in {after}"


# ---------------------------------------------------------------------------------------------
# Options


def test_no_schemas_turns_validation_off_but_keeps_the_api_table() -> None:
    fixture = "tests/rules/KML004/fail.yaml"
    proc = run_cli(fixture, "--no-schemas", "--format", "json")
    report = json.loads(proc.stdout)
    rules = {finding["rule"] for finding in report["findings"]}
    assert not rules & {"KML003", "KML004", "KML005", "KML007"}
    assert "KML102" in rules  # the other rules still run (a container without resources: one finding)
    on = json.loads(run_cli(fixture, "--format", "json").stdout)
    assert "KML004" in {finding["rule"] for finding in on["findings"]}
    removed = run_cli("tests/rules/KML006/fail.yaml", "--no-schemas", "--select", "KML006", "--format", "json")
    assert len(json.loads(removed.stdout)["findings"]) == 6  # the table still works; CRD deprecations need schemas


@pytest.mark.parametrize("args", [["--no-schemas", "examples/"], ["--list-rules"], ["--select", "KML1", "examples/"]])
def test_schema_machinery_is_not_loaded_when_not_needed(args: list[str]) -> None:
    code = (f"import sys\nfrom kml_lint.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m == 'jsonschema' or m.startswith('kml_lint.validation.')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    loaded = proc.stdout.strip().splitlines()[-1]
    assert "jsonschema" not in loaded and "store" not in loaded and "compiler" not in loaded, loaded


def test_verbose_counts_objects_per_schema_source() -> None:
    proc = run_cli("tests/rules/KML007/pass.yaml", "tests/rules/KML007/fail.yaml", "--verbose")
    assert (f"schemas of Kubernetes {supported_versions()[-1]}: 2 objects validated against Kubernetes schemas, "
            "2 against CRD schemas, 0 against --schema-dir schemas, 0 against CRDs among the linted files; 5 without a schema, 1 with a removed apiVersion"
            in proc.stderr), proc.stderr


def test_strict_kinds_makes_an_unknown_kind_an_error() -> None:
    widget = "tests/rules/KML007/fail.yaml"
    assert run_cli(widget, "--select", "KML007").returncode == 0
    strict = run_cli(widget, "--select", "KML007", "--strict-kinds", "--format", "json")
    assert strict.returncode == 1
    assert {f["severity"] for f in json.loads(strict.stdout)["findings"]} == {"error"}


def test_policy_rules_run_whatever_the_schema_findings() -> None:
    text = """\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: train}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: trainer
                  image: nvcr.io/nvidia/pytorch:24.05-py3
                  resource:
                    limits: {memory: 8Gi}
        """
    result = lint(text, rules=("KML004", "KML101"))
    assert {(11, "KML004"), (9, "KML101")} <= found(result)


# ---------------------------------------------------------------------------------------------
# Laziness and caching


def test_a_run_reads_only_the_schemas_of_the_kinds_it_meets(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    original = zipfile.ZipFile.read

    def spy(self: zipfile.ZipFile, name: str, *args: object) -> bytes:
        read.append(name)
        return original(self, name, *args)

    monkeypatch.setattr(zipfile.ZipFile, "read", spy)
    text = """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: a}
        spec:
          selector: {matchLabels: {app: a}}
          template:
            metadata: {labels: {app: a}}
            spec: {containers: [{name: a, image: "nginx:1.27"}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: a}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: a}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: b}
        spec:
          selector: {matchLabels: {app: b}}
          template:
            metadata: {labels: {app: b}}
            spec: {containers: [{name: b, image: "nginx:1.27"}]}
        """
    assert not lint(text).findings
    assert sorted(read) == sorted(member_name(*gvk) for gvk in [("apps", "v1", "Deployment"), ("", "v1", "Service"),
                                                                 ("", "v1", "ConfigMap")])


def test_validators_are_compiled_once_per_kind_for_a_whole_run(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    original = compiler.CompiledSchema.__init__

    def count(self: compiler.CompiledSchema, schema: dict) -> None:
        compiled.append(str(schema.get("properties", {}).get("kind")))
        original(self, schema)

    monkeypatch.setattr(compiler.CompiledSchema, "__init__", count)
    engine = Engine(rules_by_id(*SCHEMA_RULES), RunContext())
    for number in range(3):
        engine.lint_text(f"f{number}.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{number}}}\n")
    assert len(compiled) == 1


# ---------------------------------------------------------------------------------------------
# User schemas (--schema-dir)

QUANTITY_PATTERN = (r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|"
                    r"([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$")
WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, minimum: 1}
                memory: {anyOf: [{type: integer}, {type: string}], x-kubernetes-int-or-string: true,
                         pattern: 'QUANTITY_PATTERN'}
                settings: {type: object, x-kubernetes-preserve-unknown-fields: true}
                labels: {type: object}
""".replace("QUANTITY_PATTERN", QUANTITY_PATTERN)


WIDGET = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  size: "3"
  sise: 3
  memory: 4GB
  settings: {anything: goes}
  labels: {free: form}
"""


def test_schema_dir_accepts_crd_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "widgets.yaml").write_text(WIDGET_CRD)
    (tmp_path / "widget.yaml").write_text(WIDGET)
    proc = run_cli(str(tmp_path / "widget.yaml"), "--schema-dir", str(tmp_path), "--format", "json")
    findings = {(f["line"], f["rule"]) for f in json.loads(proc.stdout)["findings"]}
    assert findings == {(5, "KML003"), (6, "KML004"), (7, "KML005")}
    without = run_cli(str(tmp_path / "widget.yaml"), "--format", "json")
    assert {f["rule"] for f in json.loads(without.stdout)["findings"]} == {"KML007"}


def test_schema_dir_accepts_kubeconform_layouts_with_references(tmp_path: Path) -> None:
    """CRDs-catalog layout (<group>/<kind>_<version>.json) and kubernetes-json-schema's (<kind>-<group>-<version>
    .json with $refs into _definitions.json); a user's schema wins over the shipped one."""
    (tmp_path / "example.com").mkdir()
    (tmp_path / "example.com" / "widget_v1.json").write_text(json.dumps({
        "type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                         "metadata": {"type": "object"},
                                         "spec": {"type": "object", "additionalProperties": False,
                                                  "properties": {"size": {"type": "integer"}}}}}))
    (tmp_path / "_definitions.json").write_text(json.dumps({"definitions": {
        "Spec": {"type": "object", "additionalProperties": False,
                 "properties": {"replicas": {"type": ["integer", "null"]}, "template": {"$ref": "#/definitions/T"}}},
        "T": {"type": "object"}}}))
    (tmp_path / "deployment-apps-v1.json").write_text(json.dumps({
        "type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                         "metadata": {"type": "object"},
                                         "spec": {"$ref": "_definitions.json#/definitions/Spec"}}}))
    (tmp_path / "broken.json").write_text("{not json")
    text = ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1, colour: red}\n---\n"
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: two, strategy: {}}\n")
    result = lint(text, schema_dirs=(str(tmp_path),))
    assert {(f.line, f.rule_id) for f in result.findings} == {(4, "KML004"), (9, "KML003"), (9, "KML004")}


def test_unreadable_user_schema_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "widget_v1.json").write_text("{not json")
    (tmp_path / "w.yaml").write_text(WIDGET)
    proc = run_cli(str(tmp_path / "w.yaml"), "--schema-dir", str(tmp_path))
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    assert "widget_v1.json" in proc.stderr and "not valid JSON" in proc.stderr


# ---------------------------------------------------------------------------------------------
# Conversion and messages


def test_crd_conversion_keeps_the_crds_looseness() -> None:
    schema = {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                     "properties": {"known": {"type": "string"}}},
            "bare": {"type": "object"},
            "port": {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True},
            "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "default": 1},
            "either": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                       "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
            "nullable": {"type": "string", "nullable": True},
            "rules": {"type": "array", "items": {"type": "string"},
                      "x-kubernetes-validations": [{"rule": "self.size() > 0"}]},
        }, "required": ["count"]}}}
    converted = crd_version_schema(schema, None, "example.com", "v1", "Thing")
    spec = converted["properties"]["spec"]
    assert spec["additionalProperties"] is False and "required" not in spec  # count has a default
    assert "additionalProperties" not in spec["properties"]["open"]
    assert spec["properties"]["bare"] == {"type": "object"}
    assert spec["properties"]["port"] == {"type": ["integer", "string"]}
    assert spec["properties"]["count"]["exclusiveMinimum"] == 0
    assert "x-kubernetes-validations" not in json.dumps(converted)
    validate = compiler.CompiledSchema(converted).validate
    ok = {"apiVersion": "example.com/v1", "kind": "Thing",
          "spec": {"open": {"x": 1}, "bare": {"y": 2}, "port": "http", "either": {"a": "1"}, "nullable": None}}
    assert validate(ok) == []
    bad = {"spec": {"open": {"known": 3}, "port": 1.5, "count": 0, "either": {"a": "1", "b": "2"}, "rules": [1]}}
    problems = {(p.rule, p.pointer) for p in validate(bad)}
    assert problems == {("KML003", "/spec/open/known"), ("KML003", "/spec/port"), ("KML003", "/spec/count"),
                        ("KML003", "/spec/either"), ("KML003", "/spec/rules/0")}


def test_kubeconform_standalone_quantity_and_nullable_types_convert(tmp_path: Path) -> None:
    data = {"type": "object", "properties": {
        "memory": {"oneOf": [{"type": ["string", "null"]}, {"type": ["number", "null"]}]},
        "name": {"type": ["string", "null"]}}}
    converted, notes = user_json_schema(tmp_path / "x.json", data)
    assert converted["properties"]["memory"] == {"x-kml-quantity": True}
    assert converted["properties"]["name"] == {"type": "string"} and not notes


@pytest.mark.parametrize(("text", "expected"), [
    ("8GB", ["8G", "8Gi"]), ("2 Gi", ["2Gi"]), ("1.5.0", ["1.5"]), ("100mi", ["100Mi"]), ("1K", ["1k", "1Ki"]),
    ("16GiB", ["16Gi"]), ("500 millicores", ["500m"]), ("10%", []),
])
def test_quantity_suggestions(text: str, expected: list[str]) -> None:
    assert suggest_quantity(text) == expected


def test_messages_name_paths_in_plain_words() -> None:
    assert compiler.display_path("/spec/template/spec/containers/0/resource") == \
        "spec.template.spec.containers[0].resource"
    assert compiler.display_path("/metadata/annotations/prometheus.io~1port") == \
        'metadata.annotations["prometheus.io/port"]'


def test_every_shipped_crd_schema_is_in_the_dialect_and_compiles() -> None:
    import gzip

    index = json.loads((schemas_dir() / "crds" / "index.json").read_text())
    assert len(index) >= 80
    for group, version, kind in index:
        path = schemas_dir() / "crds" / f"{member_name(group, version, kind)}.gz"
        schema = json.loads(gzip.decompress(path.read_bytes()))
        assert schema["x-kml-dialect"] == "kml-lint/1"
        assert compiler.CompiledSchema(schema).validate({"apiVersion": f"{group}/{version}", "kind": kind}) \
            is not None


def test_rules_of_the_schema_family_are_all_shipped() -> None:
    ids = {rule.id for rule in all_rules()}
    assert set(SCHEMA_RULES) <= ids


def test_cli_main_is_importable_without_running() -> None:
    assert callable(main)


def test_a_one_file_text_run_imports_only_what_it_needs() -> None:
    """The pre-commit case: no SARIF library, no jsonschema (validators are precompiled), no worker pool, no
    cache, no spill file machinery."""
    unwanted = ("sarif_om", "jsonschema", "multiprocessing", "pickle", "tempfile", "kml_lint.reporters.sarif",
                "kml_lint.cache", "kml_lint.inspect", "kml_lint.docs")
    code = ("import sys\nfrom kml_lint.cli import main\ntry:\n    main(['examples/train-job.yaml'])\n"
            f"except SystemExit:\n    pass\nprint(sorted(m for m in {unwanted!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "KML201" in proc.stdout  # the run did lint the file
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout.splitlines()[-1]
