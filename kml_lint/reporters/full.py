"""``--format full``: each finding with its source line, a caret under the column and how to fix it (the first
sentence of the rule's remediation, whole, wrapped to the terminal), as ruff and rustc show them, then a table
of counts by rule. Secrets on shown lines are masked."""

from __future__ import annotations

import re
import shutil
import textwrap
from typing import Any

import click

from ..engine import FileResult
from ..findings import Finding
from ..report import Summary
from .escape import visible, visible_prefix_width
from .text import COLORS, TextReporter, fix_hint, headline, statistics, summary_line

_SENTENCE = re.compile(r"(?<=[.!?])\s")


FIX = "  = fix: "
NARROWEST = 40  # below this, wrapping would leave a word or two per line


def first_sentence(text: str) -> str:
    """The first sentence of a rule's remediation, on one line."""
    return _SENTENCE.split(" ".join(text.split()), maxsplit=1)[0]


def fix_lines(text: str, width: int) -> list[str]:
    """``= fix: ...`` wrapped to ``width`` columns between words (a word longer than a line stays whole)."""
    return textwrap.wrap(text, width=max(width, NARROWEST), initial_indent=FIX, subsequent_indent=" " * len(FIX),
                         break_long_words=False, break_on_hyphens=False)


def snippet(finding: Finding, color: bool) -> list[str]:
    if finding.source is None:
        return []
    number = str(finding.line)
    gutter = " " * len(number)
    line = visible(finding.source.expandtabs(1))
    caret = " " * visible_prefix_width(finding.source.expandtabs(1), finding.col) + "^"
    bar = click.style("|", fg="blue", bold=True) if color else "|"
    if color:
        caret = click.style(caret, fg=COLORS[finding.severity], bold=True)
        number = click.style(number, fg="blue", bold=True)
    return [f"{gutter} {bar}", f"{number} {bar} {line}", f"{gutter} {bar} {caret}"]


class FullReporter(TextReporter):
    gap = ""  # every finding already ends with a blank line

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.fixes = {rule.id: first_sentence(rule.remediation) for rule in self.rules}
        self.width = self.options.width or shutil.get_terminal_size((100, 24)).columns

    def file(self, result: FileResult) -> None:
        if self.options.statistics:
            return
        for finding in self.shown(result):
            lines = [headline(finding, self.options.color, full=True, unsafe_fixes=self.options.unsafe_fixes),
                     *snippet(finding, self.options.color)]
            if finding.rule_id in self.fixes:
                fix = fix_lines(self.fixes[finding.rule_id], self.width)
                lines.extend([click.style(line, fg="green") for line in fix] if self.options.color else fix)
            if finding.fix is not None and finding.suppression is None:
                option = "--fix" if finding.fix.applicability == "safe" else "--fix --unsafe-fixes"
                automatic = f"  = {option}: {finding.fix.description}"
                lines.append(click.style(automatic, fg="green") if self.options.color else automatic)
            self.out.write("\n".join(lines) + "\n\n")

    def finish(self, summary: Summary) -> None:
        if self.options.statistics:
            self.out.write(statistics(summary, self.options.color))
            return
        if not self.options.quiet:
            self.out.write("".join(line + "\n" for line in table(summary)))
            hint = fix_hint(summary, self.options.unsafe_fixes)
            self.out.write(summary_line(summary, self.options.color) + (f" {hint}" if hint else "") + "\n")


REPORTER = FullReporter


def table(summary: Summary) -> list[str]:
    if not summary.by_rule:
        return []
    width = max(len(name) for _, name, _ in summary.by_rule)
    lines = [f"{'rule':<6}  {'name':<{width}}  {'severity':<8}  count", f"{'-' * 6}  {'-' * width}  {'-' * 8}  -----"]
    for (rule_id, name, severity), count in sorted(summary.by_rule.items()):
        lines.append(f"{rule_id:<6}  {name:<{width}}  {severity.label:<8}  {count:>5}")
    return [*lines, ""]
