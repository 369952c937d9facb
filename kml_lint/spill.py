"""Keep a run's cross-object facts small: the ``Site`` of each potential finding (its line, pointer, object
and subject, several hundred bytes) goes to a temporary file, and the fact keeps only its path and where to
read the rest. Memory then grows with the few fields the judging needs, not with everything a finding
would show; the sites are read back only for the facts that do become findings.

Each site is one line of JSON holding plain strings and numbers, read back into a ``Site`` field by field:
nothing in the file can name code to run (manifest strings are written into it, so it must never be
unpickled or otherwise evaluated).

The first ``IN_MEMORY`` sites stay in memory: a pre-commit run over a few files never pays for a temporary
file, and the bound on memory stays a constant."""

from __future__ import annotations

import json
import sys
from typing import Any, NamedTuple

from .checks import Site
from .findings import ObjectRef


class SpilledSite(NamedTuple):
    path: str  # what run-scope judging looks at (same file or folder)
    offset: int  # where the full Site is in the spill file


IN_MEMORY = 4096
"""Sites kept as they are before any goes to disk (a few hundred bytes each)."""


class SiteSpill:
    def __init__(self, in_memory: int | None = None) -> None:
        self._file: Any = None  # created on first use: most runs have no cross-object facts to keep
        self._in_memory = IN_MEMORY if in_memory is None else in_memory  # sites that may still stay in memory
        self._shared: dict[Any, Any] = {}  # equal values of different files kept once (labels repeat a lot)

    def compact(self, value: Any) -> Any:
        """``value`` with every ``Site`` inside it replaced by a ``SpilledSite``, strings interned and equal
        tuples shared (tuples and lists rebuilt)."""
        return self._compact(value)[0]

    def _compact(self, value: Any) -> tuple[Any, bool]:
        """The compacted value, and whether equal values may share it: a tuple that holds a site is unique (its
        offset differs), so remembering it for sharing would only cost memory."""
        if isinstance(value, Site):
            return self._spill(value), False
        if isinstance(value, str):
            return sys.intern(value), True
        if isinstance(value, tuple):
            items = []
            shareable = True
            for item in value:
                compacted, item_shareable = self._compact(item)
                items.append(compacted)
                shareable = shareable and item_shareable
            rebuilt = type(value)(*items) if hasattr(value, "_fields") else tuple(items)
            if not shareable:
                return rebuilt, False
            try:
                return self._shared.setdefault(rebuilt, rebuilt), True
            except TypeError:  # holds something unhashable
                return rebuilt, False
        if isinstance(value, list):
            return [self._compact(item)[0] for item in value], False
        if isinstance(value, dict):
            return {key: self._compact(item)[0] for key, item in value.items()}, False
        return value, True

    def _spill(self, site: Site) -> Site | SpilledSite:
        if self._in_memory > 0:
            self._in_memory -= 1
            return site
        if self._file is None:
            import tempfile

            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), after the run
        self._file.seek(0, 2)
        offset = self._file.tell()
        self._file.write(_encode(site))
        return SpilledSite(sys.intern(site.path), offset)

    def load(self, site: Any) -> Site:
        """The full Site (a spilled one is read back from the file this run wrote; never from elsewhere)."""
        if not isinstance(site, SpilledSite):
            return site
        self._file.seek(site.offset)
        return _decode(self._file.readline(MAX_LINE), site.path)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


MAX_LINE = 1 << 20
"""A spilled site is a few hundred bytes; no read goes past this, whatever the offset."""

_REF_FIELDS = ("api_version", "kind", "namespace", "name", "generate_name", "document", "item")


def _encode(site: Site) -> bytes:
    obj = site.obj
    ref = [getattr(obj, name) for name in _REF_FIELDS] if isinstance(obj, ObjectRef) else None
    record = [site.path, site.line, site.col, site.pointer, ref, site.subject, site.where]
    return json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _decode(line: bytes, path: str) -> Site:
    """A ``Site`` from one spilled line; ``ValueError`` for anything that is not exactly one."""
    record = json.loads(line)
    if not isinstance(record, list) or len(record) != 7:
        raise ValueError("not a spilled site")
    where, number, col, pointer, ref, subject, relative = record
    if where != path or not all(isinstance(v, str) for v in (pointer, subject, relative)):
        raise ValueError("not a spilled site")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (number, col)):
        raise ValueError("not a spilled site")
    obj = None
    if ref is not None:
        if not isinstance(ref, list) or len(ref) != len(_REF_FIELDS) \
                or not all(v is None or isinstance(v, str) for v in ref[:5]) \
                or not all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in ref[5:]):
            raise ValueError("not a spilled site")
        obj = ObjectRef(*ref)
    return Site(path, number, col, pointer, obj, subject, relative)
