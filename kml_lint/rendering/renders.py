"""Lint what charts and overlays render, with findings on the template and source lines.

Called by the run once the loose files are linted: each chart is rendered per values set and each overlay
built (both in child processes), the output is linted like piped input but with ``SourceRoots``, so findings
land on real files. A finding that several renders of a chart share is reported once, naming the renders.
Renders are linted in the parent process: they are few, and rendering (in its own child) costs more than
linting.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from ..discovery import display_path
from ..engine import FileResult, fingerprint
from ..findings import Finding, ObjectRef
from ..source import SourceText
from . import helm, kustomize
from .patches import PatchIndex
from .placement import SourceRoots
from .plan import ChartSettings, RenderPlan, chart_settings, values_sets

NOT_RENDERED = "KML010"
INVALID_YAML = "KML001"
UNUSED_SUPPRESSION = "KML008"

HELM_HINT = ("install a renderer to lint it: `pip install helm-python-sdk` (Helm's SDK, the `helm` extra) in "
             "kml-lint's environment, or put `helm` on PATH; or pipe `helm template` output with --chart")
KUSTOMIZE_HINT = "install `kustomize` or `kubectl` to lint what it builds; or pipe `kustomize build` output"


def lint_renders(linter: Any, plan: RenderPlan, options: Any) -> Iterator[FileResult]:
    """The results of every chart render and overlay build of the plan, in plan order."""
    engine = helm.renderer() if plan.charts else None
    for chart in plan.charts:
        yield _lint_chart(linter, chart, engine, options)
    command = kustomize.builder() if plan.kustomizations else None
    for item in plan.kustomizations:
        yield _lint_overlay(linter, item, command, plan)


def _finding(linter: Any, rule_id: str, message: str, path: str, line: int, col: int) -> Finding | None:
    rule = next((r for r in linter.engine.rules if r.id == rule_id), None)
    if rule is None:
        return None  # not selected
    finding = Finding(rule.id, rule.name, rule.severity, message, display_path(path), line, col, None, ObjectRef())
    finding.fingerprint = fingerprint(finding, None)
    return finding


def _lint_chart(linter: Any, chart: str, engine: str | None, options: Any) -> FileResult:
    shown = display_path(chart)
    chart_file = os.path.join(chart, "Chart.yaml")
    result = FileResult(shown)
    if engine is None:
        found = _finding(linter, NOT_RENDERED, f"Helm chart {shown} was not rendered, so nothing in it was "
                         f"checked: {HELM_HINT}", chart_file, 1, 1)
        result.findings.extend([found] if found else [])
        return result
    settings = chart_settings(getattr(options, "config", None), chart) or ChartSettings()
    sets = values_sets(chart, settings)
    seen: dict[tuple[Any, ...], tuple[Finding, list[str]]] = {}
    failed: set[str] = set()
    for label, values in sets:
        render = helm.render_chart(chart, values, label, settings.release, settings.namespace,
                                   getattr(options, "kubernetes_version", None), engine)
        if render.problem is not None:
            failed.add(label)
            problem = render.problem
            found = _finding(linter, INVALID_YAML, f"chart {render.name} ({label}) could not be rendered: "
                             f"{problem.message}", problem.path, problem.line, problem.col)
            partial = FileResult(shown, findings=[found] if found else [])
        else:
            # Subcharts are found below the chart's folder by their `# Source:` paths (charts/<name>/...).
            roots = SourceRoots(helm_charts={render.name: chart}, values=render.values,
                                release=settings.release, confine=chart)
            partial = linter.lint(shown, SourceText(render.stream()), True, rendered=True, roots=roots)
            result.objects += partial.objects
            result.object_refs.extend(partial.object_refs)
            if label == sets[0][0]:
                # Cross-object rules judge the default render only: facts of every render would repeat
                # each cross-object finding once per render.
                result.facts = partial.facts
                result.directives.extend(partial.directives)
        for finding in partial.findings:
            key = (finding.rule_id, finding.path, finding.line, finding.col, finding.message)
            if key in seen:
                seen[key][1].append(label)
            else:
                seen[key] = (finding, [label])
    rendered = sum(1 for label, _ in sets if label not in failed)
    for finding, labels in seen.values():
        if finding.rule_id == UNUSED_SUPPRESSION and len(labels) < rendered:
            continue  # a comment used by another render is used: report an unused one once, when none used it
        if len(sets) > 1 and f"({labels[0]})" not in finding.message:
            finding.message += f" [renders: {', '.join(labels)}]"
        result.findings.append(finding)
    result.findings.sort(key=lambda f: (f.path, *f.sort_key()))
    return result


def _lint_overlay(linter: Any, item: kustomize.Kustomization, command: list[str] | None,
                  plan: RenderPlan) -> FileResult:
    shown = display_path(item.folder)
    result = FileResult(shown)
    if item.remote:
        what, line, col = kustomize.remote_position(item)
        found = _finding(linter, NOT_RENDERED, f"kustomization {shown} was not built: {what} needs the network, "
                         "which kml-lint never uses; lint its `kustomize build` output piped in instead",
                         item.file, line, col)
        result.findings.extend([found] if found else [])
        return result
    if item.folder in plan.outside:
        outside = display_path(plan.outside[item.folder])
        found = _finding(linter, NOT_RENDERED, f"kustomization {shown} was not built: it uses {outside}, outside "
                         "the folders being linted", item.file, 1, 1)
        result.findings.extend([found] if found else [])
        return result
    if command is None:
        found = _finding(linter, NOT_RENDERED, f"kustomization {shown} was not built, so what it deploys was not "
                         f"checked: {KUSTOMIZE_HINT}", item.file, 1, 1)
        result.findings.extend([found] if found else [])
        return result
    built = kustomize.build(item.folder, command)
    if built.problem is not None:
        found = _finding(linter, INVALID_YAML, f"kustomization {shown} could not be built: {built.problem}",
                         item.file, built.problem_line, built.problem_col)
        result.findings.extend([found] if found else [])
        return result
    # Origin paths come from kml-lint's own build (made absolute), of a kustomization whose files all lie in
    # the run (plan.outside): nothing to confine.
    roots = SourceRoots(patches=PatchIndex(item.folder))
    partial = linter.lint(shown, SourceText(built.text), True, rendered=True, roots=roots)
    partial.findings.sort(key=lambda f: (f.path, *f.sort_key()))
    return partial
