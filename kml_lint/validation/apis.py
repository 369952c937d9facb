"""The deprecated and removed Kubernetes API versions (``kml_lint/apiversions.yaml``), for KML006."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ..paths import package_file
from ..yamlfold import parse_yaml
from .versions import version_key

REMOVED, DEPRECATED = "removed", "deprecated"


@dataclass(frozen=True, slots=True)
class ApiChange:
    api: str
    kind: str
    removed: str | None
    deprecated: str | None
    use: dict[str, str | None]  # Kubernetes version the replacement appeared in -> replacement apiVersion
    note: str | None

    def replacement(self, version: str) -> str | None:
        """The apiVersion to move to on Kubernetes ``version`` (the newest replacement it already serves)."""
        if not self.use:
            return None
        ordered = sorted(self.use.items(), key=lambda item: version_key(item[0]))
        served = [api for since, api in ordered if version_key(since) <= version_key(version)]
        return served[-1] if served else ordered[0][1]

    def state(self, version: str) -> str | None:
        """``removed`` or ``deprecated`` on Kubernetes ``version``; None while it is served without warning."""
        if self.removed is not None and version_key(version) >= version_key(self.removed):
            return REMOVED
        if self.deprecated is not None and version_key(version) >= version_key(self.deprecated):
            return DEPRECATED
        return None


def parse_table(data: Any) -> dict[tuple[str, str], ApiChange]:
    table: dict[tuple[str, str], ApiChange] = {}
    for entry in data["apis"]:
        use = entry.get("use")
        if isinstance(use, dict):
            replacements = {str(since): api for since, api in use.items()}
        else:
            replacements = {"0": use} if use else {}
        for kind in entry["kinds"]:
            table[(entry["api"], kind)] = ApiChange(entry["api"], kind, entry.get("removed"), entry.get("deprecated"),
                                                    replacements, entry.get("note"))
    return table


@cache
def api_table() -> dict[tuple[str, str], ApiChange]:
    """``(apiVersion, kind)`` -> its change."""
    text = package_file("apiversions.yaml").read_text(encoding="utf-8")
    parsed = parse_yaml(text)
    if parsed.error or not parsed.documents:
        raise ValueError(f"apiversions.yaml does not parse: {parsed.error}")
    return parse_table(parsed.documents[0].data)


def change_of(api_version: str, kind: str, version: str) -> tuple[str, ApiChange] | None:
    """``(removed | deprecated, change)`` for an object's apiVersion and kind on Kubernetes ``version``."""
    change = api_table().get((api_version, kind))
    if change is None:
        return None
    state = change.state(version)
    return (state, change) if state else None
