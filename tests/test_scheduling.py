"""Will it schedule? Cluster descriptions, the scheduler's filters offline, KML210 and KML201 with a cluster."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import ROOT, cli, expected_markers, lint_text, rules_by_id

from kml_lint.findings import Severity
from kml_lint.scheduling.cluster import ClusterError, Taint, load_cluster
from kml_lint.scheduling.filters import tolerates

SNAPSHOT = ROOT / "tests" / "data" / "cluster" / "gpu-nodes.yaml"
PROFILE = ROOT / "tests" / "rules" / "KML210" / "cluster.yaml"
HERE = ROOT / "tests" / "scheduling"


def _lint(name: str, cluster_files: list, rules=("KML201", "KML210"), platform: str | None = None):
    text = (HERE / name).read_text(encoding="utf-8")
    cluster = load_cluster([str(path) for path in cluster_files])
    return text, lint_text(text, rules_by_id(*rules), path=name, platform=platform, cluster=cluster)


def test_snapshot_fixture_matches_markers_and_verdicts_are_warnings() -> None:
    text, result = _lint("snapshot-fail.yaml", [SNAPSHOT])
    expected = {(line, rule) for line, rule, _ in expected_markers(text)}
    assert {(f.line, f.rule_id) for f in result.findings} == expected
    assert all(f.severity is Severity.WARNING for f in result.findings)
    assert all("from a snapshot of 7 nodes" in f.message for f in result.findings)


def test_snapshot_near_misses_are_clean() -> None:
    _, result = _lint("snapshot-pass.yaml", [SNAPSHOT])
    assert [(f.line, f.rule_id, f.message) for f in result.findings] == []


def test_complete_profile_gives_errors() -> None:
    text = (ROOT / "tests" / "rules" / "KML210" / "fail.yaml").read_text(encoding="utf-8")
    result = lint_text(text, rules_by_id("KML210"), cluster=load_cluster([str(PROFILE)]))
    assert result.findings and all(f.severity is Severity.ERROR for f in result.findings)
    assert all("declares its 5 node pools complete" in f.message for f in result.findings)


def test_an_incomplete_profile_gives_warnings(tmp_path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE.read_text(encoding="utf-8").replace("complete: true", "complete: false"))
    text = (ROOT / "tests" / "rules" / "KML210" / "fail.yaml").read_text(encoding="utf-8")
    result = lint_text(text, rules_by_id("KML210"), cluster=load_cluster([str(profile)]))
    assert result.findings and all(f.severity is Severity.WARNING for f in result.findings)


def test_verdict_words_per_pool() -> None:
    _, result = _lint("snapshot-fail.yaml", [SNAPSHOT])
    h100 = next(f for f in result.findings if "h100-without-dedicated" in f.message)
    assert ("0/7 node pools are available: 5 Insufficient nvidia.com/gpu (largest offers 4, the pod requests 8), "
            "1 unschedulable (cordoned), 1 untolerated taint dedicated=training:NoExecute") in h100.message
    assert h100.brief.startswith("0/7 node pools: 5 Insufficient nvidia.com/gpu") and h100.brief.endswith("(snapshot)")
    mig = next(f for f in result.findings if "mig-wrong-value" in f.message)
    assert mig.rule_id == "KML201" and "taint nvidia.com/gpu:NoSchedule" in mig.message
    assert mig.brief == ("requests nvidia.com/mig-3g.20gb, but every node offering it has the untolerated taint "
                         "nvidia.com/gpu:NoSchedule")


def test_misspelt_mig_profile_names_what_the_cluster_offers() -> None:
    text = (ROOT / "tests" / "rules" / "KML210" / "fail.yaml").read_text(encoding="utf-8")
    result = lint_text(text, rules_by_id("KML210"), cluster=load_cluster([str(PROFILE)]))
    mig = next(f for f in result.findings if "mig-misspelt" in f.message)
    assert ("no node offers nvidia.com/mig-1g.10gb; it offers nvidia.com/mig-1g.5gb, nvidia.com/mig-3g.20gb"
            in mig.message)


def test_gke_preset_adds_gpu_tolerations() -> None:
    _, plain = _lint("snapshot-fail.yaml", [SNAPSHOT])
    _, gke = _lint("snapshot-fail.yaml", [SNAPSHOT], platform="gke")
    assert any("gpu-no-toleration" in f.message for f in plain.findings)
    assert not any("gpu-no-toleration" in f.message for f in gke.findings)


def test_no_cluster_no_verdict() -> None:
    text = (ROOT / "tests" / "rules" / "KML210" / "fail.yaml").read_text(encoding="utf-8")
    assert lint_text(text, rules_by_id("KML210")).findings == []


def test_snapshot_nodes_of_one_shape_are_one_pool(tmp_path) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    body = text[text.index("items:\n") + len("items:\n"):text.index("kind: List")]
    first = body[:body.index("- apiVersion: v1", 1)]  # the first system node
    nodes = "".join(first.replace("ip-10-0-11-23.ec2.internal", f"ip-10-0-11-{i}.ec2.internal") for i in range(50))
    path = tmp_path / "nodes.yaml"
    path.write_text("apiVersion: v1\nitems:\n" + nodes + "kind: List\nmetadata:\n  resourceVersion: \"\"\n")
    cluster = load_cluster([str(path)])
    assert len(cluster.pools) == 1
    pool = cluster.pools[0]
    assert pool.count == 50 and pool.name == "system" and len(pool.hostnames) == 50
    assert pool.allocatable["cpu"] == Decimal("7.910") and cluster.snapshot and not cluster.complete


def test_snapshot_reads_taints_with_and_without_values_and_cordons() -> None:
    cluster = load_cluster([str(SNAPSHOT)])
    assert len(cluster.pools) == 7
    by_taints = {str(t) for pool in cluster.pools for t in pool.taints}
    assert {"nvidia.com/gpu=true:NoSchedule", "nvidia.com/gpu:NoSchedule", "dedicated=training:NoExecute"} <= by_taints
    assert [pool.name for pool in cluster.pools if pool.unschedulable] == ["ip-10-0-42-96.ec2.internal (cordoned)"]


@pytest.mark.parametrize(("text", "message"), [
    ("apiVersion: kml-lint.dev/v1\nkind: ClusterProfile\npools: [{name: a, allocatable: {cpu: 4}}]\n",
     "invalid ClusterProfile at pools/0"),
    ("apiVersion: kml-lint.dev/v1\nkind: ClusterProfile\npools: [{name: a, count: 1, allocatable: {cpu: lots}}]\n",
     "allocatable cpu is not a Kubernetes quantity"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n", "is not a cluster description"),
    ("a: [b\n", "not YAML"),
])
def test_bad_descriptions_are_one_line_errors(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ClusterError, match=message) as caught:
        load_cluster([str(path)])
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("toleration", "taint", "expected"), [
    ({"operator": "Exists"}, Taint("anything", "v", "NoExecute"), True),  # empty key, Exists: everything
    ({"key": "", "operator": "Equal"}, Taint("a", "", "NoSchedule"), False),
    ({"key": "a", "operator": "Exists"}, Taint("a", "x", "NoSchedule"), True),
    ({"key": "a", "value": "x"}, Taint("a", "x", "NoSchedule"), True),  # Equal is the default operator
    ({"key": "a", "value": "y"}, Taint("a", "x", "NoSchedule"), False),
    ({"key": "a", "operator": "Equal"}, Taint("a", "", "NoSchedule"), True),  # no value equals an empty one
    ({"key": "a", "operator": "Exists", "effect": "NoSchedule"}, Taint("a", "", "NoExecute"), False),
    ({"key": "a", "operator": "Exists", "effect": ""}, Taint("a", "", "NoExecute"), True),
])
def test_tolerations(toleration: dict, taint: Taint, expected: bool) -> None:
    assert tolerates(toleration, taint) is expected


def test_cli_cluster_files_are_descriptions_not_manifests(tmp_path) -> None:
    (tmp_path / "nodes.yaml").write_text(SNAPSHOT.read_text(encoding="utf-8"))
    (tmp_path / "job.yaml").write_text((HERE / "snapshot-fail.yaml").read_text(encoding="utf-8"))
    code, out, err = cli(str(tmp_path), "--cluster", str(tmp_path / "nodes.yaml"), "--select", "KML201,KML210",
                         "--format", "json", "--isolated")
    assert code == 0, err  # warnings only: a snapshot
    report = json.loads(out)
    assert not [f for f in report["findings"] if f["path"].endswith("nodes.yaml")]
    assert [f["rule"] for f in report["findings"]].count("KML210") == 3


def test_cli_configuration_cluster_and_verbose_reasons(tmp_path) -> None:
    (tmp_path / "profile.yaml").write_text(PROFILE.read_text(encoding="utf-8"))
    (tmp_path / ".kml-lint.yaml").write_text("cluster: [profile.yaml]\nselect: [KML201, KML210]\n")
    (tmp_path / "pods.yaml").write_text((ROOT / "tests" / "rules" / "KML210" / "pass.yaml").read_text("utf-8"))
    code, out, err = cli("pods.yaml", "-v", cwd=tmp_path)
    assert code == 0, out + err
    assert ("pods.yaml: Pod unknown-label: node pool cpu: node selector or affinity on a label the description does "
            "not record: no scheduling verdict") in err
    assert "RuntimeClass gvisor is not described" in err
    assert "dynamic resource allocation" in err


def test_cli_bad_profile_is_a_usage_error(tmp_path) -> None:
    (tmp_path / "p.yaml").write_text("apiVersion: kml-lint.dev/v1\nkind: ClusterProfile\npools: 3\n")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n")
    code, _, err = cli(str(tmp_path / "pod.yaml"), "--cluster", str(tmp_path / "p.yaml"), "--isolated")
    assert code == 2 and "invalid ClusterProfile at pools" in err and "Traceback" not in err


def test_the_readme_kubectl_one_liner_writes_a_valid_profile(tmp_path) -> None:
    """The README's one-liner, run through kubectl's own go-template printer offline (per node: `kubectl
    annotate --local` prints each item of the list), gives a profile with the snapshot's pools."""
    import re
    import shutil
    import subprocess

    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    template = re.search(r"kubectl get nodes -o go-template='(.*)' > cluster-profile.yaml", readme).group(1)
    header, rest = template.split("{{range .items}}", 1)
    body, trailer = rest.rsplit("{{end}}", 1)
    proc = subprocess.run(["kubectl", "annotate", "--local", "-f", str(SNAPSHOT), "kml-lint=1", "-o",
                           f"go-template={body}"], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        pytest.skip(f"kubectl cannot print offline here: {proc.stderr.strip()[:200]}")
    newline = '{{"\\n"}}'
    profile = tmp_path / "cluster-profile.yaml"
    profile.write_text(header.replace(newline, "\n") + proc.stdout + trailer.replace(newline, "\n"))
    described = load_cluster([str(profile)])
    snapshot = load_cluster([str(SNAPSHOT)])
    assert not described.complete and not described.snapshot

    def shapes(cluster):
        return sorted((tuple(sorted(p.labels.items())), tuple(sorted(map(str, p.taints))),
                       tuple(sorted(p.allocatable.items())), p.unschedulable, p.count) for p in cluster.pools)

    assert shapes(described) == shapes(snapshot)


def test_every_platform_preset_names_its_source() -> None:
    from kml_lint.scheduling.filters import platform_tolerations, platforms

    presets = platforms()
    assert set(presets) == {"gke", "eks", "aks", "openshift"}
    assert all(str(preset.get("source", "")).startswith("https://") for preset in presets.values())
    gpu = {"nvidia.com/gpu": Decimal(1)}
    assert platform_tolerations("gke", gpu) == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert platform_tolerations("gke", {"google.com/tpu": Decimal(4)})[0]["key"] == "google.com/tpu"
    assert platform_tolerations("eks", gpu) == platform_tolerations(None, gpu) == []


def test_a_cluster_description_in_the_repository_is_not_context_either(tmp_path) -> None:
    """Files named on the command line are judged with their repository as context; the description is not
    part of it: its PriorityClass is the description's, not a run-wide fact from a manifest."""
    (tmp_path / ".git").mkdir()
    nodes = tmp_path / "cluster" / "nodes.yaml"
    nodes.parent.mkdir()
    text = SNAPSHOT.read_text(encoding="utf-8")
    nodes.write_text(text.replace("kind: List\n", "- apiVersion: scheduling.k8s.io/v1\n  kind: PriorityClass\n"
                                  "  metadata: {name: batch-high}\n  value: 1000\nkind: List\n"))
    (tmp_path / "job.yaml").write_text((HERE / "snapshot-fail.yaml").read_text(encoding="utf-8"))
    _, out, err = cli(str(tmp_path / "job.yaml"), "--cluster", str(nodes), "--select", "KML201,KML210,KML213",
                      "--format", "json", "--isolated", "-v")
    report = json.loads(out)
    assert [f["rule"] for f in report["findings"]].count("KML210") == 3
    assert "nodes.yaml" not in json.dumps(report["findings"]) and "priorityclasses" not in err
    assert "batch-high" in load_cluster([str(nodes)]).priority_classes


def test_kml210_reports_the_accelerator_taint_case_when_kml201_does_not_run() -> None:
    _, both = _lint("snapshot-fail.yaml", [SNAPSHOT])
    _, alone = _lint("snapshot-fail.yaml", [SNAPSHOT], rules=("KML210",))
    untolerated = [f for f in alone.findings if "gpu-no-toleration" in f.message]
    assert [f.rule_id for f in both.findings if "gpu-no-toleration" in f.message] == ["KML201"]
    assert len(untolerated) == 1 and "untolerated taint nvidia.com/gpu=true:NoSchedule" in untolerated[0].message
