"""Issue 16 (signal over noise) and issue 14 item 9: one cause, one finding; placeholders recognised once."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli, lint_text, rules_by_id

from kml_lint import placeholders

LEAKED_TOKEN = """\
apiVersion: v1
kind: Pod
metadata:
  name: leak
spec:
  containers:
    - name: app
      image: ghcr.io/acme/app:1.0
      env:
        - name: HF_TOKEN
          value: hf_abcdefghijklmnopqrstuvwxyzABCDEFGH12
"""


def test_a_leaked_token_is_one_finding_not_two() -> None:
    result = lint_text(LEAKED_TOKEN, rules_by_id("KML401", "KML402"))
    assert [(f.rule_id, f.line) for f in result.findings] == [("KML402", 11)]


def test_a_leaked_token_in_an_operator_field_is_one_finding() -> None:
    text = """\
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: etl
spec:
  sparkConf:
    spark.hadoop.fs.s3a.access.key: AKIAIOSFODNN7REALKEY
"""
    found = [f.rule_id for f in lint_text(text, rules_by_id("KML402", "KML404")).findings]
    assert found == ["KML402"]


FIXTURES_RULES = Path(__file__).parent / "rules"
PLACEHOLDER_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: eval
spec:
  containers:
    - name: eval
      image: YOUR_REGISTRY/eval:tag
      env:
        - name: HF_TOKEN
          value: $HF_TOKEN
        - name: RUN
          value: ${RUN_ID}
"""


def test_placeholders_are_unknown_values_for_every_other_rule() -> None:
    result = lint_text(PLACEHOLDER_POD, rules_by_id("KML009", "KML301", "KML401", "KML402"))
    assert sorted((f.rule_id, f.line) for f in result.findings) == [("KML009", 8), ("KML009", 11), ("KML009", 13)]
    env = next(f for f in result.findings if f.line == 11)
    assert "never expands $VAR or ${VAR}" in env.message and "literal text" in env.message
    assert env.brief == "env HF_TOKEN is the unfilled placeholder $HF_TOKEN"


def test_the_substitution_setting_declares_flux(tmp_path) -> None:
    (tmp_path / "pod.yaml").write_text(PLACEHOLDER_POD)
    (tmp_path / ".kml-lint.yaml").write_text("substitution: [flux]\nselect: [KML009]\n")
    code, out, _ = cli("pod.yaml", "-q", cwd=tmp_path)
    assert code == 0  # warnings: below the default --fail-on error
    lines = out.splitlines()
    assert len(lines) == 2, out  # ${RUN_ID} is Flux's to fill; $HF_TOKEN and YOUR_REGISTRY are not
    assert not any("RUN_ID" in line for line in lines)


@pytest.mark.parametrize(("value", "field", "expected"), [
    ("$(POD_NAME)", placeholders.ENV, None),
    ("$(POD_NAME)", placeholders.COMMAND, None),
    ("$(POD_NAME)", placeholders.SUBPATH_EXPR, None),
    ("$(TAG)", placeholders.IMAGE, "$(VAR)"),
    ("$(TAG)", placeholders.LABEL, "$(VAR)"),
    ("$HF_TOKEN", placeholders.COMMAND, None),
    ("${OUT}/x", placeholders.COMMAND, None),
    ("$HF_TOKEN", placeholders.ENV, "$VAR"),
    ("${OUT}/x", placeholders.ENV, "${VAR}"),
    ("<your-token>", placeholders.COMMAND, "<name>"),
    ("{{ .Values.x }}", placeholders.ENV, "{{ }}"),
    ("REPLACE_ME", placeholders.OTHER, "REPLACE_ME"),
    ("pa$sw0rd", placeholders.ENV, None),
    ("a < b > c", placeholders.ENV, None),
])
def test_expansion_semantics_per_field(value: str, field: str, expected: str | None) -> None:
    found = placeholders.find(value, field)
    assert (found.syntax if found else None) == expected


def test_without_kml402_the_env_rule_still_reports_the_token() -> None:
    result = lint_text(LEAKED_TOKEN, rules_by_id("KML401"))
    assert [(f.rule_id, f.line) for f in result.findings] == [("KML401", 11)]


NO_RESOURCES = """\
apiVersion: v1
kind: Pod
metadata:
  name: bare
spec:
  containers:
    - name: app
      image: ghcr.io/acme/app:1.0
    - name: sized
      image: ghcr.io/acme/app:1.0
      resources:
        requests: {cpu: "1", memory: 1Gi}
"""


def test_a_container_without_resources_is_one_finding_not_three() -> None:
    result = lint_text(NO_RESOURCES, rules_by_id("KML101", "KML102", "KML103"))
    found = sorted((f.rule_id, f.line) for f in result.findings)
    assert found == [("KML101", 11), ("KML102", 7), ("KML103", 11)]
    assert "no CPU or memory request or limit" in next(f.message for f in result.findings if f.rule_id == "KML102")
    alone = lint_text(NO_RESOURCES, rules_by_id("KML101"))  # without KML102, the limit rule still reports it
    assert sorted((f.rule_id, f.line) for f in alone.findings) == [("KML101", 7), ("KML101", 11)]


def _gpu_pod(node_selector: str = "") -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata:
  name: gpu
spec:
{node_selector}  containers:
    - name: trainer
      image: nvcr.io/nvidia/pytorch:24.05-py3
      resources:
        limits:
          nvidia.com/gpu: 2
"""


def test_kml201_without_a_platform_says_what_happens_and_how_to_tell_kml_lint() -> None:
    [finding] = lint_text(_gpu_pod(), rules_by_id("KML201")).findings
    assert finding.severity.label == "warning"
    assert "if the NVIDIA nodes are tainted, as GKE's and many teams' are, the pod stays Pending" in finding.message
    assert "`platform` setting" in finding.message
    assert finding.brief == "container trainer requests nvidia.com/gpu but tolerates no nvidia.com/gpu taint"


def test_kml201_platform_evidence_in_the_pod_wins_over_the_setting() -> None:
    on_gke = _gpu_pod("  nodeSelector:\n    cloud.google.com/gke-accelerator: nvidia-l4\n")
    assert lint_text(on_gke, rules_by_id("KML201"), platform="eks").findings == []
    on_eks = _gpu_pod("  nodeSelector:\n    karpenter.k8s.aws/instance-gpu-count: '2'\n")
    [finding] = lint_text(on_eks, rules_by_id("KML201"), platform="gke").findings
    assert finding.severity.label == "note" and "EKS (from karpenter.k8s.aws/instance-gpu-count)" in finding.message
    [setting] = lint_text(_gpu_pod(), rules_by_id("KML201"), platform="aks").findings
    assert setting.severity.label == "note" and "AKS (the platform setting)" in setting.message
    assert lint_text(_gpu_pod(), rules_by_id("KML201"), platform="gke").findings == []


def test_the_mps_pipe_directory_is_its_own_case() -> None:
    text = "#" + (FIXTURES_RULES / "KML813" / "fail.yaml").read_text().split("# NVIDIA MPS")[1]
    [finding] = lint_text(text, rules_by_id("KML813")).findings
    assert finding.severity.label == "note"
    assert "keep it" in finding.message and "PersistentVolumeClaim" not in finding.message


def test_kml605_names_containers_0() -> None:
    text = """\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: rc
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: log-shipper
            image: fluent/fluent-bit:3.0
          - name: ray-head
            image: rayproject/ray:2.34.0
            resources:
              limits: {cpu: "4", memory: 16Gi}
"""
    [finding] = lint_text(text, rules_by_id("KML605")).findings
    assert finding.brief.startswith("container log-shipper (containers[0], the Ray container) has no CPU limit")
    assert "move the Ray container first" in finding.message


def test_text_lines_are_concise_and_the_long_text_stays_in_full_and_json(tmp_path) -> None:
    import json
    import re

    (tmp_path / "job.yaml").write_text((Path(__file__).parent.parent / "examples" / "train-job.yaml").read_text())
    _, out, _ = cli("job.yaml", "-q", cwd=tmp_path)
    line = re.compile(r"^job\.yaml:\d+:\d+: (error|warning|note) KML\d{3} [a-z0-9-]+: (?P<short>.+)$")
    lines = out.splitlines()
    assert lines
    for text in lines:
        match = line.match(text)
        assert match, text
        assert len(match["short"]) <= 100 and "; " not in match["short"], text
    assert "job.yaml:21:11: warning KML101 missing-memory-limit: no memory limit" in lines
    _, full, _ = cli("job.yaml", "-q", "--format", "full", cwd=tmp_path)
    assert "no memory limit; set resources.limits.memory" in full
    _, data, _ = cli("job.yaml", "--format", "json", cwd=tmp_path)
    finding = next(f for f in json.loads(data)["findings"] if f["rule"] == "KML101")
    assert finding["short"] == "no memory limit" and "OOM-killed" in finding["message"]
