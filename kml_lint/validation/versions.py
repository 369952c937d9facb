"""The Kubernetes versions kml-lint ships schemas for (one bundle each in ``schemas/kubernetes/``)."""

from __future__ import annotations

import re
from functools import cache

from ..registry import schemas_dir


class UnsupportedVersion(ValueError):
    """``--kubernetes-version`` names a version without a shipped bundle; the message lists the supported ones."""


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


@cache
def supported_versions() -> tuple[str, ...]:
    """Kubernetes minor versions with a shipped bundle, oldest first (``("1.34", ..., "1.37")``)."""
    folder = schemas_dir() / "kubernetes"
    names = [p.stem[1:] for p in folder.glob("v*.zip")] if folder.is_dir() else []
    return tuple(sorted(names, key=version_key))


def resolve_version(text: str | None) -> str:
    """``None`` -> the newest; ``1.35``, ``v1.35``, ``1.35.2`` -> ``1.35``; anything else: UnsupportedVersion."""
    versions = supported_versions()
    if not versions:
        raise UnsupportedVersion("no Kubernetes schemas are installed (schemas/kubernetes is empty)")
    if text is None:
        return versions[-1]
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    minor = f"{match.group(1)}.{match.group(2)}" if match else None
    if minor not in versions:
        raise UnsupportedVersion(f"Kubernetes version {text!r} is not supported; supported: {', '.join(versions)} "
                                 f"(the default is {versions[-1]})")
    return minor
