"""The run-wide pre-pass (kml_lint/runwide): what it collects, that it is cheap, deterministic, inherited by
worker processes and part of the cache key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kml_lint import run as run_module
from kml_lint.runwide import FACT_KINDS, RunFacts, prepass
from kml_lint.runwide.facts import Fact

FILES = {
    "ns/namespace.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: v1
kind: Namespace
metadata:
  name: ml
  labels: {pod-security.kubernetes.io/enforce: restricted}
""",
    "ns/quotas.yaml": """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: LimitRange
    metadata: {name: defaults, namespace: ml}
    spec: {limits: [{type: Container, default: {memory: 1Gi}}]}
  - apiVersion: v1
    kind: ResourceQuota
    metadata: {name: gpus, namespace: ml}
    spec: {hard: {requests.nvidia.com/gpu: "8"}}
""",
    "sched/classes.json": '{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", '
                          '"metadata": {"name": "high"}, "value": 1000}\n',
    "sched/runtime.yaml": "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: nvidia}\nhandler: nvidia\n",
    "sched/kueue.yaml": """\
apiVersion: kueue.x-k8s.io/v1beta1
kind: ResourceFlavor
metadata: {name: a100}
---
apiVersion: kueue.x-k8s.io/v1beta1
kind: ClusterQueue
metadata: {name: team}
spec: {namespaceSelector: {}}
---
apiVersion: kueue.x-k8s.io/v1beta1
kind: LocalQueue
metadata: {name: user-queue, namespace: ml}
spec: {clusterQueue: team}
""",
    "crds/foo.yaml": """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: foos.acme.io}
spec:
  group: acme.io
  names: {kind: Foo, plural: foos}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
""",
    "app/deploy.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ml}
spec:
  template:
    spec:
      containers: [{name: api, image: "nginx:1.25"}]
""",
}
OTHERS = {"overlay/kustomization.yaml": "resources: [../app/deploy.yaml]\nnamespace: ml\n",
          "chart/Chart.yaml": "apiVersion: v2\nname: serve\nversion: 1.2.3\n"}


def _tree(tmp_path: Path) -> tuple[list[str], list[str]]:
    for name, text in {**FILES, **OTHERS}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return [str(tmp_path / n) for n in FILES], [str(tmp_path / n) for n in OTHERS]


def test_every_fact_kind_is_collected_with_its_place(tmp_path: Path) -> None:
    files, others = _tree(tmp_path)
    facts = prepass(files, 10**7, others=others)
    found = {(f.kind, f.group_kind, f.name, f.namespace, Path(f.path).relative_to(tmp_path).as_posix(), f.line)
             for f in facts}
    assert found == {
        ("namespaces", "Namespace", "ml", None, "ns/namespace.yaml", 5),
        ("limitranges", "LimitRange", "defaults", "ml", "ns/quotas.yaml", 4),
        ("resourcequotas", "ResourceQuota", "gpus", "ml", "ns/quotas.yaml", 8),
        ("priorityclasses", "scheduling.k8s.io/PriorityClass", "high", None, "sched/classes.json", 1),
        ("runtimeclasses", "node.k8s.io/RuntimeClass", "nvidia", None, "sched/runtime.yaml", 1),
        ("kueue", "kueue.x-k8s.io/ResourceFlavor", "a100", None, "sched/kueue.yaml", 1),
        ("kueue", "kueue.x-k8s.io/ClusterQueue", "team", None, "sched/kueue.yaml", 5),
        ("kueue", "kueue.x-k8s.io/LocalQueue", "user-queue", "ml", "sched/kueue.yaml", 10),
        ("crds", "apiextensions.k8s.io/CustomResourceDefinition", "foos.acme.io", None, "crds/foo.yaml", 1),
        ("kustomizations", "kustomization.yaml", None, None, "overlay/kustomization.yaml", 1),
        ("charts", "Chart.yaml", "serve", None, "chart/Chart.yaml", 1),
    }
    assert facts("namespaces")[0].data == {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}
    assert facts.named("kueue", "user-queue", "ml").data == {"spec": {"clusterQueue": "team"}}
    assert facts("crds")[0].data["spec"]["group"] == "acme.io"  # the whole CRD: schemas and pod rows need it
    assert set(facts.by_kind) <= set(FACT_KINDS)
    with pytest.raises(KeyError):
        facts("no-such-kind")


def test_the_result_does_not_depend_on_file_order(tmp_path: Path) -> None:
    files, others = _tree(tmp_path)
    forward = prepass(files, 10**7, others=others)
    backward = prepass(list(reversed(files)), 10**7, others=list(reversed(others)))
    assert forward == backward and forward.digest == backward.digest and forward.digest
    assert RunFacts.of(list(reversed(list(forward)))) == forward
    (tmp_path / "ns" / "namespace.yaml").write_text(FILES["ns/namespace.yaml"].replace("restricted", "baseline"))
    assert prepass(files, 10**7, others=others).digest != forward.digest  # a changed label is a new digest


def test_only_documents_that_name_a_collected_kind_are_parsed(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    big = tmp_path / "big.yaml"
    big.write_text("---\n".join(FILES["app/deploy.yaml"] for _ in range(200)) + "---\n" +
                   FILES["ns/namespace.yaml"].split("---\n")[1])
    from kml_lint import yamlfold

    parsed: list[str] = []
    real = yamlfold.parse_yaml

    def counting(text: str):  # type: ignore[no-untyped-def]
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(yamlfold, "parse_yaml", counting)
    facts = prepass([str(big), str(tmp_path / "app/deploy.yaml")], 10**7)
    assert [(f.kind, f.name, f.line) for f in facts] == [("namespaces", "ml", 200 * 8 + 1)]
    assert len(parsed) == 1 and "kind: Namespace" in parsed[0]  # one document parsed, not 201 nor two files


def test_unreadable_and_oversized_files_contribute_nothing(tmp_path: Path) -> None:
    files, _ = _tree(tmp_path)
    (tmp_path / "bad.yaml").write_bytes(b"kind: Namespace\n\xff\xfe\x00garbage: [")
    assert prepass([str(tmp_path / "bad.yaml"), str(tmp_path / "missing.yaml")], 10**7) == RunFacts()
    assert not prepass(files, 10)  # every file is over a 10-byte limit


def test_the_facts_reach_forked_workers_and_the_cache_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    files, _ = _tree(tmp_path)
    facts = prepass(files, 10**7)
    options = run_module.RunOptions([str(tmp_path)], [], cache=True)
    linter = run_module.FileLinter(options, facts)
    monkeypatch.setattr(run_module, "_worker_lint", _namespaces_seen_by_worker)
    seen = list(run_module._parallel((linter,), [(0, t) for t in map(run_module.Target, files, [False] * 7)], 2))
    assert seen == [["ml"]] * len(files)
    other = run_module.FileLinter(options, RunFacts.of([Fact("namespaces", "x.yaml", 1, 0, "Namespace", "dev",
                                                             None, {})]))
    assert linter.cache.signature != other.cache.signature
    assert run_module.FileLinter(options, facts).cache.signature == linter.cache.signature


def _namespaces_seen_by_worker(job):  # type: ignore[no-untyped-def]
    return [fact.name for fact in run_module._WORKERS[job[0]].run.facts("namespaces")]


def test_verbose_says_what_the_pre_pass_found(tmp_path: Path) -> None:
    from conftest import cli

    _tree(tmp_path)
    code, _, err = cli(str(tmp_path), "--verbose", "--jobs", "1")
    assert code in (0, 1)
    assert ("run-wide facts: 1 charts, 1 crds, 3 kueue, 1 kustomizations, 1 limitranges, 1 namespaces, "
            "1 priorityclasses, 1 resourcequotas, 1 runtimeclasses") in err
