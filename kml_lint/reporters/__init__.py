"""Output formats. Each reporter turns a RunReport into text; the CLI writes it."""

from __future__ import annotations

from collections.abc import Callable

from ..report import RunReport

FORMATS = ("text", "json", "sarif")


def render(format_name: str, report: RunReport, color: bool = False, show_suppressed: bool = False) -> str:
    # Imported on demand: a text run never pays for sarif-om.
    renderer: Callable[..., str]
    if format_name == "json":
        from .json_report import render as renderer
    elif format_name == "sarif":
        from .sarif import render as renderer
    else:
        from .text import render as renderer
        return renderer(report, color=color, show_suppressed=show_suppressed)
    return renderer(report)
