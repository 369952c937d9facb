"""ML rules beyond their fixtures: platform settings, the resource-name judge, and messages people can act on."""

from __future__ import annotations

import pytest
from conftest import lint_text, rules_by_id

from kml_lint.checks.devices import unknown_name
from kml_lint.checks.ml_secrets import credential_key, literal

VISIBLE = """\
apiVersion: v1
kind: Pod
metadata: {name: bench}
spec:
  containers:
    - name: bench
      image: ghcr.io/acme/bench:1.0.0
      env:
        - {name: NVIDIA_VISIBLE_DEVICES, value: all}
"""


def test_visible_devices_is_quiet_on_gke() -> None:
    rules = rules_by_id("KML203")
    assert [f.line for f in lint_text(VISIBLE, rules).findings] == [9]
    assert lint_text(VISIBLE, rules, platform="gke").findings == []


def _params(rule_id: str) -> dict:
    return rules_by_id(rule_id)[0].params


@pytest.mark.parametrize(("name", "wrong"), [
    ("nvidia.com/gpus", True), ("nvidia.com/GPU", True), ("nvidia.com/gpu", False), ("nvidia.com/gpu.shared", False),
    ("nvidia.com/mig-1g.5gb", False), ("nvidia.com/mig-7g.80gb+me", False), ("nvidia.com/mig-1g5gb", True),
    ("nvidia/gpu", True), ("nvidia.io/gpu", True), ("nvida.com/gpu", True), ("amd.com/gpus", True),
    ("amd.com/gpu", False), ("google.com/tpus", True), ("google.com/tpu", False), ("gpu", True), ("tpu", True),
    ("alpha.kubernetes.io/nvidia-gpu", True), ("cloud-tpus.google.com/v2", True), ("habana.ai/gaudi", False),
    ("habana.ai/gaudis", True), ("aws.amazon.com/neuroncores", True), ("gpu.intel.com/i915", False),
    ("gpu.intel.com/i915_monitoring", False), ("nvidia.com/gpumem", False), ("metax-tech.com/gpu", False),
    ("example.com/gpu", False), ("cpu", False), ("memory", False), ("hugepages-1Gi", False),
    ("vpc.amazonaws.com/efa", False), ("rdma/hca", False), ("squat.ai/fuse", False),
])
def test_unknown_accelerator_names(name: str, wrong: bool) -> None:
    assert bool(unknown_name(name, _params("KML204"))) is wrong


def test_extra_resources_accept_a_sites_own_names() -> None:
    params = {**_params("KML204"), "extra_resources": ["nvidia.com/gpus"]}
    assert unknown_name("nvidia.com/gpus", params) is None


@pytest.mark.parametrize(("key", "credential"), [
    ("spark.hadoop.fs.s3a.secret.key", True), ("spark.hadoop.fs.s3a.access.key", True),
    ("fs.azure.account.key.acct.blob.core.windows.net", True), ("spark.ssl.keyPassword", True),
    ("spark.hadoop.fs.s3a.aws.credentials.provider", False),
    ("spark.kubernetes.driver.secretKeyRef.X_SECRET_KEY", False),
    ("spark.authenticate.secret.file", False), ("TOKENIZERS_PARALLELISM", False), ("MAX_NEW_TOKENS", False),
    ("AWS_ACCESS_KEY_ID", True), ("hf-token", True), ("token-secret-name", False), ("oauth_key", False),
])
def test_credential_keys(key: str, credential: bool) -> None:
    from kml_lint.checks.ml_secrets import _vocabulary

    params = _params("KML404")
    vocabulary = _vocabulary(tuple(params["suffixes"]), tuple(params["anywhere"]), tuple(params["not_credentials"]))
    assert credential_key(key, *vocabulary) is credential


@pytest.mark.parametrize("value", ["", "<set-me>", "${AWS_KEY}", "$(AWS_KEY)", "{{workflow.parameters.x}}", "true",
                                   "/etc/secret/key", None, ["x"]])
def test_references_and_placeholders_are_not_literals(value) -> None:
    assert literal(value) is None


def test_ml_rule_messages_say_what_to_do() -> None:
    """Each new rule's message ends with a remedy: a clause after ';' that starts with a verb people can follow."""
    from pathlib import Path

    from conftest import ROOT, all_rules

    mine = {"KML203", "KML204", "KML205", "KML206", "KML207", "KML404", "KML502", "KML503", "KML504", "KML505",
            "KML506", "KML601", "KML602", "KML603", "KML604", "KML605", "KML701", "KML702"}
    assert mine <= {rule.id for rule in all_rules()}
    texts = {rule_id: (ROOT / "tests" / "rules" / rule_id / "fail.yaml").read_text(encoding="utf-8")
             for rule_id in sorted(mine)}
    for rule_id, text in texts.items():
        findings = [f for f in lint_text(text, rules_by_id(rule_id), path=str(Path(rule_id))).findings
                    if f.rule_id == rule_id]
        assert findings, rule_id
        for finding in findings:
            remedy = finding.message.rsplit("; ", 1)[-1]
            assert remedy.split()[0] in {"set", "add", "remove", "move", "name", "keep", "mount", "use", "put",
                                         "request", "reference"}, (rule_id, finding.message)
