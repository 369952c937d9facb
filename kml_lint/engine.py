"""Lint one file's text: parse, find objects and pod templates, run the selected rules, locate findings."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .admission import Mode, consequence, forbidding, namespace_modes
from .checks import Hit, RunContext, Site
from .credentials import mask_all, redact
from .findings import Finding, ObjectRef, Related, Severity, short_text
from .objects import InvalidDocument, K8sObject, locate, objects_of
from .registry import LEVELS, Rule
from .rendering.placement import Placement, SourceRoots
from .source import SourceError, SourceText
from .suppress import Directive, annotation_directives
from .workloads import PodView, WorkloadTable, builtin_table
from .yamlfold import parse_yaml, split_lines

INTERNAL_ERROR, INVALID_YAML, INVALID_OBJECT = "KML000", "KML001", "KML002"

FINDINGS_PER_RULE = 1_000
"""Findings one rule may report in one file; the rest are counted, not kept (a Pod of 250,000 containers held
millions of findings), and one more finding of the rule, at the first one left out, says how many."""

SECRET_CHECKS = frozenset({"secrets.literal_env", "secrets.credential_format", "secrets.secret_data",
                           "ml_secrets.inline_credentials"})
"""Checks that detect secrets: they run on every file, selected or not, so that every value detected as a secret is
masked in every finding of the file (a deselected KML401 must not let KML005 quote an AWS secret key)."""

_TEMPLATE_SYNTAX = re.compile(r"\{\{-?\s*[.$/A-Za-z(]|\{%")


@dataclass(slots=True)
class FileContext:
    """What a check may know about the file being linted, beyond its own object."""

    run: RunContext
    text: str
    path: str = ""
    workloads: WorkloadTable | None = None
    _memo: dict[Any, Any] = field(default_factory=dict)
    _views: tuple[Any, list[PodView]] | None = None
    stats: Counter[str] = field(default_factory=Counter)  # run statistics (objects validated per schema source)
    placement: Placement | None = None  # rendered input: sites land on template and source lines too

    @property
    def platform(self) -> str | None:
        return self.run.platform

    @property
    def facts(self) -> Any:
        """The run-wide facts (``runwide.RunFacts``): CRDs, Namespaces, quotas... of every file of the run."""
        if self.run.facts is None:
            from .runwide.facts import EMPTY

            return EMPTY
        return self.run.facts

    def prefilter(self, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` occurs anywhere in the file: one scan per file, shared by every object."""
        found = self._memo.get(pattern)
        if found is None:
            found = self._memo[pattern] = pattern.search(self.text) is not None
        return found

    def cached(self, key: Any, compute: Any) -> Any:
        """``compute()``, once per file and key: one schema validation per object serves several rules."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def views(self, obj: K8sObject) -> list[PodView]:
        """The pod templates of ``obj`` (computed once per object, shared by every rule)."""
        if self._views is None or self._views[0] is not obj:
            from .pods.finder import pod_finder

            table = self.workloads if self.workloads is not None else builtin_table()
            self._views = (obj, pod_finder(self.run, table).views(obj))
        return self._views[1]

    def site(self, obj: K8sObject, pointer: str, at: str = "key", subject: str | None = None) -> Site:
        """Where a run-scope finding about ``pointer`` (absolute) of ``obj`` will be reported."""
        line, col = obj.locate(pointer, at)
        path = self.path
        if self.placement is not None and self.placement.mapped:
            path, line, col, _ = self.placement.locate(obj, pointer, at, line, col)
        where = normalised_pointer(obj.data, pointer[len(obj.base):])
        return Site(path, line, col, pointer, obj.ref, subject or obj.describe(), where)


@dataclass(slots=True)
class FileResult:
    """What linting one file gave: findings, counts, and run-scope facts for later."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    objects: int = 0
    skipped: str | None = None  # why a file met while walking a folder is not a manifest
    directives: list[Directive] = field(default_factory=list)  # suppression annotations met in the file
    object_refs: list[ObjectRef] = field(default_factory=list)  # every object linted (JUnit: one case each)
    placement: Placement | None = None  # where each line comes from (rendered Helm/Kustomize input)
    secrets: set[str] = field(default_factory=set)  # literal secrets found: masked in any shown source line
    origins: dict[tuple[str, int], int] = field(default_factory=dict)  # placed (path, line) -> line in the text
    cached: bool = False  # came from --cache
    supplement: bool = False  # run-scope findings for a file already reported
    facts: dict[str, list[Any]] = field(default_factory=dict)  # run-scope rules: rule id -> facts, until the end
    stats: Counter[str] = field(default_factory=Counter)  # counted by checks (objects per schema source)
    seconds: float = 0.0  # how long reading and linting the file took (JUnit's time)
    fix_skips: list[tuple[str, str]] = field(default_factory=list)  # (rule id, why no fix was offered)

    def place(self, line: int) -> tuple[str, int]:
        if self.placement is None or not self.placement.mapped:
            return self.path, line
        placed = self.placement(line)
        self.origins[placed] = line
        return placed

    def place_at(self, obj: K8sObject, pointer: str | None, at: str, line: int,
                 col: int) -> tuple[str, int, int, list[Related]]:
        """Where a finding at ``pointer`` really is: in rendered input, the template or source file line that
        writes it (and the values file line that set it), else ``line``:``col`` of this file."""
        if self.placement is None or not self.placement.mapped:
            return self.path, line, col, []
        path, placed, placed_col, related = self.placement.locate(obj, pointer, at, line, col)
        self.origins.setdefault((path, placed), line)
        return path, placed, placed_col, related


class Engine:
    """Runs a fixed set of selected rules; one instance serves a whole run."""

    def __init__(self, rules: Iterable[Rule], run: RunContext | None = None,
                 workloads: WorkloadTable | None = None,
                 peer_annotations: dict[str, dict[str, list[str]]] | None = None,
                 keep_source_lines: bool = False) -> None:
        self.rules = list(rules)
        self.keep_source_lines = keep_source_lines
        self.run = run or RunContext()
        if not self.run.selected:
            self.run.selected = frozenset(rule.id for rule in self.rules)
        self.peer_annotations = peer_annotations
        self._variants: dict[frozenset[str], Engine] = {}
        by_id = {rule.id: rule for rule in self.rules}
        self._engine_rules = {rid: by_id.get(rid) for rid in (INTERNAL_ERROR, INVALID_YAML, INVALID_OBJECT)}
        self._object_rules = [r for r in self.rules if r.target == "object"]
        self._pod_rules = [r for r in self.rules if r.target == "pod"]
        self._container_rules = [r for r in self.rules if r.target == "container"]
        self._run_rules = [r for r in self.rules if r.target == "run"]
        self._by_kind: dict[str, tuple[list[tuple[Rule, Any, Any]], ...]] = {}
        self._pointers: dict[str, tuple[str, Any]] = {}
        self._namespaces: dict[str, tuple[Mode, ...]] = {}  # namespace -> its Pod Security Admission modes
        self._workloads = workloads  # None: the built-in table, loaded when a rule first asks for pod templates
        self._sweep: list[Rule] | None = None  # the secret checks not selected: run only to learn the secrets
        self._reset_budget()
        self._fixes = {rule.id: rule for rule in self.rules if rule.fix} or None  # rules whose findings get fixes

    # -- entry points ---------------------------------------------------------------------------

    def lint_source(self, path: str, source: SourceText | SourceError, explicit: bool,
                    disabled: frozenset[str] = frozenset(), rendered: bool = False,
                    roots: SourceRoots | None = None) -> FileResult:
        """Lint decoded text, or report why the file could not be read (always reported, never skipped)."""
        if isinstance(source, SourceError):
            self._reset_budget()
            result = FileResult(path, placement=Placement(path))
            if INVALID_YAML not in disabled:
                self._emit(result, INVALID_YAML, source.message, source.line, source.col)
            return result
        return self.lint_text(path, source.text, explicit, disabled, rendered, roots)

    def lint_text(self, path: str, text: str, explicit: bool = True, disabled: frozenset[str] = frozenset(),
                  rendered: bool = False, roots: SourceRoots | None = None) -> FileResult:
        """Lint one file's text. ``disabled``: rule ids that do not run on this file (per-file-ignores);
        ``rendered``: the text is rendered Helm/Kustomize output whose documents name their source files;
        ``roots``: where those files are, so findings land on their lines."""
        if disabled:
            return self._without(disabled).lint_text(path, text, explicit, rendered=rendered, roots=roots)
        result = FileResult(path, placement=Placement(path, text, rendered, roots))
        self._reset_budget()
        self._lint_documents(result, text, explicit)
        if self._left_out:
            self._report_left_out(result)
        if self.keep_source_lines:
            self._attach_source_lines(result, text)
        result.findings.sort(key=Finding.sort_key)
        return result

    def _attach_source_lines(self, result: FileResult, text: str) -> None:
        lines = split_lines(text)
        placement = result.placement if result.placement is not None and result.placement.mapped else None
        for finding in result.findings:
            own = placement.source_line(finding.path, finding.line) if placement is not None else None
            if own is not None:  # a template or source file line: what the finding's line number names
                finding.source = mask_all(own, result.secrets)
                continue
            line = result.origins.get((finding.path, finding.line), finding.line)
            if 0 < line <= len(lines):
                finding.source = mask_all(lines[line - 1], result.secrets)

    def _lint_documents(self, result: FileResult, text: str, explicit: bool) -> None:
        parsed = parse_yaml(text)
        documents = parsed.documents
        candidates = [(doc, list(objects_of(doc))) for doc in documents]
        has_object = any(isinstance(o, K8sObject) for _, items in candidates for o in items)
        fatal = [p for doc in documents for p in doc.problems if p.fatal]
        if parsed.error is None and parsed.budget is None and not fatal and not has_object and not explicit:
            result.skipped = "no document has apiVersion and kind" if documents else "empty"
            return
        if (parsed.error is not None or fatal) and _TEMPLATE_SYNTAX.search(text):
            # One clear finding instead of a cascade of syntax errors in an unrendered Helm template.
            first = parsed.error or fatal[0]
            self._emit(result, INVALID_YAML,
                       "unrendered template ({{ ... }}): this is not YAML yet; lint the rendered output instead, "
                       f"e.g. `helm template . | kml-lint -` (parser: {first.message})", first.line, first.col)
            return
        if parsed.error is not None:
            self._emit(result, INVALID_YAML, parsed.error.message, parsed.error.line, parsed.error.col)
        if parsed.budget is not None:
            self._emit(result, INVALID_YAML, parsed.budget.message, parsed.budget.line, parsed.budget.col)
        ctx = FileContext(self.run, text, path=result.path, workloads=self._workloads, stats=result.stats,
                          placement=result.placement)
        linted: list[K8sObject] = []
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
                    result.object_refs.append(item.ref)
                    self._lint_object(result, ctx, item)
                    linted.append(item)
        if self._fixes is not None and result.findings:
            from .fixing.attach import attach

            attach(result, text, linted, ctx, self._fixes)

    def _without(self, disabled: frozenset[str]) -> Engine:
        """An engine for the same run minus some rules (cached: per-file-ignores repeat across files)."""
        if disabled not in self._variants:
            self._variants[disabled] = Engine([r for r in self.rules if r.id not in disabled], self.run,
                                              self._workloads, self.peer_annotations, self.keep_source_lines)
        return self._variants[disabled]

    # -- rules over one object ------------------------------------------------------------------

    def _annotations(self, result: FileResult, obj: K8sObject, annotations: dict[str, Any], pointer: str) -> None:
        if annotations:
            result.directives.extend(annotation_directives(
                result.path, annotations, pointer, obj.ref.document, obj.document.positions,
                f"{pointer}/metadata/annotations", self.peer_annotations))

    def _rules_for(self, kind: str) -> tuple[list[tuple[Rule, Any, Any]], ...]:
        """(rule, function, params) of each target that applies to ``kind``: filtered once per kind, not once
        per object and rule (this loop runs for every container of every pod template)."""
        found = self._by_kind.get(kind)
        if found is None:
            def applicable(rules: list[Rule]) -> list[tuple[Rule, Any, Any]]:
                return [(r, r.check.function, r.params) for r in rules if r.kinds is None or kind in r.kinds]

            found = self._by_kind[kind] = (applicable(self._object_rules), applicable(self._run_rules),
                                           applicable(self._pod_rules), applicable(self._container_rules))
        return found

    def _lint_object(self, result: FileResult, ctx: FileContext, obj: K8sObject) -> None:
        # The three rule loops below repeat their try/except on purpose: this is the hottest loop of a run
        # (about 320,000 rule calls on the corpus), and a shared helper measured 3-8 % slower.
        self._pointers: dict[str, tuple[str, Any]] = {}  # normalised pointers of this object (fingerprints)
        object_rules, run_rules, _, _ = self._rules_for(obj.group_kind)
        self._annotations(result, obj, obj.annotations, obj.base)
        if object_rules:
            subject = obj.describe()
            for rule, function, params in object_rules:
                try:
                    hits = list(function(ctx, obj, params))
                except Exception as exc:  # one failing rule must not stop the others
                    self._internal_error(result, obj, f"rule {rule.id} ({rule.name})", exc)
                    continue
                if hits:
                    self._add(result, rule, obj, subject, hits)
        for rule, _, _ in run_rules:
            self._collect(result, rule, ctx, obj)
        sweep = self._secret_sweep()
        if sweep:
            self._sweep_secrets(result, ctx, obj, sweep)
        if not (self._pod_rules or self._container_rules):
            return
        try:
            views = ctx.views(obj)
        except Exception as exc:
            self._internal_error(result, obj, "pod-template discovery", exc)
            return
        for view in views:
            template_annotations = view.metadata.get("annotations")
            if isinstance(template_annotations, dict) and view.pointer != obj.base:
                self._annotations(result, obj, template_annotations, view.pointer)
            # An embedded object (an AppWrapper component) is matched by its own kind.
            _, _, pod_rules, container_rules = self._rules_for(view.obj.group_kind)
            subject = view.describe()
            role = view.role
            for rule, function, params in pod_rules:
                try:
                    hits = list(function(ctx, view, params))
                except Exception as exc:  # one failing rule must not stop the others
                    self._internal_error(result, obj, f"rule {rule.id} ({rule.name})", exc)
                    continue
                if hits:
                    self._add(result, rule, obj, subject, hits, role)
            if not container_rules:
                continue
            for container in view.containers:
                label = None
                for rule, function, params in container_rules:
                    try:
                        hits = list(function(ctx, view, container, params))
                    except Exception as exc:  # one failing rule must not stop the others
                        self._internal_error(result, obj, f"rule {rule.id} ({rule.name})", exc)
                        continue
                    if hits:
                        label = label or container.describe()
                        self._add(result, rule, obj, f"{subject}, {label}", hits, role, label)

    def _secret_sweep(self) -> list[Rule]:
        if self._sweep is None:
            selected = {rule.check.name for rule in self.rules if rule.check is not None}
            if selected >= SECRET_CHECKS:
                self._sweep = []
            else:
                from .registry import load_rules

                self._sweep = [rule for rule in load_rules() if rule.check is not None
                               and rule.check.name in SECRET_CHECKS and rule.check.name not in selected]
        return self._sweep

    def _sweep_secrets(self, result: FileResult, ctx: FileContext, obj: K8sObject, sweep: list[Rule]) -> None:
        """Run the secret checks no one selected, keeping only the secrets they detect (never their findings)."""
        hits: list[Hit] = []
        try:
            for rule in sweep:
                if rule.kinds is not None and obj.group_kind not in rule.kinds:
                    continue
                function = rule.check.function  # type: ignore[union-attr]
                if rule.target == "object":
                    hits.extend(function(ctx, obj, rule.params))
                    continue
                for view in ctx.views(obj):
                    if rule.target == "pod":
                        hits.extend(function(ctx, view, rule.params))
                    elif rule.target == "container":
                        for container in view.containers:
                            hits.extend(function(ctx, view, container, rule.params))
        except Exception as exc:  # a selected rule that fails reports it; a swept one must not hide the others
            self._internal_error(result, obj, "secret detection", exc)
        for hit in hits:
            if hit.secret:
                result.secrets.update((hit.secret,) if isinstance(hit.secret, str) else hit.secret)

    def _over_budget(self, result: FileResult, rule: Rule) -> bool:
        """Whether ``rule`` has used up its budget of findings in this file (this hit is then counted, not kept)."""
        kept = self._kept[rule.id]
        if kept < FINDINGS_PER_RULE:
            self._kept[rule.id] = kept + 1
            return False
        left = self._left_out.get(rule.id)
        if left is None:
            left = self._left_out[rule.id] = [0, None]
        left[0] += 1
        return True

    def _reset_budget(self) -> None:
        self._kept: Counter[str] = Counter()  # findings kept per rule in the file being linted
        self._left_out: dict[str, list[Any]] = {}  # rule id -> [findings left out, where the first was]

    def _report_left_out(self, result: FileResult) -> None:
        by_id = {rule.id: rule for rule in self.rules}
        for rule_id, (count, first) in self._left_out.items():
            rule = by_id[rule_id]
            path, line, col, pointer, obj = first or (result.path, 1, 1, None, ObjectRef())
            finding = Finding(rule.id, rule.name, rule.severity,
                              f"{count:,} more findings of {rule.id} in this file are not listed (the budget is "
                              f"{FINDINGS_PER_RULE:,} findings per rule per file); fix the ones above and lint again",
                              path, line, col, pointer, obj)
            finding.fingerprint = fingerprint(finding, None)
            result.findings.append(finding)
        self._reset_budget()

    def _add(self, result: FileResult, rule: Rule, obj: K8sObject, subject: str, hits: list[Hit],
             role: str | None = None, container: str | None = None) -> None:
        """Locate a rule's hits and record them as findings."""
        for hit in hits:
            if hit.secret:  # learnt even from a hit left out by a budget: every finding of the file is masked
                result.secrets.update((hit.secret,) if isinstance(hit.secret, str) else hit.secret)
            message, short = hit.message, hit.short or short_text(hit.message)
            severity = rule.severity if hit.severity is None else min(rule.severity, hit.severity)
            if hit.level is not None:
                mode = forbidding(self._admission(obj), hit.admission or hit.level)
                if mode is None and LEVELS.get(hit.level, 0) > rule.level_cap:
                    continue  # a control of a stricter Pod Security Standards level than this run checks
                if mode is not None:  # the namespace's Pod Security label decides
                    said = consequence(mode, _control(rule, hit.admission or hit.level), obj.kind)
                    message, short, severity = f"{short}: {said}; {message}", f"{short} ({mode.mode}: {mode.level})", \
                        mode.severity
            if self._over_budget(result, rule):
                left = self._left_out[rule.id]
                if left[1] is None:
                    line, col = obj.locate(hit.pointer, hit.at)
                    path, line, col, _ = result.place_at(obj, hit.pointer, hit.at, line, col)
                    left[1] = (path, line, col, hit.pointer, obj.ref)
                continue
            line, col = obj.locate(hit.pointer, hit.at)
            path, line, col, related = result.place_at(obj, hit.pointer, hit.at, line, col)
            finding = Finding(rule.id, rule.name, severity, redact(f"{subject}: {message}"), path, line,
                              col, hit.pointer, obj.ref, role=redact(role) if role else None,
                              container=redact(container) if container else None, short=redact(short))
            finding.related = related
            release = result.placement.release if result.placement is not None else None
            finding.fingerprint = fingerprint(finding, obj, self._pointers, release)
            result.findings.append(finding)

    def _admission(self, obj: K8sObject) -> tuple[Mode, ...]:
        """The Pod Security Admission modes of the object's namespace (the run's Namespace facts), per run."""
        namespace = obj.ref.namespace or "default"
        found = self._namespaces.get(namespace)
        if found is None:
            facts = self.run.facts
            found = self._namespaces[namespace] = namespace_modes(facts, namespace) if facts else ()
        return found

    # -- run-scope rules: collect facts per object, judge them once at the end of the run ------------

    def _collect(self, result: FileResult, rule: Rule, ctx: FileContext, obj: K8sObject) -> None:
        try:
            fact = rule.check.function(ctx, obj, rule.params)
        except Exception as exc:
            self._internal_error(result, obj, f"rule {rule.id} ({rule.name})", exc)
            return
        if fact is not None:
            result.facts.setdefault(rule.id, []).append(fact)

    def finish_run(self, facts_by_file: list[tuple[str, dict[str, list[Any]]]],
                   load: Any = None, context: set[str] | frozenset[str] = frozenset()) -> Iterator[FileResult]:
        """Judge the run-scope rules over the facts every file collected (in file order).

        Yields the findings as they are judged, rule by rule, one result per run of consecutive findings in the
        same file: the files' own results were already reported (streaming), so these follow them, and a run
        with thousands of cross-object findings never holds them all. ``load`` reads back a site that was
        spilled to disk (``spill.SiteSpill``). ``context``: files whose facts are consulted but whose findings are
        never reported (the repository around files named on the command line).
        """
        known = {path for path, _ in facts_by_file} - set(context)
        for rule in self._run_rules:
            facts = [fact for _, by_rule in facts_by_file for fact in by_rule.get(rule.id, ())]
            if not facts:
                continue
            current: FileResult | None = None
            try:
                for site, message, *rest in rule.check.finish(facts, rule.params):
                    if site.path not in known:
                        continue  # a site always comes from a linted file; never invent one
                    if load is not None:
                        site = load(site)
                    finding = Finding(rule.id, rule.name, rule.severity, redact(f"{site.subject}: {message}"),
                                      site.path, site.line, site.col, site.pointer, site.obj,
                                      short=redact(rest[0] if rest and rest[0] else short_text(message)))
                    finding.anchor = site.where
                    finding.fingerprint = fingerprint_at(finding, site.path)
                    if current is not None and current.path != site.path:
                        yield _sorted(current)
                        current = None
                    if current is None:
                        current = FileResult(site.path, supplement=True)
                    current.findings.append(finding)
            except Exception as exc:  # one failing rule must not stop the others
                if current is not None:
                    yield _sorted(current)
                    current = None
                error = self._run_error(rule, facts, exc, load)
                if error is not None:
                    yield error
            if current is not None:
                yield _sorted(current)

    def finish_files(self, results: list[FileResult]) -> None:
        """Judge the run-scope rules over in-memory results and add their findings to those results
        (tests and single files; a streaming run uses ``finish_run``)."""
        by_path: dict[str, FileResult] = {}
        for result in results:
            by_path.setdefault(result.path, result)
        for extra in list(self.finish_run([(result.path, result.facts) for result in results])):
            target = by_path[extra.path]
            target.findings.extend(extra.findings)
            target.findings.sort(key=Finding.sort_key)
        for result in results:
            result.facts = {}

    def _run_error(self, rule: Rule, facts: list[Any], exc: Exception, load: Any = None) -> FileResult | None:
        """A run-scope rule that fails becomes one KML000, on the first site its facts recorded."""
        site = next((value for fact in facts for value in _sites(fact)), None)
        if site is None:
            return None
        if load is not None:
            site = load(site)
        result = FileResult(site.path, supplement=True)
        self._reset_budget()
        self._emit(result, INTERNAL_ERROR, f"internal error in rule {rule.id} ({rule.name}) over the run: "
                   f"{type(exc).__name__}: {exc}; the other rules still ran (please report this with the "
                   "manifests)", site.line, site.col, pointer=site.pointer, obj=site.obj)
        return result

    def failed_file(self, path: str, exc: Exception) -> FileResult:
        """The result of a file whose linting failed outside any one rule: one KML000 at its start, so the run
        and every other file's results go on."""
        result = FileResult(path)
        self._reset_budget()
        self._emit(result, INTERNAL_ERROR, f"internal error while linting this file: {type(exc).__name__}: {exc}; "
                   "the other files were still linted (please report this with the manifest)", 1, 1)
        return result

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
        if self._over_budget(result, rule):
            left = self._left_out[rule.id]
            if left[1] is None:
                left[1] = (*result.place(line), col, pointer, obj or ObjectRef())
            return
        # Parser messages may quote the input: mask any credential they hold.
        path, line = result.place(line)
        finding = Finding(rule.id, rule.name, rule.severity, redact(message), path, line, col, pointer,
                          obj or ObjectRef())
        finding.fingerprint = fingerprint(finding, None)
        result.findings.append(finding)


def _control(rule: Rule, level: str) -> str:
    """The name of the rule's Pod Security Standards control at ``level`` (its first), for messages."""
    for entry in rule.pod_security:
        if entry["level"] == level:
            return entry["control"]
    return rule.pod_security[0]["control"] if rule.pod_security else rule.name


def normalised_pointer(root: Any, pointer: str | None,
                       memo: dict[str, tuple[str, Any]] | None = None) -> str:
    """The pointer with list indexes replaced by item names where items have one (containers, env...).

    Fingerprints built on it survive reordering containers and editing unrelated lines. ``memo`` (one per
    object) remembers every prefix already normalised: an object's findings share their container's prefix.
    """
    if not pointer:
        return pointer or ""
    return _normalise(root, pointer, {} if memo is None else memo)[0]


def _normalise(root: Any, pointer: str, memo: dict[str, tuple[str, Any]]) -> tuple[str, Any]:
    """``(normalised pointer, node at the pointer)``, normalising the parent first (remembered)."""
    if not pointer:
        return "", root
    found = memo.get(pointer)
    if found is not None:
        return found
    cut = pointer.rfind("/")
    prefix, node = _normalise(root, pointer[:cut], memo)
    token = pointer[cut + 1:]
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        child = node[int(token)]
        name = child.get("name") if isinstance(child, dict) else None
        part = f"[{name}]" if isinstance(name, str) and name else token
    else:
        part = token
        key = token.replace("~1", "/").replace("~0", "~") if "~" in token else token
        child = node.get(key) if isinstance(node, dict) else None
    found = memo[pointer] = (f"{prefix}/{part}", child)
    return found


def fingerprint(finding: Finding, obj: K8sObject | None, memo: dict[str, tuple[str, Any]] | None = None,
                release: str | None = None) -> str:
    """Rule, file, object identity and normalised pointer: no line numbers, so edits elsewhere keep it.

    ``memo`` (one per object) remembers normalised pointers: several rules often report the same field.
    ``release``: a Helm release name that object names contain; replaced, so a renamed release keeps them.
    """
    pointer = finding.pointer or ""
    if obj is not None:  # relative to the object: its identity already names it
        finding.anchor = normalised_pointer(obj.data, pointer[len(obj.base):], memo)
    else:  # KML001/KML002: the problem itself is the identity
        finding.anchor = f"{pointer}\x1f{finding.message}"
    if release:  # a chart's objects are named after the release: fingerprints must not be
        finding.identity = finding.obj.identity().replace(release, "<release>")
    return fingerprint_at(finding, finding.path)


def fingerprint_at(finding: Finding, path: str) -> str:
    """The fingerprint ``finding`` would have if its file were named ``path`` (a baseline's relative path)."""
    parts = [finding.rule_id, path, finding.identity or finding.obj.identity(), finding.anchor]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def worst(findings: Iterable[Finding]) -> Severity | None:
    levels = [f.severity for f in findings if f.suppression is None]
    return max(levels) if levels else None


def _sorted(result: FileResult) -> FileResult:
    result.findings.sort(key=Finding.sort_key)
    return result


def _sites(fact: Any) -> Iterable[Site]:
    """The ``Site``s a fact holds (as itself, as an attribute, or inside tuples and lists), for error reports."""
    if isinstance(fact, Site) or type(fact).__name__ == "SpilledSite":
        yield fact
    elif isinstance(fact, (tuple, list)):
        for item in fact:
            yield from _sites(item)
    elif hasattr(fact, "__dataclass_fields__"):
        for name in fact.__dataclass_fields__:
            yield from _sites(getattr(fact, name, None))
