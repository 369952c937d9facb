"""Golden tests of every fix: block and flow style, comments around the edits, multi-document files, both
indentation styles of sequences (tests/golden/fixes/<ID>.yaml -> <ID>.fixed.yaml), the same files with CRLF line
endings and a byte-order mark, and the safety rules (anchors, links, suppressions, rendered input, secrets)."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest
from conftest import ROOT, cli, rules_by_id

from kml_lint.checks import RunContext
from kml_lint.engine import Engine
from kml_lint.fixing.apply import fix_text
from kml_lint.fixing.fixers import FIXERS
from kml_lint.run import lint_file_local
from kml_lint.source import SourceText
from kml_lint.suppress import Suppressor

FIXES = ROOT / "tests" / "golden" / "fixes"
CASES = sorted(FIXES.glob("KML[0-9][0-9][0-9].yaml"))
UPDATE = bool(os.environ.get("KML_UPDATE_GOLDEN"))


def _fix(rule_id: str, text: str, unsafe: bool = True):  # type: ignore[no-untyped-def]
    rules = rules_by_id(rule_id)
    engine = Engine(rules, RunContext())
    suppressor = Suppressor(selected=rules)

    def lint(current: str):  # type: ignore[no-untyped-def]
        return lint_file_local(engine, suppressor, "case.yaml", SourceText(current), True, keep_secrets=True)

    return fix_text("case.yaml", text, lint, unsafe)


def test_every_fixer_has_a_golden_case_and_a_rule_file_entry() -> None:
    assert {path.stem for path in CASES} == set(FIXERS)
    for rule_id in FIXERS:
        (rule,) = rules_by_id(rule_id)
        assert rule.fix and rule.fix["applicability"] in ("safe", "unsafe"), rule_id


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
@pytest.mark.parametrize("line_break", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_fix_golden(path: Path, line_break: str) -> None:
    text = path.read_text(encoding="utf-8")
    expected_path = path.with_name(f"{path.stem}.fixed.yaml")
    outcome = _fix(path.stem, text.replace("\n", line_break))
    assert outcome.skipped is None
    assert outcome.applied[path.stem] >= 1
    if UPDATE and line_break == "\n":
        expected_path.write_text(outcome.fixed, encoding="utf-8")
    expected = expected_path.read_text(encoding="utf-8")
    assert outcome.fixed == expected.replace("\n", line_break)
    assert outcome.remaining == 0
    again = _fix(path.stem, outcome.fixed)
    assert again.fixed == outcome.fixed  # a second pass changes nothing


def test_only_safe_fixes_without_unsafe() -> None:
    text = (FIXES / "KML501.yaml").read_text(encoding="utf-8")
    assert not _fix("KML501", text, unsafe=False).changed
    assert _fix("KML003", (FIXES / "KML003.yaml").read_text(encoding="utf-8"), unsafe=False).changed


def test_anchors_aliases_and_merge_keys_are_not_edited() -> None:
    text = (FIXES / "KML501.yaml").read_text(encoding="utf-8")
    outcome = _fix("KML501", text)
    assert "ttl-anchored" in outcome.fixed and outcome.fixed.endswith(text.split("# An anchored spec")[1])
    assert any("anchor &shared" in reason for reason in outcome.refused)
    merged = _fix("KML802", (FIXES / "KML802.yaml").read_text(encoding="utf-8"))
    assert any("merge key" in reason or "anchor &base" in reason for reason in merged.refused)


def test_rename_only_when_the_suggested_key_is_new() -> None:
    outcome = _fix("KML004", (FIXES / "KML004.yaml").read_text(encoding="utf-8"))
    tail = outcome.fixed.split("name: no-rename")[1]
    assert "backofLimit: 2" in tail and "backoffLimit: 3" in tail
    assert any("exists already" in reason for reason in outcome.refused)


def _job(path: Path, text: str | None = None) -> Path:
    path.write_text(text or (FIXES / "KML003.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_fix_in_place_keeps_mode_bom_and_crlf(tmp_path: Path) -> None:
    text = (FIXES / "KML003.yaml").read_text(encoding="utf-8")
    target = tmp_path / "pods.yaml"
    target.write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"))
    target.chmod(0o640)
    code, _, err = cli(str(target), "--isolated", "--select", "KML003", "--fix")
    assert code == 0, err
    expected = (FIXES / "KML003.fixed.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    assert target.read_bytes() == codecs.BOM_UTF8 + expected.encode("utf-8")
    assert target.stat().st_mode & 0o777 == 0o640
    assert "fixed 4 findings in 1 file (KML003 4)" in err


def test_diff_changes_nothing_and_exits_1(tmp_path: Path) -> None:
    target = _job(tmp_path / "pods.yaml")
    before = target.read_bytes()
    code, out, _ = cli(str(target), "--isolated", "--select", "KML003", "--diff")
    assert code == 1 and target.read_bytes() == before
    assert '-      value: 8000   # trailing comment\n+      value: "8000"   # trailing comment' in out
    code, out, _ = cli(str(target), "--isolated", "--select", "KML501", "--diff")
    assert code == 0 and out == ""  # unsafe fixes need --unsafe-fixes
    code, out, _ = cli(str(target), "--isolated", "--select", "KML802", "--diff", "--unsafe-fixes")
    assert code == 1 and "allowPrivilegeEscalation: false" in out


def test_diff_masks_secrets(tmp_path: Path) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    target = _job(tmp_path / "pod.yaml", f"""apiVersion: v1
kind: Pod
metadata:
  name: secret
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      env:
        - name: GITHUB_TOKEN
          value: {token}
        - name: PORT
          value: 8000
""")
    code, out, _ = cli(str(target), "--isolated", "--diff")
    assert code == 1 and '+          value: "8000"' in out
    assert token not in out and token[4:] not in out


def test_symlinks_and_hard_links_are_skipped(tmp_path: Path) -> None:
    real = _job(tmp_path / "real.yaml")
    (tmp_path / "link.yaml").symlink_to(real)
    os.link(real, tmp_path / "hard.yaml")
    before = real.read_bytes()
    _, _, err = cli(str(tmp_path / "link.yaml"), "--isolated", "--select", "KML003", "--fix")
    assert "symbolic link" in err and real.read_bytes() == before
    _, _, err = cli(str(real), "--isolated", "--select", "KML003", "--fix")
    assert "2 hard links" in err and real.read_bytes() == before


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    text = (FIXES / "KML003.yaml").read_text(encoding="utf-8").replace(
        "value: 8000   # trailing comment", "value: 8000   # kml-lint: ignore[KML003] the app parses numbers")
    target = _job(tmp_path / "pods.yaml", text)
    cli(str(target), "--isolated", "--select", "KML003,KML008", "--fix")
    fixed = target.read_text(encoding="utf-8")
    assert "value: 8000   # kml-lint: ignore[KML003]" in fixed and "value: \"true\"" in fixed


def test_stdin_gets_the_fixed_stream_and_rendered_input_no_fix() -> None:
    text = (FIXES / "KML003.yaml").read_text(encoding="utf-8")
    _, out, _ = cli("-", "--isolated", "--select", "KML003", "--fix", input=text)
    assert out == (FIXES / "KML003.fixed.yaml").read_text(encoding="utf-8")
    rendered = "---\n# Source: chart/templates/pod.yaml\n" + text.split("---\n")[1]
    _, out, _ = cli("-", "--isolated", "--select", "KML003", "--format", "json", input=rendered)
    findings = json.loads(out)["findings"]
    assert findings and all("fix" not in f for f in findings)
    _code, out, _err = cli("-", "--isolated", "--select", "KML003", "--fix", input=rendered)
    assert out == rendered


def test_text_json_and_sarif_show_fixes(tmp_path: Path) -> None:
    target = _job(tmp_path / "pods.yaml")
    _, out, _ = cli(str(target), "--isolated", "--select", "KML003,KML501,KML802")
    assert "KML003 schema-violation: [*] " in out and "KML802 privilege-escalation-allowed: [*]" not in out
    assert "[*] 4 findings fixable with --fix; 3 more with --fix --unsafe-fixes." in out
    _, out, _ = cli(str(target), "--isolated", "--select", "KML003,KML501,KML802", "--unsafe-fixes")
    assert "KML802 privilege-escalation-allowed: [*] " in out and "7 findings fixable with --fix --unsafe-fixes" in out
    _, out, _ = cli(str(target), "--isolated", "--select", "KML003", "--format", "json")
    fix = json.loads(out)["findings"][0]["fix"]
    assert fix["applicability"] == "safe" and fix["edits"][0]["text"] == '"8000"'
    _, out, _ = cli(str(target), "--isolated", "--select", "KML003", "--format", "sarif")
    log = json.loads(out)
    change = log["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]
    assert change["replacements"][0]["insertedContent"]["text"] == '"8000"'
    schema_path = ROOT.parent / "shared" / "reference" / "sarif-schema-2.1.0.json"
    if schema_path.is_file():
        import jsonschema

        jsonschema.validate(log, json.loads(schema_path.read_text(encoding="utf-8")))


def test_a_failed_verification_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kml_lint.fixing import fixers
    from kml_lint.fixing.editor import Refused

    def careless(request: fixers.Request) -> fixers.Planned:  # claims one field, changes another
        edit = request.editor.replace_scalar(request.obj.ptr("/metadata/name"), "renamed")
        if edit is None:
            raise Refused("no")
        return fixers.Planned([edit], "rename the pod", [request.pointer])

    monkeypatch.setitem(fixers.FIXERS, "KML003", careless)
    target = _job(tmp_path / "pods.yaml")
    before = target.read_bytes()
    _code, _, err = cli(str(target), "--isolated", "--select", "KML003", "--fix")
    assert target.read_bytes() == before
    assert "not fixed" in err and "/metadata/name, which no fix named" in err


def test_cached_results_keep_their_fixes(tmp_path: Path) -> None:
    target = _job(tmp_path / "pods.yaml")
    cache = tmp_path / "cache"
    args = (str(target), "--isolated", "--select", "KML003,KML802", "--format", "json", "--cache-dir", str(cache),
            "--unsafe-fixes")
    _, first, _ = cli(*args)
    _, second, err = cli(*args, "-v")
    assert "1 of 1 files reused" in err
    assert json.loads(first)["findings"] == json.loads(second)["findings"]
    assert any("fix" in f for f in json.loads(second)["findings"])


def test_the_readme_example_is_what_fix_does(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Fixing"):readme.index("## Output formats")]
    before, after = (block.split("\n", 1)[1] for block in section.split("```yaml")[1:3])
    before, after = before[:before.index("```")], after[:after.index("```")]
    target = tmp_path / "train.yaml"
    target.write_text(before, encoding="utf-8")
    _, _, err = cli(str(target), "--isolated", "--fix", "--unsafe-fixes", "-q")
    assert target.read_text(encoding="utf-8") == after
    assert "fixed 5 findings in 1 file" in err
