"""The workload table as data: user rows (API and --workloads), --inspect, its pointers against the operators'
CRDs, and the whole real corpus (every object of a kind in the table yields pods or is reference-only)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, SHARED, lint_text, requires_corpus
from test_cli import run

from kml_lint.engine import Engine
from kml_lint.objects import K8sObject, objects_of
from kml_lint.workloads import TableError, builtin_table, load_table_file, parse_table
from kml_lint.yamlfold import parse_yaml

ROWS = """\
workloads:
  - kinds: [acme.io/Trainer]
    references: [/spec/recipeRef]
    pods:
      - path: /spec/stages/*/pod
        role: "stage {0}"
        traits: [training, batch]
        required_container: trainer
      - path: /spec/sidecar
        shape: container
        role: sidecar
        containers: [{path: "", name: helper, kind: sidecar}]
"""

TRAINER = """\
apiVersion: acme.io/v2
kind: Trainer
metadata:
  name: run-7
spec:
  stages:
    - name: pretrain
      pod:
        spec:
          containers:
            - name: trainer
              image: ghcr.io/acme/trainer:latest
    - name: eval
      pod:
        spec:
          containers:
            - name: eval
              image: ghcr.io/acme/eval:1.0.0
  sidecar:
    image: ghcr.io/acme/helper
"""


def _objects(text: str) -> list[K8sObject]:
    return [o for doc in parse_yaml(text).documents for o in objects_of(doc) if isinstance(o, K8sObject)]


def test_user_rows_extend_the_table_through_the_api() -> None:
    table = builtin_table().extended(parse_yaml(ROWS).documents[0].data, "team.yaml")
    obj = _objects(TRAINER)[0]
    views = table.views(obj)
    assert [(v.role, v.pointer) for v in views] == [
        ("stage pretrain", "/spec/stages/0/pod"), ("stage eval", "/spec/stages/1/pod"), ("sidecar", "/spec/sidecar")]
    assert [c.describe() for c in views[2].containers] == ["sidecar helper"]
    assert views[0].has("training") and views[0].required_container == "trainer"
    assert "apps/Deployment" in table.kinds()  # the built-in rows stay
    assert not builtin_table().knows(obj)  # the built-in table itself is unchanged
    reference = _objects("apiVersion: acme.io/v2\nkind: Trainer\nmetadata: {name: r}\nspec:\n  recipeRef: {name: x}\n")
    assert table.references(reference[0]) == ["/spec/recipeRef"] and not table.views(reference[0])


def test_a_user_row_replaces_the_built_in_rows_of_its_kind() -> None:
    rows = {"workloads": [{"kinds": ["batch/Job"], "pods": [{"path": "/spec/template", "role": "the job"}]}]}
    table = builtin_table().extended(rows, "mine.yaml")
    job = _objects("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec: {}\n")[0]
    assert [v.role for v in table.views(job)] == ["the job"]
    assert [v.role for v in builtin_table().views(job)] == [None]


@pytest.mark.parametrize(("rows", "message"), [
    ({"workloads": "x"}, "expected a 'workloads' list"),
    ({"workloads": [{"kinds": ["acme.io/T"]}]}, "workloads[0] (acme.io/T): needs a 'pods' list"),
    ({"workloads": [{"kinds": [], "pods": []}]}, "workloads[0]: needs a non-empty 'kinds' list"),
    ({"workloads": [{"kinds": ["a/b/c"], "pods": []}]}, "kinds: 'a/b/c' is not group/Kind"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "spec/x"}]}]},
     "workloads[0] (acme.io/T): pods[0]: path: pointer 'spec/x' must start with '/'"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "shape": "blob"}]}]}, "unknown shape 'blob'"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "colour": 1}]}]}, "unknown key 'colour'"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "role": "r {5"}]}]}, "not a valid template"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "containers": [{"path": "/c", "kind": "x"}]}]}]},
     "pods[0]: containers[0]: unknown container kind 'x'"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "containers": [
        {"path": "/c", "sizing": {"limits.gpu": "operator"}}]}]}]}, "sizing: unknown key 'limits.gpu'"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "defaults": [{"fields": ["a"]}]}]}]},
     "defaults[0]: give exactly one of 'path'"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "gang": {"min": ["minAvailable"]}}]}]},
     "pods[0]: gang: min[0]: expected a pointer"),
    ({"workloads": [{"kinds": ["acme.io/T"], "pods": [{"path": "/x", "gang": {"min": "/spec/min"}}]}]},
     "min: expected a list"),
])
def test_invalid_rows_are_rejected_naming_the_entry(rows, message) -> None:
    with pytest.raises(TableError) as caught:
        builtin_table().extended(rows, "team.yaml")
    assert message in str(caught.value) and str(caught.value).startswith("team.yaml")


def test_the_built_in_table_is_valid_and_documented() -> None:
    from importlib import resources

    text = resources.files("kml_lint").joinpath("workloads.yaml").read_text(encoding="utf-8")
    table = parse_table(parse_yaml(text).documents[0].data, "workloads.yaml")
    assert len(table.kinds()) >= 50
    header = text.split("workloads:", 1)[0]
    for word in ("kinds:", "pods:", "references:", "shape:", "role:", "traits:", "defaults:", "containers:",
                 "sizing:", "inherits:", "patch: true", "template", "podspec", "container", "object", "manifest",
                 "search", "not_pods", "gang:", "count:", "min:", "unknown_when:"):
        assert word in header, f"the comment at the top of workloads.yaml does not document {word}"


GANGS = """\
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: v}
spec:
  minAvailable: 3
  tasks:
    - {name: ps, replicas: 2, template: {spec: {containers: [{name: c, image: x}]}}}
    - {name: worker, replicas: 4, minAvailable: 1, template: {spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: per-task}
spec:
  tasks:
    - {name: ps, replicas: 2, template: {spec: {containers: [{name: c, image: x}]}}}
    - {name: worker, replicas: 4, minAvailable: 1, template: {spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: elastic}
spec:
  elasticPolicy: {maxReplicas: 3}
  pytorchReplicaSpecs:
    Master: {replicas: 1, template: {spec: {containers: [{name: pytorch, image: x}]}}}
    Worker: {replicas: 4, template: {spec: {containers: [{name: pytorch, image: x}]}}}
---
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: odd}
spec:
  elasticPolicy: {minReplicas: "2", maxReplicas: 4}
  pytorchReplicaSpecs:
    Worker: {replicas: 4, template: {spec: {containers: [{name: pytorch, image: x}]}}}
---
apiVersion: kubeflow.org/v1
kind: PaddleJob
metadata: {name: no-minimum}
spec:
  elasticPolicy: {maxReplicas: 4}
  paddleReplicaSpecs:
    Worker: {replicas: 4, template: {spec: {containers: [{name: paddle, image: x}]}}}
"""


def test_gang_minimums_are_table_data() -> None:
    """`gang: min`: the first field present is the least number that must run at once; a `/x` field is one
    minimum for every pod template of the object, `../x` each template's own; odd values leave the gang unknown."""
    volcano, per_task, elastic, odd, paddle = _objects(GANGS)
    sizes = [[(v.gang, v.gang_pointer, v.gang_min, v.gang_min_pointer) for v in builtin_table().views(obj)]
             for obj in (volcano, per_task, elastic, odd, paddle)]
    assert sizes[0] == [(2, "/spec/tasks/0/replicas", 3, "/spec/minAvailable"),
                        (4, "/spec/tasks/1/replicas", 3, "/spec/minAvailable")]  # the job's minimum wins
    assert sizes[1] == [(2, "/spec/tasks/0/replicas", None, None),
                        (4, "/spec/tasks/1/replicas", 1, "/spec/tasks/1/minAvailable")]
    assert {s[2:] for s in sizes[2]} == {(3, "/spec/elasticPolicy/maxReplicas")}  # maxReplicas stands for the minimum
    assert sizes[3] == [(None, None, None, None)]  # a quoted number: unknown
    assert sizes[4] == [(None, None, None, None)]  # an elastic policy without its minimum: unknown


def test_cli_workloads_option_lints_and_inspects_a_users_crd(tmp_path: Path) -> None:
    rows = tmp_path / "rows.yaml"
    rows.write_text(ROWS, encoding="utf-8")
    manifest = tmp_path / "run.yaml"
    manifest.write_text(TRAINER, encoding="utf-8")
    code, out, _ = run(str(manifest), "--workloads", str(rows), "--select", "KML301,KML602", "--format", "full")
    assert code == 1
    assert "run.yaml:12:22: warning KML301" in out and "Trainer run-7, stage pretrain, container trainer:" in out
    assert "run.yaml:16:11: error KML602" in out  # the row's required_container
    assert "Trainer run-7, sidecar, sidecar helper: image ghcr.io/acme/helper has no tag" in out
    code, out, _ = run(str(manifest), "--select", "KML301,KML602", "--format", "full")
    # Without the rows, the pods are found by shape: their containers are checked, no row's required_container.
    assert code == 0 and "KML602" not in out  # a warning: the default --fail-on is error
    assert "Trainer run-7, stages[pretrain] (found by shape), container trainer: image" in out
    code, out, _ = run(str(manifest), "--inspect", "--workloads", str(rows))
    assert code == 0
    assert "pod stage eval: /spec/stages/1/pod (line 14; template; from the workload table; traits batch, training)" \
        in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("workloads:\n  - kinds: [acme.io/T]\n    pods: [{path: nope}]\n", encoding="utf-8")
    code, _, err = run(str(manifest), "--workloads", str(bad))
    assert code == 2 and "bad.yaml: workloads[0] (acme.io/T): pods[0]: path: pointer 'nope'" in err


def test_inspect_prints_pods_containers_references_and_lines(tmp_path: Path) -> None:
    from conftest import ROOT

    fixture = ROOT / "tests" / "workloads" / "pipelines.yaml"
    code, out, _ = run("--inspect", str(fixture))
    assert code == 0
    lines = out.splitlines()
    assert "  Workflow train-* (argoproj.io/v1alpha1, line 3)" in lines
    assert "    pod template train: /spec/templates/2 (line 31; podspec; from the workload table; traits batch)" in lines
    assert "      tolerations from /spec/tolerations (line 11)" in lines
    assert "      container main: /spec/templates/2/container (line 36) (container-shaped block)" in lines
    assert "      sidecar tensorboard: /spec/templates/2/sidecars/0 (line 41)" in lines
    assert "    reference /spec/workflowTemplateRef (line 124)" in lines
    assert lines[-1] == "14 pod templates in 8 objects."
    code, out, _ = run("--inspect", "--format", "json", str(fixture))
    document = json.loads(out)
    workflow = document["files"][0]["objects"][0]
    assert workflow["status"] == "pods" and workflow["pods"][1]["role"] == "template train"
    assert workflow["pods"][1]["pod_fields_from_elsewhere"] == {"tolerations": "/spec/tolerations"}
    other = tmp_path / "cm.yaml"
    other.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", encoding="utf-8")
    code, out, _ = run("--inspect", str(other))
    assert "not a workload kind (no row in the workload table, no pod in its CRD, not searched)" in out


# -- the table against the operators' CRDs ------------------------------------------------------------------------

CRDS = SHARED / "crds"


def _crd_schemas() -> dict[str, list[dict]]:
    schemas: dict[str, list[dict]] = {}
    for path in sorted(CRDS.glob("*/*.yaml")):
        data = parse_yaml(path.read_text(encoding="utf-8")).documents[0].data
        key = f"{data['spec']['group']}/{data['spec']['names']['kind']}"
        for version in data["spec"]["versions"]:
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if schema:
                schemas.setdefault(key, []).append(schema)
    return schemas


def _walk(schema: dict, tokens: tuple[str, ...]) -> dict | None:
    node = schema
    for token in tokens:
        if node.get("x-kubernetes-preserve-unknown-fields") and not node.get("properties"):
            return {"x-kubernetes-preserve-unknown-fields": True}  # opaque: anything goes
        if token == "*" or token.isdigit():
            node = node.get("additionalProperties") if isinstance(node.get("additionalProperties"), dict) \
                else node.get("items")
        elif token in (node.get("properties") or {}):
            node = node["properties"][token]
        else:  # a key of a map (a replica type such as Master)
            node = node.get("additionalProperties")
        if not isinstance(node, dict):
            return None
    return node


def _pod_spec_node(schema: dict, path: tuple[str, ...], shape: str) -> dict | None:
    node = _walk(schema, path)
    if node is None or shape != "template":
        return node
    return _walk(node, ("spec",))


@pytest.mark.skipif(not CRDS.is_dir(), reason="../shared/crds is not present")
def test_every_table_pointer_exists_in_the_operators_crds() -> None:
    """For each kind with a CRD in ../shared/crds: each pod path (and each container path under it) exists in at
    least one served version's schema. Paths of older API versions without a CRD here are listed explicitly."""
    schemas = _crd_schemas()
    # Paths for API versions whose CRDs are not in ../shared/crds (KFServing v1alpha2, Knative v1alpha1 style).
    older = {("serving.kserve.io/InferenceService", "/spec/*/predictor"),
             ("serving.kserve.io/InferenceService", "/spec/*/transformer"),
             ("serving.kserve.io/InferenceService", "/spec/*/explainer")}
    older_containers = {("serving.kserve.io/InferenceService", "/alibi"),
                        ("serving.kserve.io/InferenceService", "/custom/container")}
    checked = 0
    problems = []
    for kind, locations in builtin_table().by_kind.items():
        if kind not in schemas:
            continue
        for location in locations:
            where = "/" + "/".join(location.path)
            if (kind, where) in older:
                continue
            if location.shape in ("object", "manifest"):
                found = any(_walk(s, location.path) is not None for s in schemas[kind])
            else:
                nodes = [_pod_spec_node(s, location.path, location.shape) for s in schemas[kind]]
                nodes = [n for n in nodes if n is not None]
                found = bool(nodes)
                for container in location.containers or ():
                    if (location.shape == "container" and not container.path) or \
                            (kind, "/" + "/".join(container.path)) in older_containers:
                        continue
                    if not any(_walk(n, container.path) is not None for n in nodes):
                        problems.append(f"{kind} {where}: container path /{'/'.join(container.path)}")
                    checked += 1
            checked += 1
            if not found:
                problems.append(f"{kind} {where}")
        for tokens in builtin_table().references_by_kind.get(kind, ()):
            if not any(_walk(s, tokens) is not None for s in schemas[kind]):
                problems.append(f"{kind} reference /{'/'.join(tokens)}")
    assert checked > 60
    assert not problems, "\n".join(problems)


# -- the real corpus: no silent misses ------------------------------------------------------------------------------

# Objects of a table kind that define no pod at all, each for a reason of its own (checked to still hold).
NO_PODS = {
    "kubernetes-sigs__jobset/config/samples/batch_v1alpha2_jobset.yaml": "a scaffold with an empty spec",
    "kserve__kserve/config/llmisvcconfig/config-llm-tracing.yaml": "a configuration fragment: tracing only",
    "kubeflow__pipelines/frontend/mock-backend/data/v1/template/mock-recursive-template.yaml":
        "mock data whose container templates are empty (`container:` with no value)",
    "NVIDIA__gpu-operator/config/manifests/bases/gpu-operator.clusterserviceversion.yaml":
        "an OLM bundle base: `deployments: null`, the install strategy is generated into the bundle",
    "intel__intel-device-plugins-for-kubernetes/deployments/operator/manifests/bases/"
    "intel-device-plugins-operator.clusterserviceversion.yaml":
        "an OLM bundle base: `deployments: null`, the install strategy is generated into the bundle",
}


def corpus_figures() -> tuple[dict[str, Counter], list[str]]:
    table = builtin_table()
    figures: dict[str, Counter] = {}
    misses = []
    for folder, _, files in os.walk(CORPUS):
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            path = Path(folder, name)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (UnicodeDecodeError, OSError):
                continue
            relative = path.relative_to(CORPUS).as_posix()
            for document in parse_yaml(text).documents:
                for obj in objects_of(document):
                    if not isinstance(obj, K8sObject) or not table.knows(obj):
                        continue
                    counts = figures.setdefault(obj.group_kind, Counter())
                    views = table.views(obj)
                    counts["objects"] += 1
                    counts["pod templates"] += len(views)
                    counts["containers"] += sum(len(v.containers) for v in views)
                    if not views and table.references(obj):
                        counts["reference-only"] += 1
                    elif not views:
                        misses.append(relative)
    return figures, misses


@requires_corpus()
def test_every_corpus_object_of_a_table_kind_yields_pods_or_is_reference_only() -> None:
    figures, misses = corpus_figures()
    assert sorted(set(misses)) == sorted(NO_PODS), "objects of a table kind with no pod and no reference"
    assert sum(c["objects"] for c in figures.values()) > 2000
    for kind in ("kubeflow.org/PyTorchJob", "ray.io/RayCluster", "jobset.x-k8s.io/JobSet",
                 "serving.kserve.io/InferenceService", "argoproj.io/Workflow", "sparkoperator.k8s.io/SparkApplication",
                 "trainer.kubeflow.org/ClusterTrainingRuntime", "machinelearning.seldon.io/SeldonDeployment"):
        assert figures[kind]["pod templates"] >= figures[kind]["objects"] - figures[kind]["reference-only"]


@requires_corpus()
def test_corpus_findings_inside_ml_kinds_never_crash() -> None:
    text = (CORPUS / "kubeflow__training-operator" / "examples" / "pytorch" / "mnist" / "v1"
            / "pytorch_job_mnist_gloo.yaml").read_text(encoding="utf-8")
    result = lint_text(text, path="gloo.yaml")
    assert "KML000" not in {f.rule_id for f in result.findings}
    assert any(f.role and f.role.startswith("replica ") for f in result.findings)


def test_engine_accepts_a_table_and_object_rules_see_its_views() -> None:
    from conftest import all_rules

    table = builtin_table().extended(parse_yaml(ROWS).documents[0].data, "rows")
    result = Engine(all_rules(), workloads=table).lint_text("t.yaml", TRAINER)
    assert {f.role for f in result.findings if f.role} == {"stage pretrain", "stage eval", "sidecar"}


def test_load_table_file_reports_unreadable_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="cannot read"):
        load_table_file(str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("workloads: [\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"broken\.yaml:"):
        load_table_file(str(broken))
