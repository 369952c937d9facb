"""Registry of check functions: the logic that rule files name in ``check.python``.

A rule file can only name a function registered here, never an import path, so a user's rule folder
cannot run code. A check yields ``Hit``s (where and what); the engine stamps rule id, name and
severity, and prefixes the message with the object, role and container it is about.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..findings import Severity

TARGETS = ("object", "pod", "container", "run")

PLATFORMS = ("gke", "gke-autopilot", "eks", "aks", "openshift", "kind", "minikube", "k3d", "docker-desktop",
             "microk8s")
"""The platforms a cluster may run on (``--platform``, the configuration's ``platform``): the one list that the
command line, the configuration and every rule parameter naming platforms are checked against. A platform may
have no special behaviour yet; a name outside the list is a mistake, reported, never silently ignored."""

PLATFORM_LIST = {"type": "array", "items": {"enum": list(PLATFORMS)},
                 "description": f"platforms, among {', '.join(PLATFORMS)}"}
"""The JSON schema of a rule parameter that names platforms."""

# Modules holding check functions, imported on first use. Listed here, once, so that the set of
# checks does not depend on which modules happen to be imported elsewhere.
_MODULES = ("resources", "accelerators", "images", "secrets", "lifecycle", "security", "probes", "crossobject",
            "schema", "devices", "scheduling", "ml_secrets", "ml_lifecycle", "operators", "serving", "templating",
            "pod_security")


class Hit(NamedTuple):
    pointer: str  # absolute JSON pointer into the document
    message: str
    at: str = "key"  # "key": the field's key (or nearest existing parent); "value": the value node
    # literal secrets this hit found: masked on every source line shown for the file (--format full)
    secret: str | tuple[str, ...] | None = None
    severity: Severity | None = None  # lower than the rule's for this finding (KML006: deprecated, not removed)
    short: str | None = None  # what is wrong in the words of the field (text output); None: the message's first clause
    level: str | None = None  # the Pod Security Standards level of the control this hit found (baseline, restricted)
    admission: str | None = None  # the level at which Pod Security Admission forbids it, when not ``level``
    # (IPC_LOCK: kml-lint reports it at restricted, Kubernetes' baseline already forbids it)


@dataclass(frozen=True, slots=True)
class Site:
    """Where a run-scope finding will land, captured while its object was in memory (small and picklable).

    ``where`` is the pointer relative to the object with list indexes replaced by item names (what
    fingerprints hash); ``subject`` is how the message is prefixed (``Deployment vllm``).
    """

    path: str
    line: int
    col: int
    pointer: str
    obj: Any  # findings.ObjectRef
    subject: str
    where: str


class RunHit(NamedTuple):
    """A finding of a run-scope check: a ``Site`` recorded by ``collect`` and the message."""

    site: Site
    message: str
    short: str | None = None  # what is wrong, in a few words (text output); None: the message's first clause


@dataclass(slots=True)
class RunContext:
    """Run-wide facts a check may consult (the platform the cluster runs on, ...)."""

    platform: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    kubernetes_version: str | None = None  # None: the newest shipped schemas
    schemas: bool = True  # schema validation (KML003-KML005, KML007)
    schema_dirs: tuple[str, ...] = ()  # --schema-dir folders, searched before the shipped schemas
    facts: Any = None  # runwide.RunFacts: what the pre-pass found in the run's files (None: nothing)
    selected: frozenset[str] = frozenset()  # ids of the rules that run: a check defers to a more specific one

    def runs(self, rule_id: str) -> bool:
        return rule_id in self.selected


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A registered check function: what it runs on and the schema of its parameters."""

    name: str
    target: str
    function: Callable[..., Any]  # target "run": the per-object ``collect`` function
    params_schema: dict[str, Any]
    finish: Callable[..., Iterable[RunHit]] | None = None  # target "run" only: ``check(facts, params)``


_REGISTRY: dict[str, CheckSpec] = {}
_loaded = False


def check(name: str, *, target: str, params: dict[str, Any] | None = None,
          finish: Callable[..., Iterable[RunHit]] | None = None) -> Callable[[Callable[..., Any]],
                                                                             Callable[..., Any]]:
    """Register a check function under ``name``; ``params`` is the JSON schema of its parameters.

    ``target="run"`` registers a cross-object check as a pair: the decorated ``collect(ctx, obj, params)``
    runs on every object and returns a small picklable fact (or ``None``); ``finish(facts, params)`` runs
    once at the end of the run over the facts of every file, in file order, and yields ``RunHit``s. A
    fact keeps only what the check needs, including the ``Site``s (``ctx.site(obj, pointer)``) of the
    findings it may produce, so a run never holds whole files in memory and facts can come back from
    worker processes.
    """
    if target not in TARGETS:
        raise ValueError(f"check {name}: unknown target {target!r}")
    if (target == "run") != (finish is not None):
        raise ValueError(f"check {name}: target 'run' needs a finish function, and only it takes one")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY:
            raise ValueError(f"check {name} registered twice")
        schema = {"type": "object", "additionalProperties": False, "properties": {}, **(params or {})}
        _REGISTRY[name] = CheckSpec(name, target, function, schema, finish)
        return function

    return register


def registry() -> dict[str, CheckSpec]:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(f"{__name__}.{module}")
        _loaded = True
    return _REGISTRY


def get_check(name: str) -> CheckSpec | None:
    return registry().get(name)
