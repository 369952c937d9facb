"""Which charts and overlays a run renders, and which files they use.

Walking a folder meets Helm charts (a folder with ``Chart.yaml``) and kustomizations. A chart is rendered once
per values set (its ``values.yaml``, then each ``ci/*-values.yaml`` of the chart-testing convention, then the
values files the configuration adds); a subchart under a parent's ``charts/`` is rendered with its parent. A
kustomization is built unless another kustomization of the run uses it as a base or component (its objects are
linted through the overlays that use it). Files a built kustomization uses (resources, patches, generator
inputs, through its bases too) are not linted as loose manifests. When files are named one by one (pre-commit),
a changed template, helper, values file or ``Chart.yaml`` renders its chart, and a changed base or patch builds
the overlays of the repository that use it.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from typing import Any

from ..discovery import KUSTOMIZATION_NAMES
from .kustomize import Kustomization, read_kustomization


@dataclass(slots=True)
class ChartSettings:
    """What the configuration says of one chart: extra values files, release name, namespace."""

    values: list[str] = field(default_factory=list)
    release: str = "release-name"
    namespace: str = "default"


@dataclass(slots=True)
class RenderPlan:
    charts: list[str] = field(default_factory=list)  # chart folders (absolute), in walk order
    kustomizations: list[Kustomization] = field(default_factory=list)  # to build, in walk order
    used: dict[str, str] = field(default_factory=dict)  # file -> the kustomization folder that uses it
    outside: dict[str, str] = field(default_factory=dict)  # kustomization folder -> a path outside the run


def chart_of(path: str) -> str | None:
    """The outermost chart folder ``path`` is part of (a subchart belongs to its parent), or ``None``."""
    folder = os.path.dirname(os.path.abspath(path)) if not os.path.isdir(path) else os.path.abspath(path)
    found = None
    while True:
        if os.path.isfile(os.path.join(folder, "Chart.yaml")):
            found = folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return found
        folder = parent


def is_chart_file(path: str, chart: str) -> bool:
    """Files of a chart that only make sense rendered: templates, helpers, values, Chart.yaml, ci/ values."""
    relative = os.path.relpath(os.path.abspath(path), chart).replace(os.sep, "/")
    parts = relative.split("/")
    if "templates" in parts[:-1]:
        return True
    name = parts[-1]
    return name in ("Chart.yaml", "Chart.lock", "values.yaml", "values.yml", "values.schema.json") or (
        len(parts) >= 2 and parts[-2] == "ci" and fnmatch.fnmatch(name, "*values.y*ml"))


def values_sets(chart: str, settings: ChartSettings | None) -> list[tuple[str, list[str]]]:
    """(label, extra values files) for each render of ``chart``: the defaults, each ``ci/*-values.yaml``,
    and one more with the configured values files when there are any."""
    out: list[tuple[str, list[str]]] = [("values.yaml", [])]
    ci = os.path.join(chart, "ci")
    try:
        names = sorted(os.listdir(ci))
    except OSError:
        names = []
    for name in names:
        if fnmatch.fnmatch(name, "*values.y*ml") and os.path.isfile(os.path.join(ci, name)):
            out.append((f"ci/{name}", [os.path.join(ci, name)]))
    if settings is not None and settings.values:
        out.append((", ".join(os.path.basename(v) for v in settings.values), list(settings.values)))
    return out


def make_plan(charts: list[str], kustomizations: dict[str, Kustomization], build: list[str],
              confine: list[str]) -> RenderPlan:
    """Decide what to render. ``kustomizations``: every kustomization known (folder -> what it uses);
    ``build``: the folders asked for. ``confine``: the folders of the run; a kustomization that reaches outside
    them is not built (it would read files the run was not given)."""
    plan = RenderPlan()
    for folder in charts:
        outer = chart_of(folder) or os.path.abspath(folder)
        if outer not in plan.charts:
            plan.charts.append(outer)
    read = dict(kustomizations)
    for folder in build:
        _read_tree(folder, read)
    used_as_base: set[str] = set()
    for item in read.values():
        used_as_base |= item.bases
    roots = [os.path.realpath(c) for c in confine]
    for folder in dict.fromkeys(build):
        if folder in used_as_base or folder not in read:
            continue
        item = read[folder]
        plan.kustomizations.append(item)
        for member in _closure(item, read):
            for path in [*member.files, *member.bases]:
                real = os.path.realpath(path)
                if roots and not any(real == r or real.startswith(r + os.sep) for r in roots):
                    plan.outside.setdefault(folder, path)
            for path in member.files:
                plan.used.setdefault(path, folder)
            plan.used.setdefault(member.file, folder)
    return plan


def _read_tree(folder: str, read: dict[str, Kustomization]) -> None:
    """``read`` completed with the bases of ``folder`` that the pre-pass did not see (outside the run)."""
    stack = [folder]
    while stack:
        current = stack.pop()
        if current not in read:
            item = read_kustomization(current)
            if item is None:
                continue
            read[current] = item
        stack.extend(b for b in sorted(read[current].bases) if b not in read)


def _closure(item: Kustomization, read: dict[str, Kustomization]) -> list[Kustomization]:
    out, stack, seen = [], [item.folder], set()
    while stack:
        folder = stack.pop()
        if folder in seen or folder not in read:
            continue
        seen.add(folder)
        out.append(read[folder])
        stack.extend(read[folder].bases)
    return out


def overlays_using(paths: list[str], kustomizations: dict[str, Kustomization]) -> list[str]:
    """The kustomizations whose build uses one of ``paths`` (files or folders), directly or through their
    bases: what a pre-commit run on a changed base or patch must build."""
    wanted = {os.path.abspath(p) for p in paths}
    out = []
    for folder, item in sorted(kustomizations.items()):
        uses: set[str] = set()
        for member in _closure(item, kustomizations):
            uses |= member.files | member.bases | {member.file, member.folder}
        if any(path in uses or any(path.startswith(u + os.sep) for u in uses if os.path.isdir(u))
               for path in wanted):
            out.append(folder)
    return out


def _under(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f + os.sep) for f in folders)


def chart_settings(config: Any, chart: str) -> ChartSettings | None:
    """The configuration's ``charts:`` entry for ``chart`` (keys are chart folders relative to the
    configuration file's folder)."""
    if config is None:
        return None
    entries = config.get("charts") or {}
    base = getattr(config, "base_dir", os.getcwd())
    for key, entry in entries.items():
        if os.path.abspath(os.path.join(base, key)) != chart or not isinstance(entry, dict):
            continue
        values = [os.path.abspath(os.path.join(base, v)) for v in entry.get("values", []) if isinstance(v, str)]
        return ChartSettings(values, str(entry.get("release", "release-name")),
                             str(entry.get("namespace", "default")))
    return None


def prepare(found: Any, paths: list[str], facts: Any) -> RenderPlan:
    """The run's render plan from the pre-pass's charts and kustomizations, and the discovery's targets without
    the files that are linted through renders: chart files, and files a buildable kustomization uses. A file
    named on the command line (as pre-commit passes them) brings its chart, or the overlays of its repository
    that use it (the pre-pass reads the whole repository then)."""
    from .helm import renderer
    from .kustomize import builder, kustomization_from

    folders = [os.path.abspath(p) for p in paths if p != "-" and os.path.isdir(p)]
    known = {}
    for fact in facts("kustomizations"):
        if isinstance(fact.data, dict):
            item = kustomization_from(fact.path, fact.data)
            known[item.folder] = item
    charts = [os.path.dirname(os.path.abspath(f.path)) for f in facts("charts")]
    charts = [c for c in charts if _under(c, folders)]
    build = [folder for folder in sorted(known) if _under(folder, folders)]
    named_files = []
    # Files named on the command line, whether discovery kept them or skipped them (--force-exclude skips a
    # chart's templates and kustomization files: they still say what to render).
    for path in paths:
        if path == "-" or not os.path.isfile(path):
            continue
        full = os.path.abspath(path)
        chart = chart_of(full)
        if chart is not None and is_chart_file(full, chart):
            charts.append(chart)
        elif os.path.basename(full) in KUSTOMIZATION_NAMES:
            build.append(os.path.dirname(full))
        else:
            named_files.append(full)
    confine = list(folders)
    if named_files:
        build.extend(overlays_using(named_files, known))
        from ..runwide.context import repository_root

        root = repository_root(named_files[0])
        confine.append(root or os.getcwd())
    if build and not confine:  # a kustomization file named alone: its own folder bounds it
        confine = [os.path.dirname(b) for b in build]
    plan = make_plan(charts, known, build, confine)
    rendered_charts = set(plan.charts) if plan.charts and renderer() is not None else set()
    buildable = bool(plan.kustomizations) and builder() is not None
    kept = []
    for target in found.targets:
        if target.path == "-":
            kept.append(target)
            continue
        full = os.path.abspath(target.path)
        chart = chart_of(full) if rendered_charts else None  # a walk up the folders: only when charts render
        if chart is not None and chart in rendered_charts and is_chart_file(full, chart):
            found.skipped.append((target.path, f"part of Helm chart {_shown(chart)} (linted through its renders)"))
            continue
        user = plan.used.get(full)
        if buildable and user is not None and _builds(plan, user):
            found.skipped.append((target.path, f"used by kustomization {_shown(user)} (linted through its build)"))
            continue
        kept.append(target)
    found.targets[:] = kept
    return plan


def _builds(plan: RenderPlan, folder: str) -> bool:
    item = next((k for k in plan.kustomizations if k.folder == folder), None)
    return item is not None and not item.remote and folder not in plan.outside


def _shown(path: str) -> str:
    from ..discovery import display_path

    return display_path(path)
