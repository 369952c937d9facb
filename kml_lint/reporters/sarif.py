"""SARIF 2.1.0, built with sarif-om and ready for GitHub code scanning."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as sarif

from .. import __version__
from ..engine import FileResult
from ..findings import Finding
from ..registry import PROJECT_URL, Rule
from ..report import Summary
from . import Reporter

_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "kmlFingerprint/v1"
MAX_RESULTS = 25_000  # GitHub code scanning rejects runs with more results


# Fields whose sarif-om factory default is noise in every log (SARIF's own defaults say the same).
_NOISY_DEFAULTS = frozenset({"contents", "language", "newline_sequences"})
# Properties a reader expects first.
_LEADING = ("$schema", "version")


def to_json(value: Any) -> Any:
    """Serialise sarif-om's attrs classes by their SARIF property names.

    Drops ``None`` and sarif-om's ``-1`` "unset" sentinels, but keeps every real value even when it equals
    the attrs default: a result whose level is ``warning`` must still say so explicitly.
    """
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            if item is None:
                continue
            if isinstance(item, (int, float)) and not isinstance(item, bool) and item == -1 and field.default == -1:
                continue
            if field.name in _NOISY_DEFAULTS:
                continue
            out[field.metadata.get("schema_property_name", field.name)] = to_json(item)
        return {**{key: out.pop(key) for key in _LEADING if key in out}, **out}
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def artifact_location(path: str, cwd: str) -> sarif.ArtifactLocation:
    """Relative, forward-slash, percent-encoded URI under %SRCROOT%; absolute file URI outside it."""
    if path == "-":
        return sarif.ArtifactLocation(uri="stdin")
    absolute = Path(cwd, path).resolve() if not os.path.isabs(path) else Path(path).resolve()
    try:
        relative = absolute.relative_to(Path(cwd).resolve())
    except ValueError:
        return sarif.ArtifactLocation(uri=absolute.as_uri())
    return sarif.ArtifactLocation(uri=quote(relative.as_posix()), uri_base_id=SRCROOT)


def _help_markdown(rule: Rule) -> str:
    parts = [f"**{rule.summary}**", "", rule.description, "", "**Why it matters**", "", rule.rationale, "",
             "**How to fix**", "", rule.remediation]
    if rule.examples.get("bad"):
        parts += ["", "Bad:", "", "```yaml", rule.examples["bad"].rstrip(), "```"]
    if rule.examples.get("good"):
        parts += ["", "Good:", "", "```yaml", rule.examples["good"].rstrip(), "```"]
    parts += ["", f"[Rule documentation]({rule.help_uri})"]
    return "\n".join(parts)


def descriptor(rule: Rule) -> sarif.ReportingDescriptor:
    properties: dict[str, Any] = {"tags": list(rule.tags)}
    if rule.security_severity is not None:
        properties["security-severity"] = f"{rule.security_severity:.1f}"
        if "security" not in properties["tags"]:
            properties["tags"].append("security")
    return sarif.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=sarif.MultiformatMessageString(text=rule.summary),
        full_description=sarif.MultiformatMessageString(text=rule.description),
        help=sarif.MultiformatMessageString(text=f"{rule.rationale}\n\nHow to fix: {rule.remediation}",
                                            markdown=_help_markdown(rule)),
        help_uri=rule.help_uri,
        default_configuration=sarif.ReportingConfiguration(level=rule.severity.label),
        properties=properties,
    )


def _logical_location(finding: Finding) -> list[sarif.LogicalLocation] | None:
    """The object, and (for findings inside a pod template) the pod's role and container under it."""
    obj = finding.obj
    if obj.kind is None:
        return None
    name = obj.name or (f"{obj.generate_name}*" if obj.generate_name else None)
    qualified = "/".join(part for part in (obj.kind, obj.namespace, name) if part)
    properties = {key: value for key, value in (("apiVersion", obj.api_version), ("kind", obj.kind),
                                                 ("namespace", obj.namespace), ("name", obj.name),
                                                 ("generateName", obj.generate_name), ("pointer", finding.pointer),
                                                 ("role", finding.role), ("container", finding.container))
                  if value is not None}
    location = sarif.LogicalLocation(fully_qualified_name=qualified, kind="resource", properties=properties)
    if name:
        location.name = name
    locations = [location]
    inside = [part for part in (finding.role, finding.container) if part]
    if inside:
        # "PyTorchJob/ml/bert-ft/replica Worker/container pytorch": where in the object, as people say it
        locations.append(sarif.LogicalLocation(name=inside[-1], fully_qualified_name="/".join([qualified, *inside]),
                                               kind="member"))
    return locations


def result(finding: Finding, rule_index: int, cwd: str) -> sarif.Result:
    region = sarif.Region(start_line=finding.line, start_column=finding.col)
    physical = sarif.PhysicalLocation(artifact_location=artifact_location(finding.path, cwd), region=region)
    out = sarif.Result(
        message=sarif.Message(text=finding.message),
        rule_id=finding.rule_id,
        rule_index=rule_index,
        level=finding.severity.label,
        locations=[sarif.Location(physical_location=physical, logical_locations=_logical_location(finding))],
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint},
    )
    if finding.fix is not None:
        out.fixes = [_fix(finding, physical.artifact_location)]
    if finding.suppression is not None:
        kind = "inSource" if finding.suppression.kind in ("annotation", "comment") else "external"
        # sarif-om predates SARIF 2.1.0's `status` (its `state` is not valid there): leave it out.
        suppression = sarif.Suppression(kind=kind, properties={"source": finding.suppression.kind})
        if finding.suppression.reason:
            suppression.justification = finding.suppression.reason
        out.suppressions = [suppression]
    return out


def _fix(finding: Finding, location: sarif.ArtifactLocation) -> sarif.Fix:
    """The finding's fix as SARIF ``fixes`` (reviewdog and editors offer it as a one-click suggestion)."""
    fix = finding.fix
    replacements = [sarif.Replacement(
        deleted_region=sarif.Region(start_line=edit.start_line, start_column=edit.start_col, end_line=edit.end_line,
                                    end_column=edit.end_col),
        inserted_content=sarif.ArtifactContent(text=edit.text)) for edit in fix.edits]
    return sarif.Fix(description=sarif.Message(text=f"{fix.description} ({fix.applicability} fix)"),
                     artifact_changes=[sarif.ArtifactChange(artifact_location=location, replacements=replacements)],
                     properties={"applicability": fix.applicability})


def run_header(rules: list[Rule], cwd: str) -> sarif.Run:
    """The run without its results and invocation (those stream in and come at the end)."""
    cwd_uri = Path(cwd).resolve().as_uri().rstrip("/") + "/"
    return sarif.Run(
        tool=sarif.Tool(driver=sarif.ToolComponent(
            name="kml-lint", version=__version__, semantic_version=__version__, information_uri=PROJECT_URL,
            rules=[descriptor(rule) for rule in rules])),
        results=[],
        column_kind="unicodeCodePoints",
        original_uri_base_ids={SRCROOT: sarif.ArtifactLocation(uri=cwd_uri)},
    )


class SarifReporter(Reporter):
    """Writes the log's head (tool and rules), then each result as its file arrives, then the invocation.

    At most MAX_RESULTS results are written (GitHub code scanning's limit); the CLI warns when it cuts.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.index = {rule.id: number for number, rule in enumerate(self.rules)}
        self.written = 0
        self.dropped = 0
        log = to_json(sarif.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI,
                                     runs=[run_header(self.rules, self.cwd)]))
        text = json.dumps(log, indent=2, ensure_ascii=False)
        marker = '"results": []'
        head, _, tail = text.partition(marker)
        self.tail = tail  # everything after the results array
        self.out.write(head + '"results": [')

    def file(self, result_set: FileResult) -> None:
        for finding in result_set.findings:
            if finding.rule_id not in self.index:
                continue
            if self.written >= MAX_RESULTS:
                self.dropped += 1
                continue
            data = to_json(result(finding, self.index[finding.rule_id], self.cwd))
            # One result per line (json's C encoder; indent would force the pure-Python one).
            self.out.write(("\n        " if self.written == 0 else ",\n        ") + _compact(data))
            self.written += 1

    def finish(self, summary: Summary) -> None:
        invocation = sarif.Invocation(execution_successful=True)
        notifications = [sarif.Notification(message=sarif.Message(text=f"{path}: {message}"), level="warning")
                         for path, message in summary.problems]
        if self.dropped:
            notifications.append(sarif.Notification(
                message=sarif.Message(text=f"{self.dropped} results were left out: a run holds at most "
                                           f"{MAX_RESULTS} (GitHub code scanning's limit)"), level="warning"))
        if notifications:
            invocation.tool_execution_notifications = notifications
        invocations = json.dumps([to_json(invocation)], indent=2, ensure_ascii=False).replace("\n", "\n      ")
        self.out.write(("\n      ]" if self.written else "]") + f',\n      "invocations": {invocations}' + self.tail)
        self.out.write("\n")


REPORTER = SarifReporter
