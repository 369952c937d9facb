"""SARIF 2.1.0, built with sarif-om and ready for GitHub code scanning."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as sarif

from .. import __version__
from ..engine import FileResult
from ..findings import Finding, Severity
from ..registry import PROJECT_URL, Rule
from ..report import Summary
from . import Reporter

_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "kmlFingerprint/v1"
MAX_RESULTS = 25_000  # GitHub code scanning rejects runs with more results (the default --sarif-max-results)
GITHUB_SHOWN = 5_000  # and shows only this many of a run's results, the most severe first


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
    if finding.related:  # rendered input: the values file line that set the value a template wrote
        out.related_locations = [
            sarif.Location(id=index, message=sarif.Message(text=related.message),
                           physical_location=sarif.PhysicalLocation(
                               artifact_location=artifact_location(related.path, cwd),
                               region=sarif.Region(start_line=related.line, start_column=related.col)))
            for index, related in enumerate(finding.related)]
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


# Which results a capped log keeps first: unsuppressed before suppressed, then errors, warnings, notes.
_LEVELS = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
_SPOOL_IN_MEMORY = 8 * 1024 * 1024  # bytes of serialised results held in memory before they spill to disk


def _rank(finding: Finding) -> int:
    return (3 if finding.suppression is not None else 0) + _LEVELS.index(finding.severity)


class SarifReporter(Reporter):
    """Writes the log's head (tool and rules) at once; results are serialised as their files arrive into a
    spool (memory, then a temporary file), and written with the invocation at the end, because the cap
    (``--sarif-max-results``, GitHub code scanning's 25,000 by default) can only choose what to keep once every
    result is known: unsuppressed before suppressed, then errors before warnings before notes, in file order
    within each class. The kept results stay in file order."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.index = {rule.id: number for number, rule in enumerate(self.rules)}
        self.limit = self.options.sarif_max_results
        self.counts = [0] * 6  # results per rank (see _rank)
        self.kept = [0] * 6
        self.written = 0
        # The spool outlives __init__: finish copies the kept results out of it and closes it.
        self.spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline="\n", errors="surrogatepass")
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
            rank = _rank(finding)
            self.counts[rank] += 1
            # One result per line (json's C encoder; indent would force the pure-Python one), led by its rank.
            self.spool.write(f"{rank}{_compact(to_json(result(finding, self.index[finding.rule_id], self.cwd)))}\n")

    @property
    def dropped(self) -> int:
        return sum(self.counts) - sum(self.kept)

    def left_out(self) -> str | None:
        """What the cap left out, per level, or None when every result was written."""
        if not self.dropped:
            return None
        levels = []
        for number, level in enumerate(_LEVELS):
            count = self.counts[number] + self.counts[3 + number] - self.kept[number] - self.kept[3 + number]
            if count:
                levels.append(f"{count:,} {level.label}{'' if count == 1 else 's'}")
        suppressed = sum(self.counts[3:]) - sum(self.kept[3:])
        of_which = f", {suppressed:,} of them suppressed" if suppressed else ""
        return (f"{self.dropped:,} of {sum(self.counts):,} results left out ({', '.join(levels)}{of_which}): "
                f"the log holds at most {self.limit:,} (--sarif-max-results), kept unsuppressed first, then "
                f"errors before warnings before notes. GitHub code scanning accepts at most {MAX_RESULTS:,} "
                f"results per run and shows only the first {GITHUB_SHOWN:,}, by severity")

    def _write_results(self) -> None:
        room = self.limit
        for rank, count in enumerate(self.counts):
            self.kept[rank] = min(count, room)
            room -= self.kept[rank]
        taken = [0] * 6
        self.spool.seek(0)
        for line in self.spool:
            rank = int(line[0])
            if taken[rank] < self.kept[rank]:
                taken[rank] += 1
                self.out.write(("\n        " if self.written == 0 else ",\n        ") + line[1:-1])
                self.written += 1
        self.spool.close()

    def finish(self, summary: Summary) -> None:
        self._write_results()
        invocation = sarif.Invocation(execution_successful=True)
        notifications = [sarif.Notification(message=sarif.Message(text=f"{path}: {message}"), level="warning")
                         for path, message in summary.problems]
        left_out = self.left_out()
        if left_out:
            notifications.append(sarif.Notification(message=sarif.Message(text=left_out), level="warning"))
        if notifications:
            invocation.tool_execution_notifications = notifications
        invocations = json.dumps([to_json(invocation)], indent=2, ensure_ascii=False).replace("\n", "\n      ")
        self.out.write(("\n      ]" if self.written else "]") + f',\n      "invocations": {invocations}' + self.tail)
        self.out.write("\n")


REPORTER = SarifReporter
