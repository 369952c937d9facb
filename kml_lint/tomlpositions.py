"""Where each key of a TOML file is written, so that configuration errors in pyproject.toml name a line and
a column as they do in ``.kml-lint.yaml``.

tomllib returns plain data without positions. This scanner reads the text a second time, after tomllib has
accepted it (so it only ever meets valid TOML), and records the position of every key, table header and array
item under the table paths TOML assigns them (dotted keys, ``[table]``, ``[[array of tables]]``, inline tables
and arrays). ``positions_for`` turns that into the ``Positions`` index the YAML fold builds, so one ``locate``
serves both formats.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from .yamlfold import Position, Positions

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")

Path = tuple[Any, ...]


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.found: dict[Path, Position] = {}
        self.arrays: dict[Path, int] = {}  # [[array of tables]] path -> items seen so far

    # -- positions -------------------------------------------------------------------------------

    def place(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def record(self, path: Path, key_at: int, value_at: int | None = None) -> None:
        if path not in self.found:
            self.found[path] = (*self.place(key_at), *self.place(key_at if value_at is None else value_at))

    # -- lexing ----------------------------------------------------------------------------------

    def skip(self, newlines: bool) -> None:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if char in " \t\r" or (newlines and char == "\n"):
                self.i += 1
            elif char == "#":
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            else:
                return

    def string(self) -> str:
        """Skip one string at ``i`` (any of TOML's four kinds) and return its source text."""
        text, start = self.text, self.i
        for quote in ('"""', "'''"):
            if text.startswith(quote, start):
                end = start + 3
                while True:
                    end = text.find(quote, end)
                    if end < 0:
                        self.i = len(text)
                        return text[start:]
                    if quote == '"""' and _escaped(text, end):
                        end += 1
                        continue
                    end += 3
                    while text.startswith(quote[0], end):  # up to two quotes may close the content
                        end += 1
                    self.i = end
                    return text[start:end]
        quote = text[start]
        end = start + 1
        while end < len(text) and text[end] != quote:
            end += 2 if quote == '"' and text[end] == "\\" else 1
        self.i = end + 1
        return text[start:self.i]

    def key(self) -> list[tuple[str, int]]:
        """A dotted key at ``i``: its parts with their offsets."""
        parts: list[tuple[str, int]] = []
        while True:
            self.skip(False)
            at = self.i
            if self.text[at] in "\"'":
                raw = self.string()
                parts.append((_decode_key(raw), at))
            else:
                match = _BARE.match(self.text, at)
                end = match.end() if match else at + 1
                parts.append((self.text[at:end], at))
                self.i = end
            self.skip(False)
            if self.i < len(self.text) and self.text[self.i] == ".":
                self.i += 1
                continue
            return parts

    # -- structure -------------------------------------------------------------------------------

    def resolve(self, keys: list[tuple[str, int]], base: Path = ()) -> Path:
        """A header's or dotted key's path, stepping into the current item of each array of tables on the way."""
        path = base
        for name, at in keys:
            path = (*path, name)
            self.record(path, at)
            if path in self.arrays:
                path = (*path, self.arrays[path] - 1)
        return path

    def document(self) -> dict[Path, Position]:
        text = self.text
        table: Path = ()
        while True:
            self.skip(True)
            if self.i >= len(text):
                return self.found
            if text.startswith("[[", self.i):
                self.i += 2
                keys = self.key()
                parent = self.resolve(keys[:-1])
                name, at = keys[-1]
                array = (*parent, name)
                self.record(array, at)
                index = self.arrays.get(array, 0)
                self.arrays[array] = index + 1
                table = (*array, index)
                self.record(table, at)
                self.i = text.find("]]", self.i) + 2
            elif text[self.i] == "[":
                self.i += 1
                table = self.resolve(self.key())
                self.i = text.find("]", self.i) + 1
            else:
                self.pair(table)

    def pair(self, table: Path) -> None:
        keys = self.key()
        path = self.resolve(keys[:-1], table)
        name, at = keys[-1]
        self.i += 1  # "="
        self.skip(False)
        full = (*path, name)
        self.record(full, at, self.i)
        self.value(full)

    def value(self, path: Path) -> None:
        text = self.text
        char = text[self.i] if self.i < len(text) else ""
        if char in "\"'":
            self.string()
        elif char == "[":
            self.i += 1
            index = 0
            while True:
                self.skip(True)
                if text[self.i] == "]":
                    self.i += 1
                    return
                if text[self.i] == ",":
                    self.i += 1
                    continue
                self.record((*path, index), self.i)
                self.value((*path, index))
                index += 1
        elif char == "{":
            self.i += 1
            while True:
                self.skip(False)
                if text[self.i] == "}":
                    self.i += 1
                    return
                if text[self.i] == ",":
                    self.i += 1
                    continue
                self.pair(path)
        else:
            match = _SCALAR_END.search(text, self.i)
            self.i = match.start() if match else len(text)


def _escaped(text: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and text[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _decode_key(raw: str) -> str:
    import tomllib

    return next(iter(tomllib.loads(f"{raw} = 0")))


def scan(text: str) -> dict[Path, Position]:
    """Every key, header and array item of a valid TOML text: path -> (key line, key col, value line, col)."""
    try:
        return _Scanner(text).document()
    except (IndexError, ValueError):  # never expected on text tomllib accepted; positions are a courtesy
        return {}


def positions_for(text: str, data: Any, prefix: Path = ()) -> Positions:
    """A ``Positions`` index of ``data`` (the value found at ``prefix`` in the TOML ``text``)."""
    found = scan(text)
    positions = Positions()
    positions.root = data
    positions.root_position = found.get(prefix)

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, dict):
            positions.tables[id(node)] = {key: found[(*path, key)] for key in node if (*path, key) in found}
            for key, child in node.items():
                walk(child, (*path, key))
        elif isinstance(node, list):
            positions.tables[id(node)] = [found.get((*path, index)) for index in range(len(node))]
            for index, child in enumerate(node):
                walk(child, (*path, index))

    walk(data, prefix)
    return positions
