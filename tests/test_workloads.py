"""The workload table, kind by kind: every pod template of every ML kind, with its exact pointer, role and
containers (fixtures under tests/workloads/, written after the operators' documented examples), and rules
firing inside them at the right lines (`# expect:` markers; every object with pods carries at least one)."""

from __future__ import annotations

import pytest
from conftest import ROOT, expected_markers, lint_text

from kml_lint.inspect import inspect_text
from kml_lint.workloads import builtin_table
from kml_lint.yamlfold import parse_yaml

FIXTURES = ROOT / "tests" / "workloads"

EXPECTED = {
    'batch.yaml': {
        'JobSet/pytorch': [
            ('replicated job workers', '/spec/replicatedJobs/0/template/spec/template', [
                ('container pytorch', '/spec/replicatedJobs/0/template/spec/template/spec/containers/0'),
            ]),
            ('replicated job driver', '/spec/replicatedJobs/1/template/spec/template', [
                ('container driver', '/spec/replicatedJobs/1/template/spec/template/spec/containers/0'),
            ]),
        ],
        'LeaderWorkerSet/vllm': [
            ('leader', '/spec/leaderWorkerTemplate/leaderTemplate', [
                ('container vllm-leader', '/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0'),
            ]),
            ('worker', '/spec/leaderWorkerTemplate/workerTemplate', [
                ('container vllm-worker', '/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0'),
            ]),
        ],
        'Job/tf-dist': [
            ('task ps', '/spec/tasks/0/template', [
                ('container tensorflow', '/spec/tasks/0/template/spec/containers/0'),
            ]),
            ('task 1', '/spec/tasks/1/template', [
                ('container tensorflow', '/spec/tasks/1/template/spec/containers/0'),
            ]),
        ],
        'Workload/sample-workload': [
            ('pod set main', '/spec/podSets/0/template', [
                ('container worker', '/spec/podSets/0/template/spec/containers/0'),
            ]),
        ],
        'AppWrapper/wrapped': [
            ('component 0 (Job)', '/spec/components/0/template/spec/template', [
                ('container main', '/spec/components/0/template/spec/template/spec/containers/0'),
            ]),
            ('component 1 (PyTorchJob), replica Master', '/spec/components/1/template/spec/pytorchReplicaSpecs/Master/template', [
                ('container trainer', '/spec/components/1/template/spec/pytorchReplicaSpecs/Master/template/spec/containers/0'),
            ]),
        ],
    },
    'kubeflow.yaml': {
        'PyTorchJob/bert-ft': [
            ('replica Master', '/spec/pytorchReplicaSpecs/Master/template', [
                ('container pytorch', '/spec/pytorchReplicaSpecs/Master/template/spec/containers/0'),
            ]),
            ('replica Worker', '/spec/pytorchReplicaSpecs/Worker/template', [
                ('container pytorch', '/spec/pytorchReplicaSpecs/Worker/template/spec/containers/0'),
                ('init container fetch-data', '/spec/pytorchReplicaSpecs/Worker/template/spec/initContainers/0'),
            ]),
        ],
        'TFJob/mnist': [
            ('replica PS', '/spec/tfReplicaSpecs/PS/template', [
                ('container tensorflow', '/spec/tfReplicaSpecs/PS/template/spec/containers/0'),
            ]),
            ('replica Worker', '/spec/tfReplicaSpecs/Worker/template', [
                ('container tensorflow', '/spec/tfReplicaSpecs/Worker/template/spec/containers/0'),
            ]),
        ],
        'XGBoostJob/iris': [
            ('replica Master', '/spec/xgbReplicaSpecs/Master/template', [
                ('container xgboost', '/spec/xgbReplicaSpecs/Master/template/spec/containers/0'),
            ]),
            ('replica Worker', '/spec/xgbReplicaSpecs/Worker/template', [
                ('container xgboost', '/spec/xgbReplicaSpecs/Worker/template/spec/containers/0'),
            ]),
        ],
        'PaddleJob/paddle-gpu': [
            ('replica Worker', '/spec/paddleReplicaSpecs/Worker/template', [
                ('container paddle', '/spec/paddleReplicaSpecs/Worker/template/spec/containers/0'),
            ]),
        ],
        'JAXJob/jax-spmd': [
            ('replica Worker', '/spec/jaxReplicaSpecs/Worker/template', [
                ('container jax', '/spec/jaxReplicaSpecs/Worker/template/spec/containers/0'),
            ]),
        ],
        'MPIJob/horovod-v1': [
            ('replica Launcher', '/spec/mpiReplicaSpecs/Launcher/template', [
                ('container mpi-launcher', '/spec/mpiReplicaSpecs/Launcher/template/spec/containers/0'),
            ]),
            ('replica Worker', '/spec/mpiReplicaSpecs/Worker/template', [
                ('container mpi-worker', '/spec/mpiReplicaSpecs/Worker/template/spec/containers/0'),
            ]),
        ],
        'MPIJob/pi': [
            ('replica Launcher', '/spec/mpiReplicaSpecs/Launcher/template', [
                ('container mpi-launcher', '/spec/mpiReplicaSpecs/Launcher/template/spec/containers/0'),
            ]),
            ('replica Worker', '/spec/mpiReplicaSpecs/Worker/template', [
                ('container mpi-worker', '/spec/mpiReplicaSpecs/Worker/template/spec/containers/0'),
            ]),
        ],
    },
    'notebooks.yaml': {
        'Notebook/jupyter': [
            ('notebook', '/spec/template', [
                ('container jupyter', '/spec/template/spec/containers/0'),
            ]),
        ],
        'Experiment/random': [
            ('trial (Job)', '/spec/trialTemplate/trialSpec/spec/template', [
                ('container training-container', '/spec/trialTemplate/trialSpec/spec/template/spec/containers/0'),
            ]),
        ],
        'Experiment/from-configmap': 'reference-only',
    },
    'pipelines.yaml': {
        'Workflow/train-*': [
            ('template prep', '/spec/templates/1', [
                ('container main', '/spec/templates/1/script'),
            ]),
            ('template train', '/spec/templates/2', [
                ('container main', '/spec/templates/2/container'),
                ('init container fetch', '/spec/templates/2/initContainers/0'),
                ('sidecar tensorboard', '/spec/templates/2/sidecars/0'),
            ]),
            ('template multi', '/spec/templates/3', [
                ('container a', '/spec/templates/3/containerSet/containers/0'),
                ('container b', '/spec/templates/3/containerSet/containers/1'),
            ]),
            ('template main, step report', '/spec/templates/0/steps/2/0/inline', [
                ('container main', '/spec/templates/0/steps/2/0/inline/container'),
            ]),
            ('template dag, task eval', '/spec/templates/4/dag/tasks/0/inline', [
                ('container main', '/spec/templates/4/dag/tasks/0/inline/container'),
            ]),
        ],
        'WorkflowTemplate/gpu-template': [
            ('template train', '/spec/templates/0', [
                ('container main', '/spec/templates/0/container'),
            ]),
            ('template templated', '/spec/templates/1', [
                ('container main', '/spec/templates/1/container'),
            ]),
        ],
        'ClusterWorkflowTemplate/shared': [
            ('template echo', '/spec/templates/0', [
                ('container main', '/spec/templates/0/container'),
            ]),
        ],
        'CronWorkflow/nightly': [
            ('template eval', '/spec/workflowSpec/templates/0', [
                ('container main', '/spec/workflowSpec/templates/0/container'),
            ]),
        ],
        'Workflow/from-template-*': 'reference-only',
        'SparkApplication/spark-pi': [
            ('driver', '/spec/driver', [
                ('container spark-kubernetes-driver', '/spec/driver'),
                ('sidecar log-shipper', '/spec/driver/sidecars/0'),
            ]),
            ('executor', '/spec/executor', [
                ('container spark-kubernetes-executor', '/spec/executor'),
            ]),
        ],
        'ScheduledSparkApplication/spark-pi-scheduled': [
            ('driver', '/spec/template/driver', [
                ('container spark-kubernetes-driver', '/spec/template/driver'),
            ]),
            ('executor', '/spec/template/executor', [
                ('container spark-kubernetes-executor', '/spec/template/executor'),
            ]),
        ],
        'Workflow/launch-*': [
            ('template launch, Job', '/spec/templates/0/resource/manifest/spec/template', [
                ('container train', '/spec/templates/0/resource/manifest/spec/template/spec/containers/0'),
            ]),
        ],
    },
    'ray.yaml': {
        'RayCluster/raycluster-kuberay': [
            ('head', '/spec/headGroupSpec/template', [
                ('container ray-head', '/spec/headGroupSpec/template/spec/containers/0'),
            ]),
            ('worker group cpu-group', '/spec/workerGroupSpecs/0/template', [
                ('container ray-worker', '/spec/workerGroupSpecs/0/template/spec/containers/0'),
            ]),
            ('worker group gpu-group', '/spec/workerGroupSpecs/1/template', [
                ('container ray-worker', '/spec/workerGroupSpecs/1/template/spec/containers/0'),
            ]),
        ],
        'RayJob/rayjob-sample': [
            ('head', '/spec/rayClusterSpec/headGroupSpec/template', [
                ('container ray-head', '/spec/rayClusterSpec/headGroupSpec/template/spec/containers/0'),
            ]),
            ('worker group small-group', '/spec/rayClusterSpec/workerGroupSpecs/0/template', [
                ('container ray-worker', '/spec/rayClusterSpec/workerGroupSpecs/0/template/spec/containers/0'),
            ]),
            ('submitter', '/spec/submitterPodTemplate', [
                ('container ray-job-submitter', '/spec/submitterPodTemplate/spec/containers/0'),
            ]),
        ],
        'RayJob/on-existing': 'reference-only',
        'RayService/rayservice-sample': [
            ('head', '/spec/rayClusterConfig/headGroupSpec/template', [
                ('container ray-head', '/spec/rayClusterConfig/headGroupSpec/template/spec/containers/0'),
            ]),
            ('worker group small-group', '/spec/rayClusterConfig/workerGroupSpecs/0/template', [
                ('container ray-worker', '/spec/rayClusterConfig/workerGroupSpecs/0/template/spec/containers/0'),
            ]),
        ],
        'RayCronJob/raycronjob-sample': [
            ('head', '/spec/jobTemplate/rayClusterSpec/headGroupSpec/template', [
                ('container ray-head', '/spec/jobTemplate/rayClusterSpec/headGroupSpec/template/spec/containers/0'),
            ]),
            ('worker group small-group', '/spec/jobTemplate/rayClusterSpec/workerGroupSpecs/0/template', [
                ('container ray-worker', '/spec/jobTemplate/rayClusterSpec/workerGroupSpecs/0/template/spec/containers/0'),
            ]),
            ('submitter', '/spec/jobTemplate/submitterPodTemplate', [
                ('container ray-job-submitter', '/spec/jobTemplate/submitterPodTemplate/spec/containers/0'),
            ]),
        ],
    },
    'serving.yaml': {
        'InferenceService/llama': [
            ('predictor', '/spec/predictor', [
                ('container kserve-container', '/spec/predictor/model'),
            ]),
            ('predictor worker', '/spec/predictor/workerSpec', [
                ('container worker-container', '/spec/predictor/workerSpec/containers/0'),
            ]),
            ('transformer', '/spec/transformer', [
                ('container kserve-container', '/spec/transformer/containers/0'),
            ]),
            ('explainer', '/spec/explainer', [
                ('container kserve-container', '/spec/explainer/art'),
            ]),
        ],
        'InferenceService/torchserve': [
            ('predictor', '/spec/predictor', [
                ('container agent', '/spec/predictor/containers/0'),
                ('container kserve-container', '/spec/predictor/pytorch'),
            ]),
        ],
        'ClusterServingRuntime/kserve-sklearnserver': [
            ('runtime', '/spec', [
                ('container kserve-container', '/spec/containers/0'),
            ]),
        ],
        'ServingRuntime/vllm-multinode': [
            ('runtime', '/spec', [
                ('container kserve-container', '/spec/containers/0'),
            ]),
            ('runtime worker', '/spec/workerSpec', [
                ('container worker-container', '/spec/workerSpec/containers/0'),
            ]),
        ],
        'LLMInferenceService/qwen': [
            ('decode', '/spec/template', [
                ('container main', '/spec/template/containers/0'),
            ]),
            ('prefill', '/spec/prefill/template', [
                ('container main', '/spec/prefill/template/containers/0'),
            ]),
            ('scheduler', '/spec/router/scheduler/template', [
                ('container main', '/spec/router/scheduler/template/containers/0'),
            ]),
        ],
        'LLMInferenceService/from-config': 'reference-only',
        'SeldonDeployment/iris': [
            ('predictor default, component 0', '/spec/predictors/0/componentSpecs/0', [
                ('container classifier', '/spec/predictors/0/componentSpecs/0/spec/containers/0'),
            ]),
            ('predictor default, explainer', '/spec/predictors/0/explainer/containerSpec', [
                ('container explainer', '/spec/predictors/0/explainer/containerSpec'),
            ]),
        ],
        'SeldonDeployment/sklearn': 'reference-only',
        'Service/hello': [
            ('revision', '/spec/template', [
                ('container containers[0]', '/spec/template/spec/containers/0'),
            ]),
        ],
    },
    'trainer.yaml': {
        'ClusterTrainingRuntime/torch-distributed': [
            ('replicated job dataset-initializer', '/spec/template/spec/replicatedJobs/0/template/spec/template', [
                ('container dataset-initializer', '/spec/template/spec/replicatedJobs/0/template/spec/template/spec/containers/0'),
            ]),
            ('replicated job node', '/spec/template/spec/replicatedJobs/1/template/spec/template', [
                ('container node', '/spec/template/spec/replicatedJobs/1/template/spec/template/spec/containers/0'),
            ]),
        ],
        'TrainingRuntime/deepspeed': [
            ('replicated job launcher', '/spec/template/spec/replicatedJobs/0/template/spec/template', [
                ('container node', '/spec/template/spec/replicatedJobs/0/template/spec/template/spec/containers/0'),
            ]),
        ],
        'TrainJob/llama-ft': [
            ('trainer', '/spec/trainer', [
                ('container node', '/spec/trainer'),
            ]),
            ('dataset initializer', '/spec/initializer/dataset', [
                ('container dataset-initializer', '/spec/initializer/dataset'),
            ]),
        ],
        'TrainJob/defaults-only': 'reference-only',
    },
}


def _key(obj) -> str:
    return f"{obj.kind}/{obj.ref.name or (obj.ref.generate_name or '') + '*'}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pod_templates_have_exact_pointers_roles_and_containers(name: str) -> None:
    inspected = inspect_text(builtin_table(), name, (FIXTURES / name).read_text(encoding="utf-8"))
    assert inspected.error is None, inspected.error
    actual = {}
    for item in inspected.objects:
        if item.status != "pods":
            actual[_key(item.obj)] = item.status
            continue
        actual[_key(item.obj)] = [(view.role, view.pointer, [(c.describe(), c.pointer) for c in view.containers])
                                  for view in item.views]
    assert actual == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rules_fire_inside_each_kind_at_the_marked_lines(name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    result = lint_text(text, path=name)
    assert not [f for f in result.findings if f.rule_id in ("KML000", "KML001", "KML002")]
    found = {(f.line, f.rule_id) for f in result.findings}
    markers = expected_markers(text)
    missing = sorted((line, rule) for line, rule, _ in markers if (line, rule) not in found)
    assert not missing, f"marked findings not found: {missing}"
    # Every object with pod templates has at least one marker inside it.
    documents = parse_yaml(text).documents
    starts = [doc.start_line for doc in documents] + [len(text.splitlines()) + 1]
    for index, document in enumerate(documents):
        if isinstance(EXPECTED[name].get(_doc_key(document)), list):
            inside = [m for m in markers if starts[index] <= m[0] < starts[index + 1]]
            assert inside, f"{name}: {_doc_key(document)} has no '# expect:' marker"


def _doc_key(document) -> str:
    meta = document.data.get("metadata") or {}
    return f"{document.data['kind']}/{meta.get('name') or (meta.get('generateName') or '') + '*'}"


def test_every_ml_kind_of_the_issue_has_a_fixture() -> None:
    kinds = {_key_kind(value) for file in EXPECTED.values() for value in file}
    required = {"PyTorchJob", "TFJob", "XGBoostJob", "PaddleJob", "JAXJob", "MPIJob", "TrainingRuntime",
                "ClusterTrainingRuntime", "TrainJob", "RayCluster", "RayJob", "RayService", "RayCronJob", "JobSet",
                "LeaderWorkerSet", "Job", "Workload", "AppWrapper", "InferenceService", "ServingRuntime",
                "ClusterServingRuntime", "LLMInferenceService", "SeldonDeployment", "Service", "Workflow",
                "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "SparkApplication",
                "ScheduledSparkApplication", "Notebook", "Experiment"}
    assert required <= kinds, sorted(required - kinds)


def _key_kind(key: str) -> str:
    return key.split("/", 1)[0]


# -- merged views: pod-level defaults from elsewhere, as rules see them --------------------------------------


def _lines(name: str, rule: str) -> set[int]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return {f.line for f in lint_text(text, path=name).findings if f.rule_id == rule}


def _marked(name: str, rule: str) -> set[int]:
    return {line for line, rule_id, _ in expected_markers((FIXTURES / name).read_text(encoding="utf-8"))
            if rule_id == rule}


@pytest.mark.parametrize("name", ["pipelines.yaml", "serving.yaml", "trainer.yaml", "batch.yaml"])
def test_gpu_toleration_rule_sees_the_merged_pod(name: str) -> None:
    """KML201 fires exactly where marked: Argo's workflow-level tolerations and podSpecPatch, KServe's
    predictor tolerations for the model block, a TrainJob's runtime patches all count."""
    assert _lines(name, "KML201") == _marked(name, "KML201")


def test_argo_defaults_and_patches_are_merged_with_their_origin() -> None:
    from kml_lint.objects import K8sObject, objects_of

    document = parse_yaml((FIXTURES / "pipelines.yaml").read_text(encoding="utf-8")).documents
    workflow = next(o for o in objects_of(document[0]) if isinstance(o, K8sObject))
    views = {v.role: v for v in builtin_table().views(workflow)}
    train = views["template train"]
    assert train.spec["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert train.origins["tolerations"] == "/spec/tolerations"
    assert train.spec_ptr("tolerations", 0) == "/spec/tolerations/0"
    template = next(o for o in objects_of(document[1]) if isinstance(o, K8sObject))
    patched = {v.role: v for v in builtin_table().views(template)}
    assert patched["template train"].origins["tolerations"] == "/spec/templates/0/podSpecPatch"
    assert patched["template templated"].partial  # a template expression: pod-level fields unknown


def test_job_templates_inside_other_objects_are_not_top_level_jobs() -> None:
    """KML501 is an object rule on batch/Job: a JobSet's replicated jobs, a Katib trial's Job and an
    AppWrapper's Job component never get it (their owners' TTL rules apply)."""
    for name in ("batch.yaml", "notebooks.yaml"):
        assert _lines(name, "KML501") == set()
    text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: []\n"
    assert {f.rule_id for f in lint_text(text).findings} >= {"KML501"}


# -- roles in outputs ------------------------------------------------------------------------------------------

PYTORCHJOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: bert-ft
  namespace: ml
spec:
  pytorchReplicaSpecs:
    Worker:
      template:
        spec:
          containers:
            - name: pytorch
              image: ghcr.io/acme/bert-ft:latest
"""


def test_messages_json_and_sarif_carry_the_role(tmp_path) -> None:
    from test_sarif import assert_valid, sarif_for

    from kml_lint.reporters.json_report import finding_dict

    finding = next(f for f in lint_text(PYTORCHJOB).findings if f.rule_id == "KML301")
    assert finding.message.startswith("PyTorchJob bert-ft, replica Worker, container pytorch: ")
    assert finding.role == "replica Worker" and finding.container == "container pytorch"
    as_json = finding_dict(finding)
    assert as_json["role"] == "replica Worker" and as_json["container"] == "container pytorch"
    log = sarif_for({"job.yaml": PYTORCHJOB}, tmp_path)
    assert_valid(log)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "KML301")
    logical = result["locations"][0]["logicalLocations"]
    assert logical[0]["fullyQualifiedName"] == "PyTorchJob/ml/bert-ft"
    assert logical[0]["properties"]["role"] == "replica Worker"
    assert logical[1] == {"fullyQualifiedName": "PyTorchJob/ml/bert-ft/replica Worker/container pytorch",
                          "kind": "member", "name": "container pytorch"}


# -- odd input: views and rules never raise ---------------------------------------------------------------------

_WEIRD_CONTAINER = {"name": 3, "image": 5, "env": "x", "resources": [], "livenessProbe": [], "volumeMounts": {},
                    "command": {"a": 1}, "args": 7, "startupProbe": None, "securityContext": "x"}
_WEIRD_POD = {"containers": [None, "x", _WEIRD_CONTAINER, {"resources": {"limits": [], "requests": "x"}},
                             {"resources": {"limits": {"nvidia.com/gpu": "lots", "cpu": None}}}],
              "initContainers": "x", "tolerations": "x", "volumes": 5, "nodeSelector": [], "hostIPC": "yes",
              "metadata": [], "podSpecPatch": "{{x}}"}
ODD_VALUES = [None, [], {}, "text", 3, [None, 1, "x"], {"spec": None}, {"spec": []}, {"containers": "x"},
              {"spec": {"containers": [None, "x", {"name": 3, "resources": []}]}}, _WEIRD_POD,
              {"spec": _WEIRD_POD, "metadata": {"labels": []}}, [_WEIRD_POD], {"x": _WEIRD_POD},
              {"x": {"template": {"spec": _WEIRD_POD}}}]


@pytest.mark.parametrize("value", ODD_VALUES, ids=[repr(v)[:30] for v in ODD_VALUES])
def test_every_kind_survives_odd_values_at_every_pointer(value) -> None:
    """Each row's pointers, filled with nulls, lists, strings and half-objects: no KML000, no traceback."""
    import json

    from kml_lint.workloads import builtin_table as table

    documents = []
    for row in table().rows:
        for kind in row.kinds:
            group, _, name = kind.rpartition("/")
            for location in row.pods:
                data: dict = {}
                node = data
                tokens = [t if t != "*" else "x" for t in location.path]
                for token in tokens[:-1]:
                    node = node.setdefault(token, {})
                if tokens:
                    node[tokens[-1]] = value
                else:
                    data = value if isinstance(value, dict) else {"spec": value}
                api = f"{group}/v1" if group else "v1"
                documents.append(json.dumps({**data, "apiVersion": api, "kind": name, "metadata": {"name": "odd"}}))
    result = lint_text("\n---\n".join(documents))
    assert not [f.message for f in result.findings if f.rule_id == "KML000"]


@pytest.mark.parametrize("value", ODD_VALUES[:10], ids=[repr(v)[:30] for v in ODD_VALUES[:10]])
def test_object_rules_survive_odd_specs(value) -> None:
    """Object-level ML rules read operator fields (runPolicy, strategy, sparkConf...): odd values there too."""
    import json

    from kml_lint.workloads import builtin_table as table

    fields = ["runPolicy", "strategy", "sparkConf", "hadoopConf", "arguments", "runtimeEnvYAML", "serveConfigV2",
              "rayClusterSpec", "jobTemplate", "workflowSpec", "pytorchReplicaSpecs", "tfReplicaSpecs",
              "xgbReplicaSpecs", "rolloutStrategy", "predictor", "template", "cleanPodPolicy", "clusterSelector",
              "shutdownAfterJobFinishes", "ttlSecondsAfterFinished", "podGC", "replicas"]
    documents = []
    for kind in sorted(table().kinds()):
        group, _, name = kind.rpartition("/")
        api = f"{group}/v1" if group else "v1"
        documents.append(json.dumps({"apiVersion": api, "kind": name, "metadata": {"name": "odd", "labels": {
            "kueue.x-k8s.io/queue-name": "q"}}, "spec": value}))
        documents.append(json.dumps({"apiVersion": api, "kind": name, "metadata": {"name": "odd"},
                                     "spec": {field: value for field in fields}}))
    result = lint_text("\n---\n".join(documents))
    assert not [f.message for f in result.findings if f.rule_id == "KML000"]
