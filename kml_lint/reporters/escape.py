"""The one escaping helper every output format uses: text from a repository cannot steer a terminal, a CI log or
an XML parser.

Object names, file names, ``--stdin-filename``, messages (which quote values) and source lines are the
repository's text. Printed raw, a newline starts a line that GitHub Actions runs as a workflow command, ESC
sequences reach the terminal, bidirectional overrides make a line read differently from what it holds, and
characters XML 1.0 forbids (even as character references) make a JUnit report unparseable. ``visible`` writes
each such character as a backslash escape (``\\x1b``, ``\\u202e``), so what is shown is what is there and every
XML output parses.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f"  # C0 (tab is kept: it moves the cursor, never a line), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, embeddings, overrides and isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff\ufffe\uffff]"  # lone surrogates and non-characters: XML 1.0 forbids them
)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control, bidirectional-override and XML-forbidden character written as an escape."""
    return _UNSAFE.sub(_escaped, text) if _UNSAFE.search(text) else text


def visible_prefix_width(text: str, col: int) -> int:
    """How many characters the first ``col - 1`` characters of ``text`` take once escaped (caret placement)."""
    return len(visible(text[: max(0, col - 1)]))


def github_data(text: str) -> str:
    """A workflow command's message: escaped as above, then GitHub's own escaping of %, CR and LF."""
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A workflow command's property value (file, title): also ':' and ',' escaped, as GitHub requires."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")
