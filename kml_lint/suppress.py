"""Suppression, four ways, recorded the same way on the finding (kind and reason), never silently dropped:

1. object (or pod-template) annotations ``kml-lint.io/ignore`` (+ ``-reason``, ``-until``);
2. YAML comments ``# kml-lint: ignore[KML301] reason`` (its line, or the line below an own-line comment) and
   ``# kml-lint: ignore-file[KML1] reason``;
3. configuration exemptions (rules x paths / namespaces / kinds / names, with a required reason);
4. a baseline of fingerprints (``--write-baseline``).

A suppression whose date (``until``) has passed no longer applies: the finding is reported again, with a note.
A comment, annotation or exemption that matches nothing becomes KML008 so stale ignores get cleaned up.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .credentials import redact
from .findings import Finding, ObjectRef, Suppression

ANNOTATION = "kml-lint.io/ignore"
ANNOTATION_REASON = "kml-lint.io/ignore-reason"
ANNOTATION_UNTIL = "kml-lint.io/ignore-until"
UNUSED_SUPPRESSION = "KML008"

_COMMENT = re.compile(r"(?:^|\s)#\s*kml-lint:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<rules>[^\]]*)\])?(?P<rest>.*)$")
_UNTIL = re.compile(r"\buntil[=:]\s*(\d{4}-\d{2}-\d{2})\b")
_ALL = ("all", "*", "ALL")


def parse_selectors(text: str | None) -> tuple[str, ...] | None:
    """``"KML201, mutable-image-tag"`` -> selectors; empty or ``all`` -> ``None`` (every rule)."""
    if text is None:
        return None
    items = tuple(item.strip() for item in re.split(r"[,\s]+", text) if item.strip())
    if not items or any(item in _ALL for item in items):
        return None
    return items


def selector_matches(selector: str, rule_id: str, rule_name: str) -> bool:
    return selector in (rule_id, rule_name) or (selector.startswith("KML") and rule_id.startswith(selector))


def parse_date(text: Any) -> dt.date | None:
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(slots=True)
class Directive:
    """One suppression written somewhere; ``used`` records whether it matched a finding."""

    kind: str  # annotation | comment | config
    selectors: tuple[str, ...] | None  # None: every rule
    reason: str | None
    until: dt.date | None
    path: str  # where the directive is written (for KML008)
    line: int
    col: int
    text: str  # how to name it in messages
    # scope
    lines: frozenset[int] | None = None  # comment: the lines it covers (None: whole file)
    pointer_prefix: str | None = None  # annotation: findings under this pointer
    document: int | None = None
    matchers: dict[str, list[str]] = field(default_factory=dict)  # config: paths/namespaces/kinds/names
    used: bool = False
    expired_hits: int = 0

    def covers_rule(self, finding: Finding) -> bool:
        if self.selectors is None:
            return True
        return any(selector_matches(s, finding.rule_id, finding.rule_name) for s in self.selectors)


def comment_directives(path: str, text: str) -> list[Directive]:
    """Scan raw lines for ``# kml-lint:`` comments (YAML parsers drop comments, so read the text)."""
    if "kml-lint:" not in text:
        return []
    lines = text.splitlines()
    found: list[Directive] = []
    for number, line in enumerate(lines, start=1):
        if "kml-lint:" not in line:
            continue
        match = _COMMENT.search(line)
        if not match:
            continue
        rest = match.group("rest").strip()
        until_match = _UNTIL.search(rest)
        until = parse_date(until_match.group(1)) if until_match else None
        reason = _UNTIL.sub("", rest).strip(" -:—") or None
        selectors = parse_selectors(match.group("rules"))
        column = line.index("#", match.start()) + 1
        if match.group("kind") == "ignore-file":
            covered = None
        elif line[: column - 1].strip():  # a trailing comment covers its own line
            covered = frozenset({number})
        else:  # an own-line comment covers the next line that holds YAML
            target = number + 1
            while target <= len(lines) and (not lines[target - 1].strip()
                                            or lines[target - 1].lstrip().startswith("#")):
                target += 1
            covered = frozenset({target})
        shown = f"# kml-lint: {match.group('kind')}" + (f"[{match.group('rules')}]" if match.group("rules") else "")
        found.append(Directive("comment", selectors, reason, until, path, number, column, shown, lines=covered))
    return found


PEER_ANNOTATIONS = ("kube-linter", "polaris", "checkov", "kube-score")


def annotation_directives(path: str, annotations: dict[str, Any], pointer_prefix: str, document: int | None,
                          positions: Any, annotations_pointer: str,
                          peers: dict[str, dict[str, list[str]]] | None = None) -> list[Directive]:
    """Directives from one metadata.annotations mapping (an object's, or a pod template's)."""
    from .objects import locate

    found: list[Directive] = []
    if not annotations:
        return found

    def where(key: str) -> tuple[int, int]:
        return locate(positions, f"{annotations_pointer}/{key.replace('~', '~0').replace('/', '~1')}")

    value = annotations.get(ANNOTATION)
    if isinstance(value, str):
        reason = annotations.get(ANNOTATION_REASON)
        line, col = where(ANNOTATION)
        found.append(Directive("annotation", parse_selectors(value), reason if isinstance(reason, str) else None,
                               parse_date(annotations.get(ANNOTATION_UNTIL)), path, line, col,
                               f"annotation {ANNOTATION}: {value}", pointer_prefix=pointer_prefix,
                               document=document))
    if peers:
        found.extend(_peer_directives(path, annotations, pointer_prefix, document, where, peers))
    return found


def _peer_directives(path: str, annotations: dict[str, Any], prefix: str, document: int | None, where: Any,
                     peers: dict[str, dict[str, list[str]]]) -> Iterable[Directive]:
    """Other linters' suppression annotations, mapped to kml-lint rules through each rule's see_also."""
    for key, value in annotations.items():
        if not isinstance(key, str):
            continue
        ids: list[str] | None = []
        reason = value if isinstance(value, str) and value.strip() else None
        peer = None
        if "kube-linter" in peers and key.startswith("ignore-check.kube-linter.io/"):
            peer, ids = "kube-linter", peers["kube-linter"].get(key.split("/", 1)[1], [])
        elif "kube-linter" in peers and key == "kube-linter.io/ignore-all":
            peer, ids = "kube-linter", None
        elif "polaris" in peers and key.startswith("polaris.fairwinds.com/") and str(value).lower() == "true":
            check = key.split("/", 1)[1]
            peer, reason = "polaris", None
            ids = None if check == "exempt" else peers["polaris"].get(check.removesuffix("-exempt"), [])
        elif "checkov" in peers and any(marker in key for marker in ("checkov.io/skip", "bridgecrew.io/skip")):
            check, _, why = str(value).partition("=")
            peer, ids, reason = "checkov", peers["checkov"].get(check.strip(), []), why.strip() or None
        elif "kube-score" in peers and key == "kube-score/ignore":
            peer = "kube-score"
            ids = sorted({i for check in str(value).split(",") for i in peers["kube-score"].get(check.strip(), [])})
            reason = None
        if peer is None or ids == []:
            continue
        line, col = where(key)
        yield Directive("annotation", tuple(ids) if ids is not None else None,
                        reason or f"{peer} annotation {key}", None, path, line, col, f"{peer} annotation {key}",
                        pointer_prefix=prefix, document=document)


def config_directives(config: Any) -> list[Directive]:
    directives = []
    for index, entry in enumerate(config.get("exemptions") or []):
        line, col = config.location(f"/exemptions/{index}")
        matchers = {key: list(entry.get(key) or []) for key in ("paths", "namespaces", "kinds", "names")}
        directives.append(Directive("config", tuple(entry["rules"]), entry["reason"], parse_date(entry.get("until")),
                                    config.source or "(configuration)", line, col,
                                    f"exemption #{index + 1} in {config.source}", matchers=matchers))
    return directives


def _glob_any(value: str | None, patterns: list[str]) -> bool:
    return value is not None and any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def _config_matches(directive: Directive, finding: Finding, base_dir: str) -> bool:
    m = directive.matchers
    obj: ObjectRef = finding.obj
    if m["paths"]:
        absolute = os.path.abspath(finding.path)
        candidates = {finding.path.replace(os.sep, "/"), os.path.relpath(absolute, base_dir).replace(os.sep, "/")}
        if not any(_path_glob(c, p) for c in candidates for p in m["paths"]):
            return False
    if m["namespaces"] and not _glob_any(obj.namespace, m["namespaces"]):
        return False
    if m["kinds"]:
        group = obj.api_version.rpartition("/")[0] if obj.api_version and "/" in obj.api_version else ""
        full = f"{group}/{obj.kind}" if group else obj.kind
        if not (_glob_any(obj.kind, m["kinds"]) or _glob_any(full, m["kinds"])):
            return False
    return not (m["names"] and not _glob_any(obj.name or obj.generate_name, m["names"]))


def _path_glob(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    stripped = pattern.rstrip("/")
    return path.startswith(f"{stripped}/") or fnmatch.fnmatchcase(path, f"{stripped}/**")


class Suppressor:
    """Applies every suppression layer to one file's findings at a time, then reports stale ones."""

    def __init__(self, config: Any = None, baseline: Counter[str] | None = None, today: dt.date | None = None,
                 selected: Iterable[Any] = ()) -> None:
        self.config = config
        self.config_rules = config_directives(config) if config is not None else []
        self.baseline = Counter(baseline or {})
        self.today = today or dt.date.today()
        self.selected = list(selected)
        self.last_comments: list[Directive] = []
        # Rules judged after every file is seen: a suppression naming one cannot be called unused per file.
        self.run_scope = [rule for rule in self.selected if getattr(rule, "target", None) == "run"]

    def apply_local(self, path: str, text: str, findings: list[Finding], annotations: list[Directive],
                    place: Any = None) -> list[Finding]:
        """Apply what the file itself says (comments, annotations); return KML008 findings for the unused ones.

        ``place`` maps a line of ``text`` to the (path, line) findings show (rendered Helm input). This part
        depends on nothing outside the file, so it can run in a worker process and be cached.
        """
        comments = comment_directives(path, text)
        self.last_comments = comments
        if place is not None:
            for directive in comments:
                directive.path, directive.line = place(directive.line)
                if directive.lines is not None:
                    directive.lines = frozenset(place(line)[1] for line in directive.lines)
        for finding in findings:
            if finding.rule_id != UNUSED_SUPPRESSION:
                self._suppress(finding, self._local_candidates(finding, comments, annotations))
        return [self._unused(d) for d in [*comments, *annotations] if not d.used and self._checkable(d)]

    def apply_run(self, findings: list[Finding]) -> None:
        """Apply the run-wide layers, in file order: configuration exemptions, then the baseline."""
        base_dir = self.config.base_dir if self.config is not None else os.getcwd()
        for finding in findings:
            if finding.suppression is not None or finding.rule_id == UNUSED_SUPPRESSION:
                continue
            self._suppress(finding, (d for d in self.config_rules
                                     if d.covers_rule(finding) and _config_matches(d, finding, base_dir)))
            if finding.suppression is None and self.baseline[finding.fingerprint] > 0:
                self.baseline[finding.fingerprint] -= 1
                finding.suppression = Suppression("baseline", "present in the baseline")

    def apply_supplement(self, findings: list[Finding], directives: list[Directive]) -> None:
        """Run-scope findings that arrive after their file: the file's own suppressions, then the run layers."""
        comments = [d for d in directives if d.kind == "comment"]
        annotations = [d for d in directives if d.kind != "comment"]
        for finding in findings:
            self._suppress(finding, self._local_candidates(finding, comments, annotations))
        self.apply_run(findings)

    def apply(self, path: str, text: str, findings: list[Finding], annotations: list[Directive],
              place: Any = None) -> list[Finding]:
        """Both layers for one file (single-process runs and tests)."""
        stale = self.apply_local(path, text, findings, annotations, place)
        self.apply_run(findings)
        return stale

    def _suppress(self, finding: Finding, candidates: Iterable[Directive]) -> None:
        for directive in candidates:
            directive.used = True
            if directive.until is not None and directive.until < self.today:
                directive.expired_hits += 1
                finding.message += (f" (the suppression by {directive.text} expired on "
                                    f"{directive.until.isoformat()})")
                continue
            # A reason is text from the repository: never show a credential it holds (the file's own secrets are
            # masked once the file's findings are complete, see run.lint_file_local).
            finding.suppression = Suppression(directive.kind, redact(directive.reason) if directive.reason else None)
            return

    @staticmethod
    def _local_candidates(finding: Finding, comments: list[Directive],
                          annotations: list[Directive]) -> Iterable[Directive]:
        for directive in comments:
            if (directive.lines is None or (finding.line in directive.lines and finding.path == directive.path)) \
                    and directive.covers_rule(finding):
                yield directive
        for directive in annotations:
            if (directive.document == finding.obj.document and finding.pointer is not None
                    and (finding.pointer == directive.pointer_prefix
                         or finding.pointer.startswith(f"{directive.pointer_prefix}/")
                         or directive.pointer_prefix == "") and directive.covers_rule(finding)):
                yield directive

    def _checkable(self, directive: Directive) -> bool:
        """Report a directive as unused only when every rule it names ran (else we cannot know)."""
        if not any(rule.id == UNUSED_SUPPRESSION for rule in self.selected):
            return False
        if directive.kind != "config" and self.run_scope and (
                directive.selectors is None
                or any(selector_matches(s, r.id, r.name) for s in directive.selectors for r in self.run_scope)):
            return False  # it may be meant for a cross-object finding, judged only at the end of the run
        if directive.selectors is None:
            return True
        return all(any(selector_matches(s, rule.id, rule.name) for rule in self.selected)
                   for s in directive.selectors)

    def _unused(self, directive: Directive) -> Finding:
        rule = next(rule for rule in self.selected if rule.id == UNUSED_SUPPRESSION)
        message = (f"{directive.text} suppresses nothing: no finding of "
                   f"{', '.join(directive.selectors) if directive.selectors else 'any rule'} is reported "
                   f"{'in this file' if directive.lines is None and directive.kind == 'comment' else 'here'}; "
                   "remove it so stale ignores do not hide future problems")
        finding = Finding(rule.id, rule.name, rule.severity, message, directive.path, directive.line, directive.col)
        from .engine import fingerprint

        finding.fingerprint = fingerprint(finding, None)
        return finding

    def unused_config(self) -> list[Finding]:
        """Configuration exemptions that matched nothing in the whole run."""
        return [self._unused(d) for d in self.config_rules if not d.used and self._checkable(d)]


# ---------------------------------------------------------------------------------------------
# Baselines

BASELINE_VERSION = 1


def baseline_document(findings: Iterable[Finding]) -> str:
    """Today's unsuppressed findings by fingerprint (no line numbers: edits elsewhere keep them matched)."""
    from . import __version__

    entries = [{"fingerprint": f.fingerprint, "rule": f.rule_id, "path": f.path,
                "object": f.obj.identity() if f.obj.kind else None, "message": f.message}
               for f in findings if f.suppression is None]
    entries.sort(key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    return json.dumps({"version": BASELINE_VERSION, "tool": f"kml-lint {__version__}", "findings": entries},
                      indent=2, ensure_ascii=False) + "\n"


class BaselineWriter:
    """A report sink for ``--write-baseline``: keeps only the baseline's own small entries, then writes them."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.findings: list[Finding] = []

    def file(self, result: Any) -> None:
        self.findings.extend(f for f in result.findings if f.suppression is None)

    def finish(self, summary: Any) -> None:
        self.out.write(baseline_document(self.findings))


def load_baseline(path: str) -> Counter[str]:
    """A baseline file's fingerprints (a multiset: two identical findings need two entries)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not a kml-lint baseline (invalid JSON: {exc.msg})") \
            from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(data.get("findings"),
                                                                                                list):
        raise ValueError(f"{path}: not a kml-lint baseline (expected version {BASELINE_VERSION} with a findings list; "
                         "write one with --write-baseline)")
    return Counter(entry["fingerprint"] for entry in data["findings"]
                   if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str))
