"""Turn a file (or stdin) into text, or into one clear, located reason why it cannot be linted."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_FILE_SIZE_LIMIT = 1024 * 1024 * 1024
"""The largest --max-file-size accepted (1 GiB): a manifest is read into memory whole."""

MAX_FLOW_DEPTH = 200
"""Flow collections nested deeper than this are refused before libyaml sees them: libyaml's cost grows
with the square of the depth and ruamel's C loader crashes the process on 100,000 nested brackets."""


@dataclass(slots=True)
class SourceText:
    """A file's decoded text."""

    text: str
    encoding: str = "utf-8"


@dataclass(slots=True)
class SourceError:
    """The file cannot be linted; becomes KML001 at (line, col)."""

    message: str
    line: int = 1
    col: int = 1


def read_path(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> SourceText | SourceError:
    """Read a regular file. FIFOs, sockets and devices are never read (they could block forever or never end)."""
    from .safeio import UnsafeFile, read_bytes

    try:
        data = read_bytes(path, max_size)
    except UnsafeFile as exc:
        if exc.too_large:
            return SourceError(f"file is larger than the {max_size:,}-byte limit (--max-file-size): skipped")
        return SourceError("not a regular file (FIFO, socket or device): not opened")
    except OSError as exc:
        return SourceError(f"cannot read file: {exc.strerror or exc}")
    return decode(data)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes) -> SourceText | SourceError:
    """Decode bytes as kubectl would accept them: UTF-8, or UTF-16/32 announced by a byte-order mark."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom):].decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                return _decode_error(data[len(bom):], exc, encoding)
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        return SourceError("holds NUL bytes: a binary file, or UTF-16/32 text without a byte-order mark; a manifest "
                           "is UTF-8 text", line, 1)
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        return _decode_error(data, exc, "utf-8")


def _decode_error(data: bytes, exc: UnicodeDecodeError, encoding: str) -> SourceError:
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    col = len(before[before.rfind(b"\n") + 1:].decode(encoding, errors="replace")) + 1
    return SourceError(f"not valid {encoding.upper()} text (byte offset {exc.start}); save the file as UTF-8",
                       line, col)


def _checked(text: str, encoding: str) -> SourceText | SourceError:
    if "\x00" in text:
        offset = text.index("\x00")
        return SourceError("text holds NUL characters: not a manifest", *line_col(text, offset))
    depth_error = flow_depth_error(text)
    if depth_error is not None:
        return depth_error
    return SourceText(text, encoding)


_BRACKETS = re.compile(r"[\[\]{}]")


def flow_depth_error(text: str, limit: int = MAX_FLOW_DEPTH) -> SourceError | None:
    """Refuse absurd flow nesting with a cheap scan before parsing.

    The scan ignores quoting, so it over-counts brackets inside strings; only text with more than
    ``limit`` opening brackets is scanned at all, and only nesting beyond ``limit`` is refused.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                line, col = line_col(text, match.start())
                return SourceError(f"flow collections nested deeper than {limit} levels: refused before parsing "
                                   "(not a Kubernetes manifest)", line, col)
        elif depth:
            depth -= 1
    return None


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
