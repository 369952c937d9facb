"""``--format github``: GitHub Actions workflow commands, shown as annotations on the pull request."""

from __future__ import annotations

from ..engine import FileResult
from ..findings import Severity
from ..report import Summary
from . import Reporter
from .escape import github_data, github_property
from .text import summary_line

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


class GithubReporter(Reporter):
    def file(self, result: FileResult) -> None:
        for finding in result.findings:
            if finding.suppression is not None:
                continue
            properties = (f"file={github_property(finding.path)},line={finding.line},col={finding.col},"
                          f"title={github_property(f'{finding.rule_id} {finding.rule_name}')}")
            self.out.write(f"::{_COMMAND[finding.severity]} {properties}::{github_data(finding.message)}\n")

    def finish(self, summary: Summary) -> None:
        if not self.options.quiet:
            self.out.write(summary_line(summary) + "\n")


REPORTER = GithubReporter
