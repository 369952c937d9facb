"""Fixes as text edits: each a replacement of an exact range of the file's text (an insertion is empty)."""

from __future__ import annotations

from dataclasses import dataclass, field

SAFE, UNSAFE = "safe", "unsafe"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` (character offsets into the decoded text, BOM excluded) by ``text``."""

    start: int
    end: int
    text: str
    # Where the range is, 1-based, for reports (SARIF regions): (line, col) of start and end.
    start_line: int = 0
    start_col: int = 0
    end_line: int = 0
    end_col: int = 0


@dataclass(slots=True)
class Fix:
    """What one finding's fix does: its edits, whether it keeps the author's meaning, and what it touches."""

    edits: list[Edit]
    applicability: str  # safe | unsafe
    description: str
    touched: list[str] = field(default_factory=list)  # document pointers the fix adds, renames or changes
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old pointer, new pointer): values must match
    document: int = 0

    def to_json(self) -> dict[str, object]:
        return {"applicability": self.applicability, "description": self.description,
                "edits": [{"start": e.start, "end": e.end, "text": e.text,
                           "range": {"start": {"line": e.start_line, "col": e.start_col},
                                     "end": {"line": e.end_line, "col": e.end_col}}} for e in self.edits]}


def overlaps(a: Edit, b: Edit) -> bool:
    """Two edits conflict when their ranges intersect, or both insert at the same place (order unknown), or
    one inserts strictly inside the other's range."""
    if a.start == b.start:
        return True
    return max(a.start, b.start) < min(a.end, b.end) or a.start < b.start < a.end or b.start < a.start < b.end


def apply_edits(text: str, edits: list[Edit]) -> str:
    """The text with non-overlapping edits applied (from the end, so offsets stay valid)."""
    out = text
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[:edit.start] + edit.text + out[edit.end:]
    return out
