"""Property-based tests: whatever the input, no exception escapes, and every finding is located inside the file.

Random YAML-ish text, random mutations of real manifests, random Kubernetes-shaped objects with wrong types.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import CORPUS, all_rules, requires_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kml_lint.checks import RunContext
from kml_lint.engine import Engine
from kml_lint.run import lint_file
from kml_lint.source import SourceText, decode
from kml_lint.suppress import Suppressor
from kml_lint.yamlfold import split_lines

ENGINE = Engine(all_rules(), RunContext(), keep_source_lines=True)
SUPPRESSOR = Suppressor(selected=all_rules())


def lint_bytes(data: bytes) -> list:
    source = decode(data)
    result = lint_file(ENGINE, SUPPRESSOR, "fuzz.yaml", source, explicit=True)
    text = source.text if isinstance(source, SourceText) else data.decode("utf-8", "replace")
    lines = split_lines(text)
    for finding in result.findings:
        assert 1 <= finding.line <= max(len(lines), 1), (finding.line, len(lines), finding.message)
        assert finding.col >= 1, finding
        if text and finding.rule_id not in ("KML001",):
            assert finding.col <= len(lines[finding.line - 1]) + 1, (finding, lines[finding.line - 1])
        assert finding.fingerprint
    return result.findings


YAMLISH = st.text(alphabet=st.sampled_from([*list("abcdefk:-[]{}&*!|>'\"#%@`,?~ \t\n0123456789."), "é", "\x00"]),
                  max_size=400)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_random_yamlish_text(text: str) -> None:
    lint_bytes(text.encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    lint_bytes(data)


# Kubernetes-shaped objects where any node may be replaced by a value of the wrong type.
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)


def shaped(value: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(value, JUNK)


CONTAINER = st.fixed_dictionaries({
    "name": shaped(st.sampled_from(["trainer", "server"])),
    "image": shaped(st.sampled_from(["pytorch/pytorch:latest", "busybox", "a@sha256:00", "r:5000/x"])),
    "env": shaped(st.lists(st.fixed_dictionaries({"name": shaped(st.sampled_from(["HF_TOKEN", "MAX_TOKENS"])),
                                                  "value": shaped(st.text(max_size=20))}), max_size=3)),
    "resources": shaped(st.fixed_dictionaries({
        "limits": shaped(st.dictionaries(st.sampled_from(["cpu", "memory", "nvidia.com/gpu", "amd.com/gpu"]),
                                         shaped(st.sampled_from(["1", "0.5", "500m", "8Gi", 2])), max_size=3)),
        "requests": shaped(st.dictionaries(st.sampled_from(["cpu", "memory", "nvidia.com/gpu"]),
                                           shaped(st.sampled_from(["1", "2", "1Gi"])), max_size=3)),
    })),
})
POD_SPEC = st.fixed_dictionaries({
    "containers": shaped(st.lists(shaped(CONTAINER), max_size=3)),
    "initContainers": shaped(st.lists(CONTAINER, max_size=1)),
    "tolerations": shaped(st.lists(st.fixed_dictionaries({"key": shaped(st.just("nvidia.com/gpu")),
                                                          "operator": shaped(st.just("Exists"))}), max_size=2)),
})
OBJECT = st.fixed_dictionaries({
    "apiVersion": st.sampled_from(["v1", "apps/v1", "batch/v1"]),
    "kind": st.sampled_from(["Pod", "Deployment", "Job", "CronJob", "Secret", "List", "ConfigMap"]),
    "metadata": shaped(st.fixed_dictionaries({"name": shaped(st.text(max_size=10)),
                                              "annotations": shaped(st.dictionaries(st.text(max_size=10), JUNK,
                                                                                    max_size=2))})),
    "spec": shaped(st.fixed_dictionaries({"template": shaped(st.fixed_dictionaries({"spec": shaped(POD_SPEC)})),
                                          "jobTemplate": shaped(JUNK), "containers": shaped(JUNK)})),
    "items": shaped(st.lists(JUNK, max_size=2)),
    "data": shaped(JUNK),
    "stringData": shaped(JUNK),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OBJECT, min_size=1, max_size=3))
def test_kubernetes_shaped_objects_with_wrong_types(objects: list) -> None:
    text = "\n---\n".join(json.dumps(obj) for obj in objects)
    findings = lint_bytes(text.encode())
    assert not [f for f in findings if f.rule_id == "KML000"], [f.message for f in findings if f.rule_id == "KML000"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    if not data:
        return data
    if choice == 0:  # byte flips
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    if choice == 1:  # truncation
        return data[: rng.randrange(len(data))]
    if choice == 2:  # line shuffle
        lines = data.split(b"\n")
        rng.shuffle(lines)
        return b"\n".join(lines)
    lines = data.split(b"\n")  # duplicated or deleted lines
    index = rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines.insert(index, lines[rng.randrange(len(lines))])
    else:
        del lines[index]
    return b"\n".join(lines)


@requires_corpus()
@pytest.mark.slow
def test_mutated_corpus_never_breaks_the_linter() -> None:
    """A few thousand seeded mutations of real manifests (every file is used, in a fixed random order)."""
    rng = random.Random(20261126)
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.stat().st_size < 60_000)
    rng.shuffle(files)
    mutations = 0
    crashes = []
    for path in files[:1500]:
        data = path.read_bytes()
        for _ in range(2):
            mutated = _mutate(data, rng)
            findings = lint_bytes(mutated)
            crashes.extend((str(path), f.message) for f in findings if f.rule_id == "KML000")
            mutations += 1
    assert mutations == 3000
    assert not crashes, crashes[:5]


def test_cli_property_exit_codes(tmp_path: Path) -> None:
    """The command itself on a handful of random files: exit 0 or 1, never a traceback."""
    import subprocess
    import sys

    rng = random.Random(7)
    for index in range(20):
        (tmp_path / f"f{index}.yaml").write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(200))))
    proc = subprocess.run([sys.executable, "-m", "kml_lint", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
