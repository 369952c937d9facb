"""Fixes for one file's findings, computed while the file's objects are still at hand (called by the engine).

A finding gets a fix only when its rule has a fixer and a ``fix:`` entry, the file's text is the text the
finding was located in (not rendered Helm or Kustomize output mapped back to templates), and the edit is
clearly right: no anchor, alias or merge key shares what it touches, and it neither reads nor writes a
detected secret (reports print edits). Why a fix was not offered is kept in ``FileResult.fix_skips``.
"""

from __future__ import annotations

from typing import Any

from ..credentials import mask_all, redact
from .editor import Editor, Refused
from .fixers import FIXERS, Request
from .index import build
from .model import Fix


def fixable_rules(rules: list[Any]) -> bool:
    return any(rule.fix and rule.id in FIXERS for rule in rules)


def attach(result: Any, text: str, objects: list[Any], ctx: Any, rules: dict[str, Any]) -> None:
    """Set ``finding.fix`` on every finding of ``result`` that one clear edit repairs."""
    wanted = [f for f in result.findings
              if f.pointer is not None and f.rule_id in FIXERS and rules.get(f.rule_id) is not None
              and rules[f.rule_id].fix]
    if not wanted:
        return
    if result.placement is not None and result.placement.mapped:
        return  # rendered input: the findings name template files, the edits would be on other text
    documents = build(text, max(f.obj.document or 0 for f in wanted))
    if documents is None:
        return
    by_ref = {(obj.ref.document, obj.ref.item): obj for obj in objects}
    editors: dict[int, Editor] = {}
    for finding in wanted:
        obj = by_ref.get((finding.obj.document, finding.obj.item))
        rule = rules[finding.rule_id]
        if obj is None or finding.obj.document is None or finding.obj.document >= len(documents):
            continue
        editor = editors.get(finding.obj.document)
        if editor is None:
            editor = editors[finding.obj.document] = Editor(text, documents[finding.obj.document])
        params = {k: v for k, v in rule.fix.items() if k not in ("applicability", "why")}
        try:
            planned = FIXERS[finding.rule_id](Request(finding.pointer, obj, editor, params, rule.params, ctx))
        except Refused as refused:
            result.fix_skips.append((finding.rule_id, str(refused)))
            continue
        except Exception as exc:  # a fixer that fails offers no fix; the finding itself stands
            result.fix_skips.append((finding.rule_id, f"internal error in the fixer: {type(exc).__name__}: {exc}"))
            continue
        if _touches_secret(text, planned.edits, result.secrets):
            result.fix_skips.append((finding.rule_id, "the edit touches a detected secret"))
            continue
        finding.fix = Fix(planned.edits, rule.fix["applicability"], planned.description, planned.touched,
                          planned.renamed, finding.obj.document)


def _touches_secret(text: str, edits: list[Any], secrets: set[str]) -> bool:
    for edit in edits:
        for part in (edit.text, text[edit.start:edit.end]):
            if redact(part) != part or (secrets and mask_all(part, secrets) != part):
                return True
    return False
