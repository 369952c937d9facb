"""Issue 13, "Done when": mutated real manifests (byte flips, truncation, line moves, huge numbers, type swaps in
pod specs) keep the command's contract: exit 0 or 1, no KML000, no traceback, valid JSON and valid SARIF.

In process (click's runner) to keep CI time small: ``KML_FUZZ_EXAMPLES`` (default 40) sets how many mutated files
are tried, each linted twice (JSON, SARIF); ``KML_FUZZ_RANDOM=1`` explores new examples instead of the fixed ones.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import pytest
from conftest import CORPUS, SHARED, cli, requires_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SARIF_SCHEMA = SHARED / "reference" / "sarif-schema-2.1.0.json"


@cache
def _pod_files() -> list[Path]:
    """Small corpus files that hold pod specs (the type swaps need them), in a fixed order."""
    if not CORPUS.is_dir():
        return []
    found = [p for p in sorted(CORPUS.rglob("*.y*ml")) if p.is_file() and 200 < p.stat().st_size < 12_000]
    return [p for p in found if b"containers:" in p.read_bytes()][:400]


@cache
def _sarif_validator():
    from jsonschema import Draft7Validator

    return Draft7Validator(json.loads(SARIF_SCHEMA.read_text())) if SARIF_SCHEMA.is_file() else None


_NUMBER = re.compile(rb"(?<=: )\d+\b")
_POD_FIELD = re.compile(rb"^(\s*-?\s*(?:containers|image|resources|limits|requests|env|value|ports|containerPort|"
                        rb"securityContext|volumes|volumeMounts|command|args|name|replicas|template|spec|cpu|memory|"
                        rb"nvidia\.com/gpu|runAsUser|privileged|nodeSelector|tolerations|labels|metadata):)(.*)$",
                        re.MULTILINE)
_SWAPS = (b" []", b" {}", b" null", b" true", b" 12345", b' "text"', b" [[1, {a: b}]]", b" ~", b" !!binary aGk=",
          b" 0x" + b"f" * 5000, b" " + b"9" * 5000)
_HUGE = (b"9" * 5000, b"-" + b"9" * 5000, b"0x" + b"f" * 5000, b"0" + b"7" * 5000, b"1e999", b"18446744073709551616",
         b"0b" + b"1" * 80, b".inf", b"-.nan")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    files = _pod_files()
    data = draw(st.sampled_from(files)).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["huge", "swap", "move", "truncate", "flip"]))
        if kind == "flip" and data:
            for _ in range(draw(st.integers(1, 8))):
                at = draw(st.integers(0, len(data) - 1))
                data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif kind == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif kind == "move":
            lines = data.split(b"\n")
            line = lines.pop(draw(st.integers(0, len(lines) - 1)))
            lines.insert(draw(st.integers(0, len(lines))), line)
            data = b"\n".join(lines)
        elif kind == "huge":
            numbers = list(_NUMBER.finditer(data))
            if numbers:
                match = numbers[draw(st.integers(0, len(numbers) - 1))]
                data = data[:match.start()] + draw(st.sampled_from(_HUGE)) + data[match.end():]
        else:
            fields = list(_POD_FIELD.finditer(data))
            if fields:
                match = fields[draw(st.integers(0, len(fields) - 1))]
                data = data[:match.start(2)] + draw(st.sampled_from(_SWAPS)) + data[match.end(2):]
    return data


def _examples() -> int:
    return int(os.environ.get("KML_FUZZ_EXAMPLES", "40"))


@requires_corpus()
@settings(max_examples=_examples(), deadline=None, derandomize=os.environ.get("KML_FUZZ_RANDOM") != "1",
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=mutated())
def test_mutated_manifests_keep_the_contract(tmp_path: Path, data: bytes) -> None:
    target = tmp_path / "mutated.yaml"
    target.write_bytes(data)
    for fmt in ("json", "sarif"):
        try:
            code, out, err = cli(str(target), "--format", fmt, "--no-cache")
        except SystemExit as exc:  # pragma: no cover - click's runner reports exit codes itself
            pytest.fail(f"exit escaped the runner: {exc}")
        assert code in (0, 1), (code, err)
        assert "Traceback" not in err and "internal error" not in err, err
        report = json.loads(out)
        if fmt == "json":
            assert not [f for f in report["findings"] if f["rule"] == "KML000"], report["findings"]
        else:
            results = report["runs"][0]["results"]
            assert not [r for r in results if r["ruleId"] == "KML000"], results
            validator = _sarif_validator()
            if validator is not None:
                errors = [e.message for e in validator.iter_errors(report)]
                assert not errors, errors[:3]
