#!/usr/bin/env python3
"""Crafted hostile inputs just under the size limit: time and peak memory of one kml-lint run each.

    .venv/bin/python bench/crafted.py [--only NAME] [--keep DIR]

Issue 13 asks that any single input under the size limit (10 MB by default) finishes in at most 10 s and
400 MiB on a 2-core machine, with a located finding naming the budget it hit. The inputs are generated on the
fly (never committed); each run is a separate process, measured with resource.getrusage (peak RSS) and the wall
clock. Run by hand, never in CI; tests assert the findings, never time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 10 * 1024 * 1024


def empty_documents() -> str:
    """About 10 MB of empty documents (``---`` lines)."""
    return "---\n" * ((LIMIT - 1024) // 4)


def wide_pod(containers: int = 250_000) -> str:
    """A Pod with 250,000 containers, each missing everything a container rule looks for."""
    lines = ["apiVersion: v1", "kind: Pod", "metadata: {name: wide}", "spec:", "  containers:"]
    lines += [f"  - {{name: c{i}, image: x}}" for i in range(containers)]
    return "\n".join(lines) + "\n"


def pod_under_node_budget() -> str:
    """The widest Pod the node budget lets through (5 nodes a container): every container rule runs on each, and
    the findings budget keeps 1,000 per rule."""
    return wide_pod(19_990)


def alias_documents() -> str:
    """1,000 documents, each with aliases expanding to just under the per-document budget of old (100,000 nodes
    beyond ten times the document's own): about 100 million nodes for rules to walk before budgets were per file."""
    doc = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: a}", "data:",
           "  a: &a [x, x, x, x, x, x, x, x, x, x]", "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
           "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]", "  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
           "  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]"]
    return ("---\n" + "\n".join(doc) + "\n") * 1000


def many_objects() -> str:
    """Small objects up to the size limit: each a Deployment with one container (the findings budget)."""
    one = ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d}\nspec:\n  selector: {matchLabels: "
           "{app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: c, "
           "image: x}]\n")
    size = len(one % 0)
    return "".join(one % i for i in range((LIMIT - 65536) // (size + 6)))


CASES: dict[str, Callable[[], str]] = {
    "empty-documents": empty_documents,
    "pod-250000-containers": wide_pod,
    "pod-19990-containers": pod_under_node_budget,
    "1000-alias-documents": alias_documents,
    "many-objects": many_objects,
}


def measure(path: Path) -> tuple[float, float, int, dict[str, int]]:
    """(seconds, peak MiB, exit code, budget findings by rule) of one run in a fresh process."""
    code = ("import resource, subprocess, sys, time\n"
            "start = time.perf_counter()\n"
            "proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
            "took = time.perf_counter() - start\n"
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "sys.stderr.write(proc.stderr.decode(errors='replace'))\n"
            "sys.stdout.write(f'{took} {peak} {proc.returncode}\\n' + proc.stdout.decode(errors='replace'))\n")
    command = [sys.executable, "-c", code, sys.executable, "-m", "kml_lint", str(path), "--format", "json",
               "--no-cache", "--jobs", "1"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    head, _, body = proc.stdout.partition("\n")
    took, peak, rc = head.split()
    budgets: dict[str, int] = {}
    try:
        for finding in json.loads(body)["findings"]:
            if "budget" in finding["message"]:
                budgets[finding["rule"]] = budgets.get(finding["rule"], 0) + 1
    except (ValueError, KeyError):
        budgets["unparsed output"] = 1
    return float(took), int(peak) / 1024, int(rc), budgets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(CASES))
    parser.add_argument("--keep", help="write the inputs into this folder and keep them")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kml-crafted-"))
    folder.mkdir(parents=True, exist_ok=True)
    print("| input | size | seconds | peak MiB | exit | budget findings |")
    print("|---|---|---|---|---|---|")
    for name, make in CASES.items():
        if args.only and name != args.only:
            continue
        path = folder / f"{name}.yaml"
        path.write_text(make())
        took, peak, rc, budgets = measure(path)
        size = path.stat().st_size / 1024 / 1024
        print(f"| {name} | {size:.1f} MB | {took:.1f} | {peak:.0f} | {rc} | {budgets or '-'} |", flush=True)
        if not args.keep:
            path.unlink()
    if not args.keep:
        folder.rmdir()
    _ = resource  # the parent's own usage is not reported: each run is a child process


if __name__ == "__main__":
    main()
