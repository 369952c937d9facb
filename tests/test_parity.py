"""Parity with the general-purpose linters: run-scope rules across files, rules that are off by default, the
peer migration mapping and the settings that silence rules on some platforms."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from conftest import all_rules, lint_text, rules_by_id
from test_cli import run

from kml_lint.checks import RunContext, check
from kml_lint.engine import Engine, fingerprint
from kml_lint.objects import objects_of
from kml_lint.registry import PEERS, build_rule, peer_rule_map, select_rules
from kml_lint.yamlfold import parse_yaml

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: embedder
  namespace: search
spec:
  template:
    metadata:
      labels: {app: embedder}
    spec:
      containers: [{name: server, image: "ghcr.io/acme/embedder:1.4.2"}]
"""
BUDGET = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: embedder
  namespace: search
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: embedder}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: embedder
  namespace: search
spec:
  selector: {app: %s}
"""


# -- run scope ------------------------------------------------------------------------------------


def _lint_files(files: dict[str, str], ids: tuple[str, ...]):
    engine = Engine(rules_by_id(*ids), RunContext())
    results = [engine.lint_text(path, text) for path, text in files.items()]
    return engine, results


def test_run_scope_findings_land_in_the_file_of_the_object_they_are_about() -> None:
    engine, results = _lint_files({"k8s/deploy.yaml": DEPLOYMENT, "k8s/pdb.yaml": BUDGET}, ("KML735",))
    assert all(not r.findings for r in results), "nothing is judged before the end of the run"
    engine.finish_files(results)
    deploy, pdb = results
    assert not deploy.findings
    assert [(f.rule_id, f.path, f.line, f.col) for f in pdb.findings] == [("KML735", "k8s/pdb.yaml", 7, 3)]
    assert pdb.findings[0].message.startswith("PodDisruptionBudget embedder: minAvailable: 1 allows no voluntary")
    assert all(not r.facts for r in results), "facts are dropped once judged"


def test_facts_are_small_and_picklable_so_files_can_be_linted_in_other_processes() -> None:
    engine, results = _lint_files({"a/deploy.yaml": DEPLOYMENT, "a/pdb.yaml": BUDGET,
                                   "a/svc.yaml": SERVICE % "typo"}, ("KML735", "KML736", "KML820"))
    shipped = [pickle.loads(pickle.dumps(result)) for result in results]  # what a worker process would return
    assert all(len(pickle.dumps(r.facts)) < 4000 for r in shipped)
    engine.finish_files(shipped)
    assert {(f.rule_id, f.path) for r in shipped for f in r.findings} == {
        ("KML735", "a/pdb.yaml"), ("KML736", "a/svc.yaml"), ("KML820", "a/deploy.yaml")}


def test_run_scope_findings_keep_the_file_order_and_fingerprints_of_object_findings() -> None:
    text = SERVICE % "typo" + "---\n" + DEPLOYMENT
    result = lint_text(text, rules_by_id("KML736", "KML804"))
    assert [(f.line, f.rule_id) for f in result.findings] == sorted((f.line, f.rule_id) for f in result.findings)
    finding = next(f for f in result.findings if f.rule_id == "KML736")
    obj = next(item for doc in parse_yaml(text).documents for item in objects_of(doc) if item.kind == "Service")
    assert finding.fingerprint == fingerprint(finding, obj), "a run-scope fingerprint is the usual one"


def test_a_service_beside_its_workload_in_another_file_is_matched() -> None:
    engine, results = _lint_files({"k8s/deploy.yaml": DEPLOYMENT, "k8s/svc.yaml": SERVICE % "embedder"},
                                  ("KML736",))
    engine.finish_files(results)
    assert not [f for r in results for f in r.findings]


def test_a_service_with_no_workload_near_it_is_not_judged() -> None:
    engine, results = _lint_files({"apps/deploy.yaml": DEPLOYMENT, "services/svc.yaml": SERVICE % "typo"},
                                  ("KML736",))
    engine.finish_files(results)
    assert not [f for r in results for f in r.findings], "its workload is linted elsewhere"


def test_a_failing_run_scope_rule_becomes_kml000_on_a_site_it_collected() -> None:
    def finish(facts, params):
        raise RuntimeError("boom")

    @check("testing.run_boom", target="run", finish=finish)
    def collect(ctx, obj, params):
        return ctx.site(obj, obj.ptr("/metadata"))

    rule = build_rule({"id": "KML998", "name": "run-boom", "severity": "error", "summary": "x" * 10,
                       "description": "x" * 20, "rationale": "x" * 20, "remediation": "x" * 10, "since": "0.1.0",
                       "status": "stable", "check": {"python": "testing.run_boom"}}, "test", validate_params=False)
    engine = Engine([rule, *rules_by_id("KML000")], RunContext())
    results = [engine.lint_text("x.yaml", DEPLOYMENT)]
    engine.finish_files(results)
    assert [(f.rule_id, f.line) for f in results[0].findings] == [("KML000", 3)]
    assert "KML998" in results[0].findings[0].message and "boom" in results[0].findings[0].message


def test_cross_object_rules_work_through_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "pdb.yaml").write_text(BUDGET)
    code, out, _ = run(str(tmp_path), "--select", "KML735", "--format", "json", "--fail-on", "warning")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(Path(f["path"]).name, f["line"], f["rule"]) for f in findings] == [("pdb.yaml", 7, "KML735")]


# -- rules that are off by default ----------------------------------------------------------------


def test_a_rule_off_by_default_runs_only_when_named() -> None:
    rules = all_rules()

    def chosen(**kwargs) -> bool:
        return "KML840" in {rule.id for rule in select_rules(rules, **kwargs)}

    assert not chosen()
    assert not chosen(select=["KML8"]) and not chosen(select=["ALL"]) and not chosen(extend_select=["KML84"])
    assert chosen(extend_select=["KML840"]) and chosen(extend_select=["missing-namespace"])
    assert chosen(select=["KML840"])
    assert not chosen(select=["KML840"], ignore=["KML840"])
    assert "KML801" in {rule.id for rule in select_rules(rules, select=["KML8"])}


def test_the_command_line_honours_rules_off_by_default(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    code, out, _ = run(str(tmp_path), "--format", "json")
    assert code == 0 and not json.loads(out)["findings"]
    _, out, _ = run(str(tmp_path), "--format", "json", "--extend-select", "KML840")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["KML840"]


# -- the migration mapping ------------------------------------------------------------------------


def test_peer_rule_map_covers_every_peer_and_the_issue_areas() -> None:
    table = peer_rule_map(all_rules())
    assert list(table) == list(PEERS)
    assert table["kube-linter"]["privileged-container"] == ["KML801"]
    assert table["checkov"]["CKV_K8S_20"] == ["KML802"]
    assert table["polaris"]["hostIPCSet"] == ["KML812"]
    assert table["kube-score"]["cronjob-has-deadline"] == ["KML530"]
    assert list(table["checkov"])[:3] == ["CKV_K8S_8", "CKV_K8S_9", "CKV_K8S_10"], "natural order"
    for ids in table.values():
        for kml in ids.values():
            assert kml == sorted(kml)


def test_every_parity_rule_names_its_peers() -> None:
    no_peer_has_it = {"KML531"}  # CronJob overlap on accelerators: kml-lint's own
    # Pod Security Standards controls no peer checks by itself (Polaris' linuxHardening asks for any one of
    # seccomp, SELinux or AppArmor: another question).
    no_peer_has_it |= {"KML817", "KML818", "KML822", "KML823"}
    # The ML operator rules of the lifecycle and serving families (KML502-529, KML701-729) have no peer at all.
    ml_rules = {rule.id for rule in all_rules() if 502 <= int(rule.id[3:]) <= 529 or 701 <= int(rule.id[3:]) <= 729}
    parity = [rule for rule in all_rules() if rule.id[3] in "3578" and rule.id not in no_peer_has_it | ml_rules]
    assert len(parity) >= 25
    assert not [rule.id for rule in parity if not rule.see_also]


# -- settings ---------------------------------------------------------------------------------------

NEVER = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: c, image: "acme/trainer:dev", imagePullPolicy: Never}
"""


def test_pull_policy_never_is_fine_on_a_single_node_platform() -> None:
    assert [f.rule_id for f in lint_text(NEVER, rules_by_id("KML303")).findings] == ["KML303"]
    assert not lint_text(NEVER, rules_by_id("KML303"), platform="kind").findings
    assert not lint_text(NEVER, rules_by_id("KML807"), platform="gke-autopilot").findings
    assert lint_text(NEVER, rules_by_id("KML807"), platform="gke").findings


def test_new_rules_never_crash_on_odd_shapes() -> None:
    odd = "\n---\n".join([
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: 7}}}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec: {template: {spec: []}}",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\nspec: {securityContext: 1, volumes: {a: 1}, "
        "containers: [{name: x, securityContext: {capabilities: {add: 1, drop: {a: b}}}, ports: 3, "
        "livenessProbe: [], readinessProbe: 1}], hostNetwork: 1}",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: d}\nspec: {minAvailable: x%, "
        "selector: {matchLabels: [1]}}",
        "apiVersion: v1\nkind: Service\nmetadata: {name: e}\nspec: {selector: [a]}",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: f}\nsubjects: 1",
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: g}\nspec: 5",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: "
        "{scaleTargetRef: 1, minReplicas: null}",
    ])
    ids = [rule.id for rule in all_rules() if rule.id[3] in "3578"]
    result = lint_text(odd, rules_by_id("KML000", *ids))
    assert not [f for f in result.findings if f.rule_id == "KML000"], [f.message for f in result.findings]


def test_cron_intervals_of_common_schedules() -> None:
    from kml_lint.checks.lifecycle import schedule_interval

    assert schedule_interval("@daily") == 86400
    assert schedule_interval("30 2 * * *") == 86400
    assert schedule_interval("CRON_TZ=Europe/Paris 30 2 * * *") == 86400
    assert schedule_interval("5 * * * *") == 3600
    assert schedule_interval("*/15 * * * *") == 900
    assert schedule_interval("0 */6 * * *") == 6 * 3600
    assert schedule_interval("0 3 * * 1") == 7 * 86400
    for unsure in ("0 3 1 * *", "0 1,13 * * *", "*/7 * * * *", "0 3 * * 1-5", "", None, 5, "a b c d e"):
        assert schedule_interval(unsure) is None
