"""``--format junit``: one test suite per file, one test case per object, a failure per finding.

GitLab, Jenkins and Azure Pipelines show JUnit XML natively.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..engine import FileResult
from ..findings import Finding, ObjectRef
from ..report import Summary
from . import Reporter
from .escape import visible


def _case_name(ref: ObjectRef | None) -> str:
    if ref is None or ref.kind is None:
        return "(file)"
    return visible(ref.identity().strip("/").replace("//", "/"))


class JunitReporter(Reporter):
    """Keeps each file's test cases (small strings) until the end: run-scope findings of a file arrive after
    it, and JUnit wants every file's cases in one suite and the totals up front."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.suites: dict[str, dict[str, list[tuple[str, str, str]]]] = {}

    def file(self, result: FileResult) -> None:
        cases = self.suites.setdefault(visible(result.path), {})
        for ref in result.object_refs:
            cases.setdefault(_case_name(ref), [])
        for finding in result.findings:
            if finding.suppression is None:
                cases.setdefault(_case_name(finding.obj if finding.obj.kind else None), []).append(_failure(finding))
        if not cases:
            cases["(file)"] = []

    def finish(self, summary: Summary) -> None:
        root = ET.Element("testsuites", name="kml-lint")
        total = failed_total = 0
        for path, cases in self.suites.items():
            failed = sum(1 for failures in cases.values() if failures)
            suite = ET.SubElement(root, "testsuite", name=path, tests=str(len(cases)), failures=str(failed),
                                  errors="0", skipped="0")
            for name, failures in cases.items():
                case = ET.SubElement(suite, "testcase", classname=path, name=name)
                for kind, message, text in failures:
                    element = ET.SubElement(case, "failure", type=kind, message=message)
                    element.text = text
            total += len(cases)
            failed_total += failed
        root.set("tests", str(total))
        root.set("failures", str(failed_total))
        ET.indent(root)
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def _failure(finding: Finding) -> tuple[str, str, str]:
    message = visible(finding.message)
    return (f"{finding.rule_id} {finding.rule_name}", message,
            f"{visible(finding.path)}:{finding.line}:{finding.col}: {finding.severity.label} {finding.rule_id} "
            f"{finding.rule_name} {message}")


REPORTER = JunitReporter
