"""Output formats beyond the goldens, rendered input from stdin, and the pre-commit hook for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import ROOT, cli

RENDERED = ROOT / "tests" / "data" / "rendered"


run = cli


def test_helm_source_comments_map_documents_to_their_templates() -> None:
    _, out, _ = run("-", "--select", "KML201,KML301", input=(RENDERED / "helm-template.yaml").read_text())
    lines = out.splitlines()
    assert lines[0].startswith("trainer/templates/job.yaml:16:18: warning KML301"), lines
    assert lines[1].startswith("trainer/templates/job.yaml:19:15: warning KML201"), lines


def test_kustomize_origin_annotations_map_documents() -> None:
    _, out, _ = run("-", "--select", "KML301", input=(RENDERED / "kustomize-build.yaml").read_text())
    assert out.splitlines()[0].startswith("base/server.yaml:17:18: warning KML301"), out


def test_stdin_filename_without_source_comments() -> None:
    text = (RENDERED / "kustomize-build.yaml").read_text().replace("config.kubernetes.io/origin", "x-origin")
    _, out, _ = run("-", "--stdin-filename", "overlays/prod.yaml", "--select", "KML301", input=text)
    assert out.startswith("overlays/prod.yaml:")


def test_auto_format_picks_github_inside_actions() -> None:
    _, out, _ = run(str(ROOT / "examples"), "--format", "auto", env={"GITHUB_ACTIONS": "true"})
    assert out.startswith("::")
    _, out, _ = run(str(ROOT / "examples"), "--format", "auto", env={"GITHUB_ACTIONS": ""})
    assert not out.startswith("::")


def test_github_commands_escape_their_properties() -> None:
    from kml_lint.reporters.escape import github_data, github_property

    assert github_property("a,b:c%") == "a%2Cb%3Ac%25"
    assert github_data("x\ny 100%") == "x\\x0ay 100%25"  # a newline from the input never starts a command


def test_junit_is_well_formed_with_one_case_per_object() -> None:
    _, out, _ = run(str(ROOT / "examples"), "--format", "junit")
    root = ElementTree.fromstring(out)
    cases = root.findall(".//testcase")
    assert len(cases) == 4 and int(root.get("tests")) == 4
    assert int(root.get("failures")) == 3


def test_quiet_and_statistics() -> None:
    _, out, _ = run(str(ROOT / "examples"), "--quiet")
    _, report, _ = run(str(ROOT / "examples"), "--format", "json")
    import json

    assert "Found" not in out and out.count("\n") == json.loads(report)["summary"]["findings"]
    _, out, _ = run(str(ROOT / "examples"), "--statistics")
    assert out.splitlines()[0].split() == ["2", "KML301", "warning", "mutable-image-tag"]


def test_full_format_masks_secrets_on_source_lines(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                        "    - name: c\n      image: busybox:1.36\n      env:\n"
                        "        - {name: DB_PASSWORD, value: sup3r-s3cret-passw0rd}\n")
    _, out, _ = run(str(manifest), "--format", "full")
    assert "sup3r-s3cret-passw0rd" not in out and "sup3…" in out
    assert "^" in out and "= fix:" in out


def test_sarif_result_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import kml_lint.reporters.sarif as sarif

    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    _, out, err = run(str(ROOT / "examples"), "--format", "sarif")
    assert len(json.loads(out)["runs"][0]["results"]) == 3
    assert "results left out" in err and "at most 3" in err


@pytest.mark.network
@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed by pre-commit")
def test_pre_commit_hook_fails_on_bad_and_passes_on_good(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GITHUB_ACTIONS", None)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    shutil.copy(ROOT / "examples" / "train-job.yaml", repo / "bad.yaml")
    shutil.copy(ROOT / "examples" / "serving-deployment.yaml", repo / "good.yaml")
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    (repo / "values.yaml").write_text("replicas: 2\n")  # not a manifest: skipped by --force-exclude
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "kml-lint", "--files",
                               *files], cwd=repo, capture_output=True, text=True, env=env, timeout=900)

    bad = hook("bad.yaml", "values.yaml", ".pre-commit-config.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "KML401" in bad.stdout and "values.yaml" not in bad.stdout.split("Failed")[-1]
    good = hook("good.yaml", "values.yaml", ".pre-commit-config.yaml")
    assert good.returncode == 0, good.stdout + good.stderr


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from kml_lint import cli as cli_module

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert cli_module._progress() is None  # logs and pipes never get it
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    report = cli_module._progress()
    assert report is not None
    report(50, 100)  # a small run: no progress line
    assert capsys.readouterr().err == ""
    report(50, 1000)
    assert "50/1,000 files" in capsys.readouterr().err
    report(1000, 1000)  # done: the line is cleared
    assert "\x1b[K" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    assert cli_module._progress() is None
