"""Issue 13, item 12: schema patterns from the repository (CRDs, --schema-dir) run on RE2, in linear time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import kml_process

from kml_lint.validation.patterns import MAX_PATTERN, compile_pattern

CRD = """\
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
              properties:
                slow: {type: string, pattern: '^(a+)+$'}
                lookahead: {type: string, pattern: '^(?!forbidden).*$'}
                anchored: {type: string, pattern: '^[a-z]+$'}
                labels:
                  type: object
                  additionalProperties: false
                  patternProperties:
                    '^(?=x)': {type: string}
"""
WIDGET = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  slow: "%s"
  lookahead: forbidden-value
  anchored: "abc\\n"
  labels: {anything: goes}
"""


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "widgets.yaml").write_text(CRD)
    return folder


def _lint(tmp_path: Path, schemas: Path, slow: str):
    (tmp_path / "w.yaml").write_text(WIDGET % slow)
    # The timeout is a hang guard: Python's re needs about 2**40 steps for this value, RE2 microseconds.
    proc = kml_process(str(tmp_path / "w.yaml"), "--schema-dir", str(schemas), "--format", "json",
                       "--select", "KML003,KML004", timeout=60)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)["findings"]


def test_a_catastrophic_pattern_is_evaluated_in_linear_time(tmp_path: Path, schemas: Path) -> None:
    _, findings = _lint(tmp_path, schemas, "a" * 40 + "!")
    slow = [f for f in findings if f["pointer"] == "/spec/slow"]
    assert len(slow) == 1 and "does not match the required pattern" in slow[0]["message"]


def test_patterns_rE2_cannot_compile_accept_anything_with_one_note_naming_the_schema(tmp_path: Path,
                                                                                     schemas: Path) -> None:
    proc, findings = _lint(tmp_path, schemas, "aaa")
    pointers = {f["pointer"] for f in findings}
    assert "/spec/lookahead" not in pointers  # refused by RE2 (and by the API server): not checked
    assert not any(p.startswith("/spec/labels") for p in pointers)  # the key pattern accepts any key
    notes = [line for line in proc.stderr.splitlines() if "not an RE2 regular expression" in line]
    assert len(notes) == 2 and all("widgets.yaml" in line for line in notes), proc.stderr
    assert "re2.cc" not in proc.stderr  # RE2's own log stays quiet


def test_dollar_means_the_end_of_the_value_as_in_go(tmp_path: Path, schemas: Path) -> None:
    _, findings = _lint(tmp_path, schemas, "aaa")
    assert "/spec/anchored" in {f["pointer"] for f in findings}  # Python's $ also matched before a newline


def test_compile_pattern_refuses_what_rE2_refuses_and_absurd_lengths() -> None:
    assert compile_pattern(r"(a)\1") is None
    assert compile_pattern("a" * (MAX_PATTERN + 1)) is None
    assert compile_pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").search("my-name")


def test_no_python_re_on_schema_patterns() -> None:
    root = Path(__file__).resolve().parents[2] / "kml_lint" / "validation"
    for name in ("compiler.py", "convert.py"):
        source = (root / name).read_text()
        assert "re.compile(p" not in source and "re.compile(pattern" not in source, name
