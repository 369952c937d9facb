"""One line per finding, for people, grep, editors and hooks: ``path:line:col: severity ID name: short message``.

The short message says what is wrong in the words of the field; the why and the fix are in ``--format full``,
JSON, SARIF and ``--explain``."""

from __future__ import annotations

import click

from ..engine import FileResult
from ..findings import Finding, Severity
from ..report import Summary
from . import Reporter
from .escape import visible

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
# Cross-object (run-scope) findings exist only once every file is read, so they follow all files' own findings.
ACROSS_FILES = "Findings across files (cross-object rules, judged once every file was read):"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def fixable(finding: Finding, unsafe_fixes: bool = False) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when given) would repair the finding."""
    fix = finding.fix
    return fix is not None and finding.suppression is None and (unsafe_fixes or fix.applicability == "safe")


def headline(finding: Finding, color: bool, full: bool = False, unsafe_fixes: bool = False) -> str:
    """The finding's line: its short text, or (``full``) the whole message; ``[*]`` when --fix repairs it."""
    location = f"{visible(finding.path)}:{finding.line}:{finding.col}:"
    severity = finding.severity.label
    mark = "[*] " if fixable(finding, unsafe_fixes) else ""  # as ruff marks them: before the text
    rule = f"{finding.rule_id} {finding.rule_name}:"
    suffix = ""
    if finding.suppression is not None:
        why = f": {visible(finding.suppression.reason)}" if finding.suppression.reason else ""
        suffix = f" [suppressed by {finding.suppression.kind}{why}]"
    if color:
        location = click.style(location, bold=True)
        severity = click.style(severity, fg=COLORS[finding.severity], bold=True)
        rule = click.style(rule, dim=True)
        suffix = click.style(suffix, dim=True) if suffix else ""
    return f"{location} {severity} {rule} {mark}{visible(finding.message if full else finding.brief)}{suffix}"


class TextReporter(Reporter):
    across_files_shown = False
    gap = "\n"  # the blank line before the cross-file heading

    def shown(self, result: FileResult) -> list[Finding]:
        """The findings to print, after the cross-file heading when they are the first cross-object ones."""
        findings = [f for f in result.findings if self.options.show_suppressed or f.suppression is None]
        if findings and result.supplement and not self.across_files_shown and not self.options.quiet:
            self.across_files_shown = True
            heading = click.style(ACROSS_FILES, bold=True) if self.options.color else ACROSS_FILES
            self.out.write(f"{self.gap}{heading}\n")
        return findings

    def file(self, result: FileResult) -> None:
        if self.options.statistics:
            return
        for finding in self.shown(result):
            self.out.write(headline(finding, self.options.color, unsafe_fixes=self.options.unsafe_fixes) + "\n")
            for related in finding.related:  # a second line: where a rendered value was set
                self.out.write(f"    {related.path}:{related.line}:{related.col}: {related.message}\n")

    def finish(self, summary: Summary) -> None:
        if self.options.statistics:
            self.out.write(statistics(summary, self.options.color))
        elif not self.options.quiet:
            hint = fix_hint(summary, self.options.unsafe_fixes)
            self.out.write(summary_line(summary, self.options.color) + (f" {hint}" if hint else "") + "\n")


REPORTER = TextReporter


def statistics(summary: Summary, color: bool = False) -> str:
    """Counts per rule, most frequent first (``--statistics``)."""
    lines = []
    for (rule_id, name, severity), count in sorted(summary.by_rule.items(), key=lambda item: (-item[1], item[0][0])):
        label = click.style(f"{severity.label:<7}", fg=COLORS[severity]) if color else f"{severity.label:<7}"
        lines.append(f"{count:>6}  {rule_id}  {label}  {name}")
    lines.append(summary_line(summary, color))
    return "\n".join(lines) + "\n"


def fix_hint(summary: Summary, unsafe_fixes: bool = False) -> str:
    """How many findings ``--fix`` would repair, and how many more ``--unsafe-fixes`` would."""
    safe, unsafe = summary.fixable["safe"], summary.fixable["unsafe"]
    if unsafe_fixes:
        safe, unsafe = safe + unsafe, 0
    if not safe and not unsafe:
        return ""
    parts = []
    if safe:
        option = "--fix --unsafe-fixes" if unsafe_fixes else "--fix"
        parts.append(f"[*] {plural(safe, 'finding')} fixable with {option}")
    if unsafe:
        more = f"{unsafe} more" if safe else plural(unsafe, "finding")
        parts.append(f"{more} with --fix --unsafe-fixes")
    return "; ".join(parts) + "."


def summary_line(summary: Summary, color: bool = False) -> str:
    total = summary.findings
    files = plural(summary.files, "file")
    objects = plural(summary.objects, "object")
    tail = f" {summary.suppressed} suppressed (--show-suppressed lists them)." if summary.suppressed else ""
    if total == 0:
        text = f"No findings in {files} ({objects}).{tail}"
        return click.style(text, fg="green") if color else text
    parts = [plural(summary.by_severity[level], level.label)
             for level in (Severity.ERROR, Severity.WARNING, Severity.NOTE) if summary.by_severity[level]]
    text = (f"Found {plural(total, 'finding')} ({', '.join(parts)}) in {summary.files_with_findings} of {files} "
            f"({objects}).{tail}")
    return click.style(text, bold=True) if color else text
