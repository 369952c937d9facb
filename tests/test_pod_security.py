"""The Pod Security Standards, control by control, from Kubernetes' own tables: for each control, a pod that
violates it fails at its level and above, passes below, and a pod that meets the restricted level passes all.
``pod-security`` chooses the level (default baseline); ``--select`` of a rule by id runs every check it has."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import cli, lint_text

from kml_lint.registry import load_rules, select_rules

RESTRICTED_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ml"},
    "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "c", "image": "ghcr.io/acme/app:1.0", "securityContext": {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}],
        "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}],
    },
}


def _pod(*changes: tuple[str, object]) -> str:
    pod = copy.deepcopy(RESTRICTED_POD)
    for path, value in changes:
        node = pod
        *parents, last = path.split(".")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return json.dumps(pod)


def _security_findings(text: str, level: str) -> set[str]:
    rules = [rule for rule in select_rules(load_rules(), pod_security=level) if rule.pod_security]
    return {finding.rule_id for finding in lint_text(text, rules).findings}


C = "spec.containers.0.securityContext"
BASELINE_CASES = [  # control, change, rule: forbidden from the baseline level on
    ("HostProcess", [("spec.securityContext.windowsOptions", {"hostProcess": True})], "KML816"),
    ("Host Namespaces: hostNetwork", [("spec.hostNetwork", True)], "KML810"),
    ("Host Namespaces: hostPID", [("spec.hostPID", True)], "KML811"),
    ("Host Namespaces: hostIPC", [("spec.hostIPC", True)], "KML812"),
    ("Privileged Containers", [(f"{C}.privileged", True), (f"{C}.allowPrivilegeEscalation", None)], "KML801"),
    ("Capabilities (baseline)", [(f"{C}.capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]})], "KML805"),
    ("HostPath Volumes", [("spec.volumes", [{"name": "v", "hostPath": {"path": "/data"}}])], "KML813"),
    ("HostPath Volumes: runtime socket", [("spec.volumes", [{"name": "v", "hostPath": {
        "path": "/var/run/docker.sock"}}])], "KML814"),
    ("Host Ports", [("spec.containers.0.ports", [{"containerPort": 80, "hostPort": 8080}])], "KML815"),
    ("AppArmor", [(f"{C}.appArmorProfile", {"type": "Unconfined"})], "KML817"),
    ("SELinux", [("spec.securityContext.seLinuxOptions", {"type": "spc_t"})], "KML818"),
    ("/proc Mount Type", [(f"{C}.procMount", "Unmasked")], "KML819"),
    ("Seccomp (baseline)", [("spec.securityContext.seccompProfile", {"type": "Unconfined"})], "KML807"),
    ("Sysctls", [("spec.securityContext.sysctls", [{"name": "net.core.somaxconn", "value": "1024"}])], "KML822"),
]
RESTRICTED_CASES = [  # forbidden at the restricted level only
    ("Volume Types", [("spec.volumes", [{"name": "v", "nfs": {"server": "nfs", "path": "/"}}])], "KML823"),
    ("Privilege Escalation", [(f"{C}.allowPrivilegeEscalation", None)], "KML802"),
    ("Running as Non-root", [("spec.securityContext.runAsNonRoot", None)], "KML803"),
    ("Running as Non-root user", [("spec.securityContext.runAsNonRoot", None),
                                  ("spec.securityContext.runAsUser", 0)], "KML803"),
    ("Seccomp (restricted)", [("spec.securityContext.seccompProfile", None)], "KML807"),
    ("Capabilities (restricted): drop ALL", [(f"{C}.capabilities", {"drop": ["NET_RAW"]})], "KML806"),
    ("Capabilities (restricted): add", [(f"{C}.capabilities", {"drop": ["ALL"], "add": ["CHOWN"]})], "KML805"),
    ("Capabilities: IPC_LOCK, kml-lint's baseline exception", [(f"{C}.capabilities", {"drop": ["ALL"],
                                                                                       "add": ["IPC_LOCK"]})], "KML805"),
]


@pytest.mark.parametrize("level", ["privileged", "baseline", "restricted"])
def test_a_pod_that_meets_restricted_passes_every_level(level: str) -> None:
    assert _security_findings(_pod(), level) == set()


@pytest.mark.parametrize(("control", "changes", "rule"), BASELINE_CASES, ids=[c[0] for c in BASELINE_CASES])
def test_baseline_controls(control: str, changes: list, rule: str) -> None:
    text = _pod(*changes)
    assert _security_findings(text, "privileged") == set()
    assert _security_findings(text, "baseline") == {rule}
    assert rule in _security_findings(text, "restricted")


@pytest.mark.parametrize(("control", "changes", "rule"), RESTRICTED_CASES, ids=[c[0] for c in RESTRICTED_CASES])
def test_restricted_controls(control: str, changes: list, rule: str) -> None:
    text = _pod(*changes)
    assert _security_findings(text, "privileged") == set()
    assert _security_findings(text, "baseline") == set()
    assert _security_findings(text, "restricted") == {rule}


def test_select_by_id_runs_every_check_of_the_rule_whatever_the_level() -> None:
    text = _pod(("spec.securityContext.seccompProfile", None))
    rules = select_rules(load_rules(), select=["KML807"], pod_security="baseline")
    assert {f.rule_id for f in lint_text(text, rules).findings} == {"KML807"}
    rules = select_rules(load_rules(), select=["KML8"], pod_security="baseline")  # a prefix keeps the level
    assert {f.rule_id for f in lint_text(text, rules).findings} == set()


def test_hardening_extras_are_off_by_default() -> None:
    default = {rule.id for rule in select_rules(load_rules(), pod_security="restricted")}
    assert not {"KML804", "KML820"} & default
    extended = {rule.id for rule in select_rules(load_rules(), extend_select=["KML804", "KML820"])}
    assert {"KML804", "KML820"} <= extended


def test_pod_security_setting_from_the_command_line_and_the_configuration(tmp_path) -> None:
    (tmp_path / "pod.yaml").write_text(_pod(("spec.securityContext.seccompProfile", None)))
    _, out, _ = cli("pod.yaml", "-q", "--select", "KML8", cwd=tmp_path)
    assert out == ""
    _, out, _ = cli("pod.yaml", "-q", "--select", "KML8", "--pod-security", "restricted", cwd=tmp_path)
    assert "KML807" in out
    (tmp_path / ".kml-lint.yaml").write_text("pod-security: restricted\n")
    _, out, _ = cli("pod.yaml", "-q", "--select", "KML8", cwd=tmp_path)
    assert "KML807" in out
    _, out, _ = cli("pod.yaml", "-q", "--select", "KML8", "--pod-security", "baseline", cwd=tmp_path)
    assert out == ""
