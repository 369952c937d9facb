"""Issue 13, item 4: one absurd number, or one file that fails, never costs the run or other files their report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, cli, lint_text

from kml_lint.yamlfold import resolve_plain

CONTENT = ROOT / "tests" / "hostile" / "content"
HUGE = "9" * 5000  # more digits than Python turns into text (sys.int_info.default_max_str_digits)


def _deployment(replicas: str, cpu: str = "1") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: huge}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: huge}}}}
  template:
    metadata: {{labels: {{app: huge}}}}
    spec:
      containers:
        - name: main
          image: nginx:1.25
          env: [{{name: SIZE, value: {replicas}}}]
          resources: {{limits: {{cpu: {cpu}, memory: 1Gi}}, requests: {{cpu: {cpu}, memory: 1Gi}}}}
"""


@pytest.mark.parametrize("written", [HUGE, "0x" + "f" * 5000, "0" + "7" * 5000, "0b" + "1" * 70, "-" + HUGE,
                                     "1" + "0" * 400 + ".5", "1e999"])
def test_a_number_no_64_bit_type_holds_is_text_as_go_yaml_reads_it(written: str) -> None:
    assert resolve_plain(written) == written


@pytest.mark.parametrize("written, value", [("18446744073709551615", 2 ** 64 - 1), ("-9223372036854775808", -2 ** 63),
                                            ("0x10", 16), ("0777", 511), ("1e300", 1e300), ("1" + "0" * 30, 1e30), ("18446744073709551616", 2.0 ** 64)])
def test_numbers_in_range_keep_their_value(written: str, value: object) -> None:
    assert resolve_plain(written) == value


@pytest.mark.parametrize("written", [HUGE, "0x" + "f" * 5000, "0" + "7" * 5000])
def test_an_absurd_number_is_a_located_kml003_finding_and_no_rule_fails(written: str) -> None:
    result = lint_text(_deployment(written, cpu=written))
    rules = [f.rule_id for f in result.findings]
    assert "KML000" not in rules
    replicas = [f for f in result.findings if f.rule_id == "KML003" and "spec.replicas" in f.message]
    assert len(replicas) == 1 and replicas[0].line == 5
    assert "too large for any 64-bit number" in replicas[0].message
    assert len(replicas[0].message) < 400  # the value is shortened, not quoted whole


def test_the_crafted_file_keeps_the_other_files_report(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text(_deployment(HUGE))
    good = tmp_path / "good.yaml"
    good.write_text(_deployment("2"))
    code, out, err = cli(str(huge), str(good), "--format", "json")
    assert code == 1, err
    findings = json.loads(out)["findings"]
    assert {Path(f["path"]).name for f in findings} == {"huge.yaml", "good.yaml"}
    assert not [f for f in findings if f["rule"] == "KML000"]


def test_a_file_that_fails_outside_every_rule_costs_only_its_own_result(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import kml_lint.engine as engine

    real = engine.parse_yaml

    def failing(text: str):  # stands for any defect met while linting one file, outside a rule
        if "kml-lint.test/fail-file" in text:
            raise ValueError("planted failure")
        return real(text)

    monkeypatch.setattr(engine, "parse_yaml", failing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("# kml-lint.test/fail-file\n" + _deployment("1"))
    good = tmp_path / "good.yaml"
    good.write_text(_deployment("1"))
    code, out, err = cli(str(bad), str(good), "--format", "json", "--jobs", "1")
    assert code == 1, err
    findings = json.loads(out)["findings"]
    failed = [f for f in findings if f["rule"] == "KML000"]
    assert [(Path(f["path"]).name, f["line"]) for f in failed] == [("bad.yaml", 1)]
    assert "planted failure" in failed[0]["message"]
    assert any(Path(f["path"]).name == "good.yaml" for f in findings)


@pytest.mark.parametrize("value", [HUGE, "18446744073709551615", "0x" + "f" * 5000])
def test_an_absurd_max_file_size_in_the_configuration_is_a_configuration_error(tmp_path: Path, value: str) -> None:
    (tmp_path / ".kml-lint.yaml").write_text(f"max-file-size: {value}\n")
    (tmp_path / "good.yaml").write_text(_deployment("1"))
    code, _, err = cli("good.yaml", cwd=tmp_path)
    assert code == 2
    assert "max-file-size" in err and "internal error" not in err and len(err) < 600


def test_quantities_with_exbibytes_or_absurd_exponents_parse_without_raising() -> None:
    from decimal import Decimal

    from kml_lint.quantity import parse_quantity

    assert parse_quantity("1Ei") == Decimal(2) ** 60  # raised ValueError: "Ei" was read as an exponent
    assert parse_quantity("1e" + "9" * 5000) is None
    assert parse_quantity("1e999999999") is None
    assert parse_quantity("1e3") == 1000


@pytest.mark.parametrize("text", ["²", "9" * 5000, "٣", "99999999999999999999999"])
def test_text_read_as_a_count_is_ascii_and_64_bit(text: str) -> None:
    from kml_lint.checks._common import int_or_none

    assert int_or_none(text) is None
    assert int_or_none(" 12 ") == 12
