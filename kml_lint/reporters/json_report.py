"""A documented, stable JSON structure (``schemaVersion`` 1): see docs/json-output.md."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..findings import Finding, Severity
from ..report import RunReport

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    obj = finding.obj
    out = {
        "rule": finding.rule_id,
        "name": finding.rule_name,
        "severity": finding.severity.label,
        "message": finding.message,
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
    return out


def render(report: RunReport) -> str:
    counts = report.counts()
    document = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "kml-lint", "version": __version__},
        "summary": {
            "files": len(report.files),
            "objects": report.objects(),
            "findings": sum(counts.values()),
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "notes": counts[Severity.NOTE],
            "suppressed": len(report.findings()) - sum(counts.values()),
        },
        "findings": [finding_dict(f) for f in report.findings()],
        "skipped": [{"path": path, "reason": reason} for path, reason in report.skipped],
        "problems": [{"path": path, "message": message} for path, message in report.problems],
        "rules": [rule.id for rule in report.rules],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
