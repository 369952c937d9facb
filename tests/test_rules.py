"""Every rule against its fixtures: tests/rules/<ID>/fail.yaml must produce exactly the marked findings,
pass.yaml (the near misses) none of that rule."""

from __future__ import annotations

import pytest
from conftest import ROOT, all_rules, expected_markers, lint_text

FIXTURES = ROOT / "tests" / "rules"
RULE_IDS = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def _only(rule_id: str):
    """The rule under test, plus any test-only rules its fixture folder brings (config.yaml: rules_dir)."""
    config = _config(rule_id)
    extra = config.get("rules_dir")
    extra_dirs = (str(FIXTURES / rule_id / extra),) if extra else ()
    loaded = all_rules(extra_dirs)
    shipped = {rule.id for rule in all_rules()}
    also = set(config.get("with_rules") or ())  # rules the fixture needs beside the one under test
    return [rule for rule in loaded if rule.id == rule_id or rule.id in also or rule.id not in shipped]


def _config(rule_id: str) -> dict:
    """Optional tests/rules/<ID>/config.yaml: run settings (platform) for that fixture directory."""
    from kml_lint.yamlfold import parse_yaml

    path = FIXTURES / rule_id / "config.yaml"
    if not path.exists():
        return {}
    return parse_yaml(path.read_text(encoding="utf-8")).documents[0].data or {}


def _diff(expected: set, actual: set) -> str:
    missing = sorted(expected - actual)
    extra = sorted(actual - expected)
    return f"missing (expected, not found): {missing}\nunexpected (found, not marked): {extra}"


def _tree_findings(rule_id: str, which: str) -> tuple[set, set]:
    """A fixture that is a folder (rules about charts and overlays, met only while walking): the (file, line,
    rule) findings of a whole run over it, and the (file, line, rule) its markers expect."""
    import json
    import os

    from conftest import cli

    from kml_lint.rendering.kustomize import builder

    if _config(rule_id).get("requires") == "kustomize" and builder() is None:
        pytest.skip("neither kustomize nor kubectl is on PATH")
    root = FIXTURES / rule_id / which
    code, out, err = cli(".", "--select", rule_id, "--format", "json", cwd=root)
    assert code in (0, 1), err
    actual = {(f["path"], f["line"], f["rule"]) for f in json.loads(out)["findings"] if f["rule"] == rule_id}
    expected = set()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            expected |= {(relative, line, rule) for line, rule, _ in expected_markers(path.read_text())
                         if rule == rule_id}
    return actual, expected


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_fail_fixture_matches_markers(rule_id: str) -> None:
    if (FIXTURES / rule_id / "fail").is_dir():
        actual, expected = _tree_findings(rule_id, "fail")
        assert expected, f"{rule_id}/fail/ has no '# expect: {rule_id}' marker"
        assert actual == expected, _diff(expected, actual)
        return
    text = (FIXTURES / rule_id / "fail.yaml").read_text(encoding="utf-8")
    result = lint_text(text, _only(rule_id), path="fail.yaml", platform=_config(rule_id).get("platform"))
    markers = {m for m in expected_markers(text) if m[1] == rule_id}
    assert markers, f"{rule_id}/fail.yaml has no '# expect: {rule_id}' marker"
    actual = {(f.line, f.rule_id) for f in result.findings if f.rule_id == rule_id}
    expected = {(line, rule) for line, rule, _ in markers}
    assert actual == expected, _diff(expected, actual)
    columns = {(line, col) for line, _, col in markers if col is not None}
    for line, col in columns:
        cols = {f.col for f in result.findings if f.line == line and f.rule_id == rule_id}
        assert col in cols, f"line {line}: expected column {col}, found {sorted(cols)}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_pass_fixture_is_clean(rule_id: str) -> None:
    if (FIXTURES / rule_id / "pass").is_dir():
        actual, expected = _tree_findings(rule_id, "pass")
        assert not actual, f"{rule_id}/pass/ must not fire: {sorted(actual)}"
        assert not expected, "pass/ must not carry '# expect:' markers"
        return
    text = (FIXTURES / rule_id / "pass.yaml").read_text(encoding="utf-8")
    result = lint_text(text, _only(rule_id), path="pass.yaml", platform=_config(rule_id).get("platform"))
    found = [(f.line, f.message) for f in result.findings if f.rule_id == rule_id]
    assert not found, f"{rule_id}/pass.yaml must not fire: {found}"
    assert not expected_markers(text), "pass.yaml must not carry '# expect:' markers"


def test_every_rule_has_fixtures() -> None:
    """The meta-test: no rule ships without a failing and a passing fixture."""
    def has(rule_id: str, which: str) -> bool:  # a file, or a folder for rules met only while walking
        return (FIXTURES / rule_id / f"{which}.yaml").is_file() or (FIXTURES / rule_id / which).is_dir()

    missing = [rule.id for rule in all_rules() if not has(rule.id, "fail") or not has(rule.id, "pass")]
    assert not missing, f"rules without tests/rules/<ID>/fail.yaml and pass.yaml (or fail/, pass/): {missing}"


def test_no_fixture_directory_without_a_rule() -> None:
    ids = {rule.id for rule in all_rules()}
    assert not [name for name in RULE_IDS if name not in ids]


