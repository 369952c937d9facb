"""Namespaces decide where the repository says so: Pod Security Admission labels on a Namespace of the run
(any file, through the run-wide pre-pass) check its pods at that level too; enforce -> error, warn -> warning,
audit -> note; a controller's pods are rejected at pod creation; a pod without a namespace gets `default`'s."""

from __future__ import annotations

import json

from conftest import cli

NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: {name}
  labels:
{labels}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  namespace: ml
spec:
  selector: {matchLabels: {app: vllm}}
  template:
    metadata:
      labels: {app: vllm}
    spec:
      securityContext:
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          securityContext:
            runAsNonRoot: true
            capabilities:
              drop: [ALL]
              add: [IPC_LOCK]
"""


def _findings(tmp_path, labels: str, name: str = "ml", manifest: str = DEPLOYMENT, *args: str) -> list[dict]:
    (tmp_path / "ns").mkdir(exist_ok=True)
    (tmp_path / "ns" / "namespace.yaml").write_text(NAMESPACE.format(name=name, labels=labels))
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / "workload.yaml").write_text(manifest)
    _, out, err = cli(".", "--format", "json", "--select", "KML8", *args, cwd=tmp_path)
    assert "Traceback" not in err
    return [f for f in json.loads(out)["findings"] if f["path"].endswith("workload.yaml")]


def test_without_labels_the_configured_level_decides(tmp_path) -> None:
    assert _findings(tmp_path, "    team: ml") == []  # IPC_LOCK: kml-lint's baseline exception


def test_enforce_restricted_makes_the_deployment_create_no_pods(tmp_path) -> None:
    found = _findings(tmp_path, "    pod-security.kubernetes.io/enforce: restricted\n"
                                "    pod-security.kubernetes.io/enforce-version: v1.30")
    by_rule = {f["rule"]: f for f in found}
    assert set(by_rule) == {"KML802", "KML805"}
    assert all(f["severity"] == "error" for f in found)
    message = by_rule["KML802"]["message"]
    assert "the Deployment will create no pods" in message
    assert "pod-security.kubernetes.io/enforce=restricted, pod-security.kubernetes.io/enforce-version=v1.30" in message
    assert "Privilege Escalation" in message


def test_enforce_baseline_reports_ipc_lock_the_documented_exception(tmp_path) -> None:
    found = _findings(tmp_path, "    pod-security.kubernetes.io/enforce: baseline")
    assert [(f["rule"], f["severity"]) for f in found] == [("KML805", "error")]
    assert "Capabilities (baseline)" in found[0]["message"]


def test_warn_is_a_warning_and_audit_a_note(tmp_path) -> None:
    warned = _findings(tmp_path, "    pod-security.kubernetes.io/warn: restricted")
    assert {f["severity"] for f in warned} == {"warning"} and {f["rule"] for f in warned} == {"KML802", "KML805"}
    audited = _findings(tmp_path, "    pod-security.kubernetes.io/audit: restricted")
    assert {f["severity"] for f in audited} == {"note"}
    both = _findings(tmp_path, "    pod-security.kubernetes.io/enforce: baseline\n"
                               "    pod-security.kubernetes.io/warn: restricted")
    assert sorted((f["rule"], f["severity"]) for f in both) == [("KML802", "warning"), ("KML805", "error")]


def test_a_pod_without_a_namespace_gets_the_default_namespace_labels(tmp_path) -> None:
    pod = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  hostNetwork: true
  containers:
    - name: shell
      image: busybox:1.36
"""
    found = _findings(tmp_path, "    pod-security.kubernetes.io/enforce: baseline", "default", pod)
    assert [(f["rule"], f["severity"]) for f in found] == [("KML810", "error")]
    assert "the API server rejects the pod" in found[0]["message"]
    elsewhere = _findings(tmp_path, "    pod-security.kubernetes.io/enforce: baseline", "other", pod)
    assert [(f["rule"], f["severity"]) for f in elsewhere] == [("KML810", "warning")]
