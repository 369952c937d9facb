"""``--format github``: GitHub Actions workflow commands, shown as annotations on the pull request."""

from __future__ import annotations

from ..findings import Severity
from ..report import RunReport
from .text import summary

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: RunReport, options) -> str:
    lines = []
    for finding in report.active():
        properties = (f"file={_property(finding.path)},line={finding.line},col={finding.col},"
                      f"title={_property(f'{finding.rule_id} {finding.rule_name}')}")
        lines.append(f"::{_COMMAND[finding.severity]} {properties}::{_data(finding.message)}")
    if not options.quiet:
        lines.append(summary(report))
    return "\n".join(lines) + "\n" if lines else ""
