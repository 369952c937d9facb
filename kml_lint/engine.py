"""Lint one file's text: parse, find objects and pod templates, run the selected rules, locate findings."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .checks import Hit, RunContext
from .credentials import redact
from .findings import Finding, ObjectRef, Severity
from .objects import InvalidDocument, K8sObject, locate, objects_of
from .registry import Rule
from .source import SourceError, SourceText
from .workloads import PodView, WorkloadTable, builtin_table
from .yamlfold import parse_yaml

INTERNAL_ERROR, INVALID_YAML, INVALID_OBJECT = "KML000", "KML001", "KML002"

_TEMPLATE_SYNTAX = re.compile(r"\{\{-?\s*[.$/A-Za-z(]|\{%")


@dataclass(slots=True)
class FileContext:
    """What a check may know about the file being linted, beyond its own object."""

    run: RunContext
    text: str
    _memo: dict[Any, bool] = field(default_factory=dict)
    workloads: WorkloadTable | None = None
    _views: dict[int, list[PodView]] = field(default_factory=dict)

    @property
    def platform(self) -> str | None:
        return self.run.platform

    def views(self, obj: K8sObject) -> list[PodView]:
        """The object's pod-template views (computed once per object, shared by every rule)."""
        found = self._views.get(id(obj))
        if found is None:
            table = self.workloads if self.workloads is not None else builtin_table()
            found = self._views[id(obj)] = table.views(obj)
        return found

    def prefilter(self, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` occurs anywhere in the file: one scan per file, shared by every object."""
        found = self._memo.get(pattern)
        if found is None:
            found = self._memo[pattern] = pattern.search(self.text) is not None
        return found


@dataclass(slots=True)
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    objects: int = 0
    skipped: str | None = None  # why a file met while walking a folder is not a manifest


class Engine:
    """Runs a fixed set of selected rules; one instance serves a whole run."""

    def __init__(self, rules: Iterable[Rule], run: RunContext | None = None,
                 workloads: WorkloadTable | None = None) -> None:
        self.rules = list(rules)
        self.run = run or RunContext()
        by_id = {rule.id: rule for rule in self.rules}
        self._engine_rules = {rid: by_id.get(rid) for rid in (INTERNAL_ERROR, INVALID_YAML, INVALID_OBJECT)}
        self._object_rules = [r for r in self.rules if r.target == "object"]
        self._pod_rules = [r for r in self.rules if r.target == "pod"]
        self._container_rules = [r for r in self.rules if r.target == "container"]
        self._workloads = workloads  # None: the built-in table, loaded when a rule first asks for pod templates

    # -- entry points ---------------------------------------------------------------------------

    def lint_source(self, path: str, source: SourceText | SourceError, explicit: bool) -> FileResult:
        """Lint decoded text, or report why the file could not be read (always reported, never skipped)."""
        if isinstance(source, SourceError):
            result = FileResult(path)
            self._emit(result, INVALID_YAML, source.message, source.line, source.col)
            return result
        return self.lint_text(path, source.text, explicit)

    def lint_text(self, path: str, text: str, explicit: bool = True) -> FileResult:
        result = FileResult(path)
        parsed = parse_yaml(text)
        documents = parsed.documents
        candidates = [(doc, list(objects_of(doc))) for doc in documents]
        has_object = any(isinstance(o, K8sObject) for _, items in candidates for o in items)
        fatal = [p for doc in documents for p in doc.problems if p.fatal]
        if parsed.error is None and not fatal and not has_object and not explicit:
            result.skipped = "no document has apiVersion and kind" if documents else "empty"
            return result
        if (parsed.error is not None or fatal) and _TEMPLATE_SYNTAX.search(text):
            # One clear finding instead of a cascade of syntax errors in an unrendered Helm template.
            first = parsed.error or fatal[0]
            self._emit(result, INVALID_YAML,
                       "unrendered template ({{ ... }}): this is not YAML yet; lint the rendered output instead, "
                       f"e.g. `helm template . | kml-lint -` (parser: {first.message})", first.line, first.col)
            return result
        if parsed.error is not None:
            self._emit(result, INVALID_YAML, parsed.error.message, parsed.error.line, parsed.error.col)
        ctx = FileContext(self.run, text, workloads=self._workloads)
        for doc, items in candidates:
            for problem in doc.problems:
                self._emit(result, INVALID_YAML, problem.message, problem.line, problem.col,
                           obj=ObjectRef(document=doc.index))
            for item in items:
                if isinstance(item, InvalidDocument):
                    line, col = locate(doc.positions, item.pointer)
                    self._emit(result, INVALID_OBJECT, item.reason + "; kubectl cannot apply it", line, col,
                               pointer=item.pointer, obj=ObjectRef(document=doc.index))
                else:
                    result.objects += 1
                    self._lint_object(result, ctx, item)
        result.findings.sort(key=Finding.sort_key)
        return result

    # -- rules over one object ------------------------------------------------------------------

    def _lint_object(self, result: FileResult, ctx: FileContext, obj: K8sObject) -> None:
        kind = obj.group_kind
        for rule in self._object_rules:
            if rule.kinds is None or kind in rule.kinds:
                self._run(result, rule, obj, obj.describe(), lambda r=rule: r.check.function(ctx, obj, r.params))
        if not (self._pod_rules or self._container_rules):
            return
        try:
            views = ctx.views(obj)
        except Exception as exc:
            self._internal_error(result, obj, "pod-template discovery", exc)
            return
        for view in views:
            subject = view.describe()
            kind = view.obj.group_kind  # an embedded object (AppWrapper component) is matched by its own kind
            for rule in self._pod_rules:
                if rule.kinds is None or kind in rule.kinds:
                    self._run(result, rule, obj, subject, lambda r=rule, v=view: r.check.function(ctx, v, r.params),
                              role=view.role)
            for container in view.containers:
                label = container.describe()
                container_subject = f"{subject}, {label}"
                for rule in self._container_rules:
                    if rule.kinds is None or kind in rule.kinds:
                        self._run(result, rule, obj, container_subject,
                                  lambda r=rule, v=view, c=container: r.check.function(ctx, v, c, r.params),
                                  role=view.role, container=label)

    def _run(self, result: FileResult, rule: Rule, obj: K8sObject, subject: str, call: Any,
             role: str | None = None, container: str | None = None) -> None:
        try:
            hits: list[Hit] = list(call())
        except Exception as exc:
            self._internal_error(result, obj, f"rule {rule.id} ({rule.name})", exc)
            return
        for hit in hits:
            line, col = obj.locate(hit.pointer, hit.at)
            finding = Finding(rule.id, rule.name, rule.severity, f"{subject}: {hit.message}", result.path, line, col,
                              hit.pointer, obj.ref, role=role, container=container)
            finding.fingerprint = fingerprint(finding, obj)
            result.findings.append(finding)

    def _internal_error(self, result: FileResult, obj: K8sObject, what: str, exc: Exception) -> None:
        line, col = obj.locate(obj.base)
        self._emit(result, INTERNAL_ERROR,
                   f"{obj.describe()}: internal error in {what}: {type(exc).__name__}: {exc}; the other rules "
                   "still ran (please report this with the manifest)", line, col, pointer=obj.base, obj=obj.ref)

    def _emit(self, result: FileResult, rule_id: str, message: str, line: int, col: int,
              pointer: str | None = None, obj: ObjectRef | None = None) -> None:
        rule = self._engine_rules.get(rule_id)
        if rule is None:
            return  # not selected
        # Parser messages may quote the input: mask any credential they hold.
        finding = Finding(rule.id, rule.name, rule.severity, redact(message), result.path, line, col, pointer,
                          obj or ObjectRef())
        finding.fingerprint = fingerprint(finding, None)
        result.findings.append(finding)


def normalised_pointer(root: Any, pointer: str | None) -> str:
    """The pointer with list indexes replaced by item names where items have one (containers, env...).

    Fingerprints built on it survive reordering containers and editing unrelated lines.
    """
    if not pointer:
        return pointer or ""
    node: Any = root
    out = []
    for token in pointer[1:].split("/"):
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            item = node[int(token)]
            name = item.get("name") if isinstance(item, dict) else None
            out.append(f"[{name}]" if isinstance(name, str) and name else token)
            node = item
        else:
            out.append(token)
            key = token.replace("~1", "/").replace("~0", "~")
            node = node.get(key) if isinstance(node, dict) else None
    return "/" + "/".join(out)


def fingerprint(finding: Finding, obj: K8sObject | None) -> str:
    """Rule, file, object identity and normalised pointer: no line numbers, so edits elsewhere keep it."""
    pointer = finding.pointer or ""
    if obj is not None:
        where = normalised_pointer(obj.data, pointer[len(obj.base):])  # identity already names the object
    else:
        where = pointer
    parts = [finding.rule_id, finding.path, finding.obj.identity(), where]
    if obj is None:
        parts.append(finding.message)  # KML001/KML002: the problem itself is the identity
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def worst(findings: Iterable[Finding]) -> Severity | None:
    levels = [f.severity for f in findings if f.suppression is None]
    return max(levels) if levels else None
