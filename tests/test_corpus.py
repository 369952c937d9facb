"""The whole real corpus: never a traceback, never an exit code other than 0 or 1."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CORPUS, ROOT, requires_corpus


@requires_corpus()
def test_corpus_lints_without_traceback() -> None:
    # The timeout is a hang guard, not a benchmark (bench/bench.py measures speed).
    proc = subprocess.run([sys.executable, "-m", "kml_lint", str(CORPUS), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=50)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["summary"]["files"] > 3000
    assert not [f for f in report["findings"] if f["rule"] == "KML000"], "a rule crashed on a real manifest"


@requires_corpus()
def test_corpus_sarif_is_valid_for_every_finding() -> None:
    from test_sarif import assert_github_ready, assert_valid

    proc = subprocess.run([sys.executable, "-m", "kml_lint", str(CORPUS), "--format", "sarif"],
                          capture_output=True, text=True, cwd=ROOT, timeout=50)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    log = json.loads(proc.stdout)
    assert_valid(log)
    assert_github_ready(log)
