"""Hostile and broken input: every case gets a located finding or a clear one-line error, never a
traceback or a hang, and every other file is still linted."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, kml_process

from kml_lint.yamlfold import parse_yaml

HOSTILE = ROOT / "tests" / "hostile"
EXPECTED = parse_yaml((HOSTILE / "EXPECTED.yaml").read_text()).documents[0].data
FORMATS = ["text", "full", "json", "sarif", "github", "junit"]


def kml(*args: str, cwd: Path = ROOT, timeout: int = 30) -> subprocess.CompletedProcess[str]:
    # The timeout is a hang guard: the issue requires the whole folder in under 30 s.
    return kml_process(*args, cwd=cwd, timeout=timeout)


def test_every_case_is_listed() -> None:
    cases = {p.name for p in HOSTILE.iterdir()
             if p.name != "EXPECTED.yaml" and p.suffix != ".py" and p.name != "__pycache__"}  # test modules live here too
    assert cases == set(EXPECTED)


# The expectations name the rules every file-level case is about; the security and schema families would
# add many (correct) findings to the odd-but-valid cases without telling anything about bad input.
CORE_RULES = "KML000,KML001,KML002,KML101,KML102,KML103,KML201,KML202,KML301,KML401,KML402,KML403,KML501"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_case_named_on_the_command_line(name: str) -> None:
    proc = kml(str(HOSTILE / name), "--format", "json", "--select", CORE_RULES)
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    actual = [(f["rule"], f["message"]) for f in findings]
    expected = EXPECTED[name]
    assert len(actual) == len(expected), actual
    for (rule, message), (want_rule, want_text) in zip(actual, expected, strict=True):
        assert rule == want_rule and want_text in message, (rule, message)
    text = (HOSTILE / name).read_bytes()
    lines = text.count(b"\n") + 1
    for finding in findings:
        assert 1 <= finding["line"] <= lines and finding["column"] >= 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_whole_folder_in_every_format(fmt: str) -> None:
    proc = kml(str(HOSTILE), "--format", fmt)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1
    assert "good.yaml" in proc.stdout and "KML301" in proc.stdout  # the good manifest's finding is there


def test_python_tags_are_data_never_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    manifest = tmp_path / "evil.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n"
                        f"data: {{a: !!python/object/apply:os.system [\"touch {marker}\"]}}\n")
    (tmp_path / ".kml-lint.yaml").write_text(f"select: !!python/object/apply:os.system [\"touch {marker}\"]\n")
    kml(str(manifest), cwd=tmp_path)
    kml(str(manifest), "--isolated", cwd=tmp_path)
    assert not marker.exists()


def test_user_rules_cannot_name_arbitrary_code(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "KML990.yaml").write_text(
        "id: KML990\nname: evil-rule\nseverity: error\nsummary: tries to run os.system\n"
        "description: a rule that names a function outside the registry\nrationale: it must be refused at load\n"
        "remediation: nothing to fix here\nsince: 0.1.0\nstatus: stable\ncheck:\n  python: os.system\n")
    proc = kml(str(ROOT / "examples"), "--rules-dir", str(rules))
    assert proc.returncode == 2 and "no registered check" in proc.stderr and "Traceback" not in proc.stderr


def test_special_files_are_never_opened(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text((HOSTILE / "good.yaml").read_text())
    os.mkfifo(tmp_path / "fifo.yaml")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "socket.yaml"))
    os.symlink("/dev/zero", tmp_path / "device.yaml")  # outside the folder: skipped by the walk, read when named
    os.symlink(tmp_path, tmp_path / "loop")  # a symlink loop: the folder links to itself
    try:
        proc = kml(str(tmp_path), "--format", "json", "-v", timeout=20)
        named = kml(str(tmp_path / "fifo.yaml"), str(tmp_path / "device.yaml"), "--format", "json", timeout=20)
    finally:
        server.close()
    assert proc.returncode == 0 and "Traceback" not in proc.stderr  # the good manifest has one warning
    assert "good-job" in proc.stdout
    assert proc.stderr.count("not a regular file") == 2 and "symlink loop" in proc.stderr
    assert "device.yaml: symbolic link to outside the folder walked" in proc.stderr
    assert [f["rule"] for f in json.loads(named.stdout)["findings"]] == ["KML001", "KML001"]


def test_files_above_the_size_limit_are_reported_and_skipped(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n"
                   + "".join(f"  k{i}: {'x' * 100}\n" for i in range(12_000)))
    (tmp_path / "good.yaml").write_text((HOSTILE / "good.yaml").read_text())
    proc = kml(str(tmp_path), "--max-file-size", "1000000", "--format", "json")
    findings = json.loads(proc.stdout)["findings"]
    assert any(f["rule"] == "KML001" and "limit" in f["message"] for f in findings)
    assert any(f["rule"] == "KML301" for f in findings)
    default = kml(str(big), "--format", "json")  # the 10 MiB default lets it through
    assert not [f for f in json.loads(default.stdout)["findings"] if f["rule"] == "KML001"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable folders anyway")
def test_unreadable_folder_is_reported(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.yaml").write_text("a: 1\n")
    locked.chmod(0)
    try:
        proc = kml(str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert "cannot read folder" in proc.stderr and "Traceback" not in proc.stderr


def test_exit_code_2_is_only_for_usage_errors(tmp_path: Path) -> None:
    proc = kml(str(HOSTILE), "--format", "json")
    assert proc.returncode == 1
    assert kml(str(tmp_path / "missing.yaml")).returncode == 2
    assert kml(str(HOSTILE), "--select", "KML999").returncode == 2


def test_no_message_is_multi_line() -> None:
    proc = kml(str(HOSTILE), "--format", "json")
    for finding in json.loads(proc.stdout)["findings"]:
        assert "\n" not in finding["message"] and not re.search(r"\s{3,}", finding["message"])


def test_unreadable_folder_is_reported_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root can read any folder, so simulate the permission error the walker must survive."""
    from kml_lint import discovery

    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "good.yaml").write_text((HOSTILE / "good.yaml").read_text())
    real_listdir = os.listdir

    def listdir(path: str) -> list[str]:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_listdir(path)

    monkeypatch.setattr(discovery.os, "listdir", listdir)
    found = discovery.discover([str(tmp_path)])
    assert [Path(t.path).name for t in found.targets] == ["good.yaml"]
    assert any("cannot read folder: Permission denied" in message for _, message in found.problems)
