"""YAML-aware edits computed from the index: every byte outside the edited range stays as it was.

Inserted blocks take the indentation of the mapping or sequence they join (and the document's style of block
sequences under a key); an insertion into a flow collection (``{…}``, ``[…]``) stays in flow style. An edit
inside or under an anchor, alias or merge key is refused with the reason (``Refused``).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from ..yamlfold import escape_pointer_token, resolve_plain
from .index import DocumentIndex, Node
from .model import Edit


class Refused(Exception):
    """No edit: the reason says why (an anchor shares the node, a block scalar keeps its blank lines...)."""


_PLAIN = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./=+-]*( [A-Za-z0-9_./=+-]+)*")


def scalar_text(value: Any) -> str:
    """A scalar as YAML text that reads back as ``value`` (plain when it can be, else double-quoted)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and resolve_plain(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow_text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar_text(k)}: {flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(v) for v in value) + "]"
    return scalar_text(value)


class Editor:
    """Edits of one document of one text."""

    def __init__(self, text: str, document: DocumentIndex) -> None:
        self.text = text
        self.doc = document
        self.nodes = document.nodes
        self._starts: list[int] | None = None  # offsets where lines start (for reports' line and column)
        self.eol = "\r\n" if "\r\n" in text[: (text.find("\n") + 1) or len(text)] else "\n"

    # -- lookups ------------------------------------------------------------------------------

    def node(self, pointer: str) -> Node | None:
        return self.nodes.get(pointer)

    def editable(self, pointer: str) -> Node:
        """The node at ``pointer``, when no anchor, alias or merge key shares it or any of its parents."""
        node = self.nodes.get(pointer)
        if node is None:
            raise Refused(f"{pointer or '/'} is not written in the file (it comes from an alias or merge key)")
        walk: Node | None = node
        while walk is not None:
            if walk.shared:
                raise Refused(f"{pointer or '/'} is shared: {walk.shared}")
            walk = self.nodes.get(walk.parent) if walk.parent is not None else None
        return node

    def _edit(self, start: int, end: int, text: str) -> Edit:
        sl, sc = self._line_col(start)
        el, ec = self._line_col(end)
        return Edit(start, end, text, sl, sc, el, ec)

    def _line_col(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = [0, *(match.end() for match in re.finditer("\n", self.text))]
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def _line_end(self, offset: int) -> int:
        """Where the line holding ``offset`` ends (before its line break; a trailing comment stays on it)."""
        cut = self.text.find("\n", offset)
        if cut < 0:
            return len(self.text)
        return cut - 1 if cut > 0 and self.text[cut - 1] == "\r" else cut

    def _step(self, node: Node) -> int:
        """The indentation step of the document around ``node`` (2 unless the file shows another)."""
        parent = self.nodes.get(node.parent) if node.parent is not None else None
        if node.kind == "map" and node.style == "block" and node.key_start is not None and node.col > node.key_col:
            return node.col - node.key_col
        if parent is not None and parent.kind == "map" and parent.style == "block" and parent.key_start is not None \
                and parent.col > parent.key_col:
            return parent.col - parent.key_col
        return 2

    # -- edits ---------------------------------------------------------------------------------

    def replace_scalar(self, pointer: str, new_text: str) -> Edit:
        node = self.editable(pointer)
        if node.kind != "scalar" or node.style in ("|", ">"):
            raise Refused(f"{pointer} is not a one-line scalar")
        return self._edit(node.start, node.end, new_text)

    def rename_key(self, pointer: str, new_key: str) -> Edit:
        node = self.editable(pointer)
        if node.key_start is None or node.key_end is None or not node.key_plain:
            raise Refused(f"{pointer} has no plain key to rename")
        return self._edit(node.key_start, node.key_end, scalar_text(new_key))

    def insert_key(self, pointer: str, key: str, value: Any) -> Edit:
        """Add ``key: value`` to the mapping at ``pointer`` (which must not have it)."""
        node = self.editable(pointer)
        if node.kind != "map":
            raise Refused(f"{pointer or '/'} is not a mapping")
        if node.style == "flow":
            return self._flow_insert(node, f"{scalar_text(key)}: {flow_text(value)}")
        if not node.keys:
            raise Refused(f"{pointer or '/'} is an empty block mapping")
        last = self.nodes.get(f"{pointer}/{escape_pointer_token(node.keys[-1])}")
        if last is None:
            raise Refused(f"{pointer or '/'} ends with a merged or duplicate key")
        self._check_tail(last, pointer)
        first = self.nodes.get(f"{pointer}/{escape_pointer_token(node.keys[0])}")
        indent = first.key_col if first is not None else node.col
        lines = self._entry_lines(key, value, indent, node)
        at = self._line_end(node.end)
        return self._edit(at, at, "".join(self.eol + line for line in lines))

    def append_item(self, pointer: str, value: Any) -> Edit:
        """Add ``value`` as the last item of the sequence at ``pointer``."""
        node = self.editable(pointer)
        if node.kind != "seq":
            raise Refused(f"{pointer} is not a sequence")
        if node.style == "flow":
            return self._flow_insert(node, flow_text(value))
        last = self.nodes.get(f"{pointer}/{node.items - 1}")
        if last is None:
            raise Refused(f"{pointer} is an empty block sequence")
        self._check_tail(last, pointer)
        lines = self._item_lines(value, node.col, node)
        at = self._line_end(node.end)
        return self._edit(at, at, "".join(self.eol + line for line in lines))

    def _check_tail(self, last: Node, pointer: str) -> None:
        tail = last
        while tail.kind in ("map", "seq") and tail.style == "block":
            deeper = [n for n in self.nodes.values() if n.parent is not None and n.end == tail.end and n is not tail]
            if not deeper:
                break
            tail = deeper[-1]
        if tail.kind == "scalar" and tail.keep:
            raise Refused(f"{pointer} ends with a block scalar that keeps its trailing lines (|+)")
        if tail.kind == "scalar" and tail.style in ("|", ">") and "\n" not in self.text[tail.end:] \
                and "\r" not in self.text[tail.end:]:
            raise Refused(f"{pointer} ends with a block scalar at the end of the file without a line break: a line "
                          "added after it would add one to its text")

    def _flow_insert(self, node: Node, entry: str) -> Edit:
        if node.close is None:
            raise Refused("unterminated flow collection")
        inside = self.text[node.start + 1:node.close]
        if "#" in inside:
            raise Refused("a comment inside the flow collection")
        if inside.strip() == "":
            return self._edit(node.start + 1, node.start + 1, entry)
        stripped = inside.rstrip()
        if stripped.endswith(","):
            raise Refused("the flow collection ends with a comma")
        at = node.start + 1 + len(stripped)
        return self._edit(at, at, ", " + entry)

    # -- rendering -----------------------------------------------------------------------------

    def _entry_lines(self, key: str, value: Any, indent: int, near: Node) -> list[str]:
        pad = " " * indent
        step = self._step(near)
        if isinstance(value, dict) and value:
            lines = [f"{pad}{scalar_text(key)}:"]
            for child_key, child in value.items():
                lines.extend(self._entry_lines(child_key, child, indent + step, near))
            return lines
        if isinstance(value, list) and value:
            lines = [f"{pad}{scalar_text(key)}:"]
            dash = indent if self.doc.indentless else indent + step
            for item in value:
                lines.extend(self._item_lines(item, dash, near))
            return lines
        return [f"{pad}{scalar_text(key)}: {flow_text(value)}"]

    def _item_lines(self, value: Any, dash: int, near: Node) -> list[str]:
        pad = " " * dash
        if isinstance(value, dict) and value:
            lines: list[str] = []
            for child_key, child in value.items():
                lines.extend(self._entry_lines(child_key, child, dash + 2, near))
            lines[0] = f"{pad}- {lines[0][dash + 2:]}"
            return lines
        return [f"{pad}- {flow_text(value)}"]

    # -- paths that do not exist yet -----------------------------------------------------------

    def add(self, pointer: str, value: Any) -> tuple[Edit, str]:
        """Write ``value`` at ``pointer`` (which does not exist): into the nearest written mapping, creating the
        mappings between; a last token ``-`` appends to a sequence. Returns the edit and the pointer added."""
        tokens = pointer[1:].split("/") if pointer else []
        for cut in range(len(tokens) - 1, -1, -1):
            parent = "/" + "/".join(tokens[:cut]) if cut else ""
            node = self.nodes.get(parent)
            if node is None:
                continue
            rest = tokens[cut:]
            if node.kind == "seq" and rest[0] == "-":
                if len(rest) != 1:
                    raise Refused(f"cannot create {pointer}")
                return self.append_item(parent, value), f"{parent}/{node.items}"
            if node.kind != "map":
                raise Refused(f"{parent or '/'} is not a mapping")
            built: Any = value
            for token in reversed(rest[1:]):
                built = [built] if token == "-" else {_unescape(token): built}
            key = _unescape(rest[0])
            added = f"{parent}/{rest[0]}" if rest[0] != "-" else parent
            return self.insert_key(parent, key, built), added
        raise Refused(f"nothing of {pointer} is written in the file")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")
