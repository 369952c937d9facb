"""Build a Kustomize overlay with origin annotations, without touching the user's files.

``kustomize build`` and ``kubectl kustomize`` take no flag for origin annotations: they are set by
``buildMetadata`` in a kustomization. So kml-lint writes a wrapper kustomization in a temporary folder that
names the user's one as its only resource (by a relative path: Kustomize refuses absolute ones) and asks for
``buildMetadata: [originAnnotations]``. Origin paths in the output are then relative to the wrapper folder,
which ``placement`` joins back. Remote resources and ``helmCharts`` need the network: such a kustomization is
reported and not built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

from .patches import kustomization_file, read_yaml

BUILD_SECONDS = 60
_REMOTE = ("://", "github.com/", "git@", "gitlab.com/", "bitbucket.org/")


@dataclass(slots=True)
class KustomizeBuild:
    """A built kustomization: its output (origin paths made absolute), or its problem."""

    folder: str
    text: str = ""
    problem: str | None = None
    problem_line: int = 1
    problem_col: int = 1


@dataclass(slots=True)
class Kustomization:
    """What a kustomization file uses: local files, local kustomizations it builds on, and what it cannot
    build offline."""

    folder: str
    file: str
    files: set[str] = field(default_factory=set)  # resources, patches, generator inputs, ...
    bases: set[str] = field(default_factory=set)  # folders of other kustomizations (resources, components)
    remote: list[tuple[str, str, int]] = field(default_factory=list)  # (what, key, index) needing the network


def builder() -> list[str] | None:
    """The command that builds a kustomization here, or ``None``."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def read_kustomization(folder: str) -> Kustomization | None:
    """A kustomization read from its file (a base outside the pre-pass's files)."""
    file = kustomization_file(folder)
    if file is None:
        return None
    documents = read_yaml(file)
    data = documents[0].data if documents and isinstance(documents[0].data, dict) else {}
    return kustomization_from(file, data)


def kustomization_from(file: str, data: dict[str, Any]) -> Kustomization:
    """What a kustomization (its file and parsed data, as the pre-pass keeps it) uses."""
    out = Kustomization(os.path.dirname(os.path.abspath(file)), os.path.abspath(file))

    def local(entry: str, key: str, index: int) -> None:
        if any(mark in entry for mark in _REMOTE):
            out.remote.append((entry, key, index))
            return
        target = os.path.normpath(os.path.join(out.folder, entry))
        if os.path.isdir(target):
            out.bases.add(target)
        else:
            out.files.add(target)

    for key in ("resources", "bases", "components", "crds", "configurations", "transformers", "generators"):
        entries = data.get(key)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, str):
                local(entry, key, index)
    for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
        entries = data.get(key)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            path = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(path, str) and "\n" not in path:
                local(path, key, index)
    for key in ("configMapGenerator", "secretGenerator"):
        entries = data.get(key)
        for generator in entries if isinstance(entries, list) else []:
            if not isinstance(generator, dict):
                continue
            for field_name in ("files", "envs"):
                sources = generator.get(field_name)
                for source in sources if isinstance(sources, list) else []:
                    if isinstance(source, str):
                        out.files.add(os.path.normpath(os.path.join(out.folder, source.rpartition("=")[2])))
            if isinstance(generator.get("env"), str):
                out.files.add(os.path.normpath(os.path.join(out.folder, generator["env"])))
    if data.get("helmCharts"):
        out.remote.append(("helmCharts", "helmCharts", -1))
    return out


def remote_position(item: Kustomization) -> tuple[str, int, int]:
    """What needs the network in ``item`` and where its kustomization file says so."""
    what, key, index = item.remote[0]
    documents = read_yaml(item.file)
    positions = documents[0].positions if documents else None
    pointer = f"/{key}" if index < 0 else f"/{key}/{index}"
    position = positions.get(pointer) if positions is not None else None
    if position is None:
        return what, 1, 1
    return (what, position[0], position[1]) if index < 0 else (what, position[2], position[3])


def build(folder: str, command: list[str] | None = None, seconds: int = BUILD_SECONDS) -> KustomizeBuild:
    """Build ``folder`` through a temporary wrapper kustomization that turns origin annotations on."""
    import tempfile  # only when an overlay is built: a one-file run never needs it

    result = KustomizeBuild(os.path.abspath(folder))
    command = command or builder()
    if command is None:
        result.problem = "no Kustomize renderer"
        return result
    with tempfile.TemporaryDirectory(prefix="kml-lint-kustomize-") as wrapper:
        relative = os.path.relpath(result.folder, wrapper).replace(os.sep, "/")
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(f"resources:\n  - {relative}\nbuildMetadata: [originAnnotations]\n")
        try:
            completed = subprocess.run([*command, wrapper], capture_output=True, timeout=seconds, check=False,
                                       env=_environment(wrapper))
        except subprocess.TimeoutExpired:
            result.problem = f"building took longer than {seconds} s: stopped"
            return result
        except OSError as exc:
            result.problem = f"could not start {command[0]}: {exc.strerror or exc}"
            return result
        if completed.returncode != 0:
            message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            text = " ".join(line.strip() for line in message if line.strip())
            # Kustomize prints the wrapper's own path in its errors: show the user's folder instead.
            text = text.replace(wrapper + os.sep, "").replace(relative, os.path.relpath(result.folder))
            result.problem = (text or f"{command[0]} exited {completed.returncode}")[:400]
            return result
        # Origin paths are relative to the wrapper, which is gone after this: made absolute, they stay
        # resolvable (the line count of the output does not change).
        result.text = _rebase_origins(completed.stdout.decode("utf-8", "replace"), wrapper)
    return result


def _rebase_origins(text: str, wrapper: str) -> str:
    """Origin paths made absolute (the wrapper folder they are relative to is temporary)."""
    out = []
    marker = "config.kubernetes.io/origin: |"
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        if line.strip() == marker and index + 1 < len(lines):
            following = lines[index + 1]
            stripped = following.lstrip()
            if stripped.startswith("path: "):
                path = stripped[len("path: "):].strip()
                absolute = os.path.normpath(os.path.join(wrapper, path))
                out.append(following[: len(following) - len(stripped)] + "path: " + absolute)
                index += 2
                continue
        index += 1
    return "\n".join(out)


def _environment(scratch: str) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update({"HOME": scratch, "KUBECONFIG": os.devnull, "NO_PROXY": "*", "no_proxy": "*"})
    return env
