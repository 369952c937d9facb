"""One line per finding, for people, grep, editors and hooks: ``path:line:col: severity ID name message``."""

from __future__ import annotations

import click

from ..findings import Severity
from ..report import RunReport

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report: RunReport, color: bool = False, show_suppressed: bool = False) -> str:
    lines: list[str] = []
    for result in report.files:
        shown = [f for f in result.findings if show_suppressed or f.suppression is None]
        for finding in shown:
            location = f"{finding.path}:{finding.line}:{finding.col}:"
            severity = finding.severity.label
            rule = f"{finding.rule_id} {finding.rule_name}"
            if color:
                location = click.style(location, bold=True)
                severity = click.style(severity, fg=_COLORS[finding.severity], bold=True)
                rule = click.style(rule, dim=True)
            suffix = ""
            if finding.suppression is not None:
                why = f": {finding.suppression.reason}" if finding.suppression.reason else ""
                suffix = f" [suppressed by {finding.suppression.kind}{why}]"
                if color:
                    suffix = click.style(suffix, dim=True)
            lines.append(f"{location} {severity} {rule} {finding.message}{suffix}")
    lines.append(summary(report, color))
    return "\n".join(lines) + "\n"


def summary(report: RunReport, color: bool = False) -> str:
    counts = report.counts()
    total = sum(counts.values())
    checked = len(report.files)
    with_findings = sum(1 for r in report.files if any(f.suppression is None for f in r.findings))
    files = _plural(checked, "file")
    suppressed = len(report.findings()) - total
    if total == 0:
        text = f"No findings in {files} ({_plural(report.objects(), 'object')})."
        if suppressed:
            text += f" {suppressed} suppressed (--show-suppressed lists them)."
        return click.style(text, fg="green") if color else text
    parts = [_plural(counts[level], level.label) for level in (Severity.ERROR, Severity.WARNING, Severity.NOTE)
             if counts[level]]
    text = (f"Found {_plural(total, 'finding')} ({', '.join(parts)}) in {with_findings} of {files} "
            f"({_plural(report.objects(), 'object')}).")
    suppressed = len(report.findings()) - total
    if suppressed:
        text += f" {suppressed} suppressed (--show-suppressed lists them)."
    return click.style(text, bold=True) if color else text
