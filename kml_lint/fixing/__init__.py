"""Automatic fixes: text edits computed from the position index, never a re-serialised document.

A separate layer over the checks (they know nothing about it): ``model`` (edits and fixes), ``index`` (where
every node of a document is written, with its exact span), ``editor`` (YAML-aware edits: insert a key, append
an item, quote, rename), ``fixers`` (one function per rule id, its data in the rule file's ``fix:``),
``attach`` (fixes for a file's findings, called by the engine) and ``apply`` (the safety net and the passes).
"""
