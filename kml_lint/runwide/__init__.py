"""Run-wide facts: what other files of the run say about the one being linted.

Some checks need objects that live in other files: the CustomResourceDefinition of a custom resource, the
Namespace (and its Pod Security labels) a workload runs in, LimitRanges, quotas, PriorityClasses,
RuntimeClasses, Kueue queues and flavors, the kustomizations and Helm charts a file belongs to. Before any file
is linted (and before worker processes are forked), ``prepass`` scans the run's files once, cheaply, and
returns a frozen ``RunFacts``: every ``Fact`` of every registered ``FactKind``, in a deterministic order (by
path, then line), with a digest that is part of the cache key. Checks read it through ``ctx.facts``.

A new kind of fact is one ``@fact_kind`` registration in ``kinds.py``; nothing else changes.
"""

from __future__ import annotations

from .facts import FACT_KINDS, Fact, FactKind, RunFacts, fact_kind
from .scan import prepass

__all__ = ["FACT_KINDS", "Fact", "FactKind", "RunFacts", "fact_kind", "prepass"]
