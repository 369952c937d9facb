"""Schema ``pattern``s and ``patternProperties`` keys, evaluated as Kubernetes does: RE2 semantics, linear time.

A schema's pattern comes from a CRD or a ``--schema-dir`` file, that is from the repository being linted. Python's
``re`` backtracks, so a crafted pattern (``(a+)+$``) can run for minutes on one value; RE2 never backtracks, and
it is also what the API server applies (Go's ``regexp``: no look-around, no back-references, ``$`` only at the
very end). A pattern RE2 cannot compile is checked by no one: the schema conversion notes it once, naming the
schema file, and the compiler treats it as accepting any value.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr; we report it ourselves
_OPTIONS.max_mem = 8 << 20  # a pattern compiles into at most 8 MiB of automaton, or is refused

MAX_PATTERN = 4096
"""Characters of a pattern: Kubernetes' own patterns are a few dozen; a longer one is refused unchecked."""


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Any | None:
    """The compiled pattern (``.search(text)``), or None when RE2 cannot compile it."""
    if len(pattern) > MAX_PATTERN:
        return None
    try:
        return re2.compile(pattern, _OPTIONS)
    except Exception:  # re2.error, and TypeError/ValueError for text RE2 cannot take
        return None


def why_unchecked(pattern: str) -> str:
    """The note for a pattern ``compile_pattern`` refuses."""
    shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
    if len(pattern) > MAX_PATTERN:
        return f"pattern {shown!r} is longer than {MAX_PATTERN} characters: not checked (any value is accepted)"
    return (f"pattern {shown!r} is not an RE2 regular expression, the syntax Kubernetes evaluates (no look-around "
            "or back-references): not checked (any value is accepted)")


def unusable_patterns(schema: Any) -> list[str]:
    """A note for each distinct ``pattern`` or ``patternProperties`` key in ``schema`` that RE2 refuses (a
    user's schema file is scanned once, before the run: the note names the file, not every object it serves)."""
    notes: dict[str, str] = {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            pattern = node.get("pattern")
            if isinstance(pattern, str) and compile_pattern(pattern) is None:
                notes.setdefault(pattern, why_unchecked(pattern))
            keyed = node.get("patternProperties")
            if isinstance(keyed, dict):
                for key in keyed:
                    if isinstance(key, str) and compile_pattern(key) is None:
                        notes.setdefault(key, f"patternProperties: {why_unchecked(key)}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return list(notes.values())
