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
from .workloads import WorkloadTable


@dataclass(slots=True)
class RunOptions:
    paths: list[str]
    rules: list[Rule]
    excludes: list[str] = field(default_factory=list)
    force_exclude: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    platform: str | None = None
    stdin_filename: str | None = None
    workloads: WorkloadTable | None = None  # the built-in table when None; users' rows extend it


def lint_paths(options: RunOptions, stdin: bytes | None = None) -> RunReport:
    """Lint every file the paths lead to. Raises FileNotFoundError for a path that does not exist."""
    found = discover(options.paths, options.excludes, options.force_exclude)
    engine = Engine(options.rules, RunContext(platform=options.platform), workloads=options.workloads)
    report = RunReport(options.rules, skipped=found.skipped, problems=found.problems, cwd=os.getcwd())
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
    return report


def _decode_limited(data: bytes, limit: int) -> SourceText | SourceError:
    if len(data) > limit:
        return SourceError(f"input is larger than the {limit:,}-byte limit (--max-file-size): skipped")
    return decode(data)
