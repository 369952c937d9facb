"""Name patterns with ``*`` (as in rule parameters: ``nvidia.com/mig-*``), compiled once per pattern list."""

from __future__ import annotations

import re
from fnmatch import translate
from functools import lru_cache


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{translate(pattern)})" for pattern in patterns))


def matches(name: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """Does ``name`` match one of the ``*`` patterns (case-sensitive, like fnmatchcase)?"""
    pattern = _compiled(tuple(patterns))
    return pattern is not None and pattern.match(name) is not None
