"""``--format full``: each finding with its source line, a caret under the column and how to fix it in one
line (as ruff and rustc show them), then a table of counts by rule. Secrets on shown lines are masked."""

from __future__ import annotations

import re
from collections import Counter

import click

from ..findings import Finding
from ..report import RunReport
from .text import COLORS, headline, shown, summary

_SENTENCE = re.compile(r"(?<=[.!?])\s")


def one_line(text: str, limit: int = 160) -> str:
    """The first sentence of a rule's remediation, on one line."""
    first = _SENTENCE.split(" ".join(text.split()), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def snippet(finding: Finding, color: bool) -> list[str]:
    if finding.source is None:
        return []
    number = str(finding.line)
    gutter = " " * len(number)
    line = finding.source.expandtabs(1)
    caret = " " * (finding.col - 1) + "^"
    bar = click.style("|", fg="blue", bold=True) if color else "|"
    if color:
        caret = click.style(caret, fg=COLORS[finding.severity], bold=True)
        number = click.style(number, fg="blue", bold=True)
    return [f"{gutter} {bar}", f"{number} {bar} {line}", f"{gutter} {bar} {caret}"]


def render(report: RunReport, options) -> str:
    rules = {rule.id: rule for rule in report.rules}
    out: list[str] = []
    for finding in shown(report, options.show_suppressed):
        out.append(headline(finding, options.color))
        out.extend(snippet(finding, options.color))
        rule = rules.get(finding.rule_id)
        if rule is not None:
            fix = f"  = fix: {one_line(rule.remediation)}"
            out.append(click.style(fix, fg="green") if options.color else fix)
        out.append("")
    if not options.quiet:
        out.extend(table(report))
        out.append(summary(report, options.color))
    return "\n".join(out).rstrip("\n") + "\n" if out else ""


def table(report: RunReport) -> list[str]:
    counts = Counter((f.rule_id, f.rule_name, f.severity.label) for f in report.active())
    if not counts:
        return []
    width = max(len(name) for _, name, _ in counts)
    lines = [f"{'rule':<6}  {'name':<{width}}  {'severity':<8}  count", f"{'-' * 6}  {'-' * width}  {'-' * 8}  -----"]
    for (rule_id, name, severity), count in sorted(counts.items()):
        lines.append(f"{rule_id:<6}  {name:<{width}}  {severity:<8}  {count:>5}")
    return [*lines, ""]
