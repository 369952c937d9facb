"""Output formats. Each reporter turns a RunReport into text; the CLI writes it."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from ..report import RunReport

# format name -> module of this package; imported on demand, so a text run never pays for sarif-om.
_MODULES = {"text": "text", "full": "full", "json": "json_report", "sarif": "sarif", "github": "github",
            "junit": "junit"}
FORMATS = (*_MODULES, "auto")


@dataclass(frozen=True, slots=True)
class RenderOptions:
    color: bool = False
    show_suppressed: bool = False
    quiet: bool = False  # findings only, no summary
    statistics: bool = False  # counts per rule instead of the findings


def resolve_format(name: str) -> str:
    """``auto``: workflow annotations inside GitHub Actions, plain text elsewhere."""
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def needs_source_lines(name: str) -> bool:
    return resolve_format(name) == "full"


def render(format_name: str, report: RunReport, options: RenderOptions | None = None) -> str:
    module = importlib.import_module(f"{__name__}.{_MODULES[resolve_format(format_name)]}")
    return module.render(report, options or RenderOptions())
