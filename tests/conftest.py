"""Shared helpers: run the linter in process, read `# expect:` markers, locate the shared corpus."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from kml_lint.checks import RunContext, check
from kml_lint.engine import Engine, FileResult
from kml_lint.registry import Rule, load_rules

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "real"

_MARKER = re.compile(r"#\s*expect:\s*(?P<ids>[A-Z0-9@, ]+?)\s*(?:#.*)?$")


def expected_markers(text: str) -> set[tuple[int, str, int | None]]:
    """``# expect: KML201`` / ``# expect: KML101, KML102`` / ``# expect: KML301@16`` (with a column)."""
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKER.search(line)
        if not match:
            continue
        for item in match.group("ids").split(","):
            item = item.strip()
            if not item:
                continue
            rule, _, col = item.partition("@")
            found.add((number, rule, int(col) if col else None))
    return found


@check("testing.explode", target="object")
def _explode(ctx, obj, params):  # a test-only check: proves that a failing rule becomes KML000
    if "kml-lint.test/explode" in obj.annotations:
        raise RuntimeError("boom")
    return iter(())


@cache
def _rules(extra: tuple[str, ...]) -> tuple[Rule, ...]:
    return tuple(load_rules(extra, validate_shipped=True))


def all_rules(extra_dirs: tuple[str, ...] = ()) -> list[Rule]:
    return list(_rules(tuple(extra_dirs)))


def lint_text(text: str, rules: list[Rule] | None = None, path: str = "test.yaml", platform: str | None = None,
              explicit: bool = True) -> FileResult:
    engine = Engine(rules if rules is not None else all_rules(), RunContext(platform=platform))
    result = engine.lint_text(path, text, explicit)
    engine.finish_run([result])  # run-scope rules: the file is the whole run
    return result


def rules_by_id(*ids: str) -> list[Rule]:
    wanted = set(ids)
    return [rule for rule in all_rules() if rule.id in wanted]


def requires_corpus() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real is not present")
