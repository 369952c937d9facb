"""Files named on the command line (pre-commit) are judged with the rest of their repository as context:
cross-object verdicts never depend on which files changed or how they were batched (issue 14, item 3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, all_rules

from kml_lint.run import RunOptions, lint_paths

SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80}]
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME}
spec:
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers: [{name: NAME, image: "nginx:1.25"}]
"""


def _repo(tmp_path: Path, git: bool = True) -> Path:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    if git:
        (repo / ".git").mkdir()
    (repo / "app" / "svc.yaml").write_text(SERVICE)
    (repo / "app" / "deploy.yaml").write_text(DEPLOYMENT.replace("NAME", "api"))  # the Service's pods
    (repo / "app" / "worker.yaml").write_text(DEPLOYMENT.replace("NAME", "worker"))  # other pods beside it
    return repo


def _findings(repo: Path, *files: str, rule: str = "KML736", jobs: int = 1) -> list[tuple[str, str, int]]:
    old = os.getcwd()
    os.chdir(repo)
    try:
        report = lint_paths(RunOptions(list(files), [r for r in all_rules() if r.id == rule], jobs=jobs))
    finally:
        os.chdir(old)
    return sorted((f.rule_id, f.path, f.line) for result in report.files for f in result.findings)


def test_a_changed_service_whose_deployment_did_not_change_is_not_a_false_positive(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert _findings(repo, "app/svc.yaml", "app/worker.yaml") == []  # deploy.yaml is context
    assert _findings(repo, "app/svc.yaml") == []
    # Without a repository around the files there is no context: the old verdict (this is what it fixes).
    bare = _repo(tmp_path / "bare", git=False)
    assert _findings(bare, "app/svc.yaml", "app/worker.yaml") == [("KML736", "app/svc.yaml", 5)]


def test_the_verdict_does_not_depend_on_which_files_are_named_or_on_jobs(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "app" / "deploy.yaml").write_text(DEPLOYMENT.replace("NAME", "apl"))  # the Service really is broken
    expected = [("KML736", "app/svc.yaml", 5)]
    assert _findings(repo, "app") == expected  # the folder, walked whole
    for files in (["app/svc.yaml"], ["app/svc.yaml", "app/worker.yaml"], ["app/worker.yaml", "app/svc.yaml"],
                  ["app/svc.yaml", "app/deploy.yaml", "app/worker.yaml"]):
        assert _findings(repo, *files) == expected, files
        assert _findings(repo, *files, jobs=2) == expected, files


def test_context_files_are_never_reported(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "app" / "deploy.yaml").write_text(DEPLOYMENT.replace("NAME", "apl"))
    # Only the worker changed: the broken Service is context, read for its facts, never reported.
    assert _findings(repo, "app/worker.yaml") == []
    old = os.getcwd()
    os.chdir(repo)
    try:
        report = lint_paths(RunOptions(["app/worker.yaml"], all_rules()))
    finally:
        os.chdir(old)
    assert {result.path for result in report.files} == {"app/worker.yaml"}
    assert report.summary().files == 1


def test_context_reaches_files_in_another_folder_through_their_namespace(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "app" / "deploy.yaml").unlink()
    (repo / "elsewhere").mkdir()
    named = DEPLOYMENT.replace("NAME", "api").replace("metadata: {name: api}", "metadata: {name: api, namespace: ml}")
    (repo / "elsewhere" / "deploy.yaml").write_text(named)
    (repo / "app" / "svc.yaml").write_text(SERVICE.replace("metadata: {name: api}",
                                                           "metadata: {name: api, namespace: ml}"))
    assert _findings(repo, "app/svc.yaml", "app/worker.yaml") == []
    (repo / "elsewhere" / "deploy.yaml").write_text(named.replace("namespace: ml", "namespace: other"))
    assert _findings(repo, "app/svc.yaml", "app/worker.yaml") == [("KML736", "app/svc.yaml", 5)]


def test_the_hook_runs_in_one_process() -> None:
    from kml_lint.yamlfold import parse_yaml

    hooks = parse_yaml((ROOT / ".pre-commit-hooks.yaml").read_text()).documents[0].data
    assert [hook["require_serial"] for hook in hooks] == [True, True]  # kml-lint and kml-lint-fix


@pytest.mark.network
def test_pre_commit_judges_changed_files_with_the_unchanged_ones(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "hook")
    (repo / ".git").rmdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GITHUB_ACTIONS", None)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    for number in range(6):  # enough files for pre-commit to split them into batches if it may
        (repo / "app" / f"job{number}.yaml").write_text(DEPLOYMENT.replace("NAME", f"job{number}"))
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    changed = ["app/svc.yaml", "app/worker.yaml", *(f"app/job{n}.yaml" for n in range(6))]
    hook = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "kml-lint", "--verbose",
                           "--files", *changed], cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert "KML736" not in hook.stdout, hook.stdout + hook.stderr
    summaries = re.findall(r"(?:No findings|Found \d+ findings?) .*in (?:\d+ of )?\d+ files?", hook.stdout)
    assert len(summaries) == 1 and "8 files" in summaries[0], hook.stdout  # one process saw every file
