#!/usr/bin/env python3
"""Benchmark kml-lint against the YAML parser's own floor. Run by hand, never in CI.

    .venv/bin/python bench/bench.py [--corpus ../shared/corpus/real] [--runs 5] [--quick]

Every figure is the median of several runs, and every comparison is a ratio measured in the same run
(the machine is shared and noisy, so absolute seconds mean little). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_time(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_times(first: Callable[[], object], second: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Medians of two functions run alternately, and the median of their per-pair ratios (second / first):
    a pair shares the machine's load of the moment, so the ratio is steadier than a ratio of medians."""
    times_a, times_b, ratios = [], [], []
    for _ in range(runs):
        a = median_time(first, 1)
        b = median_time(second, 1)
        times_a.append(a)
        times_b.append(b)
        ratios.append(b / a)
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


def corpus_texts(corpus: Path) -> list[tuple[str, str]]:
    from kml_lint.discovery import discover
    from kml_lint.source import SourceText, read_path

    texts = []
    for target in discover([str(corpus)]).targets:
        source = read_path(target.path)
        if isinstance(source, SourceText):
            texts.append((target.path, source.text))
    return texts


def event_floor(texts: list[tuple[str, str]]) -> None:
    """libyaml's event stream alone: the cost no YAML-reading linter can go below."""
    from kml_lint.yamlevents import CParser

    for _, text in texts:
        parser = CParser(text)
        with contextlib.suppress(Exception):  # broken files count as parsed as far as they go
            while type(parser.get_event()).__name__ != "StreamEndEvent":
                pass
        parser.dispose()


def ruamel_safe(texts: list[tuple[str, str]]) -> None:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=False)
    for _, text in texts:
        with contextlib.suppress(Exception):  # broken files count as parsed as far as they go
            list(yaml.load_all(text))


def lint_in_process(texts: list[tuple[str, str]], schemas: bool) -> Callable[[], None]:
    from kml_lint.checks import RunContext
    from kml_lint.engine import Engine
    from kml_lint.registry import load_rules, select_rules

    rules = select_rules(load_rules())

    def run() -> None:
        # A fresh engine and run context each time: schema loading and compiling count, as in a real run.
        engine = Engine(rules, RunContext(schemas=schemas))
        for path, text in texts:
            engine.lint_text(path, text, explicit=False)

    return run


def command(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median peak memory (MiB) of a whole command, via /usr/bin/time -v."""
    walls, peaks = [], []
    timer = shutil.which("time") or "/usr/bin/time"
    for _ in range(runs):
        start = time.perf_counter()
        if os.path.exists(timer):
            proc = subprocess.run([timer, "-v", *args], capture_output=True, text=True)
            match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
            peaks.append(int(match.group(1)) / 1024 if match else float("nan"))
        else:
            subprocess.run(args, capture_output=True)
            peaks.append(float("nan"))
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), statistics.median(peaks)


def paired_commands(first: list[str], second: list[str], runs: int) -> tuple[tuple[float, float], tuple[float, float],
                                                                             float, float]:
    """Two commands run alternately: each one's median (wall, peak MiB), and the medians of the per-pair
    ratios second / first for wall time and for peak memory (a pair shares the machine's load of the moment)."""
    firsts, seconds, time_ratios, memory_ratios = [], [], [], []
    for _ in range(runs):
        a = command(first, 1)
        b = command(second, 1)
        firsts.append(a)
        seconds.append(b)
        time_ratios.append(b[0] / a[0])
        memory_ratios.append(b[1] / a[1])

    def medians(pairs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)

    return medians(firsts), medians(seconds), statistics.median(time_ratios), statistics.median(memory_ratios)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "real"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 10x corpus and checkov")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2

    from kml_lint.run import usable_cpus
    from kml_lint.yamlevents import CParser

    module = getattr(CParser, "__module__", "")
    assert "_ruamel_yaml" in module, f"ruamel.yaml's C parser is not in use ({module}); install ruamel.yaml.clib"

    texts = corpus_texts(corpus)
    megabytes = sum(len(t.encode()) for _, t in texts) / 1e6
    print(f"corpus: {corpus} ({len(texts)} files, {megabytes:.1f} MB); C parser: {module}; median of {args.runs}\n")

    rows: list[tuple[str, str, str]] = []
    # Every comparison with the floor is paired: the floor runs right before each measurement, and the
    # reported ratio is the median of the per-pair ratios (the machine's load changes from minute to minute).
    def floor_run() -> None:
        event_floor(texts)

    floor, safe, safe_ratio = paired_times(floor_run, lambda: ruamel_safe(texts), args.runs)
    rows.append(("libyaml event stream (floor)", f"{floor:.2f} s", "1.00×"))
    rows.append(("ruamel.yaml safe load, C-backed (reference)", f"{safe:.2f} s", f"{safe_ratio:.2f}×"))
    _, off, off_ratio = paired_times(floor_run, lint_in_process(texts, schemas=False), args.runs)
    rows.append(("kml-lint in process, all rules, schemas off", f"{off:.2f} s", f"{off_ratio:.2f}× (target ≤ 4×)"))
    _, on, on_ratio = paired_times(floor_run, lint_in_process(texts, schemas=True), args.runs)
    _, _, ratio = paired_times(lint_in_process(texts, schemas=False), lint_in_process(texts, schemas=True),
                               args.runs)
    rows.append(("kml-lint in process, all rules, schemas on (default)", f"{on:.2f} s",
                 f"{on_ratio:.2f}× (target ≤ 6×); {ratio:.2f}× schemas off (target ≤ 1.75×)"))

    kml = [sys.executable, "-m", "kml_lint"]
    whole_runs = max(3, args.runs // 2)
    (wall1, peak1), (wall, peak), jobs_time, _ = paired_commands(
        [*kml, str(corpus), "--format", "json", "--jobs", "1"], [*kml, str(corpus), "--format", "json"], whole_runs)
    rows.append(("kml-lint whole command, --jobs 1", f"{wall1:.2f} s, {peak1:.0f} MiB", ""))
    rows.append((f"kml-lint whole command, default jobs ({usable_cpus()} CPUs)", f"{wall:.2f} s, {peak:.0f} MiB",
                 f"{1 / jobs_time:.2f}× faster than --jobs 1 (target ≥ 1.4×)"))

    with tempfile.TemporaryDirectory() as cache:
        # cold: an empty cache folder each time (every file linted, every entry written); warm: all reused
        cached = [*kml, str(corpus), "--format", "json", "--cache-dir"]
        colds, warms = [], []
        for run in range(whole_runs):
            folder = str(Path(cache) / f"run{run}")
            colds.append(command([*cached, folder], 1))
            warms.append(command([*cached, folder], 1))
        cold = statistics.median(c[0] for c in colds)
        warm = statistics.median(w[0] for w in warms)
        ratio = statistics.median(w[0] / c[0] for c, w in zip(colds, warms, strict=True))
    rows.append(("corpus with --cache, cold (entries written)", f"{cold:.2f} s", f"{cold / wall:.2f}× no cache"))
    rows.append(("corpus with --cache, warm (every file reused)", f"{warm:.2f} s", f"{ratio:.2f}× cold"))

    small = ROOT / "examples" / "train-job.yaml"
    _, (one, _), small_ratio, _ = paired_commands([sys.executable, "-c", "import ruamel.yaml"], [*kml, str(small)],
                                                  args.runs * 2)
    rows.append(("one small file, whole command", f"{one:.3f} s",
                 f"{small_ratio:.1f}× `python -c 'import ruamel.yaml'` (targets ≤ 0.25 s and ≤ 5×)"))

    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            for copy in range(10):
                shutil.copytree(corpus, Path(tmp) / f"copy{copy}")
            _, (wall10, peak10), time10, memory10 = paired_commands(
                [*kml, str(corpus), "--format", "json"], [*kml, tmp, "--format", "json"], 3)
        rows.append(("10× corpus, whole command", f"{wall10:.2f} s, {peak10:.0f} MiB",
                     f"time {time10:.1f}× (target 9–11×), memory {memory10:.2f}× (target ≤ 1.5×) the 1× corpus"))
        if shutil.which("checkov"):
            _, (ck_wall, ck_peak), ck_time, ck_memory = paired_commands(
                [*kml, str(corpus), "--format", "json"],
                ["checkov", "-d", str(corpus), "--framework", "kubernetes", "--quiet"], 1)
            rows.append(("checkov -d … --framework kubernetes", f"{ck_wall:.2f} s, {ck_peak:.0f} MiB",
                         f"kml-lint is {ck_time:.1f}× faster (target ≥ 12×), uses {1 / ck_memory:.2f}× "
                         "the memory (target ≤ 0.2×)"))

    width = max(len(r[0]) for r in rows)
    print(f"| {'figure':<{width}} | measured | ratio |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, value, ratio in rows:
        print(f"| {name:<{width}} | {value} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
