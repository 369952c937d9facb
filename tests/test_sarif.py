"""SARIF output validates against the official 2.1.0 schema, for the examples and the awkward cases."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from conftest import ROOT, all_rules
from jsonschema import Draft7Validator

from kml_lint.engine import Engine
from kml_lint.report import RunReport
from kml_lint.reporters import render as render_format

SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


@cache
def validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def sarif_for(files: dict[str, str], cwd: Path) -> dict:
    engine = Engine(all_rules())
    report = RunReport(all_rules(), cwd=str(cwd))
    for path, text in files.items():
        report.files.append(engine.lint_text(path, text))
    return json.loads(render_format("sarif", report))


def assert_valid(log: dict) -> None:
    errors = sorted(validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def assert_github_ready(log: dict) -> None:
    """The constraints GitHub code scanning applies on upload, as assertions."""
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(run["results"]) <= 25_000
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["partialFingerprints"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert "\\" not in uri
        if "uriBaseId" in location["artifactLocation"]:
            assert not uri.startswith("/") and not uri.startswith("file:")
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
        for logical in result["locations"][0].get("logicalLocations", []):
            assert None not in logical.values()
    for rule in rules:
        assert rule["help"]["markdown"] and rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_examples_validate(tmp_path: Path) -> None:
    files = {f"examples/{p.name}": p.read_text() for p in sorted((ROOT / "examples").glob("*.yaml"))}
    log = sarif_for(files, ROOT)
    assert_valid(log)
    assert_github_ready(log)
    assert log["runs"][0]["results"], "the examples have findings"


AWKWARD = {
    "syntax.yaml": "apiVersion: v1\nkind: ConfigMap\ndata: [\n",
    "not-object.yaml": "- a\n- b\n---\n42\n",
    "list.yaml": ("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: batch/v1\n    kind: Job\n"
                  "    metadata: {name: in-list}\n    spec:\n      template:\n        spec:\n"
                  "          containers: [{name: c, image: busybox}]\n  - {metadata: {name: x}}\n"),
    "generate-name.yaml": ("apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: run-}\nspec:\n  template:\n"
                           "    spec:\n      containers: [{name: c, image: busybox}]\n"),
    "dir with space/näme.yaml": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                                 "  containers: [{name: c, image: x}]\n"),
}


def test_awkward_cases_validate(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    files = dict(AWKWARD)
    files[str(outside)] = AWKWARD["generate-name.yaml"]
    workdir = tmp_path / "work"
    workdir.mkdir()
    log = sarif_for(files, workdir)
    assert_valid(log)
    assert_github_ready(log)
    results = log["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "dir%20with%20space/n%C3%A4me.yaml" in uris
    assert outside.as_uri() in uris
    outside_result = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                          == outside.as_uri())
    assert "uriBaseId" not in outside_result["locations"][0]["physicalLocation"]["artifactLocation"]
    syntax = next(r for r in results if r["ruleId"] == "KML001")
    assert "logicalLocations" not in syntax["locations"][0]
    generated = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                     == "generate-name.yaml")
    logical = generated["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"] == "Job/run-*" and "namespace" not in logical["properties"]


def test_levels_are_explicit_even_when_they_equal_the_default() -> None:
    log = sarif_for({"x.yaml": AWKWARD["generate-name.yaml"]}, ROOT)
    assert all("level" in r for r in log["runs"][0]["results"])
    assert any(r["level"] == "warning" for r in log["runs"][0]["results"])


def test_fingerprints_survive_lines_added_above() -> None:
    text = AWKWARD["generate-name.yaml"]
    before = sarif_for({"x.yaml": text}, ROOT)["runs"][0]["results"]
    after = sarif_for({"x.yaml": "# a comment\n# another\n" + text}, ROOT)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before] != \
        [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_descriptor_is_complete(rule) -> None:
    from kml_lint.reporters.sarif import descriptor, to_json

    data = to_json(descriptor(rule))
    assert data["shortDescription"]["text"] and data["fullDescription"]["text"]
    assert data["help"]["text"] and data["help"]["markdown"]
