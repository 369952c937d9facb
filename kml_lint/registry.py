"""Rules: loaded from rule files (one per rule), resolved to check functions, and selected."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from .checks import CheckSpec, get_check
from .findings import Severity
from .paths import package_file
from .yamlfold import parse_yaml

PROJECT_URL = "https://github.com/kml-lint/kml-lint"
# Rule pages are linked on the default branch: no release tag exists yet (see README, Releasing).
DOCS_URL = f"{PROJECT_URL}/blob/main/docs"
# Pod Security Standards levels, least strict first: a run checks the controls up to its ``pod-security`` level.
LEVELS = {"privileged": 0, "baseline": 1, "restricted": 2}
DEFAULT_POD_SECURITY = "baseline"
RULE_FILE = re.compile(r"KML[0-9]{3}\.ya?ml")


class RuleError(Exception):
    """A rule file or a rule selection is wrong; the message names the file, rule or selector."""


@dataclass(slots=True)
class Rule:
    """A rule as loaded from its file: metadata, applicability and the check it runs."""

    id: str
    name: str
    severity: Severity
    summary: str
    description: str
    rationale: str
    remediation: str
    help_uri: str
    since: str
    status: str
    tags: tuple[str, ...] = ()
    kinds: frozenset[str] | None = None
    check: CheckSpec | None = None  # None for rules the engine itself emits (KML000-002)
    engine: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    security_severity: float | None = None
    see_also: dict[str, list[str]] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    source: str = ""
    enabled: bool = True  # False: off by default, runs only when selected by exact id or name
    pod_security: tuple[dict[str, str], ...] = ()  # the Pod Security Standards controls it checks, with levels
    level_cap: int = LEVELS["restricted"]  # checks of a stricter level than this are not reported in this run

    @property
    def levels(self) -> frozenset[str]:
        return frozenset(entry["level"] for entry in self.pod_security)

    @property
    def complete(self) -> bool:
        """Every check of the rule is reported in this run (no Pod Security control above ``level_cap``)."""
        return all(LEVELS[level] <= self.level_cap for level in self.levels)
    fix: dict[str, Any] | None = None  # the rule file's fix: applicability, why, and the values the fix writes

    @property
    def target(self) -> str:
        return self.check.target if self.check else "file"

    @property
    def family(self) -> str:
        return self.id[:4]

    def with_overrides(self, severity: Severity | None = None, params: dict[str, Any] | None = None) -> Rule:
        return replace(self, severity=severity or self.severity, params={**self.params, **(params or {})})


def rules_dir() -> Path:
    """The shipped rules: inside the package in a wheel, the repository's ``rules/`` in a source tree."""
    packaged = package_file("rules")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def schemas_dir() -> Path:
    packaged = package_file("schemas")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"


@cache
def meta_schema() -> dict[str, Any]:
    return json.loads(package_file("meta", "rule.schema.json").read_text(encoding="utf-8"))


def validate_rule_data(data: Any, source: str) -> None:
    """Check one rule file against the meta-schema; raise ``RuleError`` naming the file and field."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(meta_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise RuleError(f"{source}: {where}: {first.message}")


def load_rule_file(path: Path, validate: bool) -> Rule:
    source = str(path)
    from .safeio import describe_error, read_text

    try:
        text = read_text(str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{source}: cannot read rule file: {describe_error(exc)}") from None
    parsed = parse_yaml(text)
    if parsed.error or len(parsed.documents) != 1:
        problem = parsed.error.message if parsed.error else "expected exactly one YAML document"
        raise RuleError(f"{source}: {problem}")
    data = parsed.documents[0].data
    if validate:
        validate_rule_data(data, source)
    if not isinstance(data, dict):
        raise RuleError(f"{source}: a rule file holds a mapping")
    if path.stem != data.get("id"):
        raise RuleError(f"{source}: file name must be the rule id ({data.get('id')}.yaml)")
    return build_rule(data, source, validate_params=validate)


def reflow(text: str) -> str:
    """Join the hard-wrapped lines of each paragraph (rule files wrap at 110 columns; outputs should not).

    Blank lines separate paragraphs; lines starting with ``-`` or indentation keep their own line.
    """
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            if lines and not line.startswith(("-", " ", "*")) and not lines[-1].endswith(":"):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line.rstrip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def build_rule(data: dict[str, Any], source: str, validate_params: bool = True) -> Rule:
    check_data = data["check"]
    check = None
    engine = None
    params: dict[str, Any] = {}
    if "python" in check_data:
        check = get_check(check_data["python"])
        if check is None:
            raise RuleError(f"{source}: check.python names no registered check: {check_data['python']}")
        params = dict(check_data.get("params") or {})
        if validate_params:
            validate_params_for(check, params, f"{source}: check.params")
    elif "schema" in check_data:
        from .conditions import schema_condition

        check = schema_condition(data["id"], check_data["target"], check_data["schema"], check_data["message"])
    else:
        engine = check_data["engine"]
    applies = data.get("applies_to") or {}
    kinds = frozenset(applies["kinds"]) if applies.get("kinds") else None
    return Rule(
        id=data["id"], name=data["name"], severity=Severity.parse(data["severity"]), summary=data["summary"],
        description=reflow(data["description"]), rationale=reflow(data["rationale"]),
        remediation=reflow(data["remediation"]),
        help_uri=data.get("help_uri") or f"{DOCS_URL}/rules/{data['id']}.md",
        since=data["since"], status=data["status"], tags=tuple(data.get("tags") or ()), kinds=kinds, check=check,
        engine=engine, params=params, security_severity=data.get("security_severity"),
        see_also=dict(data.get("see_also") or {}), examples=dict(data.get("examples") or {}), source=source,
        enabled=data.get("enabled", True) is not False,
        pod_security=tuple(dict(entry) for entry in data.get("pod_security") or ()),
        fix=dict(data["fix"]) if data.get("fix") else None,
    )


def params_problem(check: CheckSpec, params: dict[str, Any]) -> tuple[list[Any], str] | None:
    """The first thing wrong with a check's parameters: the path of the parameter (``[name, index...]``) and
    what is wrong, naming the closest known parameter for an unknown one; None when they are valid."""
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(check.params_schema).iter_errors(params),
                    key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return None
    first = errors[0]
    path = list(first.absolute_path)
    if first.validator == "additionalProperties" and not path:
        known = sorted(check.params_schema.get("properties", {}))
        unknown = sorted(set(first.instance) - set(known), key=str)
        if unknown:
            hint = did_you_mean(str(unknown[0]), known) or (f" (known: {', '.join(known)})" if known else "")
            return [unknown[0]], f"unknown parameter {unknown[0]!r}{hint}"
    message = first.message
    if first.validator == "enum" and isinstance(first.instance, str):
        message += did_you_mean(first.instance, [str(choice) for choice in first.validator_value])
    return path, message


def validate_params_for(check: CheckSpec, params: dict[str, Any], where: str) -> None:
    problem = params_problem(check, params)
    if problem:
        path, message = problem
        name = "/".join(str(p) for p in path) or "(parameters)"
        raise RuleError(f"{where}: parameter {name}: {message}")


COMPILED_RULES = "compiled_rules.json"
"""The shipped rule files, parsed ahead of time (written by ``python -m kml_lint.docs``, checked by a test):
reading one JSON file at start-up instead of parsing every rule file's YAML."""


def rule_files(directory: Path) -> list[Path]:
    return [directory / entry for entry in sorted(os.listdir(directory)) if RULE_FILE.fullmatch(entry)]


def rules_digest(paths: list[Path]) -> str:
    """What the compiled registry was built from: every rule file's name and bytes."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def compiled_registry(paths: list[Path]) -> dict[str, Any]:
    """The precompiled form of the shipped rule files (what ``compiled_rules.json`` holds)."""
    entries = []
    for path in paths:
        parsed = parse_yaml(path.read_text(encoding="utf-8"))
        entries.append({"file": path.name, "data": parsed.documents[0].data})
    return {"format": 1, "digest": rules_digest(paths), "rules": entries}


def _precompiled(directory: Path, paths: list[Path]) -> list[tuple[Path, dict[str, Any]]] | None:
    """The rule data from the compiled registry, when it matches the rule files exactly (else None)."""
    try:
        compiled = json.loads(package_file(COMPILED_RULES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if compiled.get("format") != 1 or compiled.get("digest") != rules_digest(paths):
        return None  # a rule file was edited since: read the files themselves
    return [(directory / entry["file"], entry["data"]) for entry in compiled["rules"]]


def load_rules(extra_dirs: Iterable[str] = (), validate_shipped: bool = False) -> list[Rule]:
    """The shipped rules (validated by the test suite, not at every start) plus users' rule folders."""
    rules: dict[str, Rule] = {}
    names: dict[str, str] = {}
    sources = [(rules_dir(), validate_shipped)] + [(Path(d), True) for d in extra_dirs]
    for number, (directory, validate) in enumerate(sources):
        if not directory.is_dir():
            raise RuleError(f"{directory}: rules folder not found")
        paths = rule_files(directory)
        ready = _precompiled(directory, paths) if number == 0 and not validate else None
        loaded = ([build_rule(data, str(path), validate_params=False) for path, data in ready] if ready is not None
                  else [load_rule_file(path, validate) for path in paths])
        for rule in loaded:
            if rule.id in rules:
                raise RuleError(f"{rule.source}: rule {rule.id} is already defined by {rules[rule.id].source}")
            if rule.name in names:
                raise RuleError(f"{rule.source}: rule name {rule.name} is already used by {names[rule.name]}")
            rules[rule.id] = rule
            names[rule.name] = rule.id
    return sorted(rules.values(), key=lambda r: r.id)


# ---------------------------------------------------------------------------------------------
# Selection: ids, names and id prefixes; the most specific selector wins (flake8 / ruff semantics)


def specificity(selector: str, rule: Rule) -> int:
    """How specifically ``selector`` names ``rule``: 0 when it does not; exact names beat any prefix."""
    if selector in ("ALL",):
        return 1
    if selector == rule.name or selector == rule.id:
        return 100
    if rule.id.startswith(selector):
        return 1 + len(selector)
    return 0


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The valid name ``word`` most likely misspells (difflib), or None. Case and the look-alikes of digits
    (``KML3O1``, ``KMLl01``) are forgiven first, so the obvious correction wins over merely similar names."""
    import difflib

    options = list(dict.fromkeys(choices))
    folded = {option.lower(): option for option in options}
    lowered = word.lower()
    if lowered in folded and folded[lowered] != word:
        return folded[lowered]
    digits = re.sub(r"(?<=kml)([0-9ol|i]{3})$", lambda m: m.group(1).translate(str.maketrans("ol|i", "0111")),
                    lowered)
    if digits != lowered and digits in folded:
        return folded[digits]
    found = difflib.get_close_matches(lowered, list(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a message, or an empty string when nothing is close."""
    found = closest(word, choices)
    return f" (did you mean {found!r}?)" if found else ""


def rule_names(rules: Iterable[Rule]) -> list[str]:
    """Every id and name a selector may spell exactly."""
    return [name for rule in rules for name in (rule.id, rule.name)]


def unknown_selector(selector: str, rules: list[Rule]) -> str | None:
    """Why ``selector`` names no rule (with the closest id or name), or None when it names some."""
    if any(specificity(selector, rule) for rule in rules):
        return None
    return f"unknown rule {selector!r}{did_you_mean(selector, rule_names(rules))}"


def check_selectors(selectors: Iterable[str], rules: list[Rule]) -> None:
    unknown = [problem for s in selectors if (problem := unknown_selector(s, rules))]
    if unknown:
        raise RuleError(f"{'; '.join(unknown)} (use ids such as KML201, names such as gpu-without-toleration, "
                        "or prefixes such as KML2)")


def select_rules(rules: list[Rule], select: list[str] | None = None, ignore: list[str] | None = None,
                 extend_select: list[str] | None = None, preview: bool = False,
                 pod_security: str = DEFAULT_POD_SECURITY) -> list[Rule]:
    """The rules that run. Default selection: every stable rule (preview rules need ``preview`` or an id).

    A rule with ``enabled: false`` in its file is off by default: it runs only when ``select`` or
    ``extend_select`` names it by exact id or name (a prefix such as ``KML8`` or ``ALL`` is not enough).
    A rule with Pod Security Standards controls always runs, and reports only the controls up to
    ``pod_security`` (or that a Namespace's Pod Security Admission labels forbid), unless it was named by exact
    id or name (then every control it checks).
    """
    level = LEVELS[pod_security]
    chosen_select = list(select) if select is not None else []
    chosen_ignore = list(ignore or [])
    extend = list(extend_select or [])
    check_selectors([*chosen_select, *chosen_ignore, *extend], rules)
    selected = []
    for rule in rules:
        best_in = max((specificity(s, rule) for s in [*chosen_select, *extend]), default=0)
        if select is None and best_in == 0:
            best_in = 1  # the default selection is "ALL"
        best_out = max((specificity(s, rule) for s in chosen_ignore), default=0)
        if best_in == 0 or best_out >= best_in:
            continue
        if rule.status == "preview" and not preview and best_in < 100:
            continue
        if rule.status == "deprecated" and best_in < 100:
            continue
        if not rule.enabled and best_in < 100:
            continue
        if rule.pod_security:
            # Runs even when all its controls are stricter than the level: a Namespace of the run may enforce
            # them (Pod Security Admission labels); the engine reports only what the level or a namespace asks.
            rule = replace(rule, level_cap=LEVELS["restricted"] if best_in >= 100 else level)
        selected.append(rule)
    return selected


# ---------------------------------------------------------------------------------------------
# Peer linters: their rule ids, as named by each rule file's ``see_also``

PEERS = ("kube-linter", "polaris", "kube-score", "checkov")


def peer_rule_map(rules: Iterable[Rule]) -> dict[str, dict[str, list[str]]]:
    """``{peer: {peer rule id: [kml-lint rule ids]}}`` from the rules' ``see_also``, for every peer in
    ``PEERS`` (empty when no rule names it); ids sorted, kml-lint ids in id order.

    This is the migration table: the README's copy is generated from it, and the configuration reads
    peers' suppression annotations (``ignore-check.kube-linter.io/<id>``, ``checkov.io/skip1: <id>``...)
    through it.
    """
    table: dict[str, dict[str, list[str]]] = {peer: {} for peer in PEERS}
    for rule in sorted(rules, key=lambda r: r.id):
        for peer, ids in rule.see_also.items():
            for peer_id in ids:
                targets = table.setdefault(peer, {}).setdefault(peer_id, [])
                if rule.id not in targets:
                    targets.append(rule.id)
    return {peer: dict(sorted(ids.items(), key=lambda item: _natural(item[0]))) for peer, ids in table.items()}


def _natural(text: str) -> tuple[Any, ...]:
    """``CKV_K8S_9`` before ``CKV_K8S_10``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def find_rule(rules: list[Rule], key: str) -> Rule | None:
    upper = key.upper()
    for rule in rules:
        if rule.id == upper or rule.name == key.lower():
            return rule
    return None
