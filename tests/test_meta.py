"""Conventions every rule file and generated document must follow."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, all_rules

from kml_lint.checks import registry as check_registry
from kml_lint.docs import generated_files
from kml_lint.registry import RuleError, load_rule_file, rules_dir, validate_rule_data
from kml_lint.workloads import builtin_table
from kml_lint.yamlfold import parse_yaml

RULE_FILES = sorted(rules_dir().glob("*.yaml"))
FAMILY_TAGS = {"0": "input", "1": "resources", "2": "accelerators", "3": "images", "4": "secrets", "5": "lifecycle",
               "6": "ml-operators", "7": "serving", "8": "security"}


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_file_validates_against_meta_schema(path) -> None:
    data = parse_yaml(path.read_text(encoding="utf-8")).documents[0].data
    validate_rule_data(data, str(path))
    assert path.stem == data["id"]
    load_rule_file(path, validate=True)  # parameters validate against the check's own schema


def test_meta_schema_rejects_a_bad_rule() -> None:
    bad = {"id": "KML1", "name": "Bad_Name", "severity": "fatal"}
    with pytest.raises(RuleError):
        validate_rule_data(bad, "bad.yaml")


def test_ids_and_names_are_unique_and_well_formed() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for rule in rules:
        assert re.fullmatch(r"KML[0-8][0-9]{2}", rule.id)
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", rule.name)
        assert "\n" not in rule.summary and not rule.summary.endswith(".")
        assert rule.description and rule.rationale and rule.remediation


def test_family_tag_matches_the_id() -> None:
    for rule in all_rules():
        assert FAMILY_TAGS[rule.id[3]] in rule.tags, f"{rule.id} should carry the tag {FAMILY_TAGS[rule.id[3]]}"


def test_every_check_function_is_used_by_a_rule() -> None:
    used = {rule.check.name for rule in all_rules() if rule.check}
    registered = {name for name in check_registry() if not name.startswith("testing.")}
    assert registered <= used, f"check functions no rule uses: {sorted(registered - used)}"


def test_every_kind_named_by_a_rule_is_known() -> None:
    known = builtin_table().kinds() | {"Secret", "ConfigMap"}
    for rule in all_rules():
        for kind in rule.kinds or ():
            assert kind in known, f"{rule.id} applies to unknown kind {kind}"


def test_generated_docs_match_the_rule_files() -> None:
    stale = [str(path.relative_to(ROOT)) for path, content in generated_files(ROOT, all_rules()).items()
             if not path.exists() or path.read_text(encoding="utf-8") != content]
    assert not stale, f"run `python -m kml_lint.docs` to regenerate: {stale}"


def test_help_uri_points_at_the_rule_page() -> None:
    for rule in all_rules():
        assert rule.help_uri.endswith(f"docs/rules/{rule.id}.md")
        assert (ROOT / "docs" / "rules" / f"{rule.id}.md").is_file()


def test_changelog_lists_every_rule_under_its_release() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for rule in all_rules():
        section = text.split(f"## {rule.since}", 1)
        assert len(section) == 2, f"CHANGELOG.md has no section for {rule.since} ({rule.id})"
        body = section[1].split("\n## ", 1)[0]
        assert f"- {rule.id} {rule.name}" in body, f"CHANGELOG.md: {rule.id} missing under {rule.since}"


def test_rule_status_follows_the_release_policy() -> None:
    from kml_lint import __version__

    major = int(__version__.split(".")[0])
    for rule in all_rules():
        if major < 1:
            assert rule.status == "stable", f"{rule.id}: every rule is stable until 1.0"
        elif rule.since.split(".")[0] != "0" and rule.since == __version__:
            assert rule.status == "preview", f"{rule.id}: new rules start as preview after 1.0"


def test_start_up_reads_the_precompiled_rules_and_workload_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both precompiled files are current (the test above) and actually used: no rule file or workloads.yaml
    is folded from YAML at start-up; an edited workloads.yaml is read itself instead of the stale JSON."""
    from kml_lint import registry, workloads
    from kml_lint.paths import package_file

    folded: list[str] = []
    real_parse = workloads.parse_yaml

    def counting(text: str) -> object:
        folded.append(text[:40])
        return real_parse(text)

    monkeypatch.setattr(workloads, "parse_yaml", counting)
    monkeypatch.setattr(registry, "parse_yaml", counting)
    workloads.builtin_table.cache_clear()
    try:
        assert workloads.builtin_table().by_kind and registry.load_rules()
        assert folded == []
        original = package_file("workloads.yaml").read_text(encoding="utf-8")
        real_read = type(package_file("workloads.yaml")).read_text

        def edited(path: object, *args: object, **kwargs: object) -> str:
            text = real_read(path, *args, **kwargs)
            return text + "\n# edited\n" if str(path).endswith("workloads.yaml") else text

        monkeypatch.setattr(type(package_file("workloads.yaml")), "read_text", edited)
        workloads.builtin_table.cache_clear()
        assert workloads.builtin_table().by_kind
        assert len(folded) == 1 and original.startswith(folded[0])
    finally:
        workloads.builtin_table.cache_clear()
