"""kml-lint against the peers' own fixtures (``../shared/corpus/peers``), through the migration mapping.

For every peer rule that a rule file names in ``see_also``, each fixture the peer's test suite gives a
verdict for is linted with the kml-lint rules it maps to; kml-lint's verdict (any finding of those rules)
is compared with the peer's. Units of comparison follow what each peer's tests assert:

- polaris: one file (``failure*`` must fail, anything else must pass);
- kube-score: one test record (the files scored together, a grade: Critical/Warning fail, AllOK passes;
  records whose check is skipped or has no grade are not comparable);
- kube-linter: one kind within a fixture (the bats tests assert the reports' kinds, not object names):
  the kind must be reported iff a report names it, and objects named ``dont-fire*`` (kube-linter's
  convention for its negatives) must never be reported;
- checkov: one test record (a fixture folder and its pass/fail counts over the resources the check
  evaluates, or the exact resource ids when the test lists them).

Disagreements must be listed, with the reason, in ``tests/data/peer_differences.yaml``.
Run ``python tests/peer_agreement.py`` for the agreement table.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = ROOT.parent / "shared" / "corpus" / "peers"
DIFFERENCES = ROOT / "tests" / "data" / "peer_differences.yaml"

# The resources checkov's container and pod checks evaluate (kinds whose objects carry a pod template).
CHECKOV_WORKLOADS = frozenset({"Pod", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController",
                               "Job", "CronJob", "DeploymentConfig", "PodTemplate"})
CHECKOV_KINDS = {
    "CKV_K8S_41": frozenset({"ServiceAccount"}),
    "CKV_K8S_42": frozenset({"RoleBinding", "ClusterRoleBinding"}),
}
# CKV_K8S_21 (default namespace) evaluates every namespaced object.
CHECKOV_CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "PodSecurityPolicy",
                                    "CustomResourceDefinition", "StorageClass", "PersistentVolume", "Node"})
KUBE_SCORE_FAIL = {"Critical", "Warning"}
KUBE_SCORE_PASS = {"AllOK", "AlmostOK"}


@dataclass(frozen=True)
class Unit:
    """One comparison: a peer's verdict on a fixture for one of its rules, and kml-lint's."""

    peer: str
    rule: str  # the peer's rule id
    kml: tuple[str, ...]  # the kml-lint rules it maps to
    fixture: str  # what was compared (see the module docstring)
    expected: str  # the peer's verdict
    actual: str  # kml-lint's verdict, in the same terms

    @property
    def agrees(self) -> bool:
        return self.expected == self.actual


def available() -> bool:
    return (PEERS_DIR / "expected.json").is_file()


@cache
def _expected() -> dict[str, Any]:
    return json.loads((PEERS_DIR / "expected.json").read_text(encoding="utf-8"))


@cache
def _engine_rules() -> tuple[Any, ...]:
    from kml_lint.registry import load_rules

    return tuple(load_rules())


@cache
def peer_map() -> dict[str, dict[str, list[str]]]:
    from kml_lint.registry import peer_rule_map

    return peer_rule_map(_engine_rules())


@cache
def lint(files: tuple[str, ...]) -> tuple[Any, ...]:
    """Findings of every mapped rule (off-by-default ones included) over ``files`` linted as one run."""
    from kml_lint.checks import RunContext
    from kml_lint.engine import Engine
    from kml_lint.source import read_path

    wanted = {kml for ids in peer_map().values() for targets in ids.values() for kml in targets}
    engine = Engine([rule for rule in _engine_rules() if rule.id in wanted], RunContext())
    results = [engine.lint_source(name, read_path(str(PEERS_DIR / name), 10 * 1024 * 1024), True) for name in files]
    engine.finish_files(results)
    return tuple(finding for result in results for finding in result.findings)


@cache
def objects(files: tuple[str, ...], with_containers: bool = False) -> tuple[tuple[str, str | None, str | None], ...]:
    """(kind, namespace, name) of every object in ``files`` (``with_containers``: leave out objects whose pod
    templates have no container at all, which a container check cannot evaluate)."""
    from kml_lint.objects import K8sObject, objects_of
    from kml_lint.source import SourceText, read_path
    from kml_lint.workloads import builtin_table
    from kml_lint.yamlfold import parse_yaml

    found = []
    for name in files:
        source = read_path(str(PEERS_DIR / name), 10 * 1024 * 1024)
        if not isinstance(source, SourceText):
            continue
        for document in parse_yaml(source.text).documents:
            for item in objects_of(document):
                if not isinstance(item, K8sObject):
                    continue
                if with_containers and item.group_kind in builtin_table().by_kind and \
                        not any(view.containers for view in builtin_table().views(item)):
                    continue  # no container (or a malformed template): nothing for a container check to evaluate
                found.append((item.kind, item.ref.namespace, item.ref.name))
    return tuple(found)


def _fires(findings: tuple[Any, ...], kml: list[str]) -> bool:
    return any(f.rule_id in kml for f in findings)


# -- per peer ------------------------------------------------------------------------------------


def _polaris() -> list[Unit]:
    units = []
    mapped = peer_map().get("polaris", {})
    for case in _expected()["polaris"]["check_cases"]:
        kml = mapped.get(case["check"])
        if not kml or "expected" not in case:
            continue
        path = f"polaris/{case['file']}"
        actual = "failure" if _fires(lint((path,)), kml) else "success"
        units.append(Unit("polaris", case["check"], tuple(kml), case["file"], case["expected"], actual))
    return units


def kube_score_id(check: str) -> str:
    """``Container Image Pull Policy`` -> ``container-image-pull-policy`` (kube-score's ids are its names)."""
    return check.lower().replace(" ", "-")


def _kube_score() -> list[Unit]:
    units = []
    mapped = peer_map().get("kube-score", {})
    for record in _expected()["kube-score"]["score_tests"]:
        check = record.get("check")
        kml = mapped.get(kube_score_id(check)) if check else None
        grade = record.get("expected_grade")
        if not kml or record.get("expected_skipped") is not None or grade not in KUBE_SCORE_FAIL | KUBE_SCORE_PASS:
            continue
        files = tuple(f"kube-score/{name}" for name in record["files"])
        expected = "fail" if grade in KUBE_SCORE_FAIL else "pass"
        actual = "fail" if _fires(lint(files), kml) else "pass"
        fixture = f"{' + '.join(record['files'])} ({record['test']})"
        units.append(Unit("kube-score", kube_score_id(check), tuple(kml), fixture, f"{expected} ({grade})",
                          f"{actual} ({grade})" if actual == expected else actual))
    return units


def _kube_linter() -> list[Unit]:
    units = []
    mapped = peer_map().get("kube-linter", {})
    for test in _expected()["kube-linter"]["bats_tests"]:
        include = test.get("include") or []
        if len(include) != 1 or include[0] not in mapped or "fixture" not in test:
            continue
        rule, kml = include[0], mapped[include[0]]
        files = (f"kube-linter/{test['fixture']}",)
        reported = {report["value"].split(":", 1)[0].split(" ", 1)[0] for report in test.get("expected_reports", [])}
        findings = [f for f in lint(files) if f.rule_id in kml]
        flagged = {(f.obj.kind, f.obj.name) for f in findings}
        for kind in sorted({kind for kind, _, _ in objects(files)}):
            names = [name for k, _, name in objects(files) if k == kind]
            hit = [name for name in names if (kind, name) in flagged]
            negatives = [name for name in hit if name and name.startswith("dont-fire")]
            expected = "reported" if kind in reported else "not reported"
            if negatives:
                actual = f"reported, including {', '.join(negatives)}"
            else:
                actual = "reported" if hit else "not reported"
            units.append(Unit("kube-linter", rule, tuple(kml), f"{test['fixture']}#{kind}", expected, actual))
    return units


def _resource_id(kind: str | None, namespace: str | None, name: str | None) -> str:
    return f"{kind}.{namespace or 'default'}.{name}"


def _checkov_evaluated(check: str, kind: str) -> bool:
    if check == "CKV_K8S_21":
        return kind not in CHECKOV_CLUSTER_SCOPED
    return kind in CHECKOV_KINDS.get(check, CHECKOV_WORKLOADS)


def _checkov() -> list[Unit]:
    units = []
    mapped = peer_map().get("checkov", {})
    for record in _expected()["checkov"]["resource_check_tests"]:
        check = record["checks"][0]["id"] if record.get("checks") else None
        kml = mapped.get(check) if check else None
        summary = record.get("expected_summary") or {}
        if not kml or "passed" not in summary or record.get("runner_filter_skip_checks"):
            continue
        folder = PEERS_DIR / "checkov" / record["fixture_folder"]
        files = tuple(sorted(f"checkov/{record['fixture_folder']}/{path.name}" for path in folder.iterdir()
                             if path.suffix in (".yaml", ".yml", ".json")))
        # checkov counts every object it evaluates, even two with the same name; kml-lint's verdict on an object
        # is whether a finding names it (the object's file, kind, namespace and name).
        failing_ids = {(f.path, _resource_id(f.obj.kind, f.obj.namespace, f.obj.name)) for f in lint(files)
                       if f.rule_id in kml}
        workloads = check not in CHECKOV_KINDS and check != "CKV_K8S_21"
        evaluated = [(name, _resource_id(kind, ns, obj)) for name in files
                     for kind, ns, obj in objects((name,), with_containers=workloads)
                     if _checkov_evaluated(check, kind)]
        failing = [item for item in evaluated if item in failing_ids]
        fixture = record["fixture_folder"] + (f" (env {json.dumps(record['env'])})" if record.get("env") else "")
        lists = record.get("expected_resources")
        if lists:
            expected = f"fail {sorted(lists['failing'])}"
            actual = f"fail {sorted({resource for _, resource in failing})}"
        else:
            expected = f"{summary['passed']} passed, {summary['failed']} failed"
            actual = f"{len(evaluated) - len(failing)} passed, {len(failing)} failed"
            if actual != expected:
                shown = sorted(f"{Path(path).name}:{resource}" for path, resource in set(failing))
                actual += f" (kml-lint fails {shown})"
        units.append(Unit("checkov", check, tuple(kml), fixture, expected, actual))
    return units


def units() -> list[Unit]:
    return [*_kube_linter(), *_polaris(), *_kube_score(), *_checkov()]


def documented() -> dict[tuple[str, str, str], str]:
    """(peer, rule, fixture) -> reason, from the differences file."""
    from kml_lint.yamlfold import parse_yaml

    data = parse_yaml(DIFFERENCES.read_text(encoding="utf-8")).documents[0].data or {}
    out = {}
    for entry in data.get("differences", []):
        out[(entry["peer"], entry["rule"], entry["fixture"])] = entry["reason"]
    return out


def table(all_units: list[Unit], reasons: dict[tuple[str, str, str], str]) -> str:
    """Per mapped peer rule: agree / documented difference / total."""
    rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    kml_of: dict[tuple[str, str], tuple[str, ...]] = {}
    for unit in all_units:
        key = (unit.peer, unit.rule)
        kml_of[key] = unit.kml
        rows[key]["total"] += 1
        if unit.agrees:
            rows[key]["agree"] += 1
        elif (unit.peer, unit.rule, unit.fixture) in reasons:
            rows[key]["documented"] += 1
        else:
            rows[key]["undocumented"] += 1
    lines = ["| peer | peer rule | kml-lint | agree | documented difference | total |", "|---|---|---|---|---|---|"]
    for peer, ids in peer_map().items():
        for rule, kml in ids.items():
            counts = rows.get((peer, rule))
            if counts is None:
                lines.append(f"| {peer} | `{rule}` | {', '.join(kml)} | - | - | 0 (no fixture with a verdict) |")
                continue
            extra = f" (+{counts['undocumented']} undocumented)" if counts["undocumented"] else ""
            lines.append(f"| {peer} | `{rule}` | {', '.join(kml)} | {counts['agree']} | "
                         f"{counts['documented']}{extra} | {counts['total']} |")
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    all_units = units()
    reasons = documented()
    print(table(all_units, reasons))
    if "-v" in sys.argv[1:]:
        for unit in all_units:
            if not unit.agrees:
                state = "documented" if (unit.peer, unit.rule, unit.fixture) in reasons else "UNDOCUMENTED"
                print(f"{state}: {unit.peer} {unit.rule} {unit.fixture}: expected {unit.expected}, "
                      f"kml-lint {unit.actual}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
