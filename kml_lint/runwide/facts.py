"""The records the run-wide pre-pass collects, and the registry of what it collects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Fact:
    """One object (or one file, for file-name facts) the pre-pass kept.

    ``data`` is plain JSON-able data (what the fact kind's ``keep`` returned); ``line`` is 1-based, ``document``
    orders the documents of one file (0 for file-name facts).
    """

    kind: str  # the FactKind's name: crds, namespaces, ...
    path: str  # as shown to the user
    line: int
    document: int
    group_kind: str  # group/Kind of the object (core kinds bare); the file name for file-name facts
    name: str | None
    namespace: str | None
    data: Any

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.document, self.line, self.group_kind)


def _whole(data: dict[str, Any]) -> Any:
    return data


@dataclass(frozen=True, slots=True)
class FactKind:
    """What the pre-pass collects under one name.

    ``kinds``: objects (``group/Kind``, core kinds bare) kept as facts; ``files``: file names (a kustomization,
    ``Chart.yaml``) whose first document is kept whatever it holds. ``keep`` reduces an object (or a file's
    document) to the JSON-able data consumers need (the whole mapping by default): facts are inherited by worker
    processes and hashed into the cache key, so keep them small when the consumers allow.
    """

    name: str
    kinds: frozenset[str] = frozenset()
    files: frozenset[str] = frozenset()
    keep: Callable[[dict[str, Any]], Any] = _whole
    doc: str = ""


FACT_KINDS: dict[str, FactKind] = {}


def fact_kind(name: str, *, kinds: tuple[str, ...] = (), files: tuple[str, ...] = (),
              doc: str = "") -> Callable[[Callable[[dict[str, Any]], Any]], Callable[[dict[str, Any]], Any]]:
    """Register a fact kind: ``@fact_kind("namespaces", kinds=("Namespace",))`` over its ``keep`` function."""

    def register(keep: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
        if name in FACT_KINDS:
            raise ValueError(f"fact kind {name} registered twice")
        FACT_KINDS[name] = FactKind(name, frozenset(kinds), frozenset(files), keep, doc or (keep.__doc__ or ""))
        return keep

    return register


@dataclass(frozen=True, slots=True)
class RunFacts:
    """Everything the pre-pass found, by fact kind, each list sorted by (path, document, line)."""

    by_kind: dict[str, tuple[Fact, ...]] = field(default_factory=dict)
    digest: str = ""  # sha256 of the facts: part of the cache key (a new Namespace re-lints what it affects)

    def __call__(self, kind: str) -> tuple[Fact, ...]:
        """The facts of one kind (``facts("namespaces")``); an unknown name is a programming error."""
        if kind not in FACT_KINDS:
            raise KeyError(f"no fact kind {kind!r} (known: {', '.join(sorted(FACT_KINDS))})")
        return self.by_kind.get(kind, ())

    def __iter__(self) -> Iterator[Fact]:
        for kind in sorted(self.by_kind):
            yield from self.by_kind[kind]

    def __bool__(self) -> bool:
        return any(self.by_kind.values())

    def named(self, kind: str, name: str, namespace: str | None = None) -> Fact | None:
        """The first fact of ``kind`` with that name (and namespace, for namespaced objects), in path order."""
        for fact in self(kind):
            if fact.name == name and (namespace is None or fact.namespace == namespace):
                return fact
        return None

    @staticmethod
    def of(facts: list[Fact]) -> RunFacts:
        """Facts in any order -> the canonical, digested RunFacts (the same whatever order files were read)."""
        by_kind: dict[str, list[Fact]] = {}
        for fact in facts:
            by_kind.setdefault(fact.kind, []).append(fact)
        ordered = {kind: tuple(sorted(items, key=Fact.sort_key)) for kind, items in sorted(by_kind.items())}
        digest = hashlib.sha256()
        for kind, items in ordered.items():
            for fact in items:
                digest.update(json.dumps([kind, fact.path, fact.line, fact.document, fact.group_kind, fact.name,
                                          fact.namespace, fact.data], sort_keys=True, default=str).encode())
        return RunFacts(ordered, digest.hexdigest() if ordered else "")


EMPTY = RunFacts()
