"""Where every node of every document is written: exact character spans, styles, anchors and aliases.

The linter's own fold keeps only start positions (all a finding needs). An editor needs more: where a scalar
ends, whether a collection is written in flow or block style, where a block collection's content really ends
(its end event points at the next token, past comments), and which nodes an anchor, alias or merge key shares
with other places. This index is folded from the same libyaml events, only for files that have fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ruamel.yaml.error import YAMLError

from ..yamlevents import (
    Alias,
    DocumentStart,
    EventStream,
    MappingEnd,
    MappingStart,
    Scalar,
    SequenceEnd,
    SequenceStart,
    StreamEnd,
)
from ..yamlfold import escape_pointer_token


@dataclass(slots=True)
class Node:
    kind: str  # scalar | map | seq | alias
    start: int  # offset of the node's first character
    end: int  # offset after its last character (block collections: after their last content)
    line: int  # 0-based line and column of ``start``
    col: int
    style: str = ""  # scalar: '' plain, "'", '"', '|', '>'; collections: 'flow' or 'block'
    value: str = ""  # a scalar's text
    shared: str | None = None  # why edits here are refused: an anchor, an alias or a merge key shares this node
    key_start: int | None = None  # the mapping key of this node (None for items and the root)
    key_end: int | None = None
    key_col: int = 0
    key_line: int = 0
    key_plain: bool = True
    close: int | None = None  # flow collections: offset of the closing bracket
    keys: list[str] = field(default_factory=list)  # mappings: keys in written order; sequences: unused
    items: int = 0  # sequences: number of items
    keep: bool = False  # a block scalar with keep chomping (|+): nothing may follow its trailing blank lines
    parent: str | None = None


@dataclass(slots=True)
class DocumentIndex:
    nodes: dict[str, Node]
    start: int
    indentless: bool | None = None  # block sequences under a key: '-' at the key's column (True) or indented


class _Frame:
    __slots__ = ("key", "key_col", "key_end", "key_line", "key_plain", "key_start", "node", "pointer", "tainted")

    def __init__(self, node: Node, pointer: str, tainted: str | None) -> None:
        self.node = node
        self.pointer = pointer
        self.tainted = tainted
        self.key: str | None = None
        self.key_start = self.key_end = self.key_line = self.key_col = 0
        self.key_plain = True


def build(text: str, upto: int | None = None) -> list[DocumentIndex] | None:
    """Index the documents of ``text`` (through document ``upto``, 0-based, when given: later ones are not
    read); None when the text does not parse (no fix is offered then)."""
    documents: list[DocumentIndex] = []
    try:
        with EventStream(text) as get_event:
            while True:
                if upto is not None and len(documents) > upto:
                    break
                event = get_event()
                cls = type(event)
                if cls is StreamEnd:
                    break
                if cls is DocumentStart:
                    documents.append(_document(get_event, text, event.args[0].index))
    except (YAMLError, _Unsupported):
        return None
    return documents


class _Unsupported(Exception):
    pass


def _document(get_event, text: str, start: int) -> DocumentIndex:  # type: ignore[no-untyped-def]
    nodes: dict[str, Node] = {}
    index = DocumentIndex(nodes, start)
    stack: list[_Frame] = []
    styles: list[tuple[int, bool]] = []  # block sequences under a key: (start, indentless)

    def place(node: Node, anchor: str | None) -> tuple[str, str | None] | None:
        """Attach ``node`` to its parent; its pointer and why it is shared (None: the key was consumed)."""
        if not stack:
            pointer, taint = "", None
        else:
            frame = stack[-1]
            parent = frame.node
            taint = frame.tainted
            if parent.kind == "map":
                key = frame.key
                if key is None:
                    raise _Unsupported("a mapping or sequence used as a key")
                frame.key = None
                if key == "<<":
                    return None
                pointer = f"{frame.pointer}/{escape_pointer_token(key)}"
                if pointer in nodes:
                    taint = taint or "a duplicate key"
                parent.keys.append(key)  # type: ignore[arg-type]
                node.key_start, node.key_end = frame.key_start, frame.key_end
                node.key_line, node.key_col, node.key_plain = frame.key_line, frame.key_col, frame.key_plain
            else:
                pointer = f"{frame.pointer}/{parent.items}"
                parent.items += 1
            node.parent = frame.pointer
        if anchor:
            taint = taint or f"the anchor &{anchor} shares it with its aliases"
        node.shared = taint
        nodes[pointer] = node
        return pointer, taint

    def grow(end: int) -> None:
        if stack:
            frame_node = stack[-1].node
            if frame_node.style == "block" and end > frame_node.end:
                frame_node.end = end

    while True:
        event = get_event()
        cls = type(event)
        if cls is Scalar:
            anchor, _tag, _implicit, value, mark, end_mark, style = event.args
            if stack and stack[-1].node.kind == "map" and stack[-1].key is None:
                frame = stack[-1]
                frame.key = value
                frame.key_start, frame.key_end = mark.index, end_mark.index
                frame.key_line, frame.key_col = mark.line, mark.column
                frame.key_plain = not style
                if value == "<<":
                    frame.node.shared = frame.node.shared or "a merge key (<<) shares this mapping's fields"
                    _taint_map(frame)
                continue
            end = end_mark.index
            if stack and not anchor and not style:
                # The common case, inline (this loop runs once per event): a plain scalar value.
                frame = stack[-1]
                parent = frame.node
                node = Node("scalar", mark.index, end, mark.line, mark.column, "", value, frame.tainted)
                if parent.kind == "map":
                    key = frame.key
                    frame.key = None
                    if key == "<<":
                        parent.shared = parent.shared or "a merge key (<<) shares this mapping's fields"
                        continue
                    pointer = f"{frame.pointer}/{_token(key)}"
                    if pointer in nodes:
                        node.shared = node.shared or "a duplicate key"
                    parent.keys.append(key)
                    node.key_start, node.key_end = frame.key_start, frame.key_end
                    node.key_line, node.key_col, node.key_plain = frame.key_line, frame.key_col, frame.key_plain
                else:
                    pointer = f"{frame.pointer}/{parent.items}"
                    parent.items += 1
                node.parent = frame.pointer
                nodes[pointer] = node
                if parent.style == "block" and end > parent.end:
                    parent.end = end
                continue
            keep = False
            if style in ("|", ">"):
                cut = text.find("\n", mark.index)
                header = text[mark.index:cut if cut >= 0 else len(text)]
                keep = "+" in header.split("#")[0]
                while end > mark.index and text[end - 1] in " \t\r\n":
                    end -= 1
            node = Node("scalar", mark.index, end, mark.line, mark.column, style or "", value, keep=keep)
            place(node, anchor)
            grow(end)
            if not stack:
                return index
            continue
        if cls is Alias:
            _anchor, mark, end_mark = event.args
            if stack and stack[-1].node.kind == "map" and stack[-1].key is None:
                frame = stack[-1]
                frame.key = _anchor
                frame.key_start, frame.key_end = mark.index, end_mark.index
                frame.key_line, frame.key_col = mark.line, mark.column
                frame.node.shared = frame.node.shared or "an alias is used as a key"
                continue
            node = Node("alias", mark.index, end_mark.index, mark.line, mark.column)
            placed = place(node, None)
            if placed is not None:
                node.shared = f"the alias *{_anchor} is the anchored node itself"
            elif stack:
                stack[-1].node.shared = stack[-1].node.shared or "a merge key (<<) shares this mapping's fields"
            grow(end_mark.index)
            if not stack:
                return index
            continue
        if cls is MappingStart or cls is SequenceStart:
            anchor, _tag, _implicit, mark, end_mark, flow = event.args
            node = Node("map" if cls is MappingStart else "seq", mark.index, end_mark.index, mark.line, mark.column,
                        "flow" if flow else "block")
            placed = place(node, anchor)
            if placed is None:  # a mapping written after '<<': its keys merge into the parent
                placed = ("<<merge>>", "merge")
                stack[-1].node.shared = stack[-1].node.shared or "a merge key (<<) shares this mapping's fields"
            pointer, taint = placed
            stack.append(_Frame(node, pointer, taint))
            continue
        if cls is MappingEnd or cls is SequenceEnd:
            start_mark, end_mark = event.args
            frame = stack.pop()
            node = frame.node
            if node.style == "flow":
                node.close = start_mark.index
                node.end = end_mark.index
            if node.kind == "seq" and node.style == "block" and node.key_start is not None:
                styles.append((node.start, node.col == node.key_col))
            grow(node.end)
            if not stack:
                if styles:  # the style most sequences use; on a tie, the outermost one's
                    indentless = sum(1 for _, flag in styles if flag)
                    indented = len(styles) - indentless
                    index.indentless = indentless > indented if indentless != indented else min(styles)[1]
                return index
            continue
        raise _Unsupported(type(event).__name__)


def _token(key: str) -> str:
    return escape_pointer_token(key) if "~" in key or "/" in key else key


def _taint_map(frame: _Frame) -> None:
    frame.tainted = frame.tainted or "a merge key (<<) shares this mapping's fields"
