"""The records every stage shares: severities, object references and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """SARIF's own levels, ordered so that ``>=`` means "at least as severe"."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or note)") from None


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Which Kubernetes object a finding is about (all parts optional: KML001 has none)."""

    api_version: str | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    generate_name: str | None = None
    document: int | None = None  # 0-based index of the YAML document in its file
    item: int | None = None  # index inside a `kind: List`

    def identity(self) -> str:
        """A stable identity for fingerprints: kind/namespace/name, or the document position when unnamed."""
        name = self.name or (f"{self.generate_name}*" if self.generate_name else None)
        if name is None:
            where = f"doc{self.document}" + (f".item{self.item}" if self.item is not None else "")
            name = f"<{where}>"
        return f"{self.kind or ''}/{self.namespace or ''}/{name}"

    def describe(self) -> str:
        """How messages name the object: ``Job train-bert``."""
        kind = self.kind or "object"
        if self.name:
            return f"{kind} {self.name}"
        if self.generate_name:
            return f"{kind} {self.generate_name}*"
        return f"{kind} (unnamed)"


@dataclass(slots=True)
class Suppression:
    """Why a finding does not count: how it was suppressed and the reason given."""

    kind: str  # annotation | comment | config | baseline
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a finding: the values file line that set a value a template wrote."""

    path: str
    line: int
    col: int
    message: str


@dataclass(slots=True)
class Finding:
    """One problem a rule found, located in a file, with the object it is about."""

    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    path: str  # as shown to the user
    line: int
    col: int
    pointer: str | None = None  # JSON pointer into the document
    obj: ObjectRef = field(default_factory=ObjectRef)
    fingerprint: str = ""
    suppression: Suppression | None = None
    source: str | None = None  # the reported source line, secrets masked (kept only for --format full)
    role: str | None = None  # the pod template's role inside its object ("replica Worker"), when it has one
    container: str | None = None  # the container the finding is about ("container pytorch")
    # The fingerprint's parts after the path (normalised pointer; the message too when there is no object), so
    # a baseline can recompute the fingerprint with the path relative to its own folder (engine.fingerprint_at).
    anchor: str = ""
    # The object identity fingerprints use when it is not obj.identity(): a Helm release name replaced.
    identity: str | None = None
    related: list[Related] = field(default_factory=list)  # where a rendered value was set (values file line)
    short: str = ""  # what is wrong in the words of the field, without why and fix (the text line)
    fix: Any = None  # fixing.model.Fix: the edits that repair it, when one edit is clearly right

    @property
    def brief(self) -> str:
        """The short text of the finding: the check's own, else the first clause of the message."""
        return self.short or short_text(self.message)

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.line, self.col, self.rule_id, self.message)


SHORT_LIMIT = 100


def short_text(message: str, limit: int = SHORT_LIMIT) -> str:
    """What is wrong, without why and fix: the message's first clause (up to ``; ``), shortened at its first
    consequence (``, so ...``, ``: ...``) when longer than ``limit``, else cut at a word near ``limit``."""
    head = message.split("; ", 1)[0]
    if len(head) <= limit:
        return head
    for boundary in (", so ", ": ", " so ", ", which ", " (", ", "):
        cut = head.rfind(boundary, 0, limit)
        if cut >= 20:
            return head[:cut]
    cut = head.rfind(" ", 0, limit - 1)
    return head[:cut if cut > limit // 2 else limit - 1].rstrip(",:;") + "…"
