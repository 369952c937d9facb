"""The confined Helm renderer: run as ``python -m kml_lint.rendering.helm_child`` by ``helm.render_chart``.

Reads one JSON request on standard input, limits its own address space and CPU time before any renderer is
loaded, renders, and writes ``{"manifests": [[source, text], ...]}`` or ``{"error": message}`` on standard
output. It imports nothing of kml-lint's beyond this file, so a renderer crash costs only this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def _limit(memory: int, seconds: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the parent's wall-clock timeout still applies
        return
    for limit, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, seconds)):
        try:
            _soft, hard = resource.getrlimit(limit)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(limit, (cap, hard))
        except (ValueError, OSError):
            pass


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of values files: maps merge key by key, anything else is replaced by the later file."""
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _split(text: str) -> list[str]:
    """The YAML documents of one template's output (Helm prints each under its own ``# Source:``)."""
    documents, current = [], []
    for line in text.split("\n"):
        if line.rstrip() == "---" or line.startswith("--- "):
            documents.append("\n".join(current))
            current = []
        else:
            current.append(line)
    documents.append("\n".join(current))
    return [doc for doc in documents if doc.strip() and any(
        ln.strip() and not ln.lstrip().startswith("#") for ln in doc.split("\n"))]


def _render_sdk(request: dict[str, Any]) -> list[list[str]]:
    import helm_python as helm

    values: dict[str, Any] = {}
    for path in request["values"]:
        with open(path, encoding="utf-8") as handle:
            values = _merge(values, helm.values_from_yaml(handle.read()) or {})
    with helm.Chart.load(request["chart"]) as chart:
        rendered = chart.render(values, name=request["release"], namespace=request["namespace"], is_install=True)
    out = []
    for source in sorted(rendered):
        if source.endswith("NOTES.txt"):
            continue
        out.extend([source, doc] for doc in _split(rendered[source]))
    return out


def _render_binary(request: dict[str, Any]) -> list[list[str]]:
    command = ["helm", "template", request["release"], request["chart"], "--namespace", request["namespace"]]
    for path in request["values"]:
        command += ["--values", path]
    if request.get("kube_version"):
        command += ["--kube-version", request["kube_version"]]
    completed = subprocess.run(command, capture_output=True, timeout=request["seconds"], check=False)
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr.decode("utf-8", "replace").strip() or f"helm exited {completed.returncode}")
    out: list[list[str]] = []
    source = None
    for chunk in completed.stdout.decode("utf-8", "replace").split("\n---"):
        lines = chunk.lstrip("-\n").split("\n")
        if lines and lines[0].startswith("# Source: "):
            source = lines[0][len("# Source: "):].strip()
            lines = lines[1:]
        body = "\n".join(lines)
        if source and body.strip():
            out.append([source, body])
    return out


def main() -> int:
    try:
        request = json.loads(sys.stdin.read())
        _limit(int(request["memory"]), int(request["seconds"]))
        os.environ["HELM_NAMESPACE"] = request["namespace"]
        manifests = _render_sdk(request) if request["engine"] == "sdk" else _render_binary(request)
        answer: dict[str, Any] = {"manifests": manifests}
    except MemoryError:
        answer = {"error": "rendering ran out of its memory limit"}
    except Exception as exc:  # the renderer's own error is the finding's message
        answer = {"error": str(exc) or type(exc).__name__}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
