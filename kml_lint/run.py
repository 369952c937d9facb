"""One run: discover files, lint each one in turn, apply suppressions, collect the report."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .checks import RunContext
from .discovery import discover
from .engine import Engine, FileResult
from .findings import Finding
from .registry import Rule
from .report import RunReport
from .source import DEFAULT_MAX_FILE_SIZE, SourceError, SourceText, decode, read_path
from .suppress import Suppressor, _path_glob, selector_matches


@dataclass(slots=True)
class RunOptions:
    paths: list[str]
    rules: list[Rule]
    excludes: list[str] = field(default_factory=list)
    force_exclude: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    platform: str | None = None
    stdin_filename: str | None = None
    config: Any = None  # config.Config: exemptions, per-file-ignores, base folder
    baseline: Counter[str] | None = None
    peer_annotations: dict[str, dict[str, list[str]]] | None = None
    today: dt.date | None = None
    keep_source_lines: bool = False  # --format full shows them
    progress: Any = None  # callable(done, total) or None


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


def lint_paths(options: RunOptions, stdin: bytes | None = None) -> RunReport:
    """Lint every file the paths lead to. Raises FileNotFoundError for a path that does not exist."""
    found = discover(options.paths, options.excludes, options.force_exclude)
    engine = Engine(options.rules, RunContext(platform=options.platform),
                    peer_annotations=options.peer_annotations, keep_source_lines=options.keep_source_lines)
    suppressor = Suppressor(options.config, options.baseline, options.today, options.rules)
    ignores = _PerFileIgnores(options.config, options.rules)
    report = RunReport(options.rules, skipped=found.skipped, problems=found.problems, cwd=os.getcwd())
    total = len(found.targets)
    for done, target in enumerate(found.targets):
        if options.progress is not None:
            options.progress(done, total)
        rendered = target.path == "-"  # piped from `helm template` or `kustomize build`
        if rendered:
            data = stdin if stdin is not None else sys.stdin.buffer.read(options.max_file_size + 1)
            path, source, explicit = options.stdin_filename or "-", _decode_limited(data, options.max_file_size), True
        else:
            path, source, explicit = target.path, read_path(target.path, options.max_file_size), target.explicit
        result = lint_file(engine, suppressor, path, source, explicit, ignores.disabled(path), rendered)
        if result.skipped:
            report.skipped.append((result.path, result.skipped))
        else:
            report.files.append(result)
    if options.progress is not None:
        options.progress(total, total)
    unused = suppressor.unused_config()
    if unused:
        report.files.append(FileResult(unused[0].path, sorted(unused, key=Finding.sort_key)))
    return report


def lint_file(engine: Engine, suppressor: Suppressor, path: str, source: SourceText | SourceError,
              explicit: bool = True, disabled: frozenset[str] = frozenset(), rendered: bool = False) -> FileResult:
    """Lint one file and apply every suppression layer to its findings."""
    result = engine.lint_source(path, source, explicit, disabled, rendered)
    if result.skipped:
        return result
    text = source.text if isinstance(source, SourceText) else ""
    place = result.place if result.placement is not None and result.placement.mapped else None
    stale = suppressor.apply(path, text, result.findings, result.directives, place)
    if stale:
        result.findings.extend(stale)
        result.findings.sort(key=Finding.sort_key)
    return result


def _decode_limited(data: bytes, limit: int) -> SourceText | SourceError:
    if len(data) > limit:
        return SourceError(f"input is larger than the {limit:,}-byte limit (--max-file-size): skipped")
    return decode(data)
