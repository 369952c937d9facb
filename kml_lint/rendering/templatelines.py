"""Find where a rendered field is written in a Helm template, by its key path.

A template is not YAML until it is rendered, so its lines cannot be parsed; but a template writes most keys
literally, indented as they will be rendered. This search follows the key path through the template's
indentation, the way a reader would: each key is looked for among the lines below its parent, at the
shallowest indentation. Where a key is not written literally (a ``toYaml``, an ``include``, a ``range`` whose
items cannot be counted), the search stops at the nearest ancestor that is written, which is the line that
produced the value. Every answer is a line of the template file: never a line past its end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# An action alone on a line ({{- if … }}, {{ end }}, {{/* comment */}}) writes no YAML of its own.
_ACTION_ONLY = re.compile(r"^\s*(\{\{.*?\}\}\s*)+$")
_RANGE = re.compile(r"\{\{-?\s*range\b")
_VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_DOCUMENT_SEPARATOR = re.compile(r"^---(\s|$)")


@dataclass(slots=True)
class TemplateSpot:
    """Where a key path is written: 1-based line and column, whether the whole path was found, and the
    ``.Values`` paths that the line reads (``image.tag``), for pointing at the values file too."""

    line: int
    col: int
    exact: bool
    values: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Line:
    number: int  # 1-based
    indent: int  # column of the content (after any "- " sequence markers)
    dash: int  # column of the first "- " marker, or -1
    content: str


def _content_lines(text: str, first: int, last: int) -> list[_Line]:
    out = []
    lines = text.split("\n")
    for number in range(first, min(last, len(lines)) + 1):
        raw = lines[number - 1].rstrip("\r")
        stripped = raw.lstrip(" ")
        if not stripped or stripped.startswith("#") or _ACTION_ONLY.match(stripped):
            continue
        indent = len(raw) - len(stripped)
        dash = -1
        while stripped.startswith("- ") or stripped == "-":
            if dash < 0:
                dash = indent
            rest = stripped[1:].lstrip(" ")
            indent += len(stripped) - len(rest)
            stripped = rest
        out.append(_Line(number, indent, dash, stripped))
    return out


def document_ranges(text: str) -> list[tuple[int, int]]:
    """The (first, last) lines of each YAML document a template writes (split at ``---`` lines)."""
    lines = text.split("\n")
    ranges = []
    start = 1
    for number, raw in enumerate(lines, 1):
        if _DOCUMENT_SEPARATOR.match(raw):
            if number > start:
                ranges.append((start, number - 1))
            start = number + 1
    if start <= len(lines):
        ranges.append((start, len(lines)))
    return [r for r in ranges if _content_lines(text, r[0], r[1])] or [(1, max(1, len(lines)))]


def _key_pattern(key: str) -> re.Pattern[str]:
    quoted = re.escape(key)
    return re.compile(rf"""^(?:{quoted}|"{quoted}"|'{quoted}')[ \t]*:(?:[ \t]|$)""")


def locate_in_template(text: str, pointer: str, document: tuple[int, int] | None = None,
                       at: str = "key") -> TemplateSpot:
    """The template line where ``pointer`` (relative to the rendered document) is written, or its nearest
    written ancestor. ``document``: the template's document range that produced the rendered object."""
    first, last = document or document_ranges(text)[0]
    lines = _content_lines(text, first, last)
    if not lines:
        return TemplateSpot(first, 1, False)
    scope = lines
    parent: _Line | None = None
    item = False  # the parent is a sequence item: its first key is written on its own line
    exact = True
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")] if pointer else []
    for token in tokens:
        found = _child(scope, parent, token, item)
        if found is None:
            exact = False
            break
        parent, scope = found
        item = token.isdigit()
    if parent is None:
        top = lines[0]
        return TemplateSpot(top.number, top.indent + 1, exact and not tokens)
    col = parent.indent + 1
    raw_line = text.split("\n")[parent.number - 1]
    if at == "value" and exact:
        colon = raw_line.find(":", parent.indent)
        if colon >= 0:
            value_start = len(raw_line) - len(raw_line[colon + 1:].lstrip(" \t"))
            if value_start < len(raw_line.rstrip()):
                col = value_start + 1
    values = [m.group(1)[1:] for m in _VALUES_REF.finditer(raw_line)]
    return TemplateSpot(parent.number, col, exact, values)


def _child(scope: list[_Line], parent: _Line | None, token: str,
           item: bool) -> tuple[_Line, list[_Line]] | None:
    """The line that writes ``token`` directly below ``parent`` within ``scope``, and that line's own scope."""
    body = scope[1:] if parent is not None and not item else scope
    if not body:
        return None
    if token.isdigit():
        return _item(body, int(token))
    pattern = _key_pattern(token)
    level = min(line.indent for line in body)
    for position, line in enumerate(body):
        if line.indent == level and pattern.match(line.content):
            return line, _block(body, position)
    return None


def _item(body: list[_Line], index: int) -> tuple[_Line, list[_Line]] | None:
    """The ``index``-th item of the sequence written in ``body``; ``None`` when a ``range`` writes the items
    (they cannot be counted in the template) or there are fewer items."""
    dashes = [line.dash for line in body if line.dash >= 0]
    if not dashes:
        return None
    level = min(dashes)
    starts = [i for i, line in enumerate(body) if line.dash == level]
    raw_text = " ".join(line.content for line in body)
    if _RANGE.search(raw_text) or index >= len(starts):
        return None
    start = starts[index]
    end = starts[index + 1] if index + 1 < len(starts) else len(body)
    item = body[start]
    # The item's first key shares the dash's line: its scope is the item itself.
    return item, [item, *body[start + 1:end]]


def _block(body: list[_Line], position: int) -> list[_Line]:
    """The matched line and the lines nested below it."""
    head = body[position]
    out = [head]
    for line in body[position + 1:]:
        # Items of a sequence written flush with its key ("containers:\n- name: x") have their content two
        # columns in, so one comparison covers both indentation styles.
        if line.indent <= head.indent:
            break
        out.append(line)
    return out
