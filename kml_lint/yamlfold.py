"""Fold libyaml's event stream into plain Python data plus a JSON-pointer position index.

Why not ruamel's loaders: the round-trip loader keeps positions but is pure Python (about 40x the
event stream's cost on the shared corpus) and the C-backed safe loader drops every position. Folding
the C parser's events ourselves costs little more than the event stream and gives each value its line
and column, indexed once per document by RFC 6901 pointer.

Scalars follow YAML 1.1 as kubectl reads them (go-yaml v2): ``yes``/``on``/``y`` are booleans,
``0644`` is octal. Nothing is ever constructed from a tag: ``!!python/object`` is plain data.

The fold is iterative (no recursion), caps nesting depth and refuses alias bombs before any rule walks
the expanded data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .yamlevents import (
    Alias,
    DocumentEnd,
    DocumentStart,
    Event,
    EventStream,
    MappingEnd,
    MappingStart,
    Scalar,
    SequenceEnd,
    SequenceStart,
    StreamEnd,
    StreamStart,
)

# A value's position: (key line, key column, value line, value column), all 1-based. For a sequence
# item the "key" is the item itself, so both halves are equal.
Position = tuple[int, int, int, int]

MAX_DEPTH = 200
"""Kubernetes objects nest a few dozen levels; anything deeper is refused as hostile or broken."""

ALIAS_BUDGET = 100_000
"""Nodes that aliases may add beyond ten times the file's own nodes (billion-laughs guard). Per file, not per
document: a file of a thousand documents each just under a per-document budget cost minutes."""

NODE_BUDGET = 100_000
"""Nodes of one file, aliases expanded (every rule walks what aliases expand to). The largest real manifest
we know holds under 10,000; past the budget the document is refused and the rest of the file is not parsed."""

DOCUMENT_BUDGET = 10_000
"""Documents of one file, empty ones included (the shared corpus has at most 27 in a file)."""


@dataclass(slots=True)
class YamlProblem:
    """A located problem in the YAML text itself (becomes KML001)."""

    message: str
    line: int
    col: int
    fatal: bool = True


class Positions:
    """Where every value of one document is written, looked up by RFC 6901 JSON pointer.

    The fold records positions per container (a key -> position table for each mapping, a list for each
    sequence) instead of building a pointer string for every node: pointers are only needed for the few values
    a finding is about, so they are resolved here, by walking the data, when asked.
    """

    __slots__ = ("memo", "root", "root_position", "tables")

    def __init__(self) -> None:
        self.root: Any = None
        self.root_position: Position | None = None
        self.tables: dict[int, Any] = {}  # id(container) -> {key: Position} or [Position, ...]
        self.memo: dict[str, tuple[Position | None, bool]] = {}  # nearest(): several findings share a field

    def nearest(self, pointer: str) -> tuple[Position | None, bool]:
        """The position of ``pointer``, or of its nearest parent that exists, in one walk; and whether the
        position is the pointer's own (``False``: a parent's). Remembered: findings often share a field."""
        found = self.memo.get(pointer)
        if found is not None:
            return found
        position = self.root_position
        exact = True
        if pointer:
            node = self.root
            tables = self.tables
            for raw in pointer[1:].split("/"):
                table = tables.get(id(node)) if isinstance(node, (dict, list)) else None
                step: Position | None = None
                if table is not None:
                    if isinstance(node, dict):
                        key = raw.replace("~1", "/").replace("~0", "~") if "~" in raw else raw
                        step = table.get(key)
                        node = node.get(key)
                    elif raw.isdigit() and int(raw) < len(table):
                        index = int(raw)
                        step = table[index]
                        node = node[index] if index < len(node) else None
                if step is None:
                    exact = False
                    break
                position = step
        found = self.memo[pointer] = (position, exact)
        return found

    def get(self, pointer: str, default: Position | None = None) -> Position | None:
        """The position of exactly ``pointer`` (``default`` when it is not written in the document)."""
        position, exact = self.nearest(pointer)
        return position if exact and position is not None else default

    def __getitem__(self, pointer: str) -> Position:
        found = self.get(pointer)
        if found is None:
            raise KeyError(pointer)
        return found

    def __contains__(self, pointer: object) -> bool:
        return isinstance(pointer, str) and self.get(pointer) is not None

    def __bool__(self) -> bool:
        return self.root_position is not None


@dataclass(slots=True)
class ParsedDocument:
    """One YAML document: its plain data, where each value is written, and its problems."""

    index: int
    data: Any
    positions: Positions
    start_line: int
    problems: list[YamlProblem] = field(default_factory=list)


@dataclass(slots=True)
class ParseResult:
    """Every document of a text, and the syntax error that ended it, if any."""

    documents: list[ParsedDocument]
    error: YamlProblem | None = None
    budget: YamlProblem | None = None  # a per-file budget ended the parse early: the rest is not linted


class _Budget:
    """What one file has spent so far: nodes (aliases expanded) and its own nodes, across its documents."""

    __slots__ = ("nodes", "real")

    def __init__(self) -> None:
        self.nodes = 0
        self.real = 0


class _BudgetExhausted(Exception):
    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# ---------------------------------------------------------------------------------------------
# Scalar resolution (YAML 1.1, go-yaml v2 table)

_CONSTANTS: dict[str, Any] = {}
for _words, _value in (
    (("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    (("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    (("", "~", "null", "Null", "NULL"), None),
    ((".nan", ".NaN", ".NAN"), float("nan")),
    ((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    (("-.inf", "-.Inf", "-.INF"), float("-inf")),
):
    for _w in _words:
        _CONSTANTS[_w] = _value

_NUMBER_START = frozenset("+-.0123456789")
_OCTAL = re.compile(r"[-+]?0[0-7]+")
_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

_TAG_PREFIX = "tag:yaml.org,2002:"

# go-yaml v2 reads an integer as int64 or uint64; one neither holds is read as a float if it is finite, else as
# text. Following it keeps every number small enough for any rule to print or compare (Python refuses to turn
# an int of more than 4,300 digits into text), and reports an absurd number where a number belongs (KML003).
_INT_MIN, _INT_MAX = -(2 ** 63), 2 ** 64 - 1
_LONGEST_INT = 67  # "-0b" + 64 binary digits: longer text is never a 64-bit integer (underscores removed)
_INF = float("inf")


def resolve_plain(text: str) -> Any:
    """Type of a plain (unquoted, untagged) scalar under YAML 1.1 as kubectl reads it."""
    if not text:
        return None
    first = text[0]
    if first not in _NUMBER_START:
        if len(text) <= 5:
            return _CONSTANTS.get(text, text)
        return text
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    number = text.replace("_", "") if "_" in text else text
    if len(number) <= _LONGEST_INT:
        value: int | None = None
        if _OCTAL.fullmatch(number):
            value = int(number, 8)
        elif _INT.fullmatch(number):
            value = int(number, 0)
        if value is not None and _INT_MIN <= value <= _INT_MAX:
            return value
    if _FLOAT.fullmatch(number) and any(ch.isdigit() for ch in number):
        value_f = float(number)
        if value_f not in (_INF, -_INF):
            return value_f
    return text  # as go-yaml: a number no 64-bit type holds stays text (and is reported where a number belongs)


def is_oversized_number(text: str) -> bool:
    """Whether ``text`` is written as a number that no 64-bit type holds (so YAML reads it as text)."""
    if not text or text[0] not in _NUMBER_START:
        return False
    number = text.replace("_", "")
    return bool(_OCTAL.fullmatch(number) or _INT.fullmatch(number)
                or (_FLOAT.fullmatch(number) and any(ch.isdigit() for ch in number))) and resolve_plain(text) == text


def _resolve_tagged(text: str, tag: str) -> Any:
    """Apply a standard YAML tag; any other tag leaves the text as data (never constructed)."""
    if not tag.startswith(_TAG_PREFIX):
        return text
    kind = tag[len(_TAG_PREFIX):]
    if kind in ("int", "float", "bool", "null"):
        value = resolve_plain(text)
        expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}[kind]
        if isinstance(value, expected) and not (kind == "int" and isinstance(value, bool)):
            return float(value) if kind == "float" else value
    return text


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------------------------------------
# The fold


class _Frame:
    """One open mapping or sequence while folding."""

    __slots__ = ("anchor", "container", "is_map", "key", "key_col", "key_line", "merges", "start_count", "table")

    def __init__(self, container: Any, table: Any, is_map: bool, anchor: str | None, start_count: int) -> None:
        self.container = container
        self.table = table  # positions of the container's keys or items
        self.is_map = is_map
        self.key: str | None = None  # mapping: the key awaiting its value
        self.key_line = 0  # where that key is written
        self.key_col = 0
        self.anchor = anchor
        self.start_count = start_count  # nodes seen before this one (sizes anchored nodes for the bomb guard)
        self.merges: list[tuple[Any, tuple[int, int]]] | None = None


class _DocumentAbort(Exception):
    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _mark_pos(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def parse_yaml(text: str) -> ParseResult:
    """Parse every document of ``text``; a syntax error ends the stream but keeps earlier documents."""
    documents: list[ParsedDocument] = []
    budget = _Budget()
    try:
        with EventStream(text) as get_event:
            while True:
                event = get_event()
                cls = type(event)
                if cls is StreamEnd:
                    break
                if cls is StreamStart or cls is DocumentEnd:
                    continue
                if cls is DocumentStart:
                    line = event.args[0].line + 1
                    if len(documents) >= DOCUMENT_BUDGET:
                        return ParseResult(documents, budget=YamlProblem(
                            f"more than {DOCUMENT_BUDGET:,} documents in one file (the per-file document budget): "
                            "this one and the rest of the file are not linted; split the file", *_clamp(text, line, 1)))
                    try:
                        documents.append(_fold_document(get_event, len(documents), line, budget))
                    except _BudgetExhausted as exhausted:
                        documents.append(ParsedDocument(len(documents), None, Positions(), line))
                        return ParseResult(documents, budget=exhausted.problem)
                    continue
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _clamp(text, *_mark_pos(mark)) if mark is not None else (1, 1)
        reason = exc.problem or "invalid YAML"
        if exc.context:
            reason = f"{reason} ({exc.context})"
        return ParseResult(documents, YamlProblem(f"YAML syntax error: {reason}", line, col))
    except YAMLError as exc:  # reader errors: control characters, bad encoding in the stream
        line, col = 1, 1
        position = getattr(exc, "position", None)
        if isinstance(position, int):
            line = text.count("\n", 0, position) + 1
            col = position - (text.rfind("\n", 0, position) + 1) + 1
        message = str(exc).splitlines()[0] if str(exc) else "unreadable YAML stream"
        return ParseResult(documents, YamlProblem(f"YAML error: {message}", line, col))
    return ParseResult(documents)


LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""What libyaml (YAML 1.1) counts as a line break: line numbers everywhere follow it."""


def split_lines(text: str) -> list[str]:
    return LINE_BREAK.split(text)


def _clamp(text: str, line: int, col: int) -> tuple[int, int]:
    """libyaml marks "end of input" one line past the last one: keep every location inside the file."""
    lines = split_lines(text)
    if line > len(lines):
        line, col = len(lines), len(lines[-1]) + 1
    return line, min(col, len(lines[line - 1]) + 1)


def _fold_document(get_event: Callable[[], Event], index: int, start_line: int,
                   budget: _Budget | None = None) -> ParsedDocument:
    """Fold the events of one document (after its DocumentStartEvent, through its end)."""
    positions = Positions()
    problems: list[YamlProblem] = []
    doc = ParsedDocument(index, None, positions, start_line, problems)
    try:
        doc.data = positions.root = _fold_nodes(get_event, positions, problems, budget or _Budget())
    except _DocumentAbort as abort:
        _skip_to_document_end(get_event)
        doc.data = None
        doc.positions = Positions()
        problems.append(abort.problem)
    return doc


def _skip_to_document_end(get_event: Callable[[], Event]) -> None:
    while True:
        event = get_event()
        if type(event) is DocumentEnd:
            return
        if type(event) is StreamEnd:  # pragma: no cover - libyaml always ends documents first
            return


def _fold_nodes(get_event: Callable[[], Event], positions: Positions, problems: list[YamlProblem],
                budget: _Budget) -> Any:
    """Iteratively build the document's root value. Returns when the root node is complete.

    This loop runs once per YAML event, so the common paths are written inline, and the file's budget is
    counted in locals, written back when the document ends however it ends.
    """
    anchors: dict[str, tuple[Any, int]] = {}
    stack: list[_Frame] = []
    nodes = budget.nodes  # nodes of the file so far, counting what aliases expand to (alias-bomb guard)
    real_nodes = budget.real

    try:
        while True:
            event = get_event()
            cls = type(event)

            if cls is Scalar:
                nodes += 1
                real_nodes += 1
                anchor, tag, implicit, text, mark, _, _ = event.args
                line, col = mark.line + 1, mark.column + 1
                if nodes > NODE_BUDGET:
                    raise _BudgetExhausted(_over_nodes(line, col))
                if implicit[0]:
                    # Most plain scalars are words longer than any YAML 1.1 constant: skip the call for them.
                    value: Any = text if len(text) > 5 and text[0] not in _NUMBER_START else resolve_plain(text)
                elif tag and tag != "!":
                    value = _resolve_tagged(text, tag)
                else:
                    value = text
                if anchor:
                    anchors[anchor] = (value, 1)
                if not stack:
                    positions.root_position = (line, col, line, col)
                    return value
                frame = stack[-1]
                if frame.is_map:
                    key = frame.key
                    if key is None:  # a key (any scalar; JSON pointers and kubectl want text)
                        if text in frame.container and text != "<<":
                            problems.append(YamlProblem(f"duplicate key '{text}': kubectl rejects it (the last "
                                                        "value is linted)", line, col, fatal=False))
                        frame.key = text
                        frame.key_line = line
                        frame.key_col = col
                        continue
                    frame.key = None
                    if key == "<<":
                        _add_merge(frame, value)
                        continue
                    frame.table[key] = (frame.key_line, frame.key_col, line, col)
                    frame.container[key] = value
                else:
                    frame.table.append((line, col, line, col))
                    frame.container.append(value)
                continue

            if cls is MappingStart or cls is SequenceStart:
                nodes += 1
                real_nodes += 1
                anchor, _, _, mark, _, _ = event.args
                line, col = mark.line + 1, mark.column + 1
                if nodes > NODE_BUDGET:
                    raise _BudgetExhausted(_over_nodes(line, col))
                if stack:
                    if len(stack) >= MAX_DEPTH:
                        raise _DocumentAbort(YamlProblem(
                            f"nesting deeper than {MAX_DEPTH} levels: refused (not a Kubernetes object)", line, col))
                    parent = stack[-1]
                    if parent.is_map:
                        key = parent.key
                        if key is None:
                            raise _DocumentAbort(YamlProblem(
                                "a mapping or sequence used as a mapping key is not supported by Kubernetes",
                                line, col))
                        if key != "<<":
                            parent.table[key] = (parent.key_line, parent.key_col, line, col)
                    else:
                        parent.table.append((line, col, line, col))
                else:
                    positions.root_position = (line, col, line, col)
                is_map = cls is MappingStart
                container: Any = {} if is_map else []
                table: Any = {} if is_map else []
                positions.tables[id(container)] = table
                stack.append(_Frame(container, table, is_map, anchor, nodes - 1))
                continue

            if cls is MappingEnd or cls is SequenceEnd:
                frame = stack.pop()
                if frame.merges:
                    _apply_merges(frame, problems)
                if frame.anchor:
                    anchors[frame.anchor] = (frame.container, nodes - frame.start_count)
                if not stack:
                    return frame.container
                _store(stack[-1], frame.container)
                continue

            if cls is Alias:
                anchor, mark, _ = event.args
                line, col = mark.line + 1, mark.column + 1
                target = anchors.get(anchor)
                if target is None:
                    raise _DocumentAbort(YamlProblem(
                        f"alias *{anchor} refers to an anchor that is not defined before it", line, col))
                value, size = target
                nodes += size
                if nodes - real_nodes > ALIAS_BUDGET + 10 * real_nodes:
                    nodes -= size  # refused, never expanded: the rest of the file keeps its budget
                    raise _DocumentAbort(YamlProblem(
                        "aliases expand to more than "
                        f"{ALIAS_BUDGET:,} nodes (an alias bomb; the budget counts the whole file): refused without "
                        "expanding them", line, col))
                if nodes > NODE_BUDGET:
                    raise _BudgetExhausted(_over_nodes(line, col))
                if not stack:
                    positions.root_position = (line, col, line, col)
                    return value
                frame = stack[-1]
                if frame.is_map and frame.key is None:
                    if not isinstance(value, str):
                        raise _DocumentAbort(YamlProblem(
                            "an alias to a mapping or sequence used as a mapping key is not supported", line, col))
                    _accept_key(frame, value, line, col, problems)
                    continue
                _record_position(frame, line, col)
                _store(frame, value)
                continue
    finally:
        budget.nodes, budget.real = nodes, real_nodes


def _over_nodes(line: int, col: int) -> YamlProblem:
    return YamlProblem(f"more than {NODE_BUDGET:,} YAML nodes in one file, aliases expanded (the per-file node "
                       "budget): this document and the rest of the file are not linted; split the file", line, col)


def _accept_key(frame: _Frame, key: str, line: int, col: int, problems: list[YamlProblem]) -> None:
    container = frame.container
    if key in container and key != "<<":
        problems.append(YamlProblem(
            f"duplicate key '{key}': kubectl rejects it (the last value is linted)", line, col, fatal=False))
    frame.key = key
    frame.key_line = line
    frame.key_col = col


def _record_position(frame: _Frame, line: int, col: int) -> None:
    """Record where the value about to be stored in ``frame`` is written (an alias's position)."""
    if frame.is_map:
        if frame.key is not None and frame.key != "<<":
            frame.table[frame.key] = (frame.key_line, frame.key_col, line, col)
    else:
        frame.table.append((line, col, line, col))


def _store(frame: _Frame, value: Any) -> None:
    if frame.is_map:
        key = frame.key
        frame.key = None
        if key == "<<":
            _add_merge(frame, value)
            return
        frame.container[key] = value
    else:
        frame.container.append(value)


def _add_merge(frame: _Frame, value: Any) -> None:
    if frame.merges is None:
        frame.merges = []
    frame.merges.append((value, (frame.key_line, frame.key_col)))


def _apply_merges(frame: _Frame, problems: list[YamlProblem]) -> None:
    """YAML 1.1 merge keys (``<<: *defaults``): keys written in the mapping win over merged ones."""
    container = frame.container
    explicit = set(container)  # merges are applied at the mapping's end: every key so far was written
    for value, (line, col) in frame.merges or ():
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if not isinstance(source, dict):
                problems.append(YamlProblem("merge key '<<' needs a mapping or a list of mappings", line, col,
                                            fatal=False))
                continue
            for key, item in source.items():
                if key not in explicit:
                    container[key] = item
                    explicit.add(key)
