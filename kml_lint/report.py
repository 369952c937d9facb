"""What a whole run produced, shared by every reporter."""

from __future__ import annotations

from dataclasses import dataclass, field

from .engine import FileResult
from .findings import Finding, Severity
from .registry import Rule


@dataclass(slots=True)
class RunReport:
    rules: list[Rule]  # the rules that ran
    files: list[FileResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message): folders, loops
    notes: list[str] = field(default_factory=list)  # facts about the run that --verbose prints
    cwd: str = "."

    def findings(self) -> list[Finding]:
        return [finding for result in self.files for finding in result.findings]

    def active(self) -> list[Finding]:
        """Findings that count: not suppressed or baselined."""
        return [f for f in self.findings() if f.suppression is None]

    def counts(self) -> dict[Severity, int]:
        counts = {level: 0 for level in Severity}
        for finding in self.active():
            counts[finding.severity] += 1
        return counts

    def objects(self) -> int:
        return sum(result.objects for result in self.files)

    def fails(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        threshold = Severity.parse(fail_on)
        return any(f.severity >= threshold for f in self.active())
