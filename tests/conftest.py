"""Shared helpers: run the linter in process, read `# expect:` markers, locate the shared corpus."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from kml_lint.checks import RunContext, check
from kml_lint.engine import Engine, FileResult
from kml_lint.registry import Rule, load_rules
from kml_lint.run import lint_file
from kml_lint.source import SourceText
from kml_lint.suppress import Suppressor

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "real"

_MARKER = re.compile(r"#\s*expect:\s*(?P<ids>[A-Z0-9@, ]+?)\s*(?:#.*)?$")


@pytest.fixture(autouse=True, scope="session")
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """--cache writes to the user's cache folder by default: tests keep theirs in a temporary folder."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


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
    """Lint one text as a whole run would: every suppression layer, run-scope rules over this file."""
    chosen = rules if rules is not None else all_rules()
    engine = Engine(chosen, RunContext(platform=platform))
    return lint_file(engine, Suppressor(selected=chosen, known=all_rules()), path, SourceText(text), explicit)


def rules_by_id(*ids: str) -> list[Rule]:
    wanted = set(ids)
    return [rule for rule in all_rules() if rule.id in wanted]


def cli(*args: str, cwd: Path | None = None, input: str | bytes | None = None,
        env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the command in process from ``cwd`` (default: here): (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from kml_lint.cli import command

    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner(env=env).invoke(command, list(args), input=input, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def kml_process(*args: str, cwd: Path = ROOT, timeout: int = 120,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kml_lint`` as a separate process from ``cwd`` (this checkout's package, whatever is
    installed). ``timeout`` is a hang guard, never a speed assertion."""
    return subprocess.run([sys.executable, "-m", "kml_lint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def requires_corpus() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real is not present")
