"""A documented, stable JSON structure (``schemaVersion`` 1): see docs/json-output.md.

Findings are written as each file arrives, one per line; the summary follows them.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..engine import FileResult
from ..findings import Finding, Severity
from ..report import Summary
from . import Reporter

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    obj = finding.obj
    out = {
        "rule": finding.rule_id,
        "name": finding.rule_name,
        "severity": finding.severity.label,
        "message": finding.message,
        "short": finding.brief,
        "path": finding.path,
        "line": finding.line,
        "column": finding.col,
        "pointer": finding.pointer,
        "object": {key: value for key, value in (
            ("apiVersion", obj.api_version), ("kind", obj.kind), ("namespace", obj.namespace), ("name", obj.name),
            ("generateName", obj.generate_name), ("document", obj.document), ("item", obj.item),
        ) if value is not None},
        "fingerprint": finding.fingerprint,
        "suppression": None if finding.suppression is None else {
            "kind": finding.suppression.kind, "reason": finding.suppression.reason},
    }
    # Inside a pod template: its role in the object and the container (absent for object-level findings).
    for key, value in (("role", finding.role), ("container", finding.container)):
        if value is not None:
            out[key] = value
    if finding.related:  # rendered input: where a template's value was set (a values file line)
        out["related"] = [{"path": r.path, "line": r.line, "column": r.col, "message": r.message}
                          for r in finding.related]
    if finding.fix is not None:  # the edits --fix applies (unsafe ones only with --unsafe-fixes)
        out["fix"] = finding.fix.to_json()
    return out


_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


class JsonReporter(Reporter):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.first = True
        self.out.write("{\n")
        self.out.write(f'  "schemaVersion": {SCHEMA_VERSION},\n')
        self.out.write(f'  "tool": {json.dumps({"name": "kml-lint", "version": __version__})},\n')
        if not self.options.statistics:  # --statistics: counts per rule instead of the findings
            self.out.write('  "findings": [')

    def file(self, result: FileResult) -> None:
        if self.options.statistics:
            return
        # One finding per line: grep-friendly, and json's C encoder (indent would force the pure-Python one).
        for finding in result.findings:
            self.out.write(("\n" if self.first else ",\n") + "    " + _compact(finding_dict(finding)))
            self.first = False

    def finish(self, summary: Summary) -> None:
        if self.options.statistics:
            counts = sorted(summary.by_rule.items(), key=lambda item: (-item[1], item[0][0]))
            statistics = [{"rule": rule_id, "name": name, "severity": severity.label, "count": count}
                          for (rule_id, name, severity), count in counts]
            self.out.write(f'  "statistics": [{",".join(chr(10) + "    " + _compact(s) for s in statistics)}'
                           + ("\n  ],\n" if statistics else "],\n"))
        else:
            self.out.write("\n  ],\n" if not self.first else "],\n")
        tail = {
            "summary": {
                "files": summary.files,
                "objects": summary.objects,
                "findings": summary.findings,
                "errors": summary.by_severity[Severity.ERROR],
                "warnings": summary.by_severity[Severity.WARNING],
                "notes": summary.by_severity[Severity.NOTE],
                "suppressed": summary.suppressed,
            },
            "skipped": [{"path": path, "reason": reason} for path, reason in summary.skipped],
            "problems": [{"path": path, "message": message} for path, message in summary.problems],
            "rules": [rule.id for rule in self.rules],
        }
        body = json.dumps(tail, indent=2, ensure_ascii=False)
        self.out.write(body[body.index("\n") + 1:] + "\n")  # continue the open object: drop the "{" line


REPORTER = JsonReporter
