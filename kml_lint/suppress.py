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

from .findings import Finding, ObjectRef, Suppression

ANNOTATION = "kml-lint.io/ignore"
ANNOTATION_REASON = "kml-lint.io/ignore-reason"
ANNOTATION_UNTIL = "kml-lint.io/ignore-until"
UNUSED_SUPPRESSION = "KML008"

_COMMENT = re.compile(r"(?:^|\s)#\s*kml-lint:\s*(?P<kind>ignore-file|ignore)(?![\w-])(?:\[(?P<rules>[^\]]*)\])?"
                      r"(?P<rest>.*)$")
_DIRECTIVE_WORD = re.compile(r"(?:^|\s)#\s*kml-lint:\s*(?P<word>[A-Za-z][\w-]*)")
_DIRECTIVES = ("ignore", "ignore-file")
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
    mistakes: list[str] = field(default_factory=list)  # what is wrong in how it is written (KML008 warnings)

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
            word = _DIRECTIVE_WORD.search(line)
            if word:  # `# kml-lint: ignroe[KML301]`: it suppresses nothing, and says so
                from .registry import did_you_mean

                hint = did_you_mean(word.group("word"), _DIRECTIVES) or f" (known: {', '.join(_DIRECTIVES)})"
                column = line.index("#", word.start()) + 1
                found.append(Directive("comment", (), None, None, path, number, column,
                                       f"# kml-lint: {word.group('word')}", lines=frozenset(),
                                       mistakes=[f"unknown directive {word.group('word')!r}{hint}: it suppresses "
                                                 "nothing"]))
            continue
        rest = match.group("rest").strip()
        until_match = _UNTIL.search(rest)
        until = parse_date(until_match.group(1)) if until_match else None
        mistakes = [] if until_match is None or until is not None else [
            f"until={until_match.group(1)} is not a date: the suppression never expires"]
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
        found.append(Directive("comment", selectors, reason, until, path, number, column, shown, lines=covered,
                               mistakes=mistakes))
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
        written_until = annotations.get(ANNOTATION_UNTIL)
        until = parse_date(written_until)
        mistakes = [] if written_until is None or until is not None else [
            f"{ANNOTATION_UNTIL}: {written_until!r} is not a date (YYYY-MM-DD): the suppression never expires"]
        found.append(Directive("annotation", parse_selectors(value), reason if isinstance(reason, str) else None,
                               until, path, line, col, f"annotation {ANNOTATION}: {value}",
                               pointer_prefix=pointer_prefix, document=document, mistakes=mistakes))
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

    def __init__(self, config: Any = None, baseline: Baseline | None = None, today: dt.date | None = None,
                 selected: Iterable[Any] = (), known: Iterable[Any] = ()) -> None:
        self.config = config
        self.config_rules = config_directives(config) if config is not None else []
        self.baseline = baseline
        self.today = today or dt.date.today()
        self.selected = list(selected)
        # Every rule a suppression may name, selected or not: a name outside it is a typo (or a newer rule).
        # Without that list (tests linting with a few rules), no name can be called unknown.
        self.known = list(known)
        self.last_comments: list[Directive] = []
        # Rules judged after every file is seen: a suppression naming one cannot be called unused per file.
        self.run_scope = [rule for rule in self.selected if getattr(rule, "target", None) == "run"]

    def apply_local(self, path: str, text: str, findings: list[Finding], annotations: list[Directive],
                    place: Any = None, extra_comments: list[Directive] | None = None) -> list[Finding]:
        """Apply what the file itself says (comments, annotations); return KML008 findings for the unused ones.

        ``place`` maps a line of ``text`` to the (path, line) findings show (rendered Helm input);
        ``extra_comments``: comments of the source files rendered text came from (Kustomize drops them). This part
        depends on nothing outside the file, so it can run in a worker process and be cached.
        """
        comments = comment_directives(path, text)
        if place is not None:
            for directive in comments:
                # The lines a comment covers move with it (the line after a standalone comment is the next
                # line where it is written too), so they shift by the comment's own offset.
                written = directive.line
                directive.path, directive.line = place(written)
                if directive.lines is not None:
                    directive.lines = frozenset(directive.line + (line - written) for line in directive.lines)
        comments = [*comments, *(extra_comments or [])]
        self.last_comments = comments
        for finding in findings:
            if finding.rule_id != UNUSED_SUPPRESSION:
                self._suppress(finding, self._local_candidates(finding, comments, annotations))
        stale = []
        for directive in [*comments, *annotations]:
            mistakes = [*directive.mistakes, *self._unknown_rules(directive)]
            if mistakes:
                if any(rule.id == UNUSED_SUPPRESSION for rule in self.selected):
                    stale.append(self._mistaken(directive, mistakes))
            elif not directive.used and self._checkable(directive):
                stale.append(self._unused(directive))
        return stale

    def apply_run(self, findings: list[Finding]) -> None:
        """Apply the run-wide layers, in file order: configuration exemptions, then the baseline."""
        base_dir = self.config.base_dir if self.config is not None else os.getcwd()
        for finding in findings:
            if finding.suppression is not None or finding.rule_id == UNUSED_SUPPRESSION:
                continue
            self._suppress(finding, (d for d in self.config_rules
                                     if d.covers_rule(finding) and _config_matches(d, finding, base_dir)))
            if finding.suppression is None and self.baseline is not None and self.baseline.take(finding):
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
            finding.suppression = Suppression(directive.kind, directive.reason)
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
        # A rule whose stricter Pod Security checks are not reported in this run cannot prove a suppression stale.
        return all(any(selector_matches(s, rule.id, rule.name) for rule in self.selected
                       if getattr(rule, "complete", True))
                   for s in directive.selectors)

    def _unknown_rules(self, directive: Directive) -> list[str]:
        """The rules a comment or annotation names that no loaded rule answers to, with the closest name."""
        if not self.known or not directive.selectors or directive.kind == "config" \
                or directive.text.split(" ", 1)[0] in PEER_ANNOTATIONS:
            return []
        from .registry import unknown_selector

        return [problem for s in directive.selectors if (problem := unknown_selector(s, self.known))]

    def _mistaken(self, directive: Directive, mistakes: list[str]) -> Finding:
        """KML008 for a suppression written wrongly: at least a warning (unlike an unused one, a note), as it
        fails silently; not an error (unless KML008's severity is configured so), so a rule id newer than this
        kml-lint does not break a gate."""
        from .findings import Severity

        rule = next(rule for rule in self.selected if rule.id == UNUSED_SUPPRESSION)
        finding = Finding(rule.id, rule.name, max(rule.severity, Severity.WARNING),
                          f"{directive.text}: {'; '.join(mistakes)}", directive.path, directive.line, directive.col)
        from .engine import fingerprint

        finding.fingerprint = fingerprint(finding, None)
        return finding

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
#
# Version 2 records each finding's path relative to the baseline file's folder, with ``/`` separators, and a
# fingerprint computed with that path: a run from any folder (a subfolder, the parent, through the
# configuration's ``baseline:``) recomputes each finding's fingerprint with its path relative to the same
# folder, so the same finding matches wherever kml-lint runs. Version 1 baselines (kml-lint 0.1.0) recorded
# paths relative to the folder they were written from: they are still read, and match when that folder was
# the baseline's own (the documented ``kml-lint . --write-baseline > .kml-lint-baseline.json``) or when the run
# starts where they were written; ``--write-baseline`` rewrites them as version 2.

BASELINE_VERSION = 2
READABLE_BASELINES = (1, 2)


def relative_path(path: str, folder: str) -> str:
    """``path`` (as findings show it) relative to ``folder``, ``/``-separated; absolute on another drive."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, folder)
    except ValueError:  # another drive (Windows)
        relative = absolute
    return relative.replace(os.sep, "/")


def baseline_document(findings: Iterable[Finding], folder: str | None = None) -> str:
    """Today's unsuppressed findings by fingerprint (no line numbers: edits elsewhere keep them matched), with
    paths relative to ``folder``, the folder the baseline file is written in (default: the current one)."""
    from . import __version__
    from .engine import fingerprint_at

    folder = os.path.abspath(folder or os.getcwd())
    entries = []
    for f in findings:
        if f.suppression is not None:
            continue
        path = relative_path(f.path, folder)
        entries.append({"fingerprint": fingerprint_at(f, path), "rule": f.rule_id, "path": path,
                        "object": f.obj.identity() if f.obj.kind else None, "message": f.message})
    entries.sort(key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    return json.dumps({"version": BASELINE_VERSION, "tool": f"kml-lint {__version__}",
                       "paths": "relative to this file's folder", "findings": entries},
                      indent=2, ensure_ascii=False) + "\n"


class BaselineWriter:
    """A report sink for ``--write-baseline``: keeps only the baseline's own small entries, then writes them
    with paths relative to ``folder`` (the folder of ``--output``, else the current one)."""

    def __init__(self, out: Any, folder: str | None = None) -> None:
        self.out = out
        self.folder = folder
        self.findings: list[Finding] = []

    def file(self, result: Any) -> None:
        self.findings.extend(f for f in result.findings if f.suppression is None)

    def finish(self, summary: Any) -> None:
        self.out.write(baseline_document(self.findings, self.folder))


@dataclass(slots=True)
class Baseline:
    """A loaded baseline: fingerprints as a multiset (two identical findings need two entries)."""

    folder: str  # absolute: the baseline file's folder, which its paths are relative to
    counts: Counter[str]
    version: int = BASELINE_VERSION
    _relative: dict[str, str] = field(default_factory=dict)  # finding path -> path relative to ``folder``

    def take(self, finding: Finding) -> bool:
        """Whether the baseline holds ``finding`` (using up one entry)."""
        from .engine import fingerprint_at

        path = self._relative.get(finding.path)
        if path is None:
            path = self._relative[finding.path] = relative_path(finding.path, self.folder)
        for key in (fingerprint_at(finding, path) if finding.anchor else None,
                    finding.fingerprint if self.version == 1 or not finding.anchor else None):
            if key is not None and self.counts[key] > 0:
                self.counts[key] -= 1
                return True
        return False


def load_baseline(path: str) -> Baseline:
    """Read a baseline file (version 1 or 2; see above)."""
    from .safeio import BASELINE_SIZE, read_text

    try:
        data = json.loads(read_text(path, BASELINE_SIZE))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a kml-lint baseline (not UTF-8 text)") from None
    except RecursionError:
        raise ValueError(f"{path}: not a kml-lint baseline (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not a kml-lint baseline (invalid JSON: {exc.msg})") \
            from None
    if not isinstance(data, dict) or data.get("version") not in READABLE_BASELINES \
            or not isinstance(data.get("findings"), list):
        raise ValueError(f"{path}: not a kml-lint baseline (expected version {BASELINE_VERSION} with a findings list; "
                         "write one with --write-baseline)")
    counts = Counter(entry["fingerprint"] for entry in data["findings"]
                     if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str))
    return Baseline(os.path.dirname(os.path.abspath(path)), counts, data["version"])
