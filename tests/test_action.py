"""The GitHub action (action.yml) and the workflows docs/github-code-scanning.md shows: read as YAML and
checked for what GitHub's runners need, linted with actionlint, and the action's lint step run for real."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from ruamel.yaml import YAML

ACTION = ROOT / "action.yml"
DOC = ROOT / "docs" / "github-code-scanning.md"


def load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def action() -> dict[str, Any]:
    return load(ACTION.read_text(encoding="utf-8"))


def step(name: str) -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name)


def documented_workflows() -> list[str]:
    """Every complete workflow (a YAML block starting with ``name:``) in the code-scanning page."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [block for block in blocks if block.startswith("name:")]


def test_action_sets_up_its_own_python_of_at_least_311() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    setup = data["runs"]["steps"][0]
    assert setup["uses"].startswith("actions/setup-python@v")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert setup["with"]["update-environment"] is False  # the workflow's own Python stays as it was
    major, minor = (int(part) for part in data["inputs"]["python-version"]["default"].split("."))
    assert (major, minor) >= (3, 11)
    assert "steps.python.outputs.python-path" in step("Install kml-lint")["env"]["KML_PYTHON"]


def test_every_script_step_runs_in_bash_and_knows_windows_paths() -> None:
    scripts = [s for s in action()["runs"]["steps"] if "run" in s]
    assert scripts and all(s.get("shell") == "bash" for s in scripts)  # Git Bash on Windows runners
    install = step("Install kml-lint")["run"]
    assert '"$venv/Scripts/python.exe"' in install and '"$venv/bin/python"' in install
    assert '"$RUNNER_OS" = "Windows"' in install
    assert "kml-lint==" not in install  # no package on PyPI yet: a version is a git ref of the repository
    assert "git+$KML_REPOSITORY@$KML_VERSION" in install
    assert '"$KML_PYTHON" -m kml_lint' in step("Run kml-lint")["run"]  # no .exe wrapper to find


@pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("never", 0)])
def test_the_actions_lint_step_runs(tmp_path: Path, fail_on: str, code: int) -> None:
    """The step's own script, with this interpreter in place of the one the install step made."""
    outputs = tmp_path / "github-output"
    env = {**os.environ, "KML_PYTHON": sys.executable, "KML_PATHS": "examples/train-job.yaml examples/wandb-secret.yaml",
           "KML_FORMAT": "sarif", "KML_OUTPUT": str(tmp_path / "kml-lint.sarif"), "KML_FAIL_ON": fail_on,
           "KML_CONFIG": "", "GITHUB_OUTPUT": str(outputs), "PYTHONPATH": str(ROOT)}
    # GitHub runs a bash step as `bash --noprofile --norc -eo pipefail {0}`
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step("Run kml-lint")["run"]],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == code, proc.stderr
    assert f"exit-code={code}" in outputs.read_text()
    assert '"ruleId": "KML402"' in (tmp_path / "kml-lint.sarif").read_text()  # written before the step failed


@pytest.mark.network
def test_the_actions_install_step_installs_this_checkout(tmp_path: Path) -> None:
    """The install step's own script on a Linux runner's layout: a virtual environment under RUNNER_TEMP with
    the action's checkout in it, and the interpreter handed to the lint step."""
    outputs = tmp_path / "github-output"
    env = {**os.environ, "KML_PYTHON": sys.executable, "KML_VERSION": "", "KML_REPOSITORY": "unused",
           "RUNNER_OS": "Linux", "RUNNER_TEMP": str(tmp_path), "GITHUB_ACTION_PATH": str(ROOT),
           "GITHUB_OUTPUT": str(outputs)}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step("Install kml-lint")["run"]],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    python = outputs.read_text().strip().removeprefix("python=")
    assert python == f"{tmp_path}/kml-lint-venv/bin/python"
    listed = subprocess.run([python, "-m", "kml_lint", "--list-rules"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0 and "KML201" in listed.stdout


@pytest.mark.parametrize("index", range(3))
def test_documented_workflows_upload_whatever_the_lint_step_says(index: int) -> None:
    """A workflow that writes SARIF uploads it with `if: always()` after the lint step, with a category; the
    annotations workflow writes workflow commands and needs no upload."""
    workflows = documented_workflows()
    assert len(workflows) == 3
    flow = load(workflows[index])
    steps = [s for job in flow["jobs"].values() for s in job["steps"]]
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    lints = [s for s in steps if "kml-lint/kml-lint@" in str(s.get("uses", "")) or "kml-lint " in s.get("run", "")]
    assert lints
    if all(s.get("with", {}).get("format") == "github" for s in lints):
        assert not uploads
        return
    assert uploads and flow["permissions"]["security-events"] == "write"
    for upload in uploads:
        assert upload["if"] == "always()" and upload["with"]["category"]
        assert steps.index(upload) > steps.index(lints[0])


def test_each_upload_in_the_docs_has_its_own_category() -> None:
    categories = re.findall(r"^\s+category: (\S+)", DOC.read_text(encoding="utf-8"), re.M)
    assert len(categories) >= 2 and len(set(categories)) == len(categories)


def _actionlint() -> str | None:
    return shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(_actionlint() is None, reason="actionlint is not installed (test extras)")
def test_actionlint_accepts_the_action_and_the_documented_workflows(tmp_path: Path) -> None:
    """actionlint checks each documented workflow (the action they use is this checkout's, so their inputs are
    checked against action.yml), and the action's steps as a workflow of their own (expressions, step outputs,
    the contexts a composite action has)."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    for number, text in enumerate(documented_workflows()):
        (workflows / f"doc-{number}.yml").write_text(text.replace("kml-lint/kml-lint@main", "./"))
    data = action()
    as_workflow = {
        "name": "the action's steps",
        "on": {"workflow_call": {"inputs": {name: {"type": "string", "required": False,
                                                   "default": spec.get("default", "")}
                                            for name, spec in data["inputs"].items()}}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": data["runs"]["steps"]}},
    }
    buffer = io.StringIO()
    YAML().dump(as_workflow, buffer)
    (workflows / "action-steps.yml").write_text(buffer.getvalue())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    proc = subprocess.run([_actionlint() or "actionlint", "-no-color"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and it would say so: an input the action does not have
    (workflows / "doc-0.yml").write_text((workflows / "doc-0.yml").read_text().replace("fail-on:", "fail_on:"))
    proc = subprocess.run([_actionlint() or "actionlint", "-no-color"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1 and '"fail_on" is not defined' in proc.stdout
