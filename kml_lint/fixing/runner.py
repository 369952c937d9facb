"""``--fix`` and ``--diff`` over the files a run would lint: each file fixed on its own, before the report."""

from __future__ import annotations

import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..source import SourceText, decode
from .apply import Outcome, encode_like, fix_text, unified_diff, why_not_writable, write_atomically


@dataclass(slots=True)
class FixReport:
    """What ``--fix``/``--diff`` did over a run."""

    files_changed: int = 0
    applied: Counter[str] = field(default_factory=Counter)  # rule id -> fixes
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why nothing was written)
    refused: Counter[str] = field(default_factory=Counter)  # "rule: reason" -> findings offered no fix
    diff: list[str] = field(default_factory=list)
    stdout: str | None = None  # the fixed stream for `-`


def fix_paths(options: Any, unsafe: bool, write: bool, stdin: bytes | None = None) -> FixReport:
    """Fix every file the run's paths lead to (``write``: in place, else only the diff)."""
    from ..discovery import discover
    from ..run import FileLinter, schema_rules
    from ..runwide import prepass
    from ..suppress import Suppressor

    found = discover(options.paths, options.excludes, options.force_exclude)
    options.rules = schema_rules(options)
    if any(t.path == "-" for t in found.targets) and stdin is None:
        stdin = sys.stdin.buffer.read(options.max_file_size + 1)
    # The same run-wide facts (CRDs, Namespaces...) as the report's run, so the same findings get fixed.
    facts = prepass([t.path for t in found.targets if t.path != "-"], options.max_file_size,
                    others=[path for path, _ in found.skipped],
                    stdin=(options.stdin_filename or "-", stdin) if stdin is not None else None)
    linter = FileLinter(options, facts)
    run_layers = Suppressor(options.config, options.baseline, options.today, options.rules)
    report = FixReport()
    for target in found.targets:
        if target.path == "-":
            data = stdin or b""
            outcome = _fix_data(linter, run_layers, options.stdin_filename or "-", data, unsafe, rendered=True)
            if outcome is None:
                report.stdout = data.decode("utf-8", "surrogateescape")
                continue
            _record(report, outcome, options.stdin_filename or "-", write=False)
            report.stdout = outcome.fixed if outcome.skipped is None else outcome.text
            continue
        for outcome, data in _fix_file(linter, run_layers, target.path, unsafe, report):
            _record(report, outcome, target.path, write)
            if write and outcome.changed and outcome.skipped is None:
                encoded = encode_like(data, outcome.text, _encoding(data), outcome.fixed)
                if encoded is None:
                    report.skipped.append((target.path, "its encoding does not round-trip byte for byte"))
                    report.files_changed -= 1
                    for rule_id, count in outcome.applied.items():
                        report.applied[rule_id] -= count
                    continue
                write_atomically(target.path, encoded)
    report.applied = +report.applied
    return report


def _encoding(data: bytes) -> str:
    decoded = decode(data)
    return decoded.encoding if isinstance(decoded, SourceText) else "utf-8"


def _fix_file(linter: Any, run_layers: Any, path: str, unsafe: bool,
              report: FixReport) -> Iterator[tuple[Outcome, bytes]]:
    why = why_not_writable(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return  # a FIFO, socket or device is never opened (the report says what it is)
    except OSError:
        return
    try:
        with open(path, "rb") as handle:
            data = handle.read(linter.options.max_file_size + 1)
    except OSError as exc:
        report.skipped.append((path, f"cannot read it ({exc.strerror})"))
        return
    if len(data) > linter.options.max_file_size:
        return
    outcome = _fix_data(linter, run_layers, path, data, unsafe)
    if outcome is None:
        return
    if why is not None and outcome.changed:
        report.skipped.append((path, why))
        return
    yield outcome, data


def _fix_data(linter: Any, run_layers: Any, path: str, data: bytes, unsafe: bool,
              rendered: bool = False) -> Outcome | None:
    """``rendered``: standard input, linted as rendered output (findings mapped to templates get no fix)."""
    from ..run import lint_file_local

    source = decode(data)
    if not isinstance(source, SourceText):
        return None
    disabled = linter.ignores.disabled(path)

    def lint(text: str) -> Any:
        result = lint_file_local(linter.engine, linter.local, path, SourceText(text, source.encoding), True, disabled,
                                 rendered, keep_secrets=True)
        run_layers.apply_run(result.findings)
        return result

    return fix_text(path, source.text, lint, unsafe)


def _record(report: FixReport, outcome: Outcome, path: str, write: bool) -> None:
    report.refused.update(outcome.refused)
    if outcome.skipped is not None:
        report.skipped.append((path, outcome.skipped))
        return
    if not outcome.changed:
        return
    report.files_changed += 1
    report.applied.update(outcome.applied)
    if not write:
        report.diff.append(unified_diff(outcome, path))
