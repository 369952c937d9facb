"""Pods found three ways (issue 15): rows derived from CRD schemas, CRDs among the linted files, shape search;
embedded objects validated; KML007 says what was checked; --inspect says where each pod was learnt."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, cli, lint_text, rules_by_id

from kml_lint.objects import K8sObject, objects_of
from kml_lint.pods import finder as finder_module
from kml_lint.pods.derive import derive_pods, derived_role
from kml_lint.pods.finder import PodFinder, _compiled, _matches, shipped_locations
from kml_lint.workloads import _pointer, builtin_table
from kml_lint.yamlfold import parse_yaml

# -- derivation ---------------------------------------------------------------------------------------------

CONTAINER = {"type": "object", "properties": {"name": {"type": "string"}, "image": {"type": "string"},
                                              "env": {"type": "array", "items": {"type": "object"}}}}
PODSPEC = {"type": "object", "properties": {"containers": {"type": "array", "items": {"$ref": "#/$defs/c"}},
                                            "mainContainer": {"$ref": "#/$defs/c"},
                                            "tolerations": {"type": "array", "items": {"type": "object"}}}}
SCHEMA = {
    "$defs": {"c": CONTAINER, "recursive": {"type": "object", "properties": {"again": {"$ref": "#/$defs/recursive"}}}},
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
        "status": {"type": "object", "properties": {"pod": {"type": "object", "properties": {"spec": PODSPEC}}}},
        "spec": {"type": "object", "additionalProperties": False, "properties": {
            "roles": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"},
                "template": {"type": "object", "properties": {"metadata": {"type": "object"}, "spec": PODSPEC}}}}},
            "workers": {"type": "object", "additionalProperties": {"type": "object", "properties": {"spec": PODSPEC}}},
            "router": {"$ref": "#/$defs/c"},
            "images": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "image": {"type": "string"}}}},  # OLM relatedImages: not containers
            "job": {"type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                                     "metadata": {"type": "object"}}},
            "plugin": {"type": "object"},
            "size": {"x-kml-quantity": True},
            "loop": {"$ref": "#/$defs/recursive"},
        }},
    },
}


def test_pods_are_derived_from_a_schema_at_any_depth() -> None:
    pods = {pod["path"]: pod for pod in derive_pods(SCHEMA)}
    assert {path: pod["shape"] for path, pod in pods.items()} == {
        "/spec/roles/*/template": "template",  # a PodTemplateSpec in an array of roles
        "/spec/workers/*": "template",  # in a map (its spec is a pod spec)
        "/spec/router": "container",  # a container-shaped object
        "/spec/job": "object",  # an embedded resource: its own kind's rows find its pods
        "/spec/plugin": "search",  # opaque: shape search applies inside
    }
    assert pods["/spec/roles/*/template"]["role"] == "roles[{0}]" and pods["/spec/roles/*/template"]["partial"]
    assert {"path": "/mainContainer", "kind": "main"} in pods["/spec/roles/*/template"]["containers"]
    assert derived_role(("spec", "leaderWorkerTemplate", "workerTemplate")) == "leaderWorkerTemplate workerTemplate"
    assert derived_role(("spec", "template")) is None
    assert derive_pods({"type": "object", "properties": {"apiVersion": {}, "kind": {}, "metadata": {}}}) == \
        [{"path": "", "shape": "search"}]  # a CRD without a schema describes nothing: search it all


def test_shipped_crds_rows_are_precomputed_and_rederived_when_their_schema_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    member = "kubeflow.org/pytorchjob_v1.json"
    precomputed = shipped_locations(member)
    assert [(loc.path, loc.shape, loc.source) for loc in precomputed] == [
        (("spec", "pytorchReplicaSpecs", "*", "template"), "template", f"crd {member}")]
    stale = {name: {**entry, "digest": "0" * 64} for name, entry in _compiled().items()}
    monkeypatch.setattr(finder_module, "_compiled", lambda: stale)
    shipped_locations.cache_clear()
    calls = []
    real = finder_module.__dict__.get("derive_pods")
    from kml_lint.pods import derive

    monkeypatch.setattr(derive, "derive_pods", lambda schema: calls.append(1) or (real or derive_pods)(schema))
    try:
        assert shipped_locations(member) == precomputed and calls == [1]  # derived again, same result
    finally:
        shipped_locations.cache_clear()


# The hand-written rows and the derivation check each other: for every shipped CRD, each pod path of the table is
# also derived (the same path, or derived pods inside it that the row groups into one pod), or is listed here.
NOT_DERIVED = {
    ("trainer.kubeflow.org/TrainJob", "/spec/initializer/dataset"):
        "no image in the block: the initializer's image comes from the runtime",
    ("trainer.kubeflow.org/TrainJob", "/spec/initializer/model"):
        "no image in the block: the initializer's image comes from the runtime",
    ("apps.kruise.io/SidecarSet", "/spec"):
        "its containers are opaque objects in which only Kruise's own fields are typed (no image in the schema)",
    ("serving.kserve.io/InferenceService", "/spec/*/predictor"): "KFServing v1alpha2 (default/canary): no CRD here",
    ("serving.kserve.io/InferenceService", "/spec/*/transformer"): "KFServing v1alpha2: no CRD here",
    ("serving.kserve.io/InferenceService", "/spec/*/explainer"): "KFServing v1alpha2: no CRD here",
    **{(kind, path): "a string holding an object: no schema says what it holds"
       for kind, path in [("argoproj.io/Workflow", "/spec/templates/*/resource/manifest"),
                          ("argoproj.io/WorkflowTemplate", "/spec/templates/*/resource/manifest"),
                          ("argoproj.io/ClusterWorkflowTemplate", "/spec/templates/*/resource/manifest"),
                          ("argoproj.io/CronWorkflow", "/spec/workflowSpec/templates/*/resource/manifest")]},
}


def _derived_by_kind() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    found: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    for group, version, kind in json.loads((ROOT / "schemas" / "crds" / "index.json").read_text()):
        for pod in _compiled()[f"{group}/{kind.lower()}_{version}.json"]["pods"]:
            found[f"{group}/{kind}"].append((_pointer(pod["path"], "derived"), pod["shape"]))
    return found


def test_every_hand_written_path_is_also_derived_or_listed_why_not() -> None:
    derived = _derived_by_kind()
    unexplained, opaque, used = [], [], set()
    checked = 0
    for kind, locations in builtin_table().by_kind.items():
        for location in locations if kind in derived else ():
            checked += 1
            where = "/" + "/".join(location.path)
            pods = [d for d, shape in derived[kind] if shape != "search"]
            same = any(len(d) == len(location.path) and _matches(location.path, d) for d in pods)
            inside = any(len(d) > len(location.path) and _matches(location.path, d)
                         for d, shape in derived[kind] if shape == "container")
            searched = any(len(d) <= len(location.path) and _matches(location.path, d)
                           for d, shape in derived[kind] if shape == "search")
            if same or (inside and location.shape == "podspec"):
                continue
            if searched:  # the CRD leaves it opaque (preserve-unknown-fields): shape search finds the pods there
                opaque.append(f"{kind} {where}")
            elif (kind, where) in NOT_DERIVED:
                used.add((kind, where))
            else:
                unexplained.append(f"{kind} {where} ({location.shape})")
    assert checked > 80
    assert not unexplained, "hand-written paths the derivation does not find:\n" + "\n".join(unexplained)
    assert used == set(NOT_DERIVED), f"listed but derived now: {set(NOT_DERIVED) - used}"
    assert "kubeflow.org/Experiment /spec/trialTemplate/trialSpec" in opaque  # Katib's CRDs have no schema


# -- the finder: table first, then derived rows, then shape ----------------------------------------------------


def _objects(text: str) -> list[K8sObject]:
    return [o for doc in parse_yaml(text).documents for o in objects_of(doc) if isinstance(o, K8sObject)]


ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: plugins-}
spec:
  entrypoint: main
  executorPlugins:
    - spec:
        sidecar:
          container: {name: plugin, image: "ghcr.io/acme/plugin:latest", ports: [{containerPort: 4355}]}
  templates:
    - name: main
      container: {image: "python:3.11", command: [python]}
"""


def test_derived_rows_fill_what_the_table_lacks_and_rows_win() -> None:
    finder = PodFinder(builtin_table())
    (workflow,) = _objects(ARGO)
    views = finder.views(workflow)
    assert [(v.pointer, v.source) for v in views] == [
        ("/spec/templates/0", "table"),
        ("/spec/executorPlugins/0/spec/sidecar/container", "crd argoproj.io/workflow_v1alpha1.json")]
    assert views[1].partial and views[1].containers[0].inherits  # a derived block: absent fields mean unknown
    result = lint_text(ARGO, rules_by_id("KML301", "KML802", "KML806"))
    # The plugin's :latest is reported; its absent security fields are not (which ones the operator reads is
    # unknown), while the template's container (a row's) is judged as before.
    assert {(f.rule_id, f.line) for f in result.findings} == {("KML301", 9), ("KML802", 12), ("KML806", 12)}


UNKNOWN = """\
apiVersion: acme.io/v1
kind: Trainer
metadata: {name: run}
spec:
  steps:
    - name: build
      image: "python:latest"
      command: [python, build.py]
  worker:
    template:
      spec:
        containers: [{name: w, image: "ghcr.io/acme/w:1.0"}]
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-latest}
spec:
  rules:
    - name: pattern
      validate:
        pattern:
          spec:
            containers: [{name: "*", image: "!*:latest"}]
---
apiVersion: acme.io/v1
kind: Settings
metadata: {name: s}
data: {size: 3}
"""


def test_shape_search_finds_pods_of_unknown_kinds_and_stays_precise() -> None:
    result = lint_text(UNKNOWN, path="unknown.yaml")
    found = {(f.rule_id, f.line, f.role) for f in result.findings}
    assert ("KML301", 7, "steps[build] (found by shape)") in found  # the container block, marked as found by shape
    assert ("KML102", 12, "worker (found by shape)") in found  # a pod template's container (no resources)
    # Absent pod-level fields are not judged on a pod whose operator completes them; neither are a block's absent
    # security fields (which fields the operator reads is unknown).
    assert not {rule for rule, _, role in found if role and "shape" in role} & {"KML803", "KML807", "KML820"}
    assert ("KML802", 6, "steps[build] (found by shape)") not in found
    assert ("KML802", 12, "worker (found by shape)") in found  # a real container of a pod template
    assert not [f for f in result.findings if 14 <= f.line <= 23 and (f.role or f.container)]  # a policy's pattern
    notes = {f.line: f.message for f in result.findings if f.rule_id == "KML007"}
    assert "no schema for acme.io/v1 Trainer; 2 containers found by shape were checked" in notes[2]
    assert "no schema for acme.io/v1 Settings; nothing inside it was checked" in notes[26]
    assert 15 not in notes or "nothing inside it was checked" in notes[15]


def test_inspect_says_where_each_pod_was_learnt(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(ARGO + "---\n" + UNKNOWN.split("---\n")[0])
    code, out, _ = cli("--inspect", "--format", "json", str(manifest))
    assert code == 0
    found_by = [pod["found_by"] for obj in json.loads(out)["files"][0]["objects"] for pod in obj["pods"]]
    assert found_by == ["table", "crd argoproj.io/workflow_v1alpha1.json", "shape", "shape"]
    code, out, _ = cli("--inspect", str(manifest))
    assert "found by shape (add a row with --workloads for roles, traits and defaults)" in out
    assert "derived from the CRD argoproj.io/workflow_v1alpha1.json" in out


# -- CRDs among the linted files -------------------------------------------------------------------------------

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: trainers.acme.io}
spec:
  group: acme.io
  names: {kind: Trainer, plural: trainers}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                replicas: {type: integer}
                workers:
                  type: array
                  items:
                    type: object
                    properties:
                      name: {type: string}
                      template:
                        type: object
                        properties:
                          metadata: {type: object, x-kubernetes-preserve-unknown-fields: true}
                          spec:
                            type: object
                            properties:
                              containers:
                                type: array
                                items:
                                  type: object
                                  properties:
                                    name: {type: string}
                                    image: {type: string}
                                    resources: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
CR = """\
apiVersion: acme.io/v1
kind: Trainer
metadata: {name: run}
spec:
  replicas: two
  workerz: []
  workers:
    - name: w1
      template:
        spec:
          containers: [{name: main, image: "ghcr.io/acme/train:latest"}]
"""


def _run(folder: Path, *args: str) -> list[dict]:
    code, out, err = cli(*args, "--format", "json", cwd=folder)
    assert code in (0, 1), err
    return json.loads(out)["findings"]


def test_a_crd_in_the_run_validates_and_finds_pods_whatever_the_order_and_jobs(tmp_path: Path) -> None:
    (tmp_path / "crds").mkdir()
    (tmp_path / "crds" / "trainer.yaml").write_text(CRD)
    for number in range(10):  # enough files for worker processes
        (tmp_path / f"run{number}.yaml").write_text(CR.replace("name: run", f"name: run{number}"))
    baseline = _run(tmp_path, ".", "--jobs", "1")
    mine = {(f["rule"], f["line"], f.get("role")) for f in baseline if f["path"] == "run0.yaml"}
    assert {("KML003", 5, None), ("KML004", 6, None), ("KML301", 11, "workers[w1]")} <= mine
    assert not any(f["rule"] == "KML007" for f in baseline)
    assert _run(tmp_path, ".", "--jobs", "2") == baseline
    files = [f"run{n}.yaml" for n in range(10)]
    def ordered(findings: list[dict]) -> list[tuple]:
        return sorted((f["path"], f["line"], f["column"], f["rule"], f["message"]) for f in findings)

    assert ordered(_run(tmp_path, *files, "crds/trainer.yaml", "--jobs", "2")) == \
        ordered(_run(tmp_path, "crds/trainer.yaml", *reversed(files), "--jobs", "1")) == ordered(baseline)
    alone = {(f["rule"], f["line"]) for f in _run(tmp_path, "run0.yaml") if f["path"] == "run0.yaml"}
    assert ("KML007", 2) in alone and ("KML004", 6) not in alone  # without its CRD: unknown kind, shape only


def test_a_crd_in_the_run_takes_precedence_over_the_shipped_one(tmp_path: Path) -> None:
    crd = (CRD.replace("acme.io", "kubeflow.org").replace("Trainer", "PyTorchJob").replace("trainers", "pytorchjobs")
           .replace("replicas: {type: integer}", "replicas: {type: integer}\n                legacy: {type: string}"))
    (tmp_path / "crd.yaml").write_text(crd)
    (tmp_path / "job.yaml").write_text("apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: j}\n"
                                       "spec:\n  legacy: yes-it-is\n")
    assert not [f for f in _run(tmp_path, ".", "--select", "KML004") if f["path"] == "job.yaml"]
    shipped = _run(tmp_path, "job.yaml", "--select", "KML004")
    assert [f["line"] for f in shipped] == [5]  # the shipped PyTorchJob has no spec.legacy
    _, _, err = cli(".", "--verbose", cwd=tmp_path)
    assert "crd.yaml:1: CRD of kubeflow.org/v1 PyTorchJob is used instead of the shipped one" in err


# -- embedded objects and operators' parameters ---------------------------------------------------------------

KATIB = """\
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: tune}
spec:
  trialTemplate:
    primaryContainerName: training
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        parallelism: ${trialParameters.workers}
        backoffLimits: 2
        template:
          spec:
            restartPolicy: Never
            containers:
              - name: training
                image: ghcr.io/acme/train:1.0
                resources:
                  limits: {memory: 8GB, cpu: "${trialParameters.cpu}"}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: wf-}
spec:
  entrypoint: main
  parallelism: "{{workflow.parameters.n}}"
  templates:
    - name: main
      resource:
        action: create
        manifest: |
          apiVersion: batch/v1
          kind: Job
          metadata: {generateName: child-}
          spec:
            completions: "{{inputs.parameters.n}}"
            bogus: 1
            template:
              spec:
                restartPolicy: Never
                containers: [{name: c, image: "busybox:1.36"}]
"""


def test_embedded_objects_are_validated_and_placeholders_are_run_time_values() -> None:
    result = lint_text(KATIB, rules_by_id("KML003", "KML004", "KML005"))
    found = sorted((f.rule_id, f.line, f.message.split(": ", 2)[1]) for f in result.findings)
    assert found == [
        ("KML004", 12, "Job embedded at spec.trialTemplate.trialSpec"),  # backoffLimits, in the outer file's lines
        ("KML004", 32, "Job embedded at spec.templates[0].resource.manifest"),  # bogus (the manifest key)
        ("KML005", 20, "Job embedded at spec.trialTemplate.trialSpec"),  # 8GB
    ]  # ${trialParameters.workers} as parallelism, "{{...}}" as counts: values filled in at run time


TEKTON = """\
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: build}
spec:
  stepTemplate:
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
    computeResources: {limits: {memory: 1Gi, cpu: "1"}}
  steps:
    - name: compile
      image: $(params.image)
      script: make
      computeResources: {requests: {cpu: "$(params.cpu)", memory: 1Gi}}
  sidecars:
    - name: docker
      image: docker:27
      securityContext: {privileged: true}
---
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: tekton-tune}
spec:
  trialTemplate:
    primaryContainerName: step-train
    trialSpec:
      apiVersion: tekton.dev/v1
      kind: PipelineRun
      spec:
        pipelineSpec:
          tasks:
            - name: train
              taskSpec:
                steps:
                  - {name: train, image: "python:latest", command: [python, train.py]}
"""


def test_tekton_steps_sidecars_and_step_template_also_inside_katib_trials() -> None:
    result = lint_text(TEKTON, rules_by_id("KML101", "KML102", "KML301", "KML801", "KML802", "KML003", "KML005"))
    found = {(f.rule_id, f.line, f.container) for f in result.findings}
    assert ("KML801", 16, "sidecar docker") in found
    assert not [r for r, line, _ in found if line in (9, 10, 11, 12)]  # stepTemplate completes the step
    assert ("KML301", 33, "container train") in found
    assert any(f.role == "trial (PipelineRun), task train" for f in result.findings)


# -- every container of the corpus --------------------------------------------------------------------------

_KEYS = {"name", "command", "args", "env", "resources", "ports", "volumeMounts"}
_NOT_OBJECTS = {"CustomResourceDefinition", "ConfigMap", "Secret"}
_POLICY_GROUPS = ("kyverno.io", "gatekeeper.sh", "admissionregistration.k8s.io", "kubewarden.io", "jspolicy.com",
                  "auto.gke.io")  # auto.gke.io: GKE Autopilot's WorkloadAllowlist, matching criteria of pods
# Container-shaped blocks that are not containers, by kind and pointer pattern (a `*` matches one token).
WHY_NOT = {
    ("ClusterServiceVersion", "/spec/relatedImages/*"): "OLM's list of images to mirror: {name, image} pairs",
    ("Workflow", "/spec/templateDefaults/container"): "merged into every template's container, not one itself",
    ("Workflow", "/spec/templateDefaults/script"): "merged into every template's script, not one itself",
    ("VLLMRuntime", "/spec/podTemplate/spec/initContainers/*"):
        "spec.podTemplate is not a field of VLLMRuntime (KML004): the API server drops it",
}


def _blocks(node: object, pointer: str):
    if isinstance(node, dict):
        if isinstance(node.get("image"), str) and _KEYS & set(node):
            yield pointer
        for key, value in node.items():
            yield from _blocks(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _blocks(value, f"{pointer}/{index}")


def _top_objects(data: object, base: str = ""):
    if isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str):
        if data["kind"].endswith("List") and isinstance(data.get("items"), list):
            for index, item in enumerate(data["items"]):
                yield from _top_objects(item, f"/items/{index}")
        else:
            yield base, data


def _why_not(kind: str, pointer: str) -> str | None:
    tokens = pointer.split("/")
    for (why_kind, pattern), reason in WHY_NOT.items():
        wanted = pattern.split("/")
        if why_kind == kind and len(wanted) == len(tokens) and all(w in ("*", t) for w, t in zip(wanted, tokens, strict=True)):
            return reason
    return None


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real is not present")
def test_inspect_sees_the_corpus_container_blocks() -> None:
    """An own scan (independent of the workload code): every container-shaped block of the corpus's objects
    (CRDs, ConfigMaps, Secrets and policies aside) is a container for --inspect, or listed in WHY_NOT."""
    code, out, err = cli("--inspect", "--format", "json", str(CORPUS))
    assert code == 0, err
    seen = {(item["path"], obj["document"], container["pointer"])
            for item in json.loads(out)["files"] for obj in item["objects"]
            for pod in obj["pods"] for container in pod["containers"]}
    total = found = explained = 0
    missed = []
    for folder, _, names in os.walk(CORPUS):
        for name in sorted(names):
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            path = os.path.join(folder, name)
            try:
                text = Path(path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue
            for document in parse_yaml(text).documents:
                for base, data in _top_objects(document.data):
                    group = data["apiVersion"].rpartition("/")[0]
                    if data["kind"] in _NOT_OBJECTS or group.endswith(_POLICY_GROUPS):
                        continue
                    for pointer in _blocks(data, base):
                        total += 1
                        if (path, document.index, pointer) in seen:
                            found += 1
                        elif _why_not(data["kind"], pointer[len(base):]):
                            explained += 1
                        else:
                            missed.append(f"{path} {data['kind']} {pointer}")
    assert total > 3000 and explained < total * 0.015
    share = found / (total - explained)
    assert share >= 0.995, f"{share:.2%} of {total - explained} blocks seen; missed:\n" + "\n".join(missed[:40])


def test_preparing_the_runs_crds_leaves_no_file_open_for_forked_workers(tmp_path: Path) -> None:
    """Workers share the parent's open files and their offsets: a bundle the parent kept open while deriving the
    run's CRDs made workers read each other's positions (BadZipFile)."""
    from kml_lint.checks import RunContext
    from kml_lint.runwide import prepass

    (tmp_path / "crd.yaml").write_text(CRD)
    run = RunContext(facts=prepass([str(tmp_path / "crd.yaml")], 10**7))
    finder = finder_module.pod_finder(run, builtin_table())
    finder.prepare(run.facts("crds"))
    entry = finder.store.lookup("acme.io", "v1", "Trainer")
    assert entry.pods and entry.source == "run"  # converted and derived before any fork
    assert finder.store._bundle is None


ARGO_RESOURCES = """apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: deploy-}
spec:
  entrypoint: main
  templates:
    - name: wait
      resource:
        action: get
        successCondition: status.readyReplicas == 1
        manifest: |
          apiVersion: apps/v1
          kind: StatefulSet
          metadata:
            name: web
    - name: create
      resource:
        action: create
        manifest: |
          apiVersion: apps/v1
          kind: StatefulSet
          metadata:
            name: web
"""


def test_argo_get_and_delete_manifests_are_references_not_whole_objects() -> None:
    """An Argo resource template that gets or deletes an object names it by metadata alone: only a manifest
    it creates, applies or replaces must be a whole object (complete_when in the workload table)."""
    result = lint_text(ARGO_RESOURCES, rules_by_id("KML003"))
    missing = [(f.line, f.message) for f in result.findings if "missing required field" in f.message]
    assert [line for line, _ in missing] == [19]  # the `create` template's manifest, not the `get` one's
    assert "templates[1].resource.manifest" in missing[0][1]
