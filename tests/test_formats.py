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
    from kml_lint.reporters.github import _data, _property

    assert _property("a,b:c%") == "a%2Cb%3Ac%25"
    assert _data("x\ny") == "x%0Ay"


def _junit(*args: str, cwd: Path | None = None) -> tuple[int, ElementTree.Element]:
    code, out, _ = run(*args, "--format", "junit", cwd=cwd)
    return code, ElementTree.fromstring(out)


def test_junit_layout_is_what_gitlab_and_jenkins_read() -> None:
    """testsuites > testsuite (one per file) > testcase, each with name, classname and time; the totals add up;
    at most one <failure> per test case."""
    code, root = _junit(str(ROOT / "examples"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == [f"examples/{name}" for name in (
        "nightly-cronjob.yaml", "serving-deployment.yaml", "train-job.yaml", "wandb-secret.yaml")]
    cases = root.findall("testsuite/testcase")
    assert int(root.get("tests")) == len(cases) == sum(int(suite.get("tests")) for suite in suites)
    failing = [case for case in cases if case.find("failure") is not None]
    assert int(root.get("failures")) == len(failing) == sum(int(suite.get("failures")) for suite in suites)
    for element in (root, *suites, *cases):
        assert float(element.get("time")) >= 0
    for case in cases:
        assert case.get("name") and case.get("classname") and len(case.findall("failure")) <= 1
    assert float(root.get("time")) >= max(float(suite.get("time")) for suite in suites) > 0
    assert code == 1 and failing

    import junitparser  # a consumer's reading of the same report

    _, out, _ = run(str(ROOT / "examples"), "--format", "junit")
    xml = junitparser.JUnitXml.fromstring(out)
    read = [(case.name, [type(r).__name__ for r in case.result]) for suite in xml for case in suite]
    assert len(read) == len(cases) and sum(1 for _, results in read if results == ["Failure"]) == len(failing)


def test_junit_failures_follow_fail_on(tmp_path: Path) -> None:
    """A (object, rule) case fails only when its findings reach --fail-on, with one <failure> for all of them;
    findings below --fail-on are the case's <system-out>; a clean object is one passing case."""
    (tmp_path / "pods.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: two, namespace: x}\nspec:\n"
        "  automountServiceAccountToken: false\n  containers:\n"
        "    - {name: a, image: 'busybox:1.36', resources: {requests: {cpu: 10m, memory: 8Mi}}}\n"
        "    - {name: b, image: 'busybox:1.36', resources: {requests: {cpu: 10m, memory: 8Mi}}}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: clean, namespace: x}\ndata: {a: b}\n")
    for fail_on, code_expected in (("error", 0), ("warning", 1), ("never", 0)):
        code, root = _junit("pods.yaml", "--fail-on", fail_on, cwd=tmp_path)
        assert code == code_expected
        cases = {case.get("name"): case for case in root.iter("testcase")}
        clean = cases.pop("ConfigMap/x/clean")
        assert list(clean) == []
        assert all(name.startswith("Pod/x/two KML") for name in cases)
        memory = cases["Pod/x/two KML101 missing-memory-limit"]
        failures = memory.findall("failure")
        if fail_on == "warning":
            assert len(failures) == 1 and memory.find("system-out") is None
            assert failures[0].get("type") == "KML101 missing-memory-limit"
            assert failures[0].get("message").endswith("(and 1 more)")
            assert failures[0].text.count("warning KML101") == 2
            # notes stay below the gate: output, not failures
            notes = [case for case in cases.values() if "note KML" in (case.findtext("system-out") or "")]
            assert notes and all(case.find("failure") is None for case in notes)
        else:
            assert failures == [] and memory.findtext("system-out").count("warning KML101") == 2
            assert int(root.get("failures")) == 0


def test_cross_object_findings_follow_every_file_under_their_heading() -> None:
    from kml_lint.reporters.text import ACROSS_FILES

    for fmt in ("text", "full"):
        # KML820 (a hardening extra, off by default) is the cross-object rule these inputs trigger
        _, out, _ = run(str(ROOT / "tests" / "golden" / "input"), "--format", fmt, "--extend-select", "KML820")
        before, heading, after = out.partition(ACROSS_FILES + "\n")
        assert heading and ACROSS_FILES not in after, out
        assert "KML820" not in before and "KML001" in before and "KML202" in before
        findings = [line for line in after.splitlines() if ": note KML" in line or ": warning KML" in line]
        assert len(findings) == 2 and all("KML820" in line for line in findings)
        assert before.endswith("\n\n")  # set apart by one blank line
    _, out, _ = run(str(ROOT / "tests" / "golden" / "input"), "--quiet", "--extend-select", "KML820")
    assert ACROSS_FILES not in out and "KML820" in out  # --quiet: findings only
    _, out, _ = run(str(ROOT / "examples" / "serving-deployment.yaml"))
    assert ACROSS_FILES not in out  # no cross-object finding, no heading


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


def _sarif_results(*args: str, cwd: Path) -> tuple[list[tuple[str, str, int, str, bool]], str]:
    """(rule, uri, line, level, suppressed) of each result, in the log's order, and stderr."""
    import json

    _, out, err = run(".", "--format", "sarif", *args, cwd=cwd)
    results = []
    for r in json.loads(out)["runs"][0]["results"]:
        location = r["locations"][0]["physicalLocation"]
        results.append((r["ruleId"], location["artifactLocation"]["uri"], location["region"]["startLine"],
                        r["level"], "suppressions" in r))
    return results, err


def _fix_blocks(out: str) -> list[list[str]]:
    """Each finding's ``= fix:`` line with the continuation lines right below it."""
    blocks: list[list[str]] = []
    in_fix = False
    for line in out.splitlines():
        if line.startswith("  = fix: "):
            blocks.append([line])
            in_fix = True
        elif in_fix and line.startswith(" " * 9):
            blocks[-1].append(line)
        else:
            in_fix = False
    return blocks


@pytest.mark.parametrize("columns", [60, 100, 200])
def test_full_format_shows_the_whole_fix_wrapped_to_the_terminal(columns: int) -> None:
    """The fix is the remediation's whole first sentence, wrapped between words to the terminal's width."""
    from conftest import all_rules

    from kml_lint.registry import find_rule
    from kml_lint.reporters.full import first_sentence

    _, out, _ = run(str(ROOT / "examples"), "--format", "full", env={"COLUMNS": str(columns)})
    blocks = _fix_blocks(out)
    assert blocks and "…" not in "".join(line for block in blocks for line in block)
    headlines = [line for line in out.splitlines() if ": error KML" in line or ": warning KML" in line
                 or ": note KML" in line]
    assert len(blocks) == len(headlines)
    for headline, block in zip(headlines, blocks, strict=True):
        rule = find_rule(all_rules(), headline.split()[2])
        assert " ".join(line.strip() for line in block).removeprefix("= fix: ") == first_sentence(rule.remediation)
        assert all(len(line) <= columns or " " not in line.strip() for line in block), block
    if columns == 60:
        assert any(len(block) > 1 for block in blocks)


def test_sarif_cap_keeps_unsuppressed_then_errors_then_warnings(tmp_path: Path) -> None:
    """Over --sarif-max-results, what is left out is the least useful: suppressed results first, then notes,
    then warnings (a late error in file order is kept over early notes), and stderr says what went."""
    # Notes come first in file order: a cut in file order would keep them and drop the errors below.
    (tmp_path / "a-notes.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: early, namespace: x}\n"
                                           "spec:\n  containers:\n    - name: c\n      image: busybox:1.36\n"
                                           "      resources: {requests: {cpu: 10m, memory: 8Mi}, limits: {memory: 8Mi}}\n")
    shutil.copy(ROOT / "examples" / "train-job.yaml", tmp_path / "b-job.yaml")
    (tmp_path / "c-suppressed.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: late, namespace: x}\nspec:\n  containers:\n"
        "    - name: c\n      image: busybox:1.36\n      env:\n"
        "        - {name: HF_TOKEN, value: hf_abcdefghijklmnopqrstuvwxyz0123456789}  # kml-lint: ignore[KML402] t\n")
    everything, err = _sarif_results("--sarif-max-results", "100000", cwd=tmp_path)
    assert "left out" not in err
    rank = {"error": 0, "warning": 1, "note": 2}
    errors = [r for r in everything if r[3] == "error" and not r[4]]
    warnings = [r for r in everything if r[3] == "warning" and not r[4]]
    suppressed = [r for r in everything if r[4]]
    assert errors and len(warnings) > 2 and suppressed and everything[0][3] == "note"
    cap = len(errors) + 2
    kept, err = _sarif_results("--sarif-max-results", str(cap), cwd=tmp_path)
    # every unsuppressed error, then the first two warnings in file order, and in file order in the log
    assert kept == [r for r in everything if r in errors or r in warnings[:2]]
    assert sorted(rank[r[3]] for r in kept) == [0] * len(errors) + [1, 1]
    left = [r for r in everything if r not in kept]
    counts = {level: sum(1 for r in left if r[3] == level) for level in rank}
    assert (f"{len(left)} of {len(everything)} results left out ({counts['error']} error"
            f"{'' if counts['error'] == 1 else 's'}, {counts['warning']} warnings, {counts['note']} notes, "
            f"{len(suppressed)} of them suppressed)") in err
    assert f"at most {cap} (--sarif-max-results)" in err and "shows only the first 5,000" in err


def test_sarif_cap_default_is_githubs_limit() -> None:
    _, out, _ = run("--help")
    assert "--sarif-max-results N" in out and "25000" in out


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
    assert "KML402" in bad.stdout and "values.yaml" not in bad.stdout.split("Failed")[-1]
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
