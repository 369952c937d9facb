"""Which files a run lints: command-line paths, folder walks, and the skip rules for non-manifests."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import PurePosixPath

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

# The file names Kustomize reads as a kustomization: the walk, the pre-pass and rendering share this one list.
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_COMPOSE = re.compile(r"(docker-)?compose([.-][^/]*)?\.ya?ml")
_VALUES = re.compile(r"values[^/]*\.ya?ml")
_ALWAYS_SKIPPED = (".pre-commit-config.yaml", ".pre-commit-hooks.yaml")
_NOTEBOOK = ".ipynb"  # Jupyter notebooks are JSON but never manifests (pre-commit's `json` type matches them)


@dataclass(slots=True)
class Target:
    """A file to lint."""

    path: str  # as shown to the user
    explicit: bool  # named on the command line (then always linted, unless --force-exclude)


@dataclass(slots=True)
class Discovery:
    """What walking the paths found: files to lint, files skipped, paths that could not be read."""

    targets: list[Target] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason), shown with --verbose
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message): unreadable folders, loops


def display_path(path: str) -> str:
    """Paths inside the current folder are shown relative to it, others as given."""
    if not os.path.isabs(path):
        return os.path.normpath(path) if path not in (".",) else path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def _matches_any(path: str, patterns: list[str]) -> bool:
    if not patterns:
        return False
    posix = path.replace(os.sep, "/")
    name = posix.rsplit("/", 1)[-1]
    for pattern in patterns:
        if fnmatch.fnmatchcase(posix, pattern) or fnmatch.fnmatchcase(name, pattern):
            return True
        if PurePosixPath(posix).match(pattern):
            return True
        # A pattern naming a folder excludes everything below it.
        stripped = pattern.rstrip("/")
        if f"/{stripped}/" in f"/{posix}" or posix.startswith(f"{stripped}/"):
            return True
    return False


def _absolute(path: str) -> str:
    """One spelling per file, whatever the caller named it by (relative, ``./``-prefixed, absolute)."""
    return os.path.normpath(os.path.abspath(path))


def kustomize_patches(folder: str, names: list[str]) -> set[str]:
    """Files a kustomization in ``folder`` lists as patches (partial objects, not manifests), as absolute
    normalised paths: compare them with ``_absolute`` of the candidate, never with the path as named."""
    from .safeio import read_text
    from .yamlfold import parse_yaml

    patches: set[str] = set()
    for kname in KUSTOMIZATION_NAMES:
        if kname not in names:
            continue
        try:
            parsed = parse_yaml(read_text(os.path.join(folder, kname)))
        except (OSError, UnicodeDecodeError):
            continue
        for doc in parsed.documents:
            data = doc.data if isinstance(doc.data, dict) else {}
            entries: list[object] = []
            for key in ("patchesStrategicMerge", "patchesJson6902", "patches"):
                value = data.get(key)
                if isinstance(value, list):
                    entries.extend(value)
            for entry in entries:
                target = entry.get("path") if isinstance(entry, dict) else entry
                if isinstance(target, str) and "\n" not in target:
                    patches.add(_absolute(os.path.join(folder, target)))
    return patches


def skip_reason(path: str, names_in_folder: list[str], in_chart: bool, patches: set[str]) -> str | None:
    """Why a file met in a folder walk is not a manifest (``None``: lint it)."""
    name = os.path.basename(path)
    if name in KUSTOMIZATION_NAMES:
        return "kustomization file"
    if name in _ALWAYS_SKIPPED:
        return "pre-commit configuration"
    if name.lower().endswith(_NOTEBOOK):
        return "Jupyter notebook"
    if _COMPOSE.fullmatch(name):
        return "compose file"
    if patches and _absolute(path) in patches:
        return "patch listed by a kustomization"
    if in_chart and (name == "Chart.yaml" or _VALUES.fullmatch(name)):
        return "Helm chart metadata or values"
    return None


class Walker:
    def __init__(self, excludes: list[str], force_exclude: bool) -> None:
        self.excludes = excludes
        self.force_exclude = force_exclude
        self.result = Discovery()

    def add(self, path: str) -> None:
        """Add one command-line path: a file, a folder (walked) or ``-``. Raises FileNotFoundError."""
        if path == "-":
            self.result.targets.append(Target("-", True))
            return
        if not os.path.lexists(path):
            raise FileNotFoundError(path)
        shown = display_path(path)
        if os.path.isdir(path):
            self._walk(path, set())
            return
        if self.force_exclude:
            reason = self._excluded(shown) or _named_file_skip(path)
            if reason:
                self.result.skipped.append((shown, reason))
                return
        self.result.targets.append(Target(shown, not self.force_exclude))

    def _excluded(self, shown: str) -> str | None:
        return "excluded by --exclude" if _matches_any(shown, self.excludes) else None

    def _walk(self, root: str, seen: set[tuple[int, int]]) -> None:
        # Iterative walk: deep trees cannot exhaust the stack, and real folders are tracked by
        # (device, inode) so a symlink loop is reported once instead of followed forever.
        # A symbolic link whose target lies outside the folder named on the command line is not followed: a
        # committed `x.yaml -> ~/.kube/config` must not bring that file into findings and reports.
        inside = os.path.realpath(root)
        stack = [(root, False)]
        while stack:
            folder, in_chart = stack.pop()
            try:
                info = os.stat(folder)
            except OSError as exc:
                self.result.problems.append((display_path(folder), f"cannot read folder: {exc.strerror or exc}"))
                continue
            identity = (info.st_dev, info.st_ino)
            if identity in seen:
                self.result.problems.append((display_path(folder), "symlink loop: folder already visited, "
                                                                   "not followed again"))
                continue
            seen.add(identity)
            try:
                names = sorted(os.listdir(folder))
            except OSError as exc:
                self.result.problems.append((display_path(folder), f"cannot read folder: {exc.strerror or exc}"))
                continue
            chart_here = "Chart.yaml" in names
            in_chart = in_chart or chart_here
            patches = kustomize_patches(folder, names)
            subfolders = []
            for name in names:
                full = os.path.join(folder, name)
                shown = display_path(full)
                try:
                    mode = os.stat(full).st_mode
                except OSError:
                    if os.path.islink(full):
                        self.result.problems.append((shown, "broken symbolic link"))
                    continue
                if os.path.islink(full) and not _within(os.path.realpath(full), inside):
                    self.result.skipped.append((shown, "symbolic link to outside the folder walked: not followed"))
                    continue
                if stat.S_ISDIR(mode):
                    if name.startswith("."):
                        continue
                    if chart_here and name == "templates":
                        self.result.skipped.append((shown + "/", "Helm chart templates (linted through the "
                                                                 "chart's renders)"))
                        continue
                    if self._excluded(shown):
                        self.result.skipped.append((shown + "/", "excluded by --exclude"))
                        continue
                    subfolders.append((full, in_chart))
                    continue
                if not name.endswith(MANIFEST_SUFFIXES) or name.startswith("."):
                    if name in _ALWAYS_SKIPPED:
                        self.result.skipped.append((shown, "pre-commit configuration"))
                    continue
                if not stat.S_ISREG(mode):
                    self.result.problems.append((shown, "not a regular file (FIFO, socket or device): not opened"))
                    continue
                reason = self._excluded(shown) or skip_reason(full, names, in_chart, patches)
                if reason:
                    self.result.skipped.append((shown, reason))
                    continue
                self.result.targets.append(Target(shown, False))
            stack.extend(reversed(subfolders))


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _named_file_skip(path: str) -> str | None:
    """The folder walk's skip rules, applied to a file named on the command line (--force-exclude)."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        names = os.listdir(folder)
    except OSError:
        names = []
    in_chart = False
    ancestor, below = folder, ""
    while True:  # a chart folder above: its templates/ are not manifests, its values are not objects
        if os.path.exists(os.path.join(ancestor, "Chart.yaml")):
            if below.split(os.sep, 1)[0] == "templates":
                return "Helm chart templates (linted through the chart's renders)"
            in_chart = True
            break
        parent = os.path.dirname(ancestor)
        if parent == ancestor:
            break
        below = os.path.join(os.path.basename(ancestor), below) if below else os.path.basename(ancestor)
        ancestor = parent
    return skip_reason(path, names, in_chart, kustomize_patches(folder, names))


def discover(paths: list[str], excludes: list[str] | None = None, force_exclude: bool = False) -> Discovery:
    walker = Walker(list(excludes or []), force_exclude)
    for path in paths:
        walker.add(path)
    return walker.result
