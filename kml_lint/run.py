"""One run: discover files, lint them (in worker processes when there are many), apply run-wide
suppressions in file order, collect the report.

Each file is processed and released on its own: the report keeps findings, never documents, so memory stays
bounded by the largest file plus the findings. Output is identical whatever ``jobs`` is (order included).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .checks import RunContext
from .credentials import mask_all
from .discovery import Target, discover
from .engine import Engine, FileResult
from .findings import Finding
from .registry import Rule
from .rendering.placement import SourceRoots
from .report import RunReport, Summary
from .runwide import RunFacts, prepass
from .runwide.context import repository_context
from .source import DEFAULT_MAX_FILE_SIZE, SourceError, SourceText, decode, read_path
from .spill import SiteSpill
from .suppress import Baseline, Directive, Suppressor, _path_glob, comment_directives, selector_matches
from .workloads import WorkloadTable

HANDFUL = 8  # below this many files, starting worker processes costs more than it saves


@dataclass(slots=True)
class RunOptions:
    """What the command line and configuration asked of a run."""

    paths: list[str]
    rules: list[Rule]
    excludes: list[str] = field(default_factory=list)
    force_exclude: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    platform: str | None = None
    stdin_filename: str | None = None
    config: Any = None  # config.Config: exemptions, per-file-ignores, base folder
    baseline: Baseline | None = None
    known_rules: list[Rule] = field(default_factory=list)  # every loaded rule (suppressions may name any)
    peer_annotations: dict[str, dict[str, list[str]]] | None = None
    today: dt.date | None = None
    keep_source_lines: bool = False  # --format full shows them
    progress: Any = None  # callable(done, total) or None
    jobs: int | None = None  # None: every usable CPU when there are more than a handful of files
    cache: bool = False
    cache_dir: str | None = None  # None: the user's cache folder
    kubernetes_version: str | None = None  # None: the newest shipped schemas
    schemas: bool = True
    schema_dirs: list[str] = field(default_factory=list)
    strict_kinds: bool = False  # KML007 (no schema for a kind) becomes an error
    workloads: WorkloadTable | None = None  # the built-in table when None; users' rows extend it
    render: bool = True  # render the charts and build the kustomizations met (rendering/)
    source_root: str | None = None  # piped rendered input: where `# Source:` and origin paths are rooted
    chart: str | None = None  # piped `helm template` output of this chart folder
    cluster: Any = None  # scheduling.cluster.Cluster from --cluster files: descriptions, never linted


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _PerFileIgnores:
    """``per-file-ignores``: path glob -> rules that do not run on matching files (no result at all)."""

    def __init__(self, config: Any, rules: list[Rule]) -> None:
        entries = (config.get("per-file-ignores") or {}) if config is not None else {}
        self.base_dir = config.base_dir if config is not None else os.getcwd()
        self.entries = [(pattern, frozenset(rule.id for rule in rules
                                            if any(selector_matches(s, rule.id, rule.name) for s in selectors)))
                        for pattern, selectors in entries.items()]

    def disabled(self, path: str) -> frozenset[str]:
        if not self.entries or path == "-":
            return frozenset()
        shown = path.replace(os.sep, "/")
        relative = os.path.relpath(os.path.abspath(path), self.base_dir).replace(os.sep, "/")
        out: set[str] = set()
        for pattern, ids in self.entries:
            if _path_glob(shown, pattern) or _path_glob(relative, pattern):
                out |= ids
        return frozenset(out)


class FileLinter:
    """Everything that depends only on one file: linting, its own suppressions, the cache. Runs in workers."""

    def __init__(self, options: RunOptions, facts: RunFacts | None = None) -> None:
        self.options = options
        self.run = RunContext(platform=options.platform, kubernetes_version=options.kubernetes_version,
                              schemas=options.schemas, schema_dirs=tuple(options.schema_dirs), facts=facts,
                              cluster=options.cluster)
        self.engine = Engine(options.rules, self.run, workloads=options.workloads,
                             peer_annotations=options.peer_annotations, keep_source_lines=options.keep_source_lines)
        self.local = Suppressor(today=options.today, selected=options.rules, known=options.known_rules)
        self.ignores = _PerFileIgnores(options.config, options.rules)
        self.cache = None
        self.cache_problem: str | None = None
        if options.cache:
            from .cache import CacheUnusable, ResultCache, rules_signature

            signature = rules_signature(options.rules, {
                "platform": options.platform, "peers": options.peer_annotations, "lines": options.keep_source_lines,
                "max": options.max_file_size, "today": (options.today or dt.date.today()).isoformat(),
                "kubernetes": options.kubernetes_version, "schemas": options.schemas,
                "schema_dirs": _folder_signature(options.schema_dirs),
                "workloads": repr(options.workloads.by_kind) if options.workloads is not None else None,
                "cluster": options.cluster.digest if options.cluster is not None else None,
                # What other files of the run say (CRDs, Namespaces...) changes a file's findings too.
                "runwide": facts.digest if facts is not None else ""})
            try:
                self.cache = ResultCache(signature, {rule.id for rule in options.rules}, options.cache_dir)
            except CacheUnusable as exc:
                self.cache_problem = str(exc)

    def lint_target(self, target: Target) -> FileResult:
        start = time.perf_counter()
        result = self.lint(target.path, read_path(target.path, self.options.max_file_size), target.explicit)
        result.seconds = time.perf_counter() - start  # reading included
        return result

    def lint(self, path: str, source: SourceText | SourceError, explicit: bool, rendered: bool = False,
             roots: SourceRoots | None = None) -> FileResult:
        start = time.perf_counter()
        result = self._lint(path, source, explicit, rendered, roots)
        result.seconds = time.perf_counter() - start
        return result

    def _lint(self, path: str, source: SourceText | SourceError, explicit: bool, rendered: bool,
              roots: SourceRoots | None = None) -> FileResult:
        disabled = self.ignores.disabled(path)
        key = None
        if roots is not None:  # a chart or overlay kml-lint rendered: its findings depend on files it read
            return lint_file_local(self.engine, self.local, path, source, explicit, disabled, rendered, roots)
        if self.cache is not None and isinstance(source, SourceText):
            key = self.cache.key(path, source.text, (explicit, sorted(disabled), rendered))
            cached = self.cache.get(key, path)
            if cached is not None:
                return cached
        try:
            result = lint_file_local(self.engine, self.local, path, source, explicit, disabled, rendered)
        except Exception as exc:  # one file must never cost the others their results
            return self.engine.failed_file(path, exc)
        if key is not None:
            self.cache.put(key, result)
        return result


def lint_file_local(engine: Engine, suppressor: Suppressor, path: str, source: SourceText | SourceError,
                    explicit: bool = True, disabled: frozenset[str] = frozenset(),
                    rendered: bool = False, roots: SourceRoots | None = None,
                    keep_secrets: bool = False) -> FileResult:
    """Lint one file and apply the suppressions the file itself carries (comments, annotations).

    ``keep_secrets``: keep the literal secrets found (``--fix``/``--diff`` mask them in the diff they show)."""
    result = engine.lint_source(path, source, explicit, disabled, rendered, roots)
    if not result.skipped:
        text = source.text if isinstance(source, SourceText) else ""
        placement = result.placement if result.placement is not None and result.placement.mapped else None
        place = placement.comment if placement is not None else None
        extra = source_comments(placement) if placement is not None else None
        stale = suppressor.apply_local(path, text, result.findings, result.directives, place, extra)
        if result.facts:
            result.directives = [*suppressor.last_comments, *result.directives]
        if stale:
            result.findings.extend(stale)
            result.findings.sort(key=Finding.sort_key)
    # What a worker sends back or the cache keeps: findings (and run-scope facts), never documents or secrets.
    # The file's own suppressions are kept only where run-scope findings may still arrive for it. Pointers
    # were needed raw for the suppressions above; from here on they are output, so mask any credential in them.
    if not result.facts:
        result.directives = []
    _mask_secrets(result)
    result.secrets = result.secrets if keep_secrets else set()
    result.origins, result.placement = {}, None
    return result


def _mask_secrets(result: FileResult) -> None:
    """Every value detected as a secret anywhere in the file, masked in every finding of the file: a value one rule
    masks may be quoted by another rule's message (an AWS key as a quantity), a suppression reason or a pointer.
    Known credential formats are masked wherever they appear (``redact``) even when no rule reported them."""
    secrets = result.secrets
    for finding in result.findings:
        finding.message = mask_all(finding.message, secrets)
        if finding.short:
            finding.short = mask_all(finding.short, secrets)
        if finding.pointer:
            finding.pointer = mask_all(finding.pointer, secrets)
        if finding.role:
            finding.role = mask_all(finding.role, secrets)
        if finding.container:
            finding.container = mask_all(finding.container, secrets)
        if finding.suppression is not None and finding.suppression.reason:
            finding.suppression.reason = mask_all(finding.suppression.reason, secrets)
        if finding.anchor and mask_all(finding.anchor, secrets) != finding.anchor:
            # The fingerprint's anchor must stay exact to mean anything, so one holding a secret is dropped, as
            # the cache drops one holding a known token: the finding keeps its fingerprint.
            finding.anchor = ""
    for directive in result.directives:  # kept for run-scope findings, which show their reasons
        if directive.reason:
            directive.reason = mask_all(directive.reason, secrets)


def source_comments(placement: Any) -> list[Directive]:
    """Suppression comments of the plain YAML files rendered documents came from (Kustomize drops comments)."""
    out: list[Directive] = []
    for shown, real in placement.source_files():
        text = placement.text_of(real)
        if text:
            out.extend(comment_directives(shown, text))
    return out


def lint_file(engine: Engine, suppressor: Suppressor, path: str, source: SourceText | SourceError,
              explicit: bool = True, disabled: frozenset[str] = frozenset(), rendered: bool = False) -> FileResult:
    """Lint one file as a whole run (tests, single files): every layer, run-scope rules over this file alone."""
    result = lint_file_local(engine, suppressor, path, source, explicit, disabled, rendered)
    suppressor.apply_run(result.findings)
    for extra in engine.finish_run([(result.path, result.facts)]):
        suppressor.apply_supplement(extra.findings, result.directives)
        result.findings.extend(extra.findings)
        result.findings.sort(key=Finding.sort_key)
    result.facts, result.directives = {}, []
    return result


# Worker processes get their FileLinters through fork inheritance (see _parallel), never by pickling rules.
# A job is (which linter, target): the run's files use the first, the repository's context files the second.
_WORKERS: tuple[FileLinter, ...] = ()


def _worker_init(linters: tuple[FileLinter, ...]) -> None:
    global _WORKERS
    _WORKERS = linters
    # The parent reports every failure (a check that raises becomes KML000 in the result it receives). What
    # a worker could still print are tracebacks of the pool's own plumbing once the parent is gone (a
    # BrokenPipeError sending a result back): a killed or interrupted run ends quietly instead.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the pool
    if not os.environ.get("KML_LINT_DEBUG"):
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the worker's whole life


def _worker_lint(job: tuple[int, Target]) -> FileResult:
    return _WORKERS[job[0]].lint_target(job[1])


def _parallel(linters: tuple[FileLinter, ...], jobs_list: list[tuple[int, Target]], jobs: int) -> Iterator[FileResult]:
    """Results in job order from ``jobs`` worker processes (forked: rules and checks are inherited)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    chunk = max(1, min(16, len(jobs_list) // (jobs * 8) or 1))
    with context.Pool(jobs, initializer=_worker_init, initargs=(linters,)) as pool:
        yield from pool.imap(_worker_lint, jobs_list, chunksize=chunk)


MAX_JOBS = 64
"""More worker processes than this only cost memory and start-up, whatever the machine."""


def _jobs(requested: int | None, files: int) -> int:
    """Worker processes for ``files`` files: what was asked, but never more than the usable CPUs (linting is
    CPU-bound: more processes only share them), the files, or ``MAX_JOBS``."""
    if requested is None:
        requested = usable_cpus() if files > HANDFUL else 1
    wanted = max(1, min(requested, usable_cpus(), files, MAX_JOBS))
    if wanted == 1:
        return 1
    import multiprocessing  # only when worker processes are wanted: it costs a one-file run's start-up

    return wanted if "fork" in multiprocessing.get_all_start_methods() else 1  # no fork (Windows): one process


def lint_paths(options: RunOptions, stdin: bytes | None = None,
               sink: Callable[[FileResult], None] | None = None) -> RunReport:
    """Lint every file the paths lead to. Raises FileNotFoundError for a path that does not exist.

    With a ``sink``, each file's result goes to it as soon as it is final and is not kept: the returned
    report then holds only the totals (``report.summary``), so memory does not grow with the corpus.
    """
    found = discover(options.paths, options.excludes, options.force_exclude)
    described = {os.path.realpath(path) for path in options.cluster.sources} if options.cluster is not None else set()
    if described:  # cluster descriptions are read as such, never linted as manifests (nor read as context)
        kept = [t for t in found.targets if t.path == "-" or os.path.realpath(t.path) not in described]
        found.skipped.extend((t.path, "a cluster description (--cluster)") for t in found.targets if t not in kept)
        found.targets = kept
    options.rules = schema_rules(options)
    piped = None
    if any(t.path == "-" for t in found.targets):  # read now: the pre-pass sees piped manifests too
        piped = stdin if stdin is not None else sys.stdin.buffer.read(options.max_file_size + 1)
    files = [t for t in found.targets if t.path != "-"]
    # Files named on the command line (pre-commit): the rest of their repository is context, read, never reported.
    run_rules = [rule for rule in options.rules if rule.target == "run"]
    context = repository_context(options.paths, [t.path for t in files], options.excludes, options.max_file_size,
                                 wanted=bool(run_rules))
    if described:
        context.files = [path for path in context.files if os.path.realpath(path) not in described]
        context.near = [t for t in context.near if os.path.realpath(t.path) not in described]
    # The run-wide pre-pass, before any worker is forked (workers inherit its facts): see runwide/.
    facts = prepass([*(t.path for t in files), *context.files], options.max_file_size,
                    others=[*(path for path, _ in found.skipped), *context.others],
                    stdin=(options.stdin_filename or "-", piped) if piped is not None else None)
    plan = None
    if options.render:  # charts and overlays (found by the pre-pass) render; the files they use are theirs
        from .rendering.plan import prepare

        plan = prepare(found, options.paths, facts)
        files = [t for t in found.targets if t.path != "-"]
    linter = FileLinter(options, facts)
    if facts("crds"):  # the run's CRDs: converted and their pods derived once, here, before workers fork
        from .pods.finder import pod_finder
        from .workloads import builtin_table

        pod_finder(linter.run, options.workloads or builtin_table()).prepare(facts("crds"))
    linters = (linter, FileLinter(replace(options, rules=run_rules), facts)) if context.near else (linter,)
    if options.schemas and options.schema_dirs:
        # Read users' schemas before any worker starts, so that unreadable ones are reported once, here.
        from .checks.schema import schema_store

        store = schema_store(linter.run)
        store.preload()
        found.problems.extend(store.problems)
    run_layers = Suppressor(options.config, options.baseline, options.today, options.rules, options.known_rules)
    report = RunReport(options.rules, skipped=found.skipped, problems=found.problems, cwd=os.getcwd(),
                       notes=facts_notes(facts), cache_problem=linter.cache_problem)
    summary = report.totals = Summary(skipped=report.skipped, problems=report.problems, notes=report.notes)
    keep = sink is None

    def emit(result: FileResult) -> None:
        summary.add(result)
        if keep:
            report.files.append(result)
        else:
            sink(result)

    work = [(1, t) for t in context.near] + [(0, t) for t in files]
    # Worker processes are worth it for the run's own files; context alone never starts them (a one-file run).
    jobs = min(_jobs(options.jobs, len(files)), max(1, len(work)))
    results = _parallel(linters, work, jobs) if jobs > 1 else (linters[n].lint_target(t) for n, t in work)
    total = len(found.targets)
    done = 0
    run_facts: list[tuple[str, dict[str, list[Any]]]] = []  # run-scope rules: small facts, not files
    spill = SiteSpill()  # the facts' sites wait on disk until a finding needs one
    kept_directives: dict[str, list[Any]] = {}  # suppressions of files that may get run-scope findings

    def settle(result: FileResult) -> None:
        """A file's (or a render's) own result is final: run-wide suppressions, its run-scope facts kept for the
        end of the run, and on to the reporter."""
        run_layers.apply_run(result.findings)
        if result.facts:
            run_facts.append((result.path, spill.compact(result.facts)))
            if result.directives:
                kept_directives[result.path] = result.directives
        emit(result)
        result.facts, result.directives = {}, []

    for _ in context.near:  # context first: only its run-scope facts are kept
        result = next(results)
        if result.facts:
            run_facts.append((result.path, spill.compact(result.facts)))
    for target in found.targets:
        if target.path == "-":  # piped from `helm template` or `kustomize build`: rendered manifests
            source = _decode_limited(piped or b"", options.max_file_size)
            result = linter.lint(options.stdin_filename or "-", source, True, rendered=True,
                                 roots=piped_roots(options))
        else:
            result = next(results)
        done += 1
        if options.progress is not None:
            options.progress(done, total)
        if result.skipped:
            report.skipped.append((result.path, result.skipped))
            continue
        settle(result)
    if hasattr(results, "close"):
        results.close()  # stops the worker pool
    if plan is not None:
        from .rendering.renders import lint_renders

        for result in lint_renders(linter, plan, options):
            settle(result)
    if context.near:  # the same order whichever files were named and which were context
        run_facts.sort(key=lambda item: item[0])
    # Cross-object (run-scope) rules: judged once every file has been seen; their findings follow.
    try:
        for extra in linter.engine.finish_run(run_facts, spill.load, context={t.path for t in context.near}):
            run_layers.apply_supplement(extra.findings, kept_directives.get(extra.path, []))
            emit(extra)
    finally:
        spill.close()
        for each in linters:
            if each.cache is not None:
                each.cache.close()
    unused = run_layers.unused_config()
    if unused:
        emit(FileResult(unused[0].path, sorted(unused, key=Finding.sort_key)))
    return report


def piped_roots(options: RunOptions) -> SourceRoots | None:
    """Where piped rendered input's `# Source:` and origin paths are rooted (--chart, --source-root)."""
    if options.chart is None and options.source_root is None:
        return None
    charts: dict[str, str] = {}
    values: list[str] = []
    if options.chart is not None:
        from .rendering.helm import chart_name

        chart = os.path.abspath(options.chart)
        charts[chart_name(chart)] = chart
        values.append(os.path.join(chart, "values.yaml"))
    root = os.path.abspath(options.source_root) if options.source_root is not None else None
    # The rendered text names the files; only those of the repository it was rendered from are read (Kustomize
    # bases sit beside the overlay, so the source root alone is too narrow).
    from .runwide.context import repository_root

    anchor = os.path.join(root or os.path.abspath(options.chart or "."), "x")
    return SourceRoots(helm_charts=charts, source_root=root, values=values,
                       confine=repository_root(anchor) or os.getcwd())


def facts_notes(facts: RunFacts) -> list[str]:
    """What --verbose says about the pre-pass: how many facts of each kind the run's files hold, and which CRDs
    of the run are used instead of the shipped ones (or of an earlier CRD of the run)."""
    if not facts:
        return ["run-wide facts: none (no CRD, Namespace, quota, queue, kustomization or chart among the files)"]
    counts = ", ".join(f"{len(items)} {kind}" for kind, items in facts.by_kind.items())
    return [f"run-wide facts: {counts}", *crd_notes(facts)]


def crd_notes(facts: RunFacts) -> list[str]:
    import json

    from .registry import schemas_dir

    try:
        shipped = {tuple(item) for item in json.loads((schemas_dir() / "crds" / "index.json").read_text())}
    except (OSError, ValueError):
        shipped = set()
    notes, first = [], {}
    for fact in facts("crds"):
        spec = fact.data.get("spec") if isinstance(fact.data.get("spec"), dict) else {}
        names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
        group, kind = spec.get("group"), names.get("kind")
        versions = [v.get("name") for v in spec.get("versions") or [{"name": spec.get("version")}]
                    if isinstance(v, dict) and isinstance(v.get("name"), str)]
        for version in versions:
            where = f"{fact.path}:{fact.line}"
            key = (group, version, kind)
            if key in first:
                notes.append(f"{where}: CRD of {group}/{version} {kind} not used: {first[key]} defines it first")
                continue
            first[key] = where
            if key in shipped:
                notes.append(f"{where}: CRD of {group}/{version} {kind} is used instead of the shipped one (it is "
                             "the version this repository deploys)")
    return notes


def schema_rules(options: RunOptions) -> list[Rule]:
    """The rules as the schema options change them: none that validate without schemas, KML007 an error with
    --strict-kinds."""
    from .checks.schema import VALIDATING_CHECKS
    from .findings import Severity

    rules = []
    for rule in options.rules:
        validating = rule.check is not None and rule.check.name in VALIDATING_CHECKS
        if validating and not options.schemas:
            continue
        if options.strict_kinds and rule.check is not None and rule.check.name == "schema.unknown_kind":
            rule = rule.with_overrides(severity=Severity.ERROR)
        rules.append(rule)
    return rules


def _folder_signature(folders: list[str]) -> list[tuple[str, int, float]]:
    """Users' schema files by name, size and modification time: a changed schema invalidates the cache."""
    out = []
    for folder in folders:
        for root, _, names in os.walk(folder):
            for name in sorted(names):
                path = os.path.join(root, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                out.append((path, info.st_size, info.st_mtime))
    return out


def _decode_limited(data: bytes, limit: int) -> SourceText | SourceError:
    if not data.strip():
        # `helm template ... | kml-lint -` whose first command failed: without pipefail only this shows it
        return SourceError("standard input was empty (did the command writing to the pipe fail?)")
    if len(data) > limit:
        return SourceError(f"input is larger than the {limit:,}-byte limit (--max-file-size): skipped")
    return decode(data)
