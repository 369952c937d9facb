"""``--format junit``: one test suite per file; in it, one test case per object and rule that has findings, and
one passing test case for each object without any.

A rule's test case fails (with exactly one ``<failure>``, since most consumers show only the first) when its
findings on that object reach ``--fail-on``, so the tests are red exactly when the job fails; findings below
``--fail-on`` are listed in the test case's ``<system-out>`` and it passes. GitLab, Jenkins and Azure Pipelines
read this layout (``testsuites/testsuite/testcase``) natively.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..engine import FileResult
from ..findings import Finding, ObjectRef, Severity
from ..report import Summary
from . import Reporter

FILE_CASE = "(file)"  # findings about no object: syntax errors, documents that are not objects


def _object_name(ref: ObjectRef | None) -> str:
    if ref is None or ref.kind is None:
        return FILE_CASE
    return ref.identity().strip("/").replace("//", "/")


@dataclass(slots=True)
class _RuleCase:
    """One rule's findings on one object, as the lines JUnit shows (small strings, not findings)."""

    failing: list[str] = field(default_factory=list)
    first_message: str = ""
    output: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Suite:
    seconds: float = 0.0
    objects: dict[str, dict[str, _RuleCase]] = field(default_factory=dict)  # object -> "ID name" -> case


class JunitReporter(Reporter):
    """Keeps each file's test cases (small strings) until the end: run-scope findings of a file arrive after
    it, and JUnit wants every file's cases in one suite and the totals up front."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.suites: dict[str, _Suite] = {}
        fail_on = self.options.fail_on
        self.threshold = None if fail_on == "never" else Severity.parse(fail_on)

    def file(self, result: FileResult) -> None:
        suite = self.suites.setdefault(result.path, _Suite())
        suite.seconds += result.seconds
        for ref in result.object_refs:
            suite.objects.setdefault(_object_name(ref), {})
        for finding in result.findings:
            if finding.suppression is not None:
                continue
            rules = suite.objects.setdefault(_object_name(finding.obj), {})
            case = rules.setdefault(f"{finding.rule_id} {finding.rule_name}", _RuleCase())
            if self.threshold is not None and finding.severity >= self.threshold:
                case.failing.append(_line(finding))
                case.first_message = case.first_message or finding.message
            else:
                case.output.append(_line(finding))
        if not suite.objects:
            suite.objects[FILE_CASE] = {}

    def finish(self, summary: Summary) -> None:
        root = ET.Element("testsuites", name="kml-lint")
        total = failed_total = 0
        seconds_total = 0.0
        for path, suite in self.suites.items():
            cases: list[tuple[str, str, _RuleCase | None]] = []  # (test case name, rule, its findings)
            for name, rules in suite.objects.items():
                cases.extend((f"{name} {rule}", rule, case) for rule, case in rules.items())
                if not rules:
                    cases.append((name, "", None))
            failed = sum(1 for _, _, case in cases if case is not None and case.failing)
            # Objects are linted together, so the file's measured time is shared equally among its cases.
            share = suite.seconds / len(cases)
            element = ET.SubElement(root, "testsuite", name=path, tests=str(len(cases)), failures=str(failed),
                                    errors="0", skipped="0", time=_seconds(suite.seconds))
            for name, rule, case in cases:
                testcase = ET.SubElement(element, "testcase", classname=path, name=name, time=_seconds(share))
                if case is None:
                    continue
                if case.failing:
                    more = len(case.failing) - 1
                    message = case.first_message + (f" (and {more} more)" if more else "")
                    failure = ET.SubElement(testcase, "failure", type=rule, message=message)
                    failure.text = "\n".join(case.failing)
                if case.output:
                    ET.SubElement(testcase, "system-out").text = "\n".join(case.output)
            total += len(cases)
            failed_total += failed
            seconds_total += suite.seconds
        root.set("tests", str(total))
        root.set("failures", str(failed_total))
        root.set("errors", "0")
        root.set("time", _seconds(seconds_total))
        ET.indent(root)
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _line(finding: Finding) -> str:
    return (f"{finding.path}:{finding.line}:{finding.col}: {finding.severity.label} {finding.rule_id} "
            f"{finding.rule_name} {finding.message}")


REPORTER = JunitReporter
