"""The repository around the files named on the command line: context for run-wide facts and cross-object rules.

pre-commit names only the changed files (and used to split them into batches): a changed Service whose
Deployment did not change would look as if it selected nothing. When files are named, the other manifests of
their repository are context: the pre-pass reads all of them (a CRD or a Namespace counts wherever it is),
and the cross-object rules get the facts of those that can matter to a named file (the same folder, or a
namespace one of the named files names: what ``crossobject.near`` compares). Context is read, cached with
``--cache`` like any file, and never reported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..discovery import Target, discover

# Starts with a literal: the regex engine then skips ahead with a fast substring search.
_NAMESPACE = re.compile(rb"""namespace["']?[ \t]*:[ \t]*["']?([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)""")


@dataclass(slots=True)
class RepositoryContext:
    """The repository's other manifests: ``files`` for the pre-pass, ``near`` for the cross-object rules."""

    root: str | None = None
    files: list[str] = field(default_factory=list)  # every other manifest of the repository (shown paths)
    near: list[Target] = field(default_factory=list)  # those whose objects a named file's may be judged with
    others: list[str] = field(default_factory=list)  # files the walk met but does not lint (kustomizations...)


def repository_root(path: str) -> str | None:
    """The nearest folder at or above ``path``'s folder holding ``.git`` (a folder, or a worktree's file)."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _namespaces(path: str, max_size: int) -> set[bytes]:
    from .scan import _read_regular

    data = _read_regular(path, max_size)
    return {match.group(1) for match in _NAMESPACE.finditer(data)} if data is not None else set()


def repository_context(paths: list[str], run_files: list[str], excludes: list[str], max_size: int,
                       wanted: bool) -> RepositoryContext:
    """The context of a run whose command line names files (folders are walked whole: no context for them).

    ``wanted``: whether cross-object rules run (otherwise only the pre-pass reads the context).
    """
    named = [path for path in paths if path != "-" and os.path.isfile(path)]
    roots = sorted({root for root in map(repository_root, named) if root is not None})
    if not roots:
        return RepositoryContext()
    found = discover(roots, excludes, force_exclude=False)
    own = {os.path.abspath(path) for path in run_files}
    files = sorted({t.path for t in found.targets if os.path.abspath(t.path) not in own})
    context = RepositoryContext(roots[0], files, others=[path for path, _ in found.skipped])
    if not wanted or not files:
        return context
    folders = {os.path.dirname(os.path.abspath(path)) for path in run_files}
    spoken: set[bytes] = set()
    for path in run_files:
        spoken |= _namespaces(path, max_size)
    for path in files:
        if os.path.dirname(os.path.abspath(path)) in folders or (spoken and _namespaces(path, max_size) & spoken):
            context.near.append(Target(path, False))
    return context
