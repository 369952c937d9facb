"""Output formats. A reporter receives file results one by one (``file``) and the run's totals at the end
(``finish``), writing as it goes, so output streams and memory stays bounded."""

from __future__ import annotations

import importlib
import io
import os
from dataclasses import dataclass
from typing import TextIO

from ..engine import FileResult
from ..registry import Rule
from ..report import RunReport, Summary

# format name -> module of this package; imported on demand, so a text run never pays for sarif-om.
_MODULES = {"text": "text", "full": "full", "json": "json_report", "sarif": "sarif", "github": "github",
            "junit": "junit"}
FORMATS = (*_MODULES, "auto")


@dataclass(frozen=True, slots=True)
class RenderOptions:
    color: bool = False
    show_suppressed: bool = False
    quiet: bool = False  # findings only, no summary
    statistics: bool = False  # counts per rule instead of the findings
    fail_on: str = "error"  # junit: findings at or above it are failures, the others are output
    sarif_max_results: int = 25_000  # sarif: results beyond it are left out, the least severe first
    width: int | None = None  # full: wrap to this many columns (None: the terminal's width, else 100)
    unsafe_fixes: bool = False  # --unsafe-fixes: unsafe fixes count as available (marked, summed)


class Reporter:
    """Base class: subclasses write each file's findings in ``file`` and the end of the report in ``finish``."""

    def __init__(self, out: TextIO, options: RenderOptions, rules: list[Rule], cwd: str) -> None:
        self.out = out
        self.options = options
        self.rules = rules
        self.cwd = cwd

    def file(self, result: FileResult) -> None:  # pragma: no cover - every format overrides it
        raise NotImplementedError

    def finish(self, summary: Summary) -> None:
        pass


def resolve_format(name: str) -> str:
    """``auto``: workflow annotations inside GitHub Actions, plain text elsewhere."""
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def needs_source_lines(name: str) -> bool:
    return resolve_format(name) == "full"


def make_reporter(format_name: str, out: TextIO, options: RenderOptions, rules: list[Rule], cwd: str) -> Reporter:
    module = importlib.import_module(f"{__name__}.{_MODULES[resolve_format(format_name)]}")
    return module.REPORTER(out, options, rules, cwd)


def render(format_name: str, report: RunReport, options: RenderOptions | None = None) -> str:
    """A whole in-memory report as text (tests, small runs)."""
    buffer = io.StringIO()
    reporter = make_reporter(format_name, buffer, options or RenderOptions(), report.rules, report.cwd)
    for result in report.files:
        reporter.file(result)
    reporter.finish(report.summary())
    return buffer.getvalue()
