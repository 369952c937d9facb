"""One run: discover files, lint each one in turn, collect the report."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from .checks import RunContext
from .discovery import discover
from .engine import Engine
from .registry import Rule
from .report import RunReport
from .source import DEFAULT_MAX_FILE_SIZE, SourceError, SourceText, decode, read_path


@dataclass(slots=True)
class RunOptions:
    paths: list[str]
    rules: list[Rule]
    excludes: list[str] = field(default_factory=list)
    force_exclude: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    platform: str | None = None
    stdin_filename: str | None = None
    kubernetes_version: str | None = None  # None: the newest shipped schemas
    schemas: bool = True
    schema_dirs: list[str] = field(default_factory=list)
    strict_kinds: bool = False  # KML007 (no schema for a kind) becomes an error


def lint_paths(options: RunOptions, stdin: bytes | None = None) -> RunReport:
    """Lint every file the paths lead to. Raises FileNotFoundError for a path that does not exist."""
    found = discover(options.paths, options.excludes, options.force_exclude)
    rules = schema_rules(options)
    run = RunContext(platform=options.platform, kubernetes_version=options.kubernetes_version,
                     schemas=options.schemas, schema_dirs=tuple(options.schema_dirs))
    engine = Engine(rules, run)
    report = RunReport(rules, skipped=found.skipped, problems=found.problems, cwd=os.getcwd())
    for target in found.targets:
        if target.path == "-":
            data = stdin if stdin is not None else sys.stdin.buffer.read(options.max_file_size + 1)
            result = engine.lint_source(options.stdin_filename or "-", _decode_limited(data, options.max_file_size),
                                        True)
        else:
            result = engine.lint_source(target.path, read_path(target.path, options.max_file_size), target.explicit)
        if result.skipped:
            report.skipped.append((result.path, result.skipped))
        else:
            report.files.append(result)
    store = run.extra.get("schema_store")
    if store is not None:
        report.problems.extend(store.problems)  # unreadable --schema-dir files
        report.notes.append(store.summary())
    return report


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


def _decode_limited(data: bytes, limit: int) -> SourceText | SourceError:
    if len(data) > limit:
        return SourceError(f"input is larger than the {limit:,}-byte limit (--max-file-size): skipped")
    return decode(data)
