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


# Whole commands run as an installed kml-lint does: with its compiled bytecode. An environment that forbids
# writing bytecode (some tool runners set PYTHONDONTWRITEBYTECODE) would have every run compile every module.
COMMAND_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def command(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median peak memory (MiB) of a whole command, via /usr/bin/time -v."""
    walls, peaks = [], []
    timer = shutil.which("time") or "/usr/bin/time"
    for _ in range(runs):
        start = time.perf_counter()
        if os.path.exists(timer):
            proc = subprocess.run([timer, "-v", *args], capture_output=True, text=True, env=COMMAND_ENV)
            match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
            peaks.append(int(match.group(1)) / 1024 if match else float("nan"))
        else:
            subprocess.run(args, capture_output=True, env=COMMAND_ENV)
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


def thousand_nodes(path: Path, nodes: int = 1000) -> None:
    """A ``kubectl get nodes -o yaml`` of a large GPU cluster: CPU, A10G, MIG and H100 pools over three zones,
    some nodes cordoned, every node with its own name (as a real snapshot has)."""
    shapes = [  # (pool, share, allocatable, extra labels, taints)
        ("cpu", 0.6, {"cpu": "15890m", "memory": "63270256Ki", "pods": "110"}, {}, []),
        ("a10g", 0.2, {"cpu": "47810m", "memory": "190426632Ki", "nvidia.com/gpu": "4", "pods": "110"},
         {"nvidia.com/gpu.product": "NVIDIA-A10G"}, [("nvidia.com/gpu", "true", "NoSchedule")]),
        ("a100-mig", 0.1, {"cpu": "95690m", "memory": "1154186784Ki", "nvidia.com/mig-1g.5gb": "16",
                           "nvidia.com/mig-3g.20gb": "8", "pods": "110"},
         {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB", "nvidia.com/mig.strategy": "mixed"},
         [("nvidia.com/gpu", "", "NoSchedule")]),
        ("h100", 0.1, {"cpu": "191450m", "memory": "2063890240Ki", "nvidia.com/gpu": "8", "pods": "110"},
         {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"},
         [("dedicated", "training", "NoExecute"), ("nvidia.com/gpu", "true", "NoSchedule")]),
    ]
    lines = ["apiVersion: v1", "items:"]
    index = 0
    for pool, share, allocatable, extra, taints in shapes:
        for n in range(int(nodes * share)):
            name = f"ip-10-{index // 250}-{index % 250}-{n % 7}.ec2.internal"
            zone = "us-east-1" + "abc"[n % 3]
            cordoned = n % 97 == 96
            labels = {"eks.amazonaws.com/nodegroup": pool, "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                      "topology.kubernetes.io/zone": zone, **extra}
            lines += ["- apiVersion: v1", "  kind: Node", "  metadata:", "    labels:"]
            lines += [f"      {key}: {value}" for key, value in sorted(labels.items())]
            lines += [f"    name: {name}", "  spec:", f"    providerID: aws:///{zone}/i-{index:017x}"]
            node_taints = taints + ([("node.kubernetes.io/unschedulable", "", "NoSchedule")] if cordoned else [])
            if node_taints:
                lines.append("    taints:")
                for key, value, effect in node_taints:
                    lines += [f"    - effect: {effect}", f"      key: {key}"]
                    lines += [f'      value: "{value}"'] if value else []
            if cordoned:
                lines.append("    unschedulable: true")
            lines += ["  status:", "    allocatable:"]
            lines += [f'      {key}: "{value}"' for key, value in sorted(allocatable.items())]
            index += 1
    lines += ["kind: List", "metadata:", '  resourceVersion: ""']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def cluster_rows(corpus: Path, runs: int) -> list[tuple[str, str, str]]:
    """The corpus run with and without a 1,000-node cluster description (paired; target ≤ 1.5×)."""
    kml = [sys.executable, "-m", "kml_lint"]
    with tempfile.TemporaryDirectory() as tmp:
        nodes = Path(tmp) / "nodes.yaml"
        thousand_nodes(nodes)
        (plain, _), (described, _), ratio, _ = paired_commands(
            [*kml, str(corpus), "--format", "json", "--isolated"],
            [*kml, str(corpus), "--format", "json", "--isolated", "--cluster", str(nodes)], runs)
    return [("corpus with a 1,000-node --cluster description", f"{described:.2f} s (without: {plain:.2f} s)",
             f"{ratio:.2f}× the run without one (target ≤ 1.5×)")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "real"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 10x corpus and checkov")
    parser.add_argument("--cluster-only", action="store_true",
                        help="only the corpus with and without a 1,000-node cluster description")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2

    from kml_lint.run import usable_cpus
    from kml_lint.yamlevents import CParser

    module = getattr(CParser, "__module__", "")
    assert "_ruamel_yaml" in module, f"ruamel.yaml's C parser is not in use ({module}); install ruamel.yaml.clib"

    if args.cluster_only:
        print_table(cluster_rows(corpus, max(3, args.runs)))
        return 0
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
    rows.append(("one small file, whole command (in this repository)", f"{one:.3f} s",
                 f"{small_ratio:.1f}× `python -c 'import ruamel.yaml'` (targets ≤ 0.25 s and ≤ 5×)"))
    # A file named inside a repository brings the repository's other manifests as context (cross-object rules
    # and the pre-pass must not depend on which files changed): this repository holds about a thousand test
    # manifests. The same file outside any repository measures start-up and linting alone.
    with tempfile.TemporaryDirectory() as alone:
        lone = shutil.copy(small, alone)
        _, (one, _), small_ratio, _ = paired_commands([sys.executable, "-c", "import ruamel.yaml"], [*kml, lone],
                                                      args.runs * 2)
    rows.append(("one small file, whole command (outside any repository)", f"{one:.3f} s",
                 f"{small_ratio:.1f}× `python -c 'import ruamel.yaml'` (targets ≤ 0.25 s and ≤ 5×)"))

    rows.extend(cluster_rows(corpus, whole_runs))

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

    print_table(rows)
    return 0


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"| {'figure':<{width}} | measured | ratio |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, value, ratio in rows:
        print(f"| {name:<{width}} | {value} | {ratio} |")


if __name__ == "__main__":
    raise SystemExit(main())
