"""Golden files pin the text, JSON and SARIF output of a small input (version normalised).

Regenerate after an intended change with ``KML_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, all_rules

from kml_lint import __version__
from kml_lint.registry import select_rules
from kml_lint.report import RunReport
from kml_lint.reporters import RenderOptions, render
from kml_lint.run import RunOptions, lint_paths

GOLDEN = ROOT / "tests" / "golden"


def report(keep_source_lines: bool = False) -> RunReport:
    """The whole pipeline over the golden inputs, with the default rule selection, as the command runs it."""
    options = RunOptions(["tests/golden/input"], select_rules(all_rules()), keep_source_lines=keep_source_lines,
                         jobs=1)
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        return lint_paths(options)
    finally:
        os.chdir(old)


def normalise(text: str) -> str:
    text = text.replace(__version__, "<version>").replace(Path(ROOT).resolve().as_uri(), "file:///<root>")
    return re.sub(r' time="[0-9.]+"', ' time="<seconds>"', text)  # JUnit's measured times


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("json", "json"), ("sarif", "sarif"),
                                             ("github", "github.txt"), ("junit", "junit.xml"), ("full", "full.txt")])
def test_golden(fmt: str, suffix: str) -> None:
    # full wraps its fix lines to the terminal: pin the width the fallback gives outside one
    actual = normalise(render(fmt, report(keep_source_lines=fmt == "full"), RenderOptions(width=100)))
    path = GOLDEN / f"expected.{suffix}"
    if os.environ.get("KML_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"run with KML_UPDATE_GOLDEN=1 to create {path.name}"
    assert actual == path.read_text(encoding="utf-8")


def test_explain_snapshot() -> None:
    from kml_lint.docs import explain_text
    from kml_lint.registry import find_rule

    actual = explain_text(find_rule(all_rules(), "KML201"))
    path = GOLDEN / "explain-KML201.txt"
    if os.environ.get("KML_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")
