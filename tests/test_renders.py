"""Charts and overlays linted where they live (issue: charts and overlays): Helm charts rendered per values set,
Kustomize overlays built with origin annotations, findings on the template and source lines, piped input
mapped the same way, suppression comments in templates and sources, and what is refused or cannot render."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli

from kml_lint.rendering import helm, kustomize
from kml_lint.rendering.templatelines import document_ranges, locate_in_template

REPO = ROOT / "tests" / "data" / "renders" / "repo"
CHART = REPO / "charts" / "trainer"
needs_helm = pytest.mark.skipif(helm.renderer() is None, reason="no Helm renderer (the test extras install "
                                "helm-python-sdk)")
needs_kustomize = pytest.mark.skipif(kustomize.builder() is None, reason="neither kustomize nor kubectl is on PATH")


def _json(*args: str, cwd: Path = ROOT, input: str | None = None) -> list[dict]:
    code, out, err = cli(*args, "--format", "json", cwd=cwd, input=input)
    assert code in (0, 1), err
    return json.loads(out)["findings"]


def _where(findings: list[dict], rule: str) -> set[tuple[str, int, int]]:
    return {(f["path"], f["line"], f["column"]) for f in findings if f["rule"] == rule}


def _line_count(path: str, cwd: Path = ROOT) -> int:
    return len((cwd / path).read_text(encoding="utf-8").split("\n"))


# -- where a key path is written in a template ------------------------------------------------------------

TEMPLATE = """apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "x.labels" . | nindent 4 }}
spec:
  containers:
  - name: a
    image: a:1
  - name: b
    {{- if .Values.debug }}
    image: {{ .Values.b.image }}
    {{- end }}
    env: {{ toYaml .Values.env | nindent 6 }}
---
kind: Service
spec:
  ports: [{port: 80}]
"""


def test_template_lines_follow_the_key_path() -> None:
    spot = locate_in_template(TEMPLATE, "/spec/containers/1/image", at="value")
    assert (spot.line, spot.col, spot.exact, spot.values) == (13, 12, True, ["b.image"])
    # Sequences written flush with their key: the second item's first key shares the dash's line.
    assert locate_in_template(TEMPLATE, "/spec/containers/1/name").line == 11
    # toYaml and include produce keys the template never writes: the nearest written ancestor.
    env = locate_in_template(TEMPLATE, "/spec/containers/1/env/0/value")
    assert (env.line, env.exact) == (15, False)
    assert locate_in_template(TEMPLATE, "/metadata/labels/app").line == 5
    second = document_ranges(TEMPLATE)[1]
    assert locate_in_template(TEMPLATE, "/spec/ports/0/port", second).line == 19


def test_a_range_hides_item_indexes() -> None:
    text = "spec:\n  containers:\n  {{- range .Values.workers }}\n  - name: {{ . }}\n    image: x\n  {{- end }}\n"
    spot = locate_in_template(text, "/spec/containers/3/image")
    assert (spot.line, spot.exact) == (2, False)  # the items cannot be counted: the containers key


# -- Helm charts found while walking -------------------------------------------------------------------------

@needs_helm
def test_chart_findings_land_on_template_and_values_lines() -> None:
    findings = _json(str(REPO / "charts"), "--select", "KML001,KML301,KML601")
    job = "tests/data/renders/repo/charts/trainer/templates/job.yaml"
    sub = "tests/data/renders/repo/charts/trainer/charts/metrics/templates/deployment.yaml"
    assert _where(findings, "KML301") == {(job, 16, 18), (sub, 14, 18)}
    image = next(f for f in findings if f["rule"] == "KML301" and f["path"] == job)
    assert {("/".join(r["path"].rsplit("/", 2)[-2:]), r["line"], r["column"]) for r in image["related"]} == {
        ("trainer/values.yaml", 2, 15), ("trainer/values.yaml", 3, 8)}
    # The subchart reads its own values.yaml (the parent sets nothing under `metrics:`).
    pushgateway = next(f for f in findings if f["rule"] == "KML301" and f["path"] == sub)
    assert pushgateway["related"][0]["path"].endswith("charts/metrics/values.yaml")
    # The floating tag is in the default values only; ci/gpu-values.yaml pins it.
    assert image["message"].endswith("[renders: values.yaml]")
    assert "[renders: values.yaml, ci/gpu-values.yaml]" in pushgateway["message"]
    # One finding per render where they differ (4 and 8 GPUs), each naming its render.
    shm = sorted(f["message"].rsplit("[", 1)[1] for f in findings if f["rule"] == "KML601")
    assert shm == ["renders: ci/gpu-values.yaml]", "renders: values.yaml]"]
    # A `required` value the ci values file leaves out: KML001 at the template line Helm names.
    failed = [f for f in findings if f["rule"] == "KML001"]
    assert [(f["path"], f["line"], f["column"]) for f in failed] == [(job, 8, 30)]
    assert "ttl is required" in failed[0]["message"] and "ci/no-ttl-values.yaml" in failed[0]["message"]
    for finding in findings:
        assert finding["line"] <= _line_count(finding["path"])


@needs_helm
def test_chart_templates_are_not_linted_loose_and_fingerprints_ignore_the_release(tmp_path: Path) -> None:
    _, _, err = cli(str(REPO / "charts"), "--select", "KML301", "-v")
    assert "templates/: Helm chart templates (linted through the chart's renders)" in err
    first = {f["fingerprint"] for f in _json(str(REPO / "charts"), "--select", "KML301")}
    config = tmp_path / ".kml-lint.yaml"
    config.write_text(f"charts:\n  {CHART}:\n    release: nightly\n    namespace: ml\n")
    renamed = _json(str(REPO / "charts"), "--select", "KML301", "--config", str(config))
    assert any("nightly-finetune" in f["message"] for f in renamed)
    assert {f["fingerprint"] for f in renamed} == first


@needs_helm
def test_template_suppression_comments_apply_once(tmp_path: Path) -> None:
    chart = tmp_path / "trainer"
    shutil.copytree(CHART, chart)
    job = chart / "templates" / "job.yaml"
    job.write_text(job.read_text().replace(
        '.Values.image.tag }}"', '.Values.image.tag }}"  # kml-lint: ignore[KML301] pinned by the release job'))
    findings = _json(str(tmp_path), "--select", "KML301,KML008")
    assert not [f for f in findings if f["rule"] == "KML301" and f["path"].endswith("templates/job.yaml")
                and f["suppression"] is None]
    assert not [f for f in findings if f["rule"] == "KML008"]


@needs_helm
def test_chart_confinement_and_dependencies(tmp_path: Path) -> None:
    escaping = tmp_path / "escaping"
    shutil.copytree(CHART, escaping)
    (escaping / "files").mkdir()
    os.symlink("/etc/hostname", escaping / "files" / "host")
    missing = tmp_path / "missing"
    shutil.copytree(CHART, missing)
    shutil.rmtree(missing / "charts")
    findings = _json(str(tmp_path), "--select", "KML001")
    by_chart = {f["path"].split("/")[-2]: f for f in findings}
    assert "leads outside the chart" in by_chart["escaping"]["message"]
    assert "dependency metrics is not vendored" in by_chart["missing"]["message"]
    assert (by_chart["missing"]["line"], by_chart["missing"]["column"]) == (6, 5)  # the dependency's entry


@needs_helm
def test_a_render_that_runs_too_long_is_a_finding(tmp_path: Path) -> None:
    chart = tmp_path / "slow"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: slow\nversion: 0.1.0\n")
    (chart / "templates" / "loop.yaml").write_text(
        "{{- range $i := until 50000000 }}{{- end }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    render = helm.render_chart(str(chart), [], "values.yaml", seconds=1)
    assert render.problem is not None and not render.manifests


def test_without_a_renderer_a_chart_is_a_note_not_a_silent_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helm, "renderer", lambda: None)
    findings = _json(str(REPO / "charts"), "--select", "KML010")
    assert [(f["path"].rsplit("/", 2)[-2:], f["line"]) for f in findings] == [(["trainer", "Chart.yaml"], 1)]
    assert "pip install helm-python-sdk" in findings[0]["message"]


# -- Kustomize overlays found while walking ------------------------------------------------------------------

@needs_kustomize
def test_overlay_findings_land_on_base_and_patch_lines() -> None:
    findings = _json(str(REPO / "deploy"), "--select", "KML301,KML801,KML201")
    base = "tests/data/renders/repo/deploy/base/inference.yaml"
    assert _where(findings, "KML301") == {("tests/data/renders/repo/deploy/overlays/prod/tag.yaml", 10, 11)}
    assert _where(findings, "KML801") == {("tests/data/renders/repo/deploy/overlays/staging/privileged.json", 2, 87)}
    assert _where(findings, "KML201") == {(base, 17, 35)}
    assert {f["object"]["name"] for f in findings if f["rule"] == "KML201"} == {"prod-embedder", "staging-embedder"}


@needs_kustomize
def test_overlay_files_are_linted_only_through_builds() -> None:
    _, out, err = cli(str(REPO / "deploy"), "-v", "--select", "KML301")
    assert "inference.yaml: used by kustomization" in err
    # The base is built through the overlays that use it, never on its own.
    assert "deploy/base:" not in out


@needs_kustomize
def test_source_comments_suppress_overlay_findings(tmp_path: Path) -> None:
    shutil.copytree(REPO / "deploy", tmp_path / "deploy")
    base = tmp_path / "deploy" / "base" / "inference.yaml"
    base.write_text(base.read_text().replace("resources:\n", "resources:  # kml-lint: ignore[KML201] tainted pool\n", 1)
                    .replace("limits: {memory: 8Gi, nvidia.com/gpu: 1}",
                             "limits: {memory: 8Gi, nvidia.com/gpu: 1}  # kml-lint: ignore[KML201] no taint here"))
    findings = _json(str(tmp_path), "--select", "KML201")
    assert findings and all(f["suppression"] is not None for f in findings)


def test_remote_resources_and_paths_outside_the_run_are_reported(tmp_path: Path) -> None:
    overlay = tmp_path / "repo" / "overlays" / "remote"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        "resources:\n  - https://github.com/example/platform//base?ref=v1\n")
    outside = tmp_path / "repo" / "overlays" / "outside"
    outside.mkdir()
    (outside / "kustomization.yaml").write_text("resources:\n  - ../../../shared/base\n")
    (tmp_path / "shared" / "base").mkdir(parents=True)
    (tmp_path / "shared" / "base" / "kustomization.yaml").write_text("resources: []\n")
    findings = _json(str(tmp_path / "repo"), "--select", "KML010")
    messages = {f["path"].split("/")[-2]: (f["line"], f["column"], f["message"]) for f in findings}
    assert messages["remote"][:2] == (2, 5) and "needs the network" in messages["remote"][2]
    assert "outside the folders being linted" in messages["outside"][2]


# -- piped input: --chart and --source-root -------------------------------------------------------------------

@needs_helm
def test_piped_helm_output_maps_to_the_chart_folder() -> None:
    stream = helm.render_chart(str(CHART), [], "values.yaml").stream()
    assert "# Source: trainer/templates/job.yaml" in stream
    findings = _json("-", "--chart", str(CHART), "--select", "KML301", input=stream)
    job = next(f for f in findings if f["path"].endswith("trainer/templates/job.yaml"))
    assert (job["line"], job["column"]) == (16, 18)
    assert job["related"]


@needs_kustomize
def test_piped_kustomize_output_maps_to_source_lines(tmp_path: Path) -> None:
    overlay = REPO / "deploy" / "overlays" / "prod"
    wrapper = tmp_path / "wrapper"
    wrapper.mkdir()
    relative = os.path.relpath(overlay, wrapper)
    (wrapper / "kustomization.yaml").write_text(f"resources: [{relative}]\nbuildMetadata: [originAnnotations]\n")
    built = subprocess.run([*kustomize.builder(), str(wrapper)], capture_output=True, text=True, check=True).stdout
    findings = _json("-", "--source-root", str(wrapper), "--select", "KML201", input=built)
    assert _where(findings, "KML201") == {("tests/data/renders/repo/deploy/base/inference.yaml", 17, 35)}


# -- pre-commit: changed templates and bases render what uses them --------------------------------------------

@pytest.mark.network
@needs_helm
@needs_kustomize
@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed by pre-commit")
def test_pre_commit_renders_charts_and_overlays_of_changed_files(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GITHUB_ACTIONS", None)
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "kml-lint", "--verbose",
                               "--files", *files], cwd=repo, capture_output=True, text=True, env=env, timeout=900)

    helper = hook("charts/trainer/templates/_helpers.tpl")
    assert helper.returncode == 1, helper.stdout  # ci/no-ttl-values.yaml leaves out a required value: an error
    assert "charts/trainer/templates/job.yaml:8:30: error KML001" in helper.stdout
    assert "charts/trainer/templates/job.yaml:16:18: warning KML301" in helper.stdout
    base = hook("deploy/base/inference.yaml")
    assert "deploy/base/inference.yaml:17:35: warning KML201" in base.stdout
    assert "deploy/overlays/prod/tag.yaml:10:11: warning KML301" in base.stdout
