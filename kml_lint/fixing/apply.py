"""Applying fixes: the safety net, the passes, and the file handling (atomic writes, links, encodings).

Per pass, the fixes of one file whose edits do not overlap are applied together (a later one waits for the
next pass); the new text must parse, every document must differ from the old one only at the pointers the
fixes named (renamed keys keep their values), and the fixed findings must be gone. Otherwise nothing is
written for that file and the reason is reported. Passes repeat until no fix is left (bounded).
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..credentials import mask_all
from ..yamlfold import parse_yaml
from .model import UNSAFE, Edit, Fix, apply_edits, overlaps

MAX_PASSES = 12


@dataclass(slots=True)
class Outcome:
    """What fixing one file did."""

    path: str
    text: str  # the original text
    fixed: str  # the text after every applied fix (== text when nothing was applied)
    applied: Counter[str] = field(default_factory=Counter)  # rule id -> fixes applied
    skipped: str | None = None  # why nothing was written for this file
    refused: Counter[str] = field(default_factory=Counter)  # "rule: reason" of findings offered no fix
    secrets: set[str] = field(default_factory=set)
    remaining: int = 0  # fixable findings left after the last pass (bounded passes, or unsafe not allowed)

    @property
    def changed(self) -> bool:
        return self.fixed != self.text


def wanted(finding: Any, unsafe: bool) -> bool:
    fix = finding.fix
    return fix is not None and finding.suppression is None and (unsafe or fix.applicability != UNSAFE)


def fix_text(path: str, text: str, lint: Callable[[str], Any], unsafe: bool) -> Outcome:
    """Fix ``text`` in passes; ``lint(text)`` returns the file's result with its suppressions applied."""
    outcome = Outcome(path, text, text)
    result = lint(text)
    for rule_id, reason in result.fix_skips:  # why findings of the file as it was get no fix
        outcome.refused[f"{rule_id}: {reason}"] += 1
    for _ in range(MAX_PASSES):
        outcome.secrets |= set(result.secrets)
        candidates = [f for f in result.findings if wanted(f, unsafe)]
        if not candidates:
            outcome.remaining = 0
            return outcome
        chosen: list[Any] = []
        edits: list[Edit] = []
        for finding in sorted(candidates, key=lambda f: (min(e.start for e in f.fix.edits), f.rule_id)):
            if any(overlaps(a, b) for a in finding.fix.edits for b in edits):
                continue
            chosen.append(finding)
            edits.extend(finding.fix.edits)
        current = outcome.fixed
        new = apply_edits(current, edits)
        problem = verify(current, new, [f.fix for f in chosen])
        after = None
        if problem is None:
            after = lint(new)
            # Fingerprints may repeat (two items with the same name): count them, do not just look them up.
            had = Counter((f.rule_id, f.fingerprint) for f in result.findings)
            left = Counter((f.rule_id, f.fingerprint) for f in after.findings)
            fixed = Counter((f.rule_id, f.fingerprint) for f in chosen)
            stuck = [f for f in chosen if left[(f.rule_id, f.fingerprint)] > had[(f.rule_id, f.fingerprint)]
                     - fixed[(f.rule_id, f.fingerprint)]]
            if stuck:
                problem = (f"the fix of {stuck[0].rule_id} at line {stuck[0].line} did not make its finding go "
                           "away")
        if problem is not None:
            outcome.fixed = outcome.text
            outcome.applied.clear()
            outcome.skipped = problem
            return outcome
        outcome.fixed = new
        outcome.applied.update(f.rule_id for f in chosen)
        result = after
    outcome.remaining = sum(1 for f in result.findings if wanted(f, unsafe))
    return outcome


def verify(old: str, new: str, fixes: list[Fix]) -> str | None:
    """Why ``new`` is not ``old`` changed only where ``fixes`` said (None: it is)."""
    before, after = parse_yaml(old), parse_yaml(new)
    if after.error is not None and before.error is None:
        return f"the fixed text does not parse ({after.error.message})"
    if len(before.documents) != len(after.documents):
        return "the fixed text has a different number of documents"
    allowed: dict[int, list[str]] = {}
    for fix in fixes:
        allowed.setdefault(fix.document, []).extend(fix.touched)
    for index, (a, b) in enumerate(zip(before.documents, after.documents, strict=True)):
        if len([p for p in b.problems if p.fatal]) > len([p for p in a.problems if p.fatal]):
            return f"document {index + 1} gained a YAML problem"
        touched = allowed.get(index, [])
        for pointer in differences(a.data, b.data):
            if not any(pointer == t or pointer.startswith(t + "/") for t in touched):
                return f"document {index + 1} changed at {pointer or '/'}, which no fix named"
    for fix in fixes:
        a_doc, b_doc = before.documents[fix.document].data, after.documents[fix.document].data
        for old_pointer, new_pointer in fix.renamed:
            if _at(a_doc, old_pointer) != _at(b_doc, new_pointer):
                return f"the rename of {old_pointer} changed its value"
    return None


def differences(a: Any, b: Any, pointer: str = "") -> list[str]:
    """The pointers where two documents differ: added, removed or changed values."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in a.keys() | b.keys():
            child = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in a or key not in b:
                out.append(child)
            else:
                out.extend(differences(a[key], b[key], child))
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for index in range(max(len(a), len(b))):
            if index >= len(a) or index >= len(b):
                out.append(f"{pointer}/{index}")
            else:
                out.extend(differences(a[index], b[index], f"{pointer}/{index}"))
        return out
    if type(a) is not type(b) or a != b:
        if a != a and b != b:  # NaN
            return []
        return [pointer]
    return []


def _at(root: Any, pointer: str) -> Any:
    from ..objects import resolve_pointer

    return resolve_pointer(root, pointer)


# -- files ---------------------------------------------------------------------------------------

_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def why_not_writable(path: str) -> str | None:
    """Files that an atomic replace would damage: symlinks (the link would become a copy) and hard links."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link: replacing it would cut the link (fix the file it points to)"
    if info.st_nlink > 1:
        return f"it has {info.st_nlink} hard links: replacing it would cut them"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    return None


def encode_like(data: bytes, text: str, encoding: str, fixed: str) -> bytes | None:
    """``fixed`` encoded as ``data`` was (BOM and encoding kept); None when ``text`` does not round-trip."""
    bom = next((b for b in _BOMS if data.startswith(b)), b"")
    try:
        if bom + text.encode(encoding) != data:
            return None
        return bom + fixed.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return None


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` by ``data`` in one rename, keeping its permission bits."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".kml-lint-fix-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def unified_diff(outcome: Outcome, shown_path: str) -> str:
    """The change as a unified diff, detected secrets masked on every line (context lines too)."""
    old = outcome.text.splitlines(keepends=True)
    new = outcome.fixed.splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{shown_path}", f"b/{shown_path}")
    out = []
    for line in lines:
        masked = mask_all(line, outcome.secrets)
        out.append(masked if masked.endswith("\n") else masked + "\n\\ No newline at end of file\n")
    return "".join(out)
