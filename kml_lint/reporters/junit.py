"""``--format junit``: one test suite per file, one test case per object, a failure per finding.

GitLab, Jenkins and Azure Pipelines show JUnit XML natively.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..findings import Finding, ObjectRef
from ..report import RunReport


def _case_name(ref: ObjectRef | None) -> str:
    if ref is None or ref.kind is None:
        return "(file)"
    return ref.identity().strip("/").replace("//", "/")


def render(report: RunReport, options) -> str:
    suites = ET.Element("testsuites", name="kml-lint")
    total_cases = total_failures = 0
    for result in report.files:
        cases: dict[str, list[Finding]] = {_case_name(ref): [] for ref in result.object_refs}
        for finding in result.findings:
            if finding.suppression is None:
                cases.setdefault(_case_name(finding.obj if finding.obj.kind else None), []).append(finding)
        if not cases:
            cases["(file)"] = []
        suite = ET.SubElement(suites, "testsuite", name=result.path, tests=str(len(cases)),
                              failures=str(sum(1 for f in cases.values() if f)), errors="0", skipped="0")
        for name, findings in cases.items():
            case = ET.SubElement(suite, "testcase", classname=result.path, name=name)
            for finding in findings:
                failure = ET.SubElement(case, "failure", type=f"{finding.rule_id} {finding.rule_name}",
                                        message=finding.message)
                failure.text = (f"{finding.path}:{finding.line}:{finding.col}: {finding.severity.label} "
                                f"{finding.rule_id} {finding.rule_name} {finding.message}")
        total_cases += len(cases)
        total_failures += sum(1 for f in cases.values() if f)
    suites.set("tests", str(total_cases))
    suites.set("failures", str(total_failures))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
