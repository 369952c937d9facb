"""Issue 14: adoption without surprises. Paths named any way, notebooks, broken configurations, baselines
used from anywhere, silent mistakes made loud, and configuration errors with a place and a hint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli

PATCH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
"""


def _kustomize_repo(root: Path) -> Path:
    prod = root / "overlays" / "prod"
    prod.mkdir(parents=True)
    (prod / "kustomization.yaml").write_text("resources: [../../base]\npatches:\n  - path: patch.yaml\n")
    (prod / "patch.yaml").write_text(PATCH)
    return prod / "patch.yaml"


@pytest.mark.parametrize(("cwd", "named"), [
    ("", "overlays/prod/patch.yaml"),
    ("", "./overlays/prod/patch.yaml"),
    ("", "overlays//prod/../prod/patch.yaml"),
    ("", "ABSOLUTE"),
    ("overlays", "prod/patch.yaml"),
    ("overlays/prod", "patch.yaml"),
    ("overlays/prod", "./patch.yaml"),
    ("elsewhere", "../overlays/prod/patch.yaml"),
])
def test_kustomize_patch_is_skipped_however_it_is_named(tmp_path: Path, cwd: str, named: str) -> None:
    patch = _kustomize_repo(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    name = str(patch) if named == "ABSOLUTE" else named
    code, out, err = cli(name, "--force-exclude", "--verbose", cwd=tmp_path / cwd)
    assert code == 0, out + err
    assert "KML003" not in out
    assert "patch listed by a kustomization" in err


def test_kustomize_patch_is_skipped_in_a_walk_from_a_relative_folder(tmp_path: Path) -> None:
    _kustomize_repo(tmp_path)
    code, out, err = cli("overlays", "--verbose", cwd=tmp_path)
    assert "KML003" not in out and "patch listed by a kustomization" in err, out + err


def test_notebooks_are_never_linted(tmp_path: Path) -> None:
    notebook = tmp_path / "analysis.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    big = tmp_path / "Big.IPYNB"
    big.write_text(json.dumps({"cells": [{"source": "x" * 200}], "nbformat": 4}))
    code, out, err = cli(str(notebook), str(big), "--force-exclude", "--max-file-size", "100", "--verbose",
                         cwd=tmp_path)
    assert code == 0, out + err
    assert "KML001" not in out and "Jupyter notebook" in err
    code, out, err = cli(".", "--max-file-size", "100", cwd=tmp_path)  # a walk never opens them either
    assert code == 0 and "KML001" not in out, out + err


@pytest.mark.network
@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed by pre-commit")
def test_pre_commit_hook_never_runs_on_notebooks(tmp_path: Path) -> None:
    """The hook as shipped (.pre-commit-hooks.yaml), through real pre-commit: a notebook above the size limit
    is not even handed to kml-lint, and a manifest beside it still is."""
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GITHUB_ACTIONS", None)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["x = 1\n"] * (11 * 1024 * 1024 // 9)}
    (repo / "train.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                  "nbformat_minor": 5}))
    assert (repo / "train.ipynb").stat().st_size > 10 * 1024 * 1024
    shutil.copy(ROOT / "examples" / "train-job.yaml", repo / "bad.yaml")
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "kml-lint", "--files",
                               *files], cwd=repo, capture_output=True, text=True, env=env, timeout=900)

    alone = hook("train.ipynb")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "no files to check" in alone.stdout and "KML001" not in alone.stdout
    both = hook("train.ipynb", "bad.yaml")
    assert both.returncode == 1 and "KML401" in both.stdout, both.stdout + both.stderr
    assert "train.ipynb" not in both.stdout.split("Failed")[-1] and "above the limit" not in both.stdout
