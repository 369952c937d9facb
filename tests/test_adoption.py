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
    _, out, err = cli("overlays", "--verbose", cwd=tmp_path)
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
    assert both.returncode == 1 and "KML402" in both.stdout, both.stdout + both.stderr
    assert "train.ipynb" not in both.stdout.split("Failed")[-1] and "above the limit" not in both.stdout


# -- 4. a pyproject.toml that is not TOML ---------------------------------------------------------------------

def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    shutil.copy(ROOT / "examples" / "train-job.yaml", tmp_path / "job.yaml")
    return tmp_path


def test_broken_pyproject_is_an_error_at_its_line_and_column(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / ".kml-lint.yaml").write_text("fail-on: never\n")  # a parent's configuration: never used instead
    sub = repo / "service"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "svc"\n\n[tool.kml-lint]\nignore = ["KML301"\n'
                                        'fail-on = "never"\n')
    code, out, err = cli(".", "--show-config", cwd=sub)
    assert code == 2 and out == "", out
    assert err.startswith("kml-lint: error: pyproject.toml:6:1: invalid TOML: "), err
    code, out, err = cli("../job.yaml", cwd=sub)
    assert code == 2 and "pyproject.toml:6:1" in err and "KML" not in out
    (sub / "pyproject.toml").write_text('[tool.kml-lint]\nfail-on = "never"\nselect = ["KML1"]\nx = \n')
    code, _, err = cli(".", "--config", "pyproject.toml", cwd=sub)
    assert code == 2 and "pyproject.toml:4:5: invalid TOML" in err, err
    (sub / "pyproject.toml").write_text('[tool.kml-lint]\nfail-on = "never"\n')  # fixed: it is used again
    code, out, _ = cli(".", "--show-config", cwd=sub)
    assert code == 0 and "file: pyproject.toml" in out


# -- 6. baselines, from anywhere -----------------------------------------------------------------------------

def _baselined_repo(tmp_path: Path) -> Path:
    repo = _repo(tmp_path)
    (repo / "job.yaml").unlink()
    (repo / "k8s" / "train").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "train-job.yaml", repo / "k8s" / "train" / "job.yaml")
    shutil.copy(ROOT / "examples" / "serving-deployment.yaml", repo / "k8s" / "serve.yaml")
    return repo


def _unsuppressed(out: str) -> list[str]:
    return [f["rule"] for f in json.loads(out)["findings"] if f["suppression"] is None]


def test_baseline_paths_are_relative_to_the_baseline_folder(tmp_path: Path) -> None:
    repo = _baselined_repo(tmp_path)
    code, out, _ = cli("train", "--write-baseline", "-o", ".kml-lint-baseline.json", cwd=repo / "k8s")
    data = json.loads((repo / "k8s" / ".kml-lint-baseline.json").read_text())
    assert code == 0 and data["version"] == 2 and data["findings"]
    assert {entry["path"] for entry in data["findings"]} == {"train/job.yaml"}
    code, out, _ = cli(".", "--write-baseline", cwd=repo / "k8s" / "train")  # standard output: this folder
    assert {entry["path"] for entry in json.loads(out)["findings"]} == {"job.yaml"}


@pytest.mark.parametrize(("cwd", "args"), [
    ("", ["k8s", "--baseline", ".kml-lint-baseline.json"]),
    ("", ["k8s/train/job.yaml", "--baseline", "./.kml-lint-baseline.json"]),
    ("k8s", [".", "--baseline", "../.kml-lint-baseline.json"]),
    ("k8s/train", [".", "--baseline", "../../.kml-lint-baseline.json"]),
    ("k8s/train", ["job.yaml", "--baseline", "ABSOLUTE"]),
    ("k8s", ["train", "--config", "../.kml-lint.yaml"]),
    ("k8s/train", ["."]),  # the configuration's baseline: found by walking up
])
def test_baseline_matches_from_anywhere(tmp_path: Path, cwd: str, args: list[str]) -> None:
    repo = _baselined_repo(tmp_path)
    code, out, _ = cli(".", "--write-baseline", cwd=repo)
    assert code == 0 and len(json.loads(out)["findings"]) >= 2
    (repo / ".kml-lint-baseline.json").write_text(out)
    (repo / ".kml-lint.yaml").write_text("baseline: .kml-lint-baseline.json\n")
    args = [str(repo / ".kml-lint-baseline.json") if a == "ABSOLUTE" else a for a in args]
    code, out, err = cli(*args, "--format", "json", cwd=repo / cwd)
    assert code == 0, out + err
    report = json.loads(out)
    assert _unsuppressed(out) == [] and report["summary"]["suppressed"] >= 2
    # a new finding is still reported wherever the run starts
    job = repo / "k8s" / "train" / "job.yaml"
    job.write_text(job.read_text().replace("name: trainer", "name: trainer2"))
    code, out, _ = cli(*args, "--format", "json", cwd=repo / cwd)
    assert code == 1 and _unsuppressed(out)


def test_version_1_baseline_written_in_its_folder_still_matches_from_a_subfolder(tmp_path: Path) -> None:
    """Version 1 (kml-lint 0.1.0): fingerprints of paths relative to where it was written, no ``paths`` key."""
    from kml_lint.engine import fingerprint_at
    from kml_lint.run import RunOptions, lint_paths

    repo = _baselined_repo(tmp_path)
    from conftest import all_rules

    old = os.getcwd()
    os.chdir(repo)
    try:
        report = lint_paths(RunOptions(["k8s"], all_rules()))
    finally:
        os.chdir(old)
    findings = [f for result in report.files for f in result.findings]
    entries = [{"fingerprint": fingerprint_at(f, f.path), "rule": f.rule_id, "path": f.path} for f in findings]
    assert any(e["fingerprint"] != fingerprint_at(f, "x") for e, f in zip(entries, findings, strict=True))
    (repo / "old-baseline.json").write_text(json.dumps({"version": 1, "findings": entries}))
    code, out, err = cli(".", "--baseline", "../../old-baseline.json", "--format", "json", cwd=repo / "k8s" / "train")
    assert code == 0 and _unsuppressed(out) == [], out + err
    code, out, _ = cli(".", "--baseline", "old-baseline.json", "--format", "json", cwd=repo)
    assert code == 0 and _unsuppressed(out) == []


# -- 7. silent mistakes are reported ------------------------------------------------------------------------

@pytest.mark.parametrize("piped", ["", "\n  \n"])
def test_empty_standard_input_is_an_error(piped: str) -> None:
    code, out, _ = cli("-", "--format", "json", input=piped)
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert finding["rule"] == "KML001" and finding["severity"] == "error"
    assert finding["message"].startswith("standard input was empty")


@pytest.mark.parametrize("platform", ["GKE", "gcp", "Eks", "openshift4"])
def test_unknown_platform_is_a_usage_error_listing_the_known_ones(tmp_path: Path, platform: str) -> None:
    from kml_lint.checks import PLATFORMS

    repo = _repo(tmp_path)
    code, out, err = cli("job.yaml", "--platform", platform, cwd=repo)
    assert code == 2 and out == ""
    assert f"unknown platform {platform!r}" in err and ", ".join(PLATFORMS) in err
    if platform == "GKE":
        assert "did you mean 'gke'?" in err
    (repo / ".kml-lint.yaml").write_text(f"fail-on: never\nplatform: {platform}\n")
    code, _, err = cli("job.yaml", cwd=repo)
    assert code == 2 and f".kml-lint.yaml:2:1: platform: unknown platform {platform!r}" in err, err


def test_every_known_platform_is_accepted_and_rule_parameters_name_only_known_ones(tmp_path: Path) -> None:
    from conftest import all_rules

    from kml_lint.checks import PLATFORMS

    repo = _repo(tmp_path)
    for platform in PLATFORMS:
        assert cli("job.yaml", "--platform", platform, cwd=repo)[0] in (0, 1)
    named = {value for rule in all_rules() for key, values in rule.params.items() if key.endswith("_platforms")
             for value in values}
    assert named and named <= set(PLATFORMS)
    (repo / ".kml-lint.yaml").write_text("rules:\n  KML303:\n    params:\n      single_node_platforms: [kind, k3s]\n")
    code, _, err = cli("job.yaml", cwd=repo)
    assert code == 2 and ".kml-lint.yaml:4:37: rules.KML303.params.single_node_platforms.1" in err, err


@pytest.mark.parametrize(("comment", "expected"), [
    ("# kml-lint: ignroe[KML301] mirror", "unknown directive 'ignroe' (did you mean 'ignore'?)"),
    ("# kml-lint: ignore-files[KML301]", "unknown directive 'ignore-files' (did you mean 'ignore-file'?)"),
    ("# kml-lint: ignore[KML3O1] mirror", "unknown rule 'KML3O1' (did you mean 'KML301'?)"),
    ("# kml-lint: ignore[mutable-image-tags]", "unknown rule 'mutable-image-tags' (did you mean 'mutable-image-tag'?)"),
    ("# kml-lint: ignore[KML301] mirror until=2027-13-45", "until=2027-13-45 is not a date"),
])
def test_misspelt_suppressions_are_kml008_warnings(tmp_path: Path, comment: str, expected: str) -> None:
    repo = _repo(tmp_path)
    job = repo / "job.yaml"
    lines = job.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if "image:" in line and ":latest" in line)
    lines[index] += f"  {comment}"
    job.write_text("\n".join(lines) + "\n")
    code, out, _ = cli("job.yaml", "--format", "json", "--select", "KML301,KML008", "--fail-on", "warning",
                         cwd=repo)
    kml008 = [f for f in json.loads(out)["findings"] if f["rule"] == "KML008"]
    assert len(kml008) == 1, out
    assert kml008[0]["severity"] == "warning" and expected in kml008[0]["message"]
    assert kml008[0]["line"] == index + 1 and code == 1
    # a warning, never an error: a rule id newer than this kml-lint does not break the default gate
    assert cli("job.yaml", "--select", "KML008", cwd=repo)[0] == 0


def test_unknown_rule_in_an_annotation_is_a_warning_too() -> None:
    from conftest import lint_text, rules_by_id

    text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    kml-lint.io/ignore: KML3O1\n"
            "    kml-lint.io/ignore-until: 2027-02-30\nspec:\n  containers:\n    - name: a\n      image: a:latest\n")
    found = [f for f in lint_text(text, rules_by_id("KML301", "KML008")).findings if f.rule_id == "KML008"]
    assert [(f.line, f.severity.label) for f in found] == [(6, "warning")]
    assert "unknown rule 'KML3O1' (did you mean 'KML301'?)" in found[0].message
    assert "'2027-02-30' is not a date" in found[0].message


def test_impossible_exemption_date_is_a_configuration_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / ".kml-lint.yaml").write_text("exemptions:\n  - rules: [KML301]\n    reason: mirror\n"
                                         "    until: 2027-13-45\n")
    code, _, err = cli("job.yaml", cwd=repo)
    assert code == 2 and ".kml-lint.yaml:4:5: exemptions.0.until: '2027-13-45' is not a date" in err, err


# -- 8. every configuration error has a place and a hint ----------------------------------------------------

PYPROJECT_HEAD = '[project]\nname = "svc"\n\n[tool.kml-lint]\n'


@pytest.mark.parametrize(("body", "expected"), [
    ('fial-on = "never"\n', "pyproject.toml:5:1: fial-on: unknown setting 'fial-on' (did you mean 'fail-on'?)"),
    ('fail-on = "warnings"\n', "pyproject.toml:5:1: fail-on: 'warnings' is not one of error, warning, note, never "
                               "(did you mean 'warning'?)"),
    ('select = ["KML1",\n  "KML3O1"]\n', "pyproject.toml:6:3: select.1: unknown rule 'KML3O1' (did you mean 'KML301'?)"),
    ('ignore = ["mutable-image-tags"]\n', "pyproject.toml:5:11: ignore.0: unknown rule 'mutable-image-tags' "
                                         "(did you mean 'mutable-image-tag'?)"),
    ('[tool.kml-lint.severity]\nKML3O1 = "error"\n', "pyproject.toml:6:1: severity.KML3O1: unknown rule 'KML3O1'"),
    ('[tool.kml-lint.rules.KML301.params]\nfloating_tags = ["latest"]\nfloatingtags = ["x"]\n',
     "pyproject.toml:7:1: rules.KML301.params.floatingtags: rule KML301: unknown parameter 'floatingtags' "
     "(did you mean 'floating_tags'?)"),
    ('rules = { KML301 = { params = { floating_tags = "latest" } } }\n',
     "pyproject.toml:5:33: rules.KML301.params.floating_tags: rule KML301: 'latest' is not of type 'array'"),
    ('[tool.kml-lint.per-file-ignores]\n"legacy/*" = ["KML30l"]\n',
     "pyproject.toml:6:15: per-file-ignores.legacy/*.0: unknown rule 'KML30l' (did you mean 'KML301'?)"),
    ('[[tool.kml-lint.exemptions]]\nrules = ["KML301"]\nreason = "mirror"\n\n[[tool.kml-lint.exemptions]]\n'
     'rules = ["KML4O1"]\nreason = "demo"\n', "pyproject.toml:10:10: exemptions.1.rules.0: unknown rule 'KML4O1' "
                                              "(did you mean 'KML401'?)"),
    ('[[tool.kml-lint.exemptions]]\nrules = ["KML301"]\nreason = "mirror"\nuntil = "2027-02-30"\n',
     "pyproject.toml:8:1: exemptions.0.until: '2027-02-30' is not a date"),
    ('kubernetes-version = "1.99"\n', "pyproject.toml:5:1: kubernetes-version: Kubernetes version '1.99' is not "
                                      "supported; supported: "),
    ('platform = "autopilot"\n', "pyproject.toml:5:1: platform: unknown platform 'autopilot' "
                                 "(did you mean 'gke-autopilot'?); known platforms: gke, "),
])
def test_pyproject_errors_are_located_with_a_hint(tmp_path: Path, body: str, expected: str) -> None:
    repo = _repo(tmp_path)
    (repo / "pyproject.toml").write_text(PYPROJECT_HEAD + body)
    code, out, err = cli("job.yaml", cwd=repo)
    assert code == 2 and out == "", out
    assert err.startswith(f"kml-lint: error: {expected}"), err


@pytest.mark.parametrize(("text", "expected"), [
    ("selct: [KML1]\n", ".kml-lint.yaml:1:1: selct: unknown setting 'selct' (did you mean 'select'?)"),
    ("select:\n  - KML1\n  - gpu-without-toleraton\n",
     ".kml-lint.yaml:3:5: select.1: unknown rule 'gpu-without-toleraton' (did you mean 'gpu-without-toleration'?)"),
    ("rules:\n  KML301:\n    severty: error\n",
     ".kml-lint.yaml:3:5: rules.KML301.severty: unknown setting 'severty' (did you mean 'severity'?)"),
    ("rules:\n  KML301:\n    params:\n      floating_tags: [latest]\n      allow: 3\n",
     ".kml-lint.yaml:5:7: rules.KML301.params.allow: rule KML301: unknown parameter 'allow'"),
    ("rules:\n  KML2:\n    params:\n      auto_toleration_platforms: [gke, gcp]\n",
     ".kml-lint.yaml:4:40: rules.KML2.params.auto_toleration_platforms.1: rule KML201: 'gcp' is not one of"),
    ("kubernetes-version: '2.1'\n", ".kml-lint.yaml:1:1: kubernetes-version: '2.1' does not match"),
    ("peer-annotations: [kube-linter, polaris, kubescore]\n",
     ".kml-lint.yaml:1:42: peer-annotations.2: 'kubescore' is not one of kube-linter, polaris, checkov, kube-score "
     "(did you mean 'kube-score'?)"),
])
def test_yaml_configuration_errors_are_located_with_a_hint(tmp_path: Path, text: str, expected: str) -> None:
    repo = _repo(tmp_path)
    (repo / ".kml-lint.yaml").write_text(text)
    code, out, err = cli("job.yaml", cwd=repo)
    assert code == 2 and out == "", out
    assert err.startswith(f"kml-lint: error: {expected}"), err


def test_toml_positions_follow_tables_arrays_and_inline_values() -> None:
    import tomllib

    from kml_lint.objects import locate
    from kml_lint.tomlpositions import positions_for

    text = ('title = "x"  # [tool.kml-lint] in a comment\n[tool."kml-lint"]\nselect = [\n  "KML1", # one\n'
            '  "KML2",\n]\nnote = """a\n[not.a.table]\n"""\n[[tool.kml-lint.exemptions]]\nrules = [\'KML1\']\n'
            'reason = "r"\n[[tool.kml-lint.exemptions]]\nrules = ["KML2"]\nreason = "r"\nmore.deep = { a = [1, {b = 2}] }\n')
    data = tomllib.loads(text)["tool"]["kml-lint"]
    positions = positions_for(text, data, ("tool", "kml-lint"))
    assert locate(positions, "/select/1") == (5, 3)
    assert locate(positions, "/note", "value") == (7, 8)
    assert locate(positions, "/exemptions/1/rules/0") == (14, 10)
    assert locate(positions, "/exemptions/1/more/deep/a/1/b") == (16, 24)
    assert locate(positions, "/exemptions/0/reason") == (12, 1)
    assert locate(positions, "/missing") == (2, 7)  # the nearest parent: the table's header


def test_baseline_matches_cached_results_from_a_subfolder(tmp_path: Path) -> None:
    repo = _baselined_repo(tmp_path)
    code, out, _ = cli(".", "--write-baseline", "-o", ".kml-lint-baseline.json", cwd=repo)
    for _ in range(2):  # the second run reads every result from the cache
        code, out, err = cli(".", "--baseline", "../.kml-lint-baseline.json", "--cache", "--format", "json",
                             cwd=repo / "k8s")
        assert code == 0 and _unsuppressed(out) == [], out + err
