"""The command line end to end: paths, skip rules, selection, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli

EXAMPLES = ROOT / "examples"

GPU_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: train
spec:
  ttlSecondsAfterFinished: 60
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: t
          image: pytorch/pytorch:latest
          resources:
            requests: {cpu: "1", memory: 1Gi}
            limits: {cpu: "1", memory: 1Gi}
"""


run = cli


def test_no_path_prints_usage_and_exits_2() -> None:
    code, _, err = run()
    assert code == 2
    assert "Usage:" in err


def test_missing_path_is_a_usage_error() -> None:
    code, _, err = run("does/not/exist.yaml")
    assert code == 2
    assert "does not exist" in err and "Traceback" not in err


def test_examples_have_findings_and_exit_1() -> None:
    code, out, _ = run(str(EXAMPLES))
    assert code == 1
    assert "train-job.yaml:18:22: error KML402 credential-in-manifest" in out
    assert "serving-deployment.yaml" not in out  # the clean example stays clean


def test_fail_on_threshold() -> None:
    path = str(EXAMPLES / "nightly-cronjob.yaml")  # one warning
    assert run(path)[0] == 0
    assert run(path, "--fail-on", "warning")[0] == 1
    assert run(str(EXAMPLES), "--fail-on", "never")[0] == 0


def test_select_ignore_by_id_name_and_prefix(tmp_path: Path) -> None:
    path = str(EXAMPLES / "train-job.yaml")
    _, out, _ = run(path, "--select", "KML3,plaintext-secret-env")
    assert {line.split()[2] for line in out.splitlines()[:-1]} == {"KML301", "KML401"}  # without KML402, KML401 reports the token
    _, out, _ = run(path, "--ignore", "KML1", "--ignore", "KML4,job-missing-ttl,KML8,KML0")
    assert {line.split()[2] for line in out.splitlines()[:-1]} == {"KML201", "KML202", "KML301", "KML601"}
    _, out, _ = run(path, "--select", "KML4", "--ignore", "KML402")  # the longer selector wins; KML401 reports the token
    assert {line.split()[2] for line in out.splitlines()[:-1]} == {"KML401"}
    code, _, err = run(path, "--select", "KML9,no-such-rule")
    assert code == 2 and "no-such-rule" in err


def test_options_anywhere_and_folder_named_rules(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "job.yaml").write_text(GPU_JOB)
    code, out, _ = run("--format", "json", str(folder), "--select", "KML301")
    assert code == 0
    assert json.loads(out)["summary"]["findings"] == 1


def test_stdin_and_stdin_filename() -> None:
    _, out, _ = run("-", "--stdin-filename", "rendered/job.yaml", input=GPU_JOB)
    assert "rendered/job.yaml:12:18: warning KML301" in out
    _, out, _ = run("-", "--select", "KML0,KML3", input=GPU_JOB)
    assert out.startswith("-:12:18:")


def test_folder_walk_skips_non_manifests(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(GPU_JOB)
    (tmp_path / "values.yaml").write_text("replicas: 3\n")  # parses, no object: skipped
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "kustomization.yaml").write_text("resources: [job.yaml]\npatches:\n  - path: patch.yaml\n")
    (tmp_path / "patch.yaml").write_text("apiVersion: batch/v1\nkind: Job\nmetadata: {name: train}\n")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "notes.txt").write_text("not yaml")
    hidden = tmp_path / ".github"
    hidden.mkdir()
    (hidden / "job.yaml").write_text(GPU_JOB)
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "values-gpu.yaml").write_text("gpu: {{ oops\n")
    (chart / "templates" / "job.yaml").write_text("{{ .Values.job }}\n")
    # --no-render: the loose walk's skip rules (rendering charts and overlays is tests/test_renders.py's).
    _, out, err = run(str(tmp_path), "--verbose", "--format", "json", "--no-render")
    report = json.loads(out)
    linted = {Path(f["path"]).name for f in report["findings"]}
    assert linted == {"job.yaml"}
    assert report["summary"]["files"] == 1
    skipped = {Path(s["path"].rstrip("/")).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"values.yaml", "package.json", "kustomization.yaml", "patch.yaml", "docker-compose.yml",
                            "templates", "Chart.yaml", "values-gpu.yaml", ".pre-commit-config.yaml"}
    assert "skipped" in err


def test_named_file_is_always_linted_unless_force_exclude(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("replicas: 3\n")
    code, out, _ = run(str(values))
    assert code == 1 and "KML002" in out  # named explicitly: a document that is no object is reported
    code, out, err = run(str(values), "--force-exclude")
    assert code == 0 and "no Kubernetes manifest" in err
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "job.yaml").write_text("{{ .Values.job }}\n")
    assert run(str(chart / "templates" / "job.yaml"), "--force-exclude")[0] == 0
    assert run(str(chart / "templates" / "job.yaml"), "--no-render")[0] == 1  # named, not rendered: KML001
    # Rendering on (the default), a named template renders its chart instead: here nothing (job is unset).


def test_broken_files_are_reported_and_others_still_linted(tmp_path: Path) -> None:
    (tmp_path / "a-broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: [\n")
    (tmp_path / "b-binary.yaml").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "c-latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (tmp_path / "d-helm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")
    (tmp_path / "e-good.yaml").write_text(GPU_JOB)
    code, out, err = run(str(tmp_path), "--format", "json", "--select", "KML0,KML3")
    assert code == 1 and "Traceback" not in err
    findings = json.loads(out)["findings"]
    by_file = {}
    for f in findings:
        by_file.setdefault(Path(f["path"]).name, []).append(f)
    assert [f["rule"] for f in by_file["a-broken.yaml"]] == ["KML001"]
    assert "binary" in by_file["b-binary.yaml"][0]["message"]
    assert "UTF-8" in by_file["c-latin1.yaml"][0]["message"]
    assert "helm template" in by_file["d-helm.yaml"][0]["message"]
    assert [f["rule"] for f in by_file["e-good.yaml"]] == ["KML301"]


def test_bom_utf16_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + GPU_JOB.replace("\n", "\r\n").encode())
    (tmp_path / "utf16.yaml").write_bytes(GPU_JOB.encode("utf-16"))
    _, out, _ = run(str(tmp_path), "--format", "json", "--select", "KML0,KML3")
    lines = {(Path(f["path"]).name, f["line"], f["column"]) for f in json.loads(out)["findings"]}
    assert lines == {("bom.yaml", 12, 18), ("utf16.yaml", 12, 18)}


def test_output_file_and_version(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    code, out, _ = run(str(EXAMPLES), "--format", "sarif", "--output", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    code, out, _ = run("--version")
    assert code == 0 and "kml-lint" in out


def test_list_rules_and_explain() -> None:
    code, out, _ = run("--list-rules")
    assert code == 0 and "KML201  gpu-without-toleration" in out
    code, out, _ = run("--explain", "gpu-without-toleration")
    assert code == 0 and out.startswith("KML201 gpu-without-toleration") and "HOW TO FIX" in out
    assert run("--explain", "KML999")[0] == 2


def test_no_path_says_a_path_is_missing() -> None:
    code, out, err = run()
    assert code == 2 and out == ""
    assert err.startswith("Usage: ") and "kml-lint: error: no path given" in err


def test_list_rules_lists_the_effective_rule_set(tmp_path: Path) -> None:
    code, out, _ = run("--list-rules", "--select", "KML2", "--ignore", "KML203", "--isolated")
    listed = [line.split()[0] for line in out.splitlines() if not line.startswith("#")]
    assert code == 0 and listed and all(rule.startswith("KML2") for rule in listed) and "KML203" not in listed
    assert "KML201" in listed and out.splitlines()[-1].startswith("# ")
    # the configuration counts too: its ignore and its severity overrides
    (tmp_path / ".kml-lint.yaml").write_text("ignore: [KML301]\nseverity: {KML201: error}\n")
    _, out, _ = run("--list-rules", "--config", str(tmp_path / ".kml-lint.yaml"))
    lines = {line.split()[0]: line.split()[2] for line in out.splitlines() if not line.startswith("#")}
    assert "KML301" not in lines and lines["KML201"] == "error"
    # an off-by-default rule is named as such, and selected by id it is listed
    _, out, _ = run("--list-rules", "--isolated")
    assert "KML840 (off by default)" in out.splitlines()[-1]
    _, out, _ = run("--list-rules", "--isolated", "--extend-select", "KML840")
    assert "KML840" in [line.split()[0] for line in out.splitlines() if not line.startswith("#")]
    assert "KML840" not in out.splitlines()[-1]


def test_list_rules_as_json() -> None:
    code, out, _ = run("--list-rules", "--format", "json", "--select", "KML201,KML301", "--isolated")
    data = json.loads(out)
    assert code == 0 and [rule["id"] for rule in data["rules"]] == ["KML201", "KML301"]
    assert data["rules"][0]["name"] == "gpu-without-toleration" and data["rules"][0]["severity"] == "warning"
    left = {rule["id"]: rule["reason"] for rule in data["notSelected"]}
    assert left["KML840"] == "off by default" and left["KML101"] == "not selected" and "KML201" not in left
    assert run("--list-rules", "--format", "sarif")[0] == 2


def test_statistics_as_json() -> None:
    code, out, _ = run(str(EXAMPLES), "--statistics", "--format", "json")
    data = json.loads(out)
    _, report, _ = run(str(EXAMPLES), "--format", "json")
    findings = json.loads(report)["findings"]
    assert code == 1 and "findings" not in data
    counts = {(s["rule"], s["severity"]): s["count"] for s in data["statistics"]}
    expected: dict[tuple[str, str], int] = {}
    for finding in findings:
        expected[(finding["rule"], finding["severity"])] = expected.get((finding["rule"], finding["severity"]), 0) + 1
    assert counts == expected and data["summary"]["findings"] == len(findings)
    assert [s["count"] for s in data["statistics"]] == sorted(counts.values(), reverse=True)
    code, _, err = run(str(EXAMPLES), "--statistics", "--format", "sarif")
    assert code == 2 and "--statistics prints text, full or json" in err


def test_empty_folder_warns(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path))
    assert code == 0 and "no Kubernetes manifest" in err


def test_text_is_plain_when_not_a_terminal_and_respects_no_color(tmp_path: Path) -> None:
    _, out, _ = run(str(EXAMPLES))
    assert "\x1b[" not in out


def test_python_dash_m_runs_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("a: [\n")
    proc = subprocess.run([sys.executable, "-m", "kml_lint", str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 1
    assert "KML001" in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_repeatable_comma_lists(flag: str) -> None:
    code, _, err = run(str(EXAMPLES), flag, "KML1", flag, "KML3,KML4")
    assert code in (0, 1) and "error" not in err
