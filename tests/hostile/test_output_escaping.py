"""Issue 13, item 9: names, file names and messages from the repository cannot inject workflow commands or
terminal escapes, nor break the XML of a JUnit report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import cli

from kml_lint.reporters.escape import visible

# A Pod whose name holds a newline and a workflow command, ESC sequences, a bidi override, a C1 control and
# characters XML 1.0 forbids; double-quoted YAML scalars can hold any character.
HOSTILE_NAME = r"x\n::error file=evil.yaml,line=1::owned\r\e[31mred\e[0m\u202egnp.exe\x85\x0b\x01\uFFFE"
MANIFEST = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: "{HOSTILE_NAME}"
  annotations:
    kml-lint.io/ignore: "KML301: reason with\\e]0;title\\a a terminal title"
spec:
  containers:
    - name: "c\\u2066hidden\\u2069"
      image: "nginx\\n::warning::fake"
"""
# Every character no human-readable output may carry raw.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufffe\uffff]")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inject")
    (root / "pod.yaml").write_text(MANIFEST)
    (root / "evil\x1b[2Jname\u202e.yaml").write_text(MANIFEST)  # a file name is the repository's too
    return root


def _lines(out: str) -> list[str]:
    return out.splitlines()


@pytest.mark.parametrize("fmt", ["text", "full", "github"])
def test_human_readable_formats_carry_no_control_character(folder: Path, fmt: str) -> None:
    code, out, err = cli(".", "--format", fmt, "--show-suppressed", "--verbose", "--fail-on", "note", cwd=folder)
    assert code == 1, err
    for stream in (out, err):
        assert not UNSAFE.search(stream.replace("\n", "").replace("\t", "")), [m for m in UNSAFE.findall(stream)]
    assert "\\x1b" in out and "\\u202e" in out  # shown escaped, not dropped: what is there is what is seen
    for line in _lines(out):
        # A line starts a workflow command only where kml-lint writes one: one per finding, never from data.
        assert not line.startswith("::") or (fmt == "github" and re.match(r"::(error|warning|notice) file=", line))
    if fmt == "github":
        commands = [line for line in _lines(out) if line.startswith("::")]
        assert commands and all("file=" in c and "::" in c[2:] for c in commands)
        assert all(",line=" in c.split("::")[1] for c in commands)
        assert not any("evil.yaml" in c.split("::")[1] for c in commands)  # no forged property


def test_the_stdin_filename_is_escaped(folder: Path) -> None:
    code, out, _ = cli("-", "--stdin-filename", "a\n::error::b\x1b[0m.yaml", "--fail-on", "note", input=MANIFEST,
                       cwd=folder)
    assert code == 1
    assert not any(line.startswith("::") for line in _lines(out))
    assert "a\\x0a::error::b\\x1b[0m.yaml:" in out


def test_junit_parses_whatever_the_names_hold(folder: Path) -> None:
    code, out, err = cli(".", "--format", "junit", "--fail-on", "note", cwd=folder)
    assert code == 1, err
    root = ElementTree.fromstring(out)  # raised "not well-formed" before
    names = [case.get("name") for case in root.iter("testcase")]
    assert any("\\u202e" in name for name in names)
    assert not UNSAFE.search(out.replace("\n", ""))


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_keep_the_exact_text(folder: Path, fmt: str) -> None:
    code, out, _ = cli(".", "--format", fmt, "--fail-on", "note", cwd=folder)
    assert code == 1
    assert "\u202e" in json.dumps(json.loads(out), ensure_ascii=False)  # JSON escaping already makes it safe


def test_visible_escapes_what_could_steer_a_terminal_and_keeps_tabs() -> None:
    assert visible("a\x1bb\u202ec") == "a\\x1bb\\u202ec"
    assert visible("plain text\twith tab") == "plain text\twith tab"
