"""Golden files pin the text, JSON and SARIF output of a small input (version normalised).

Regenerate after an intended change with ``KML_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT, all_rules

from kml_lint import __version__
from kml_lint.engine import Engine
from kml_lint.registry import select_rules
from kml_lint.report import RunReport
from kml_lint.reporters import render

GOLDEN = ROOT / "tests" / "golden"


def report() -> RunReport:
    rules = select_rules(all_rules())  # the default selection, as the command line runs it
    engine = Engine(rules)
    out = RunReport(rules, cwd=str(ROOT))
    for path in sorted((GOLDEN / "input").glob("*.yaml")):
        out.files.append(engine.lint_text(f"tests/golden/input/{path.name}", path.read_text(encoding="utf-8")))
    engine.finish_run(out.files)
    return out


def normalise(text: str) -> str:
    return text.replace(__version__, "<version>").replace(Path(ROOT).resolve().as_uri(), "file:///<root>")


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("json", "json"), ("sarif", "sarif")])
def test_golden(fmt: str, suffix: str) -> None:
    actual = normalise(render(fmt, report()))
    path = GOLDEN / f"expected.{suffix}"
    if os.environ.get("KML_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"run with KML_UPDATE_GOLDEN=1 to create {path.name}"
    assert actual == path.read_text(encoding="utf-8")
