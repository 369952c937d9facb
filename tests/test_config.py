"""Configuration files: discovery, validation with locations, precedence, parameters, --show-config."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cli

JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: train}
spec:
  template:
    spec:
      containers:
        - name: t
          image: ghcr.io/acme/train:edge
"""


def repo(tmp_path: Path, config: str | None, name: str = ".kml-lint.yaml") -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "job.yaml").write_text(JOB)
    if config is not None:
        (tmp_path / name).write_text(config)
    return tmp_path


def rules_found(out: str) -> set[str]:
    return {f["rule"] for f in json.loads(out)["findings"]}


def test_config_found_by_walking_up_to_the_repository_root(tmp_path: Path) -> None:
    repo(tmp_path, "select: [KML301]\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "job.yaml").write_text(JOB)
    _, out, _ = cli("job.yaml", "--format", "json", cwd=sub)
    assert rules_found(out) == {"KML301"}


def test_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".kml-lint.yaml").write_text("select: [KML301]\n")  # above the repository: not used
    inner = tmp_path / "project"
    inner.mkdir()
    repo(inner, None)
    _, out, _ = cli("job.yaml", "--format", "json", cwd=inner)
    assert len(rules_found(out)) > 1


def test_pyproject_fallback(tmp_path: Path) -> None:
    repo(tmp_path, '[tool.kml-lint]\nselect = ["KML501"]\n', name="pyproject.toml")
    _, out, _ = cli("job.yaml", "--format", "json", cwd=tmp_path)
    assert rules_found(out) == {"KML501"}


def test_unknown_key_is_reported_with_line_and_column(tmp_path: Path) -> None:
    repo(tmp_path, "select: [KML301]\nignroe: [KML1]\n")
    code, _, err = cli("job.yaml", cwd=tmp_path)
    assert code == 2
    assert ".kml-lint.yaml:2:1: ignroe: unknown setting 'ignroe'" in err


def test_wrong_type_is_located(tmp_path: Path) -> None:
    repo(tmp_path, "exemptions:\n  - rules: [KML301]\n    paths: manifests/\n    reason: because\n")
    code, _, err = cli("job.yaml", cwd=tmp_path)
    assert code == 2 and ".kml-lint.yaml:3:5: exemptions.0.paths" in err and "array" in err


def test_exemption_requires_a_reason(tmp_path: Path) -> None:
    repo(tmp_path, "exemptions:\n  - rules: [KML301]\n")
    code, _, err = cli("job.yaml", cwd=tmp_path)
    assert code == 2 and "reason" in err


def test_bad_parameter_names_rule_and_parameter(tmp_path: Path) -> None:
    repo(tmp_path, "rules:\n  KML301:\n    params:\n      floating_tags: nightly\n")
    code, _, err = cli("job.yaml", cwd=tmp_path)
    assert code == 2 and "KML301" in err and "floating_tags" in err
    repo(tmp_path, "rules:\n  KML301:\n    params:\n      floating: [x]\n")
    code, _, err = cli("job.yaml", cwd=tmp_path)
    assert code == 2 and "floating" in err


def test_unknown_rule_in_severity_is_an_error(tmp_path: Path) -> None:
    repo(tmp_path, "severity: {KML999: note}\n")
    code, _, err = cli("job.yaml", cwd=tmp_path)
    assert code == 2 and "KML999" in err


def test_parameters_and_severity_take_effect(tmp_path: Path) -> None:
    repo(tmp_path, "select: [KML301]\nseverity: {KML3: note, mutable-image-tag: error}\n"
                   "rules:\n  KML301:\n    params: {floating_tags: [nightly]}\n")
    _, out, _ = cli("job.yaml", "--format", "json", cwd=tmp_path)
    assert rules_found(out) == set()  # `edge` is no longer floating
    repo(tmp_path, "select: [KML301]\nseverity: {KML3: note, mutable-image-tag: error}\n")
    code, out, _ = cli("job.yaml", "--format", "json", cwd=tmp_path)
    assert [f["severity"] for f in json.loads(out)["findings"]] == ["error"]  # the name beats the prefix
    assert code == 1


def test_command_line_over_file_over_defaults(tmp_path: Path) -> None:
    repo(tmp_path, "select: [KML301]\nfail-on: never\nignore: [KML501]\n")
    assert cli("job.yaml", cwd=tmp_path)[0] == 0  # file: fail-on never
    assert cli("job.yaml", "--fail-on", "warning", cwd=tmp_path)[0] == 1  # command line wins
    _, out, _ = cli("job.yaml", "--select", "KML5,KML3", "--format", "json", cwd=tmp_path)
    assert rules_found(out) == {"KML301"}  # --select replaces, the file's ignore still applies
    _, out, _ = cli("job.yaml", "--isolated", "--format", "json", cwd=tmp_path)
    assert "KML501" in rules_found(out)


def test_per_file_ignores_produce_no_result(tmp_path: Path) -> None:
    repo(tmp_path, "per-file-ignores:\n  'job.yaml': [KML3]\n")
    _, out, _ = cli("job.yaml", "--format", "json", "--show-suppressed", cwd=tmp_path)
    report = json.loads(out)
    assert "KML301" not in rules_found(out) and report["summary"]["suppressed"] == 0


def test_show_config_prints_the_effective_configuration(tmp_path: Path) -> None:
    repo(tmp_path, "select: [KML301]\nplatform: gke\n")
    code, out, _ = cli("--show-config", "--fail-on", "warning", cwd=tmp_path)
    assert code == 0
    assert "file: .kml-lint.yaml" in out and "platform: gke" in out and "fail-on: warning" in out


def test_explicit_config_and_missing_file(tmp_path: Path) -> None:
    repo(tmp_path, None)
    (tmp_path / "ci.yaml").write_text("select: [KML501]\n")
    _, out, _ = cli("job.yaml", "--config", "ci.yaml", "--format", "json", cwd=tmp_path)
    assert rules_found(out) == {"KML501"}
    code, _, err = cli("job.yaml", "--config", "nope.yaml", cwd=tmp_path)
    assert code == 2 and "nope.yaml" in err


def test_configuration_adds_custom_workloads(tmp_path: Path) -> None:
    """Users teach kml-lint their own CRDs in the configuration, in the workload table's own syntax."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "trainer.yaml").write_text(
        "apiVersion: acme.io/v1\nkind: Trainer\nmetadata: {name: bert}\nspec:\n  stages:\n"
        "    - name: pretrain\n      pod:\n        spec:\n          containers:\n"
        "            - {name: t, image: \"acme/trainer:latest\"}\n")
    code, out, _ = cli("trainer.yaml", "--select", "KML301", "--format", "json", cwd=tmp_path)
    # An unknown kind: its pod is found by shape (no row, no schema); the configuration's row then names it.
    assert [f["role"] for f in json.loads(out)["findings"]] == ["stages[pretrain] (found by shape)"]
    (tmp_path / ".kml-lint.yaml").write_text(
        "workloads:\n  - kinds: [acme.io/Trainer]\n    pods:\n      - {path: /spec/stages/*/pod, role: 'stage {0}'}\n")
    code, out, _ = cli("trainer.yaml", "--select", "KML301", "--format", "json", cwd=tmp_path)
    findings = json.loads(out)["findings"]
    assert code == 0 and [f["rule"] for f in findings] == ["KML301"]
    assert findings[0]["message"].startswith("Trainer bert, stage pretrain, container t:")
    (tmp_path / ".kml-lint.yaml").write_text("workloads:\n  - kinds: [acme.io/Trainer]\n")
    code, _, err = cli("trainer.yaml", cwd=tmp_path)
    assert code == 2 and "workloads" in err
