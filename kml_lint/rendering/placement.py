"""Where a finding in rendered text really is: the template or source file, and the line there.

Rendered manifests (``helm template``, ``kustomize build``, or a chart or overlay kml-lint rendered itself)
name the file each document came from: Helm writes ``# Source: chart/templates/x.yaml`` above it, Kustomize
an ``config.kubernetes.io/origin`` annotation inside it. ``Placement`` turns a finding's line in the rendered
stream, and the key path it is about, into a file and line a user can open:

- with ``SourceRoots`` (where those paths are rooted), a source file that exists is searched for the finding's
  key path: plain YAML sources (Kustomize) exactly, through their position index; templates (Helm) through
  their indentation (``templatelines``), landing on the nearest written ancestor where a ``toYaml`` or
  ``include`` produced the field; a field set by a Kustomize patch lands on the patch's line (``patches``);
  and a template line that reads ``.Values.x`` also names the values file line that set it (related);
- without roots, or when the file is not there, the line is counted inside the rendered document, as before,
  and never past the end of the named file when it can be read.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ..findings import Related
from .templatelines import document_ranges, locate_in_template

# Horizontal whitespace only ([ \t]), and no lazy quantifier before an optional tail: linear on any input.
_HELM_SOURCE = re.compile(r"^# Source: (?P<path>[^\n]*)", re.MULTILINE)
_ORIGIN_PATH = re.compile(r"^[ \t]+config\.kubernetes\.io/origin:[ \t]*\|[ \t]*\n[ \t]+path:[ \t]*(?P<path>[^\s]+)",
                          re.MULTILINE)


@dataclass(slots=True)
class SourceRoots:
    """How the paths that rendered documents name are resolved to real files.

    ``helm_charts``: chart name -> the chart's folder (``# Source: trainer/templates/job.yaml`` is
    ``<folder>/templates/job.yaml``; a subchart's ``trainer/charts/sub/templates/x.yaml`` is under the parent's
    ``charts/sub``). ``source_root``: where piped ``# Source:`` and origin paths are rooted (``--source-root``).
    ``origin_base``: the folder Kustomize origin paths are relative to (the kustomization that
    was built, or the temporary wrapper kml-lint built through). ``values``: the values files of a Helm render
    in the order Helm merged them (the last that sets a key wins). ``patches``: Kustomize patches that may set
    a finding's field. ``release``: the Helm release name, replaced in fingerprints so they do not depend on it.
    """

    helm_charts: dict[str, str] = field(default_factory=dict)
    source_root: str | None = None
    origin_base: str | None = None
    values: list[str] = field(default_factory=list)
    patches: Any = None  # patches.PatchIndex
    release: str | None = None
    confine: str | None = None  # no file outside this folder is read (the rendered text names the paths)


@dataclass(slots=True)
class _Origin:
    start: int  # first line of the document in the rendered text
    named: str  # the path as the rendered text names it
    real: str | None  # the file it resolves to, when it exists
    ordinal: int  # how many documents from the same file came before this one


class Placement:
    """Maps a line (and key path) of the linted text to the (path, line, column) shown in findings."""

    def __init__(self, path: str, text: str | None = None, rendered: bool = False,
                 roots: SourceRoots | None = None) -> None:
        self.path = path
        self.roots = roots
        self._starts: list[int] = []
        self._origins: list[_Origin] = []
        self._texts: dict[str, str | None] = {}
        self._parsed: dict[str, Any] = {}
        self._shown_real: dict[str, str] | None = None
        self._lines = text.split("\n") if rendered and text else []
        if rendered and text and ("# Source: " in text or "config.kubernetes.io/origin" in text):
            self._index(text)

    @property
    def release(self) -> str | None:
        return self.roots.release if self.roots is not None else None

    def _index(self, text: str) -> None:
        marks = []
        for match in _HELM_SOURCE.finditer(text):
            path = match.group("path").strip()
            if path:
                marks.append((text.count("\n", 0, match.start()) + 1, path, "helm"))
        if not marks:
            # Kustomize: the origin annotation sits inside the object; the document starts at the `---` above.
            for match in _ORIGIN_PATH.finditer(text):
                start = text.rfind("\n---", 0, match.start())
                line = text.count("\n", 0, start + 1) + 1 if start >= 0 else 0
                marks.append((line, match.group("path"), "kustomize"))
        seen: dict[str, int] = {}
        for line, named, how in sorted(marks):
            real = self._resolve(named, how)
            ordinal = seen.get(named, 0)
            seen[named] = ordinal + 1
            self._starts.append(line)
            self._origins.append(_Origin(line, named, real, ordinal))

    def _resolve(self, named: str, how: str) -> str | None:
        roots = self.roots
        if roots is None:
            return None
        candidates: list[str] = []
        if how == "helm":
            head, _, rest = named.partition("/")
            if head in roots.helm_charts and rest:
                candidates.append(os.path.join(roots.helm_charts[head], *rest.split("/")))
            if roots.source_root is not None:
                candidates.append(os.path.join(roots.source_root, *named.split("/")))
                if rest:
                    candidates.append(os.path.join(roots.source_root, *rest.split("/")))
        else:
            base = roots.origin_base or roots.source_root
            if os.path.isabs(named):
                candidates.append(named)
            elif base is not None:
                candidates.append(os.path.join(base, named))
        confine = os.path.realpath(roots.confine) if roots.confine is not None else None
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if confine is not None and not (real == confine or real.startswith(confine + os.sep)):
                continue
            if os.path.isfile(real):
                return os.path.normpath(candidate)
        return None

    @property
    def mapped(self) -> bool:
        return bool(self._starts)

    def _origin(self, line: int) -> _Origin | None:
        index = bisect.bisect_left(self._starts, line) - 1
        return self._origins[index] if index >= 0 else None

    def __call__(self, line: int) -> tuple[str, int]:
        """The file and line of a rendered line, counted inside its document (no key path known)."""
        origin = self._origin(line)
        if origin is None:
            return self.path, line
        shown = _shown(origin.real) if origin.real else origin.named
        return shown, self._clamp(origin, line - origin.start)

    def comment(self, line: int) -> tuple[str, int]:
        """Where a comment of the rendered text is written. Helm keeps a template's comments, so the comment
        is found in the template by its text (findings there are located by key path, not by counting lines)."""
        origin = self._origin(line)
        if origin is None or origin.real is None or not _is_template(origin.real) or line > len(self._lines):
            return self(line)
        rendered = self._lines[line - 1]
        # The comment itself is written literally in the template (the code before it may be an action).
        needle = rendered[rendered.find("#"):].strip() if "#" in rendered else rendered.strip()
        text = self._text(origin.real)
        if text is None or not needle:
            return self(line)
        ranges = document_ranges(text)
        first, last = ranges[origin.ordinal] if origin.ordinal < len(ranges) else (1, text.count("\n") + 1)
        template_lines = text.split("\n")
        for number in range(first, min(last, len(template_lines)) + 1):
            if needle in template_lines[number - 1]:
                return _shown(origin.real), number
        return self(line)

    def source_files(self) -> list[tuple[str, str]]:
        """(shown path, real path) of the plain YAML files the rendered documents came from (Kustomize drops
        their comments, so their suppression comments are read from the files), and of the patches."""
        out = {}
        for origin in self._origins:
            if origin.real is not None and not _is_template(origin.real):
                out[origin.real] = _shown(origin.real)
        if self.roots is not None and self.roots.patches is not None:
            for patch in self.roots.patches.patches:
                out.setdefault(patch.path, _shown(patch.path))
        return [(shown, real) for real, shown in sorted(out.items())]

    def source_line(self, shown: str, line: int) -> str | None:
        """The text of ``line`` in a source file findings were mapped to (``--format full``)."""
        if self._shown_real is None:  # once per file, not once per finding
            self._shown_real = {_shown(o.real): o.real for o in self._origins if o.real is not None}
        real = self._shown_real.get(shown)
        text = self._text(real) if real is not None else None
        lines = text.split("\n") if text is not None else []
        return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else None

    def text_of(self, real: str) -> str | None:
        return self._text(real)

    def locate(self, obj: Any, pointer: str | None, at: str, line: int,
               col: int) -> tuple[str, int, int, list[Related]]:
        """Where a finding at ``pointer`` of ``obj`` (found at ``line``:``col`` of the rendered text) is written."""
        origin = self._origin(line)
        if origin is None:
            return self.path, line, col, []
        if origin.real is None:
            path, placed = self(line)
            return path, placed, col, []
        relative = pointer[len(obj.base):] if pointer is not None and obj is not None else ""
        shown = _shown(origin.real)
        if self.roots is not None and self.roots.patches is not None and obj is not None:
            patched = self.roots.patches.find(obj.data, relative)
            if patched is not None:
                return _shown(patched[0]), patched[1], patched[2], []
        text = self._text(origin.real)
        if text is None:
            return shown, self._clamp(origin, line - origin.start), col, []
        if _is_template(origin.real):
            ranges = document_ranges(text)
            document = ranges[origin.ordinal] if origin.ordinal < len(ranges) else ranges[0]
            spot = locate_in_template(text, relative, document, at)
            related = [r for r in (self._values_line(path, origin.real) for path in spot.values) if r is not None]
            return shown, spot.line, spot.col, related
        found = self._yaml_source(origin.real, obj, relative, at)
        if found is None:
            return shown, self._clamp(origin, line - origin.start), col, []
        return shown, found[0], found[1], []

    def _clamp(self, origin: _Origin, line: int) -> int:
        text = self._text(origin.real) if origin.real else None
        if text is None:
            return max(1, line)
        return max(1, min(line, text.count("\n") + (0 if text.endswith("\n") else 1)))

    def _text(self, path: str) -> str | None:
        if path not in self._texts:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    self._texts[path] = handle.read(16 * 1024 * 1024)
            except OSError:
                self._texts[path] = None
        return self._texts[path]

    def _parse(self, path: str) -> Any:
        if path not in self._parsed:
            from ..yamlfold import parse_yaml

            text = self._text(path)
            self._parsed[path] = parse_yaml(text) if text is not None else None
        return self._parsed[path]

    def _yaml_source(self, path: str, obj: Any, relative: str, at: str) -> tuple[int, int] | None:
        """The line of ``relative`` in the source document the rendered object came from (Kustomize: plain
        YAML, so the position index is exact; names may have gained a prefix or suffix on the way)."""
        from ..objects import locate

        parsed = self._parse(path)
        if parsed is None or not parsed.documents:
            return None
        data = obj.data if obj is not None else {}
        kind = data.get("kind")
        name = (data.get("metadata") or {}).get("name") if isinstance(data.get("metadata"), dict) else None
        best = None
        for doc in parsed.documents:
            source = doc.data if isinstance(doc.data, dict) else {}
            if source.get("kind") != kind:
                continue
            meta = source.get("metadata") if isinstance(source.get("metadata"), dict) else {}
            source_name = meta.get("name")
            if isinstance(name, str) and isinstance(source_name, str) and source_name in name:
                best = doc
                break
            best = best or doc
        if best is None:
            return None
        return locate(best.positions, relative, at)

    def _values_line(self, dotted: str, template: str) -> Related | None:
        """The values file line that sets ``.Values.<dotted>`` for this render: the render's values files (the
        last that sets it wins), where a subchart's values sit under its name, then the subchart's own
        ``values.yaml``."""
        if self.roots is None:
            return None
        from ..yamlfold import escape_pointer_token

        parts = dotted.split(".")
        subcharts = _subchart_path(template, list(self.roots.helm_charts.values()))
        own = os.path.join(os.path.dirname(os.path.dirname(template)), "values.yaml")
        candidates = [(path, [*subcharts, *parts]) for path in reversed(self.roots.values)]
        if subcharts:
            candidates.append((own, parts))
        for path, keys in candidates:
            parsed = self._parse(path)
            if parsed is None or not parsed.documents:
                continue
            pointer = "".join("/" + escape_pointer_token(key) for key in keys)
            position = parsed.documents[0].positions.get(pointer)
            if position is not None:
                return Related(_shown(path), position[2], position[3], f"value .Values.{dotted} set here")
        return None


def _subchart_path(template: str, charts: list[str]) -> list[str]:
    """The subchart names leading from the rendered chart to a template (``<chart>/charts/a/charts/b/templates/
    x.yaml`` -> ``[a, b]``): the keys a subchart's values sit under in the parent's values files."""
    for chart in charts:
        relative = os.path.relpath(template, chart).replace(os.sep, "/").split("/")
        if relative[0] == "..":
            continue
        names, index = [], 0
        while index + 1 < len(relative) and relative[index] == "charts":
            names.append(relative[index + 1])
            index += 2
        return names
    return []


def _is_template(path: str) -> bool:
    parts = path.replace(os.sep, "/").split("/")
    return "templates" in parts[:-1]


def _shown(path: str) -> str:
    from ..discovery import display_path

    return display_path(path)
