"""One line per finding, for people, grep, editors and hooks: ``path:line:col: severity ID name message``."""

from __future__ import annotations

from collections import Counter

import click

from ..findings import Finding, Severity
from ..report import RunReport

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def shown(report: RunReport, show_suppressed: bool) -> list[Finding]:
    return [f for f in report.findings() if show_suppressed or f.suppression is None]


def headline(finding: Finding, color: bool) -> str:
    location = f"{finding.path}:{finding.line}:{finding.col}:"
    severity = finding.severity.label
    rule = f"{finding.rule_id} {finding.rule_name}"
    suffix = ""
    if finding.suppression is not None:
        why = f": {finding.suppression.reason}" if finding.suppression.reason else ""
        suffix = f" [suppressed by {finding.suppression.kind}{why}]"
    if color:
        location = click.style(location, bold=True)
        severity = click.style(severity, fg=COLORS[finding.severity], bold=True)
        rule = click.style(rule, dim=True)
        suffix = click.style(suffix, dim=True) if suffix else ""
    return f"{location} {severity} {rule} {finding.message}{suffix}"


def render(report: RunReport, options) -> str:
    if options.statistics:
        return statistics(report, options.color)
    lines = [headline(finding, options.color) for finding in shown(report, options.show_suppressed)]
    if not options.quiet:
        lines.append(summary(report, options.color))
    return "\n".join(lines) + "\n" if lines else ""


def statistics(report: RunReport, color: bool = False) -> str:
    """Counts per rule, most frequent first (``--statistics``)."""
    counts = Counter((f.rule_id, f.rule_name, f.severity) for f in report.active())
    lines = []
    for (rule_id, name, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0][0])):
        label = click.style(f"{severity.label:<7}", fg=COLORS[severity]) if color else f"{severity.label:<7}"
        lines.append(f"{count:>6}  {rule_id}  {label}  {name}")
    lines.append(summary(report, color))
    return "\n".join(lines) + "\n"


def summary(report: RunReport, color: bool = False) -> str:
    counts = report.counts()
    total = sum(counts.values())
    checked = len(report.files)
    with_findings = sum(1 for r in report.files if any(f.suppression is None for f in r.findings))
    files = plural(checked, "file")
    suppressed = len(report.findings()) - total
    tail = f" {suppressed} suppressed (--show-suppressed lists them)." if suppressed else ""
    if total == 0:
        text = f"No findings in {files} ({plural(report.objects(), 'object')}).{tail}"
        return click.style(text, fg="green") if color else text
    parts = [plural(counts[level], level.label) for level in (Severity.ERROR, Severity.WARNING, Severity.NOTE)
             if counts[level]]
    text = (f"Found {plural(total, 'finding')} ({', '.join(parts)}) in {with_findings} of {files} "
            f"({plural(report.objects(), 'object')}).{tail}")
    return click.style(text, bold=True) if color else text
