"""The pre-pass: one cheap scan of the run's files for the registered fact kinds.

Cheap because most files hold none of the kinds: the raw bytes are searched for ``kind: <one of them>`` (YAML
or JSON spelling) before anything is decoded, and in a file that matches only the documents that match are
parsed. Deterministic because the facts are sorted (``RunFacts.of``), whatever order the paths come in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from ..safeio import read_bytes
from ..source import SourceText, decode
from . import kinds as _kinds  # noqa: F401  (registers the fact kinds)
from .facts import FACT_KINDS, Fact, RunFacts

# A line that starts a new YAML document: a chunk between two of them is one document (or more, harmlessly).
_DOCUMENT_START = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$", re.MULTILINE)


@cache
def _filters() -> tuple[re.Pattern[bytes], re.Pattern[str], dict[str, list[tuple[str, Any]]], dict[str, Any]]:
    """The bytes filter, the same for text chunks, fact kinds by group/Kind, and file-name fact kinds."""
    by_kind: dict[str, list[tuple[str, Any]]] = {}
    by_file: dict[str, Any] = {}
    for kind in FACT_KINDS.values():
        for group_kind in kind.kinds:
            by_kind.setdefault(group_kind, []).append((kind.name, kind.keep))
        for name in kind.files:
            by_file[name] = kind
    bare = sorted({group_kind.rsplit("/", 1)[-1] for group_kind in by_kind})
    words = "|".join(re.escape(word) for word in bare)
    # Starting with the literal "kind" lets the regex engine skip ahead with a fast substring search.
    pattern = rf"""kind["']?[ \t]*:[ \t]*["']?(?:{words})["']?[ \t]*(?:[,}}\r\n#]|$)"""
    return (re.compile(pattern.encode(), re.MULTILINE), re.compile(pattern, re.MULTILINE), by_kind, by_file)


def prepass(paths: Iterable[str], max_size: int, *, others: Iterable[str] = (),
            stdin: tuple[str, bytes] | None = None) -> RunFacts:
    """The run-wide facts of the files at ``paths`` (the run's files and its context), of piped input (shown as
    ``stdin[0]``), and of ``others``: files the walk met but does not lint (kustomizations, ``Chart.yaml``), which
    count for file-name fact kinds only.

    Unreadable or oversized files contribute nothing here: linting them reports why.
    """
    data_filter, _, _, by_file = _filters()
    facts: list[Fact] = []
    sources: list[tuple[str, bytes]] = []
    for path in [*paths, *(other for other in others if os.path.basename(other) in by_file)]:
        name = os.path.basename(path)
        data = _read_regular(path, max_size)
        if data is None:
            continue
        if name in by_file:
            facts.extend(_file_fact(path, data, by_file[name]))
        elif data_filter.search(data):
            sources.append((path, data))
    if stdin is not None and len(stdin[1]) <= max_size and data_filter.search(stdin[1]):
        sources.append(stdin)
    for path, data in sources:
        facts.extend(_object_facts(path, data))
    return RunFacts.of(facts)


def _read_regular(path: str, max_size: int) -> bytes | None:
    """A regular file's bytes, at most ``max_size`` of them; ``None`` for anything else. A FIFO or a device
    named as a manifest must never block or flood the pre-pass (linting it reports why it is skipped)."""
    try:
        return read_bytes(path, max_size)
    except OSError:  # safeio.UnsafeFile too: not a regular file, or too large
        return None


def _text(data: bytes) -> str | None:
    source = decode(data)
    return source.text if isinstance(source, SourceText) else None


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """(line offset, text) of each YAML document; a JSON file is one chunk."""
    if text.lstrip()[:1] in ("{", "["):
        yield 0, text
        return
    start, line = 0, 0
    for match in _DOCUMENT_START.finditer(text):
        yield line, text[start:match.start()]
        line += text.count("\n", start, match.end())
        start = match.end()
    yield line, text[start:]


def _object_facts(path: str, data: bytes) -> Iterable[Fact]:
    from ..objects import K8sObject, objects_of
    from ..yamlfold import parse_yaml

    _, text_filter, by_kind, _ = _filters()
    text = _text(data)
    if text is None:
        return
    for number, (offset, chunk) in enumerate(_chunks(text)):
        if not text_filter.search(chunk):
            continue
        for document in parse_yaml(chunk).documents:
            for obj in objects_of(document):
                if not isinstance(obj, K8sObject) or obj.group_kind not in by_kind:
                    continue
                line = obj.locate(obj.base)[0] + offset
                meta = obj.metadata
                name, namespace = meta.get("name"), meta.get("namespace")
                for kind_name, keep in by_kind[obj.group_kind]:
                    yield Fact(kind_name, path, line, number + document.index, obj.group_kind,
                               name if isinstance(name, str) else None,
                               namespace if isinstance(namespace, str) else None, keep(obj.data))


def _file_fact(path: str, data: bytes, kind: Any) -> Iterable[Fact]:
    from ..yamlfold import parse_yaml

    text = _text(data)
    if text is None:
        return
    parsed = parse_yaml(text)
    if not parsed.documents or not isinstance(parsed.documents[0].data, dict):
        return
    document = parsed.documents[0].data
    name = document.get("name")
    yield Fact(kind.name, path, 1, 0, os.path.basename(path), name if isinstance(name, str) else None, None,
               kind.keep(document))
