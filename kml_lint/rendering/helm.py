"""Render a Helm chart, confined: a fresh child process, time and memory limits, no network, no file outside
the chart.

Rendering runs the chart's template code, which a pull request controls. So kml-lint never renders in its own
process: ``render_chart`` starts ``python -m kml_lint.rendering.helm_child`` (a new interpreter, never a fork of
a process that loaded Go's runtime), which caps its own address space and CPU time before it loads a renderer,
and is killed at the wall-clock limit. The child renders offline: Helm's ``lookup`` returns nothing, no
dependency is fetched (a chart whose dependencies are not vendored is reported instead), and the chart is
refused before rendering when a symbolic link inside it leads outside it (Helm's loader follows links, so
``.Files.Get`` could read them). Helm's ``.Files`` holds only the chart's own files, so nothing else is
readable from a template.

Renderers, in order: the ``helm-python-sdk`` package (kml-lint's ``helm`` extra, or ``pip install
helm-python-sdk``: Helm's Go SDK behind a C library, loaded only in the child), else a ``helm`` binary on ``PATH``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from .patches import read_yaml

RENDER_SECONDS = 60
RENDER_MEMORY = 2 * 1024 * 1024 * 1024  # address space of the child; Go reserves arenas generously
_MAX_OUTPUT = 64 * 1024 * 1024

# Helm's error texts: `template: trainer/templates/job.yaml:12:20: executing …` and
# `execution error at (trainer/templates/job.yaml:5:14): …`; `parse error at (trainer/templates/x.yaml:3): …`.
_ERROR_AT = re.compile(r"(?:template: |error at \()(?P<path>[^\s:()]+):(?P<line>\d+)(?::(?P<col>\d+))?")


@dataclass(slots=True)
class RenderProblem:
    """Why a chart could not be rendered, located in the chart file that caused it when Helm says which."""

    message: str
    path: str  # a real file: the template, Chart.yaml, or the chart folder's Chart.yaml by default
    line: int = 1
    col: int = 1


@dataclass(slots=True)
class ChartRender:
    """One render of a chart: its manifests in Helm's order (``# Source:`` path -> text), or its problem."""

    name: str  # the chart's name (the first part of every ``# Source:`` path)
    values: list[str] = field(default_factory=list)  # the values files merged, in order
    label: str = "values.yaml"  # how findings name this render
    manifests: list[tuple[str, str]] = field(default_factory=list)
    problem: RenderProblem | None = None

    def stream(self) -> str:
        """The manifests as ``helm template`` prints them."""
        parts = []
        for source, text in self.manifests:
            parts.append(f"---\n# Source: {source}\n{text.rstrip()}\n")
        return "".join(parts)


def renderer() -> str | None:
    """``sdk``, ``binary`` or ``None``: what can render charts here (the SDK is looked up, never imported)."""
    if importlib.util.find_spec("helm_python") is not None:
        return "sdk"
    if shutil.which("helm"):
        return "binary"
    return None


def chart_name(folder: str) -> str:
    for doc in read_yaml(os.path.join(folder, "Chart.yaml")):
        if isinstance(doc.data, dict) and isinstance(doc.data.get("name"), str):
            return doc.data["name"]
    return os.path.basename(os.path.abspath(folder))


def escaping_links(folder: str) -> list[str]:
    """Symbolic links inside the chart whose target is outside it (or missing): the chart is not rendered."""
    root = os.path.realpath(folder)
    out = []
    for current, dirs, files in os.walk(folder, followlinks=False):
        for name in [*dirs, *files]:
            path = os.path.join(current, name)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if not (target == root or target.startswith(root + os.sep)) or not os.path.exists(target):
                    out.append(path)
    return sorted(out)


def missing_dependencies(folder: str) -> list[tuple[str, int, int]]:
    """Dependencies ``Chart.yaml`` declares that are not vendored under ``charts/``: (name, line, column)."""
    chart_file = os.path.join(folder, "Chart.yaml")
    documents = read_yaml(chart_file)
    if not documents or not isinstance(documents[0].data, dict):
        return []
    dependencies = documents[0].data.get("dependencies")
    try:
        vendored = os.listdir(os.path.join(folder, "charts"))
    except OSError:
        vendored = []
    out = []
    for index, dependency in enumerate(dependencies if isinstance(dependencies, list) else []):
        if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
            continue
        name = dependency["name"]
        if name in vendored or any(entry.startswith(f"{name}-") and entry.endswith(".tgz") for entry in vendored):
            continue
        position = documents[0].positions.get(f"/dependencies/{index}") or (1, 1, 1, 1)
        out.append((name, position[0], position[1]))
    return out


def render_chart(folder: str, values: list[str], label: str, release: str = "release-name",
                 namespace: str = "default", kube_version: str | None = None, engine: str | None = None,
                 seconds: int = RENDER_SECONDS) -> ChartRender:
    """Render ``folder`` with the chart's ``values.yaml`` and then ``values`` (extra files), in a child."""
    name = chart_name(folder)
    chart_file = os.path.join(folder, "Chart.yaml")
    result = ChartRender(name, [os.path.join(folder, "values.yaml"), *values], label)
    engine = engine or renderer()
    if engine is None:
        result.problem = RenderProblem("no Helm renderer", chart_file)
        return result
    links = escaping_links(folder)
    if links:
        result.problem = RenderProblem(f"symbolic link {os.path.relpath(links[0], folder)} leads outside the chart: "
                                       "not rendered (a template could read it)", chart_file)
        return result
    missing = missing_dependencies(folder)
    if missing:
        dep, line, col = missing[0]
        result.problem = RenderProblem(f"dependency {dep} is not vendored under charts/: run `helm dependency "
                                       "build` and commit charts/, or the chart cannot be rendered offline",
                                       chart_file, line, col)
        return result
    request = {"engine": engine, "chart": os.path.abspath(folder), "values": [os.path.abspath(v) for v in values],
               "release": release, "namespace": namespace, "kube_version": kube_version,
               "memory": RENDER_MEMORY, "seconds": seconds}
    try:
        completed = subprocess.run([sys.executable, "-m", "kml_lint.rendering.helm_child"],
                                   input=json.dumps(request).encode(), capture_output=True, timeout=seconds + 5,
                                   env=_child_environment(), cwd=os.path.abspath(folder), check=False)
    except subprocess.TimeoutExpired:
        result.problem = RenderProblem(f"rendering took longer than {seconds} s: stopped", chart_file)
        return result
    except OSError as exc:
        result.problem = RenderProblem(f"could not start the renderer: {exc.strerror or exc}", chart_file)
        return result
    try:
        answer = json.loads(completed.stdout[:_MAX_OUTPUT].decode("utf-8", "replace") or "{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict) or "manifests" not in answer:
        error = answer.get("error") if isinstance(answer, dict) else None
        if not error:
            tail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            error = f"the renderer stopped (exit {completed.returncode}): {tail[0][:300]}"
        result.problem = _locate_error(str(error), folder, name)
        return result
    manifests = answer["manifests"]
    result.manifests = [(str(source), str(text)) for source, text in manifests
                        if isinstance(text, str) and text.strip()]
    return result


def _child_environment() -> dict[str, str]:
    """The child's environment: no proxy settings, no Helm configuration of the user's (repositories,
    registries, plugins), no Kubernetes credentials."""
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "PYTHONPATH", "VIRTUAL_ENV")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    scratch = os.path.join(os.environ.get("TMPDIR", "/tmp"), "kml-lint-helm-home")
    env.update({"HOME": scratch, "HELM_CONFIG_HOME": scratch, "HELM_CACHE_HOME": scratch,
                "HELM_DATA_HOME": scratch, "KUBECONFIG": os.devnull, "HELM_PLUGINS": scratch,
                "NO_PROXY": "*", "no_proxy": "*"})
    return env


def _locate_error(message: str, folder: str, name: str) -> RenderProblem:
    chart_file = os.path.join(folder, "Chart.yaml")
    match = _ERROR_AT.search(message)
    if match:
        head, _, rest = match.group("path").partition("/")
        candidate = os.path.join(folder, *rest.split("/")) if head == name and rest else None
        if candidate and os.path.isfile(candidate):
            return RenderProblem(_short_error(message), candidate, int(match.group("line")),
                                 int(match.group("col") or 1))
    return RenderProblem(_short_error(message), chart_file)


def _short_error(message: str) -> str:
    """Helm's message without the Go wrapping noise, on one line."""
    text = " ".join(message.split())
    return text if len(text) <= 400 else text[:399] + "…"
