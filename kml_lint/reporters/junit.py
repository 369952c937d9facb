"""``--format junit``: one test suite per file, one test case per object, a failure per finding.

GitLab, Jenkins and Azure Pipelines show JUnit XML natively. Each file's suite is serialised when the file
arrives; only the XML text is kept until the totals are known.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..engine import FileResult
from ..findings import Finding, ObjectRef
from ..report import Summary
from . import Reporter


def _case_name(ref: ObjectRef | None) -> str:
    if ref is None or ref.kind is None:
        return "(file)"
    return ref.identity().strip("/").replace("//", "/")


class JunitReporter(Reporter):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.suites: list[str] = []
        self.cases = self.failures = 0

    def file(self, result: FileResult) -> None:
        cases: dict[str, list[Finding]] = {_case_name(ref): [] for ref in result.object_refs}
        for finding in result.findings:
            if finding.suppression is None:
                cases.setdefault(_case_name(finding.obj if finding.obj.kind else None), []).append(finding)
        if not cases:
            cases["(file)"] = []
        failed = sum(1 for findings in cases.values() if findings)
        suite = ET.Element("testsuite", name=result.path, tests=str(len(cases)), failures=str(failed), errors="0",
                           skipped="0")
        for name, findings in cases.items():
            case = ET.SubElement(suite, "testcase", classname=result.path, name=name)
            for finding in findings:
                failure = ET.SubElement(case, "failure", type=f"{finding.rule_id} {finding.rule_name}",
                                        message=finding.message)
                failure.text = (f"{finding.path}:{finding.line}:{finding.col}: {finding.severity.label} "
                                f"{finding.rule_id} {finding.rule_name} {finding.message}")
        ET.indent(suite, level=1)
        self.suites.append("  " + ET.tostring(suite, encoding="unicode"))
        self.cases += len(cases)
        self.failures += failed

    def finish(self, summary: Summary) -> None:
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(f'<testsuites name="kml-lint" tests="{self.cases}" failures="{self.failures}">\n')
        for suite in self.suites:
            self.out.write(suite + "\n")
        self.out.write("</testsuites>\n")


REPORTER = JunitReporter
