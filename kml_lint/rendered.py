"""Where a line of linted text really comes from.

For rendered manifests read from stdin (``helm template . | kml-lint -``), Helm's ``# Source:
chart/templates/x.yaml`` comments (and Kustomize's ``config.kubernetes.io/origin`` annotations) map each
document back to its template file: findings name that file, with the line counted inside the rendered
document (templates hold ``{{ }}``, so their own line numbers cannot be recovered exactly).
"""

from __future__ import annotations

import bisect
import re

# Horizontal whitespace only ([ \t]), and no lazy quantifier before an optional tail: linear on any input.
_HELM_SOURCE = re.compile(r"^# Source: (?P<path>[^\n]*)", re.MULTILINE)
_ORIGIN_PATH = re.compile(r"^[ \t]+config\.kubernetes\.io/origin:[ \t]*\|[ \t]*\n[ \t]+path:[ \t]*(?P<path>[^\s]+)",
                          re.MULTILINE)


class Placement:
    """Maps a line of the linted text to the (path, line) shown in findings."""

    def __init__(self, path: str, text: str | None = None, rendered: bool = False) -> None:
        self.path = path
        self._starts: list[int] = []
        self._paths: list[str] = []
        if rendered and text and ("# Source: " in text or "config.kubernetes.io/origin" in text):
            self._index(text)

    def _index(self, text: str) -> None:
        marks = []
        for match in _HELM_SOURCE.finditer(text):
            path = match.group("path").strip()
            if path:
                marks.append((text.count("\n", 0, match.start()) + 1, path))
        if not marks:
            # Kustomize: the origin annotation sits inside the object; the document starts at the `---` above.
            for match in _ORIGIN_PATH.finditer(text):
                start = text.rfind("\n---", 0, match.start())
                line = text.count("\n", 0, start + 1) + 1 if start >= 0 else 0
                marks.append((line, match.group("path")))
        for line, path in sorted(marks):
            self._starts.append(line)
            self._paths.append(path)

    @property
    def mapped(self) -> bool:
        return bool(self._starts)

    def __call__(self, line: int) -> tuple[str, int]:
        index = bisect.bisect_left(self._starts, line) - 1
        if index < 0:
            return self.path, line
        return self._paths[index], line - self._starts[index]
