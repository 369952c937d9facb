"""What a run produced. Reporters stream file results as they come and keep only running totals
(``Summary``), so memory does not grow with the corpus; ``RunReport`` also keeps the results, for tests and
for callers that want them in memory."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .engine import FileResult
from .findings import Finding, Severity
from .registry import Rule


@dataclass(slots=True)
class Summary:
    """The counts a run's summary line shows."""

    files: int = 0
    files_with_findings: int = 0
    objects: int = 0
    cached: int = 0
    results: int = 0  # findings, suppressed ones included
    by_severity: Counter[Severity] = field(default_factory=Counter)  # unsuppressed findings
    by_rule: Counter[tuple[str, str, Severity]] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message): folders, loops
    notes: list[str] = field(default_factory=list)  # what --verbose says about the run (the pre-pass's facts)
    stats: Counter[str] = field(default_factory=Counter)  # what checks counted (objects per schema source)
    fixable: Counter[str] = field(default_factory=Counter)  # unsuppressed findings with a fix: safe | unsafe
    # Files that may still receive run-scope findings (they have cross-object facts) and were counted as
    # clean: only those need remembering, not every file of the run.
    _clean_with_facts: set[str] = field(default_factory=set)

    def add(self, result: FileResult) -> None:
        active = [f for f in result.findings if f.suppression is None]
        if result.supplement:  # run-scope findings for a file reported (and counted) already
            if active and result.path in self._clean_with_facts:
                self._clean_with_facts.discard(result.path)
                self.files_with_findings += 1
        else:
            self.files += 1
            self.objects += result.objects
            self.cached += result.cached
            if active:
                self.files_with_findings += 1
            elif result.facts:
                self._clean_with_facts.add(result.path)
        self.stats.update(result.stats)
        self.results += len(result.findings)
        for finding in active:
            if finding.fix is not None:
                self.fixable[finding.fix.applicability] += 1
            self.by_severity[finding.severity] += 1
            self.by_rule[(finding.rule_id, finding.rule_name, finding.severity)] += 1

    @property
    def findings(self) -> int:
        return sum(self.by_severity.values())

    @property
    def suppressed(self) -> int:
        return self.results - self.findings

    def fails(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        threshold = Severity.parse(fail_on)
        return any(count for level, count in self.by_severity.items() if level >= threshold)


@dataclass(slots=True)
class RunReport:
    """Everything a reporter needs about a run."""

    rules: list[Rule]  # the rules that ran
    files: list[FileResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cwd: str = "."
    totals: Summary | None = None  # running totals kept by a streaming run (files not kept)
    cache_problem: str | None = None  # why --cache could not be used (a warning on stderr, not in reports)

    def findings(self) -> list[Finding]:
        return [finding for result in self.files for finding in result.findings]

    def active(self) -> list[Finding]:
        """Findings that count: not suppressed or baselined."""
        return [f for f in self.findings() if f.suppression is None]

    def summary(self) -> Summary:
        if self.totals is not None:
            return self.totals
        summary = Summary(skipped=list(self.skipped), problems=list(self.problems), notes=list(self.notes))
        for result in self.files:
            summary.add(result)
        return summary

    def fails(self, fail_on: str) -> bool:
        return self.summary().fails(fail_on)
