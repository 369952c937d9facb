"""Pod Security Admission: the levels a Namespace of the run enforces, warns about or audits for its pods.

A Namespace in the run (in any file: the run-wide pre-pass collects it) with the labels
``pod-security.kubernetes.io/enforce`` (and ``warn``, ``audit``, each with ``-version``) makes its pods checked
at that level as well as at the configured ``pod-security`` one (the stricter wins). What ``enforce`` forbids is an
error (the API server rejects the pod; a controller creates no pods), what ``warn`` forbids a warning, what
``audit`` forbids a note. A pod that names no namespace gets the labels of the ``default`` Namespace.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .findings import Severity

LEVELS = {"privileged": 0, "baseline": 1, "restricted": 2}
MODES = (("enforce", Severity.ERROR), ("warn", Severity.WARNING), ("audit", Severity.NOTE))
LABEL = "pod-security.kubernetes.io/"


class Mode(NamedTuple):
    mode: str  # enforce | warn | audit
    level: str
    version: str  # "latest" when the label gives none
    namespace: str
    severity: Severity

    @property
    def label(self) -> str:
        version = f", {LABEL}{self.mode}-version={self.version}" if self.version != "latest" else ""
        return f"{LABEL}{self.mode}={self.level}{version}"


def namespace_modes(facts: Any, namespace: str | None) -> tuple[Mode, ...]:
    """The admission modes of ``namespace`` (``default`` when None) from the run's Namespace facts, strongest
    first; () when the run has no such Namespace or it sets no Pod Security label."""
    name = namespace or "default"
    fact = facts.named("namespaces", name) if facts else None
    if fact is None:
        return ()
    labels = fact.data.get("labels") if isinstance(fact.data, dict) else None
    if not isinstance(labels, dict):
        return ()
    found = []
    for mode, severity in MODES:
        level = labels.get(LABEL + mode)
        if isinstance(level, str) and level in LEVELS:
            version = labels.get(f"{LABEL}{mode}-version")
            found.append(Mode(mode, level, version if isinstance(version, str) and version else "latest", name,
                              severity))
    return tuple(found)


def forbidding(modes: tuple[Mode, ...], level: str) -> Mode | None:
    """The strongest mode whose level forbids a control of ``level`` (a baseline control is forbidden from
    baseline on), or None."""
    for mode in modes:
        if LEVELS[mode.level] >= LEVELS[level]:
            return mode
    return None


def consequence(mode: Mode, control: str, kind: str | None) -> str:
    """What the namespace's label does to this pod, in words: rejected, warned about, or audited."""
    where = f"namespace {mode.namespace} ({mode.label})"
    if mode.mode == "enforce":
        if kind == "Pod":
            return f"the API server rejects the pod: {where} forbids it (Pod Security control {control})"
        return (f"the {kind or 'controller'} will create no pods: the API server rejects them at pod creation, as "
                f"{where} forbids it (Pod Security control {control})")
    if mode.mode == "warn":
        return f"kubectl and the API server warn on apply: {where} (Pod Security control {control})"
    return f"the API server records it in the audit log: {where} (Pod Security control {control})"
