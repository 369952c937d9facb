"""``--cache``: per-file results keyed by content, rule set, settings and kml-lint version.

A second run over an unchanged monorepo re-lints nothing. Entries are JSON (never pickle: a cache folder
committed by someone else must not be able to run code), hold only masked messages and source lines, and a
changed rule file, option or version changes every key. A broken or unwritable cache is ignored, never an
error.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from typing import Any

from . import __version__
from .credentials import redact
from .engine import FileResult
from .findings import Finding, ObjectRef, Severity, Suppression

CACHE_DIR = ".kml-lint-cache"
_FORMAT = 5  # 4: findings keep their fingerprint anchor (baselines match from any folder); 5: and their fix


def rules_signature(rules: list[Any], settings: dict[str, Any]) -> str:
    """Everything besides the file that decides its findings: rules (their files' bytes too) and settings."""
    digest = hashlib.sha256(f"kml-lint {__version__} cache {_FORMAT}".encode())
    for rule in rules:
        entry = [rule.id, rule.name, rule.severity.label, rule.params, rule.check.name if rule.check else rule.engine,
                 sorted(rule.kinds) if rule.kinds else None, rule.level_cap, rule.fix]
        digest.update(json.dumps(entry, sort_keys=True, default=str).encode())
        if rule.source and os.path.isfile(rule.source):
            with open(rule.source, "rb") as handle:
                digest.update(handle.read())
    from .paths import package_file

    digest.update(package_file("workloads.yaml").read_bytes())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class ResultCache:
    def __init__(self, signature: str, folder: str = CACHE_DIR) -> None:
        self.signature = signature
        self.folder = folder
        self.hits = self.misses = 0
        self._ready = False

    def key(self, path: str, text: str, flags: tuple[Any, ...]) -> str:
        digest = hashlib.sha256(self.signature.encode())
        digest.update(json.dumps([path, *map(str, flags)]).encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], f"{key}.json")

    def get(self, key: str) -> FileResult | None:
        try:
            with open(self._path(key), encoding="utf-8") as handle:
                data = json.load(handle)
            result = _result_from(data)
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: FileResult) -> None:
        try:
            self._prepare()
            target = self._path(key)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            import tempfile  # only a run that writes the cache needs it

            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(_result_to(result), out, ensure_ascii=False)
            os.replace(temporary, target)
        except OSError:
            pass  # a read-only checkout still lints, just without a cache

    def _prepare(self) -> None:
        if self._ready:
            return
        os.makedirs(self.folder, exist_ok=True)
        ignore = os.path.join(self.folder, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# created by kml-lint --cache\n*\n")
        tag = os.path.join(self.folder, "CACHEDIR.TAG")
        if not os.path.exists(tag):
            with open(tag, "w", encoding="utf-8") as handle:
                handle.write("Signature: 8a477f597d28d172789f06886806bc55\n# kml-lint cache\n")
        self._ready = True


def _storable(anchor: str) -> str | None:
    """A fingerprint anchor names list items by their ``name``, which can be a pasted credential: such an
    anchor is not written to disk (the cached finding keeps its fingerprint; a baseline then matches it only
    from the baseline's own folder)."""
    return anchor if redact(anchor) == anchor else None


def _result_to(result: FileResult) -> dict[str, Any]:
    def finding(f: Finding) -> dict[str, Any]:
        return {"rule_id": f.rule_id, "rule_name": f.rule_name, "severity": f.severity.label, "message": f.message,
                "path": f.path, "line": f.line, "col": f.col, "pointer": f.pointer, "obj": asdict(f.obj),
                "fingerprint": f.fingerprint, "source": f.source, "role": f.role, "container": f.container,
                "anchor": _storable(f.anchor), "short": f.short,
                "suppression": asdict(f.suppression) if f.suppression else None,
                "fix": asdict(f.fix) if f.fix is not None else None}

    return {"format": _FORMAT, "path": result.path, "objects": result.objects, "skipped": result.skipped,
            "object_refs": [asdict(ref) for ref in result.object_refs],
            "findings": [finding(f) for f in result.findings],
            "facts": {rule: [encode_fact(fact) for fact in facts] for rule, facts in result.facts.items()},
            "directives": [encode_fact(d) for d in result.directives]}


def _result_from(data: dict[str, Any]) -> FileResult:
    if data.get("format") != _FORMAT:
        raise ValueError("cache format")
    findings = []
    for item in data["findings"]:
        findings.append(Finding(
            item["rule_id"], item["rule_name"], Severity.parse(item["severity"]), item["message"], item["path"],
            item["line"], item["col"], item["pointer"], ObjectRef(**item["obj"]), item["fingerprint"],
            Suppression(**item["suppression"]) if item["suppression"] else None, item["source"], item["role"],
            item["container"], item["anchor"] or "", item.get("short") or "", fix=_fix_from(item.get("fix"))))
    return FileResult(data["path"], findings, data["objects"], data["skipped"],
                      object_refs=[ObjectRef(**ref) for ref in data["object_refs"]], cached=True,
                      facts={rule: [decode_fact(f) for f in facts] for rule, facts in data["facts"].items()},
                      directives=[decode_fact(d) for d in data["directives"]])


def _fix_from(data: dict[str, Any] | None) -> Any:
    if not data:
        return None
    from .fixing.model import Edit, Fix

    return Fix([Edit(**edit) for edit in data["edits"]], data["applicability"], data["description"],
               list(data["touched"]), [tuple(pair) for pair in data["renamed"]], data["document"])


# Run-scope facts (and the suppressions of files that have them) are small records: named tuples and
# dataclasses of kml-lint's own modules holding plain values. They are stored as JSON with the record's
# class name, and only such classes are ever rebuilt from it: a cache entry cannot name anything else.


def encode_fact(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    kind = type(value)
    if kind.__module__.startswith("kml_lint.") and (hasattr(kind, "_fields") or hasattr(kind, "__dataclass_fields__")):
        name = f"{kind.__module__}:{kind.__qualname__}"
        if hasattr(kind, "_fields"):
            return {"record": name, "values": [encode_fact(item) for item in value]}
        return {"record": name, "fields": {key: encode_fact(getattr(value, key)) for key in kind.__dataclass_fields__}}
    if isinstance(value, (list, tuple, set, frozenset)):
        tag = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}.get(kind, "tuple")
        return {tag: [encode_fact(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[encode_fact(key), encode_fact(item)] for key, item in value.items()]}
    if hasattr(value, "isoformat"):
        return {"date": value.isoformat()}
    raise TypeError(f"cannot cache a {kind.__name__}")


def decode_fact(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "record" in value:
        module_name, _, qualname = value["record"].partition(":")
        if not module_name.startswith("kml_lint.") or "." in qualname:
            raise ValueError("not a kml-lint record")
        import importlib

        kind = getattr(importlib.import_module(module_name), qualname)
        if hasattr(kind, "_fields") and "values" in value:
            return kind(*(decode_fact(item) for item in value["values"]))
        if hasattr(kind, "__dataclass_fields__") and "fields" in value:
            return kind(**{key: decode_fact(item) for key, item in value["fields"].items()})
        raise ValueError("not a kml-lint record")
    if "list" in value:
        return [decode_fact(item) for item in value["list"]]
    if "tuple" in value:
        return tuple(decode_fact(item) for item in value["tuple"])
    if "set" in value:
        return {decode_fact(item) for item in value["set"]}
    if "frozenset" in value:
        return frozenset(decode_fact(item) for item in value["frozenset"])
    if "dict" in value:
        return {decode_fact(key): decode_fact(item) for key, item in value["dict"]}
    if "date" in value:
        import datetime

        return datetime.date.fromisoformat(value["date"])
    raise ValueError("unknown cache record")
