"""Configuration: ``.kml-lint.yaml`` (or ``[tool.kml-lint]`` in pyproject.toml), validated, with locations.

The file is found by walking up from the current folder, stopping at the repository root (the folder that
holds ``.git``); ``--config FILE`` names one explicitly. Command-line options override the file: scalar
settings and ``select`` are replaced, ``ignore``, ``extend-select`` and ``exclude`` are extended.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .objects import locate
from .paths import package_file
from .yamlfold import Positions, escape_pointer_token, parse_yaml

CONFIG_NAMES = (".kml-lint.yaml", ".kml-lint.yml")


class ConfigError(Exception):
    """The configuration is wrong; the message says which key and where."""


@dataclass(slots=True)
class Config:
    data: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # the file it came from (None: defaults only)
    positions: Positions = field(default_factory=Positions)  # where each setting is written (empty: defaults)

    @property
    def base_dir(self) -> str:
        """Paths in the configuration are relative to its file's folder."""
        return os.path.dirname(os.path.abspath(self.source)) if self.source else os.getcwd()

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def where(self, pointer: str) -> str:
        """``path:line:col`` of a key in the configuration file, for messages and KML008 findings."""
        if not self.source:
            return "(configuration)"
        if not self.positions:
            return self.source
        line, col = locate(self.positions, pointer)
        return f"{self.source}:{line}:{col}"

    def location(self, pointer: str) -> tuple[int, int]:
        return locate(self.positions, pointer) if self.positions else (1, 1)


@cache
def config_schema() -> dict[str, Any]:
    text = package_file("meta", "config.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def find_config(start: str | None = None) -> str | None:
    """The nearest ``.kml-lint.yaml`` or pyproject.toml with ``[tool.kml-lint]``, up to the repository root."""
    folder = Path(start or os.getcwd()).resolve()
    while True:
        # Whatever has a configuration's name is the configuration: a FIFO or a device there is an error that
        # names it (load_config), not a reason to go on silently without it.
        for name in CONFIG_NAMES:
            candidate = folder / name
            if os.path.lexists(candidate) and not candidate.is_dir():
                return str(candidate)
        pyproject = folder / "pyproject.toml"
        if os.path.lexists(pyproject) and not pyproject.is_dir() and _pyproject_section(pyproject) is not None:
            return str(pyproject)  # (a pyproject.toml that is not TOML raises: never a parent's settings instead)
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    """The ``[tool.kml-lint]`` table of a pyproject.toml (None: it has none). A file that is not TOML is a
    ConfigError: kml-lint cannot tell whether it holds the team's settings, so it never guesses."""
    from .safeio import UnsafeFile, read_text

    try:
        text = read_text(str(path))
    except UnsafeFile as exc:  # a FIFO, device or oversized file: say so rather than guess
        raise ConfigError(f"{_shown(str(path))}: cannot read: {exc.strerror}") from None
    except (OSError, UnicodeDecodeError):
        return None
    section = _read_toml(text, _shown(str(path))).get("tool", {}).get("kml-lint")
    return section if isinstance(section, dict) else None


def _shown(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _read_toml(text: str, shown: str) -> dict[str, Any]:
    """Parsed TOML, or a ConfigError at the line and column tomllib names."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = getattr(exc, "msg", None) or str(exc)
        line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if match:
            line, col, message = int(match.group(1)), int(match.group(2)), message[:match.start()]
        elif message.endswith("(at end of document)"):
            message = message.removesuffix("(at end of document)").rstrip()
            lines = text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
        place = f"{line}:{col}" if line and col else "1:1"
        raise ConfigError(f"{shown}:{place}: invalid TOML: {message}") from None


def load_config(path: str | None) -> Config:
    """Load and validate a configuration file (``None``: no file, defaults)."""
    if path is None:
        return Config()
    from .safeio import describe_error, read_text

    shown = _shown(path)
    if path.endswith(".toml"):
        from .tomlpositions import positions_for

        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{shown}: cannot read: {describe_error(exc)}") from None
        tool = _read_toml(text, shown).get("tool", {})
        data = tool.get("kml-lint", {}) if isinstance(tool, dict) else {}
        data = _dates_as_text(data)
        config = Config(data, shown, positions_for(text, data, ("tool", "kml-lint")))
    else:
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{shown}: cannot read: {describe_error(exc)}") from None
        parsed = parse_yaml(text)
        if parsed.error:
            raise ConfigError(f"{shown}:{parsed.error.line}:{parsed.error.col}: {parsed.error.message}")
        documents = [d for d in parsed.documents if d.data is not None]
        problems = [p for d in parsed.documents for p in d.problems]
        if problems:
            raise ConfigError(f"{shown}:{problems[0].line}:{problems[0].col}: {problems[0].message}")
        if len(documents) > 1:
            raise ConfigError(f"{shown}: expected one YAML document")
        data = documents[0].data if documents else {}
        config = Config(data if data is not None else {}, shown, documents[0].positions if documents else Positions())
    validate_config(config)
    return config


def _dates_as_text(value: Any) -> Any:
    """TOML has dates of its own (``until = 2027-01-31``): the configuration holds them as YAML's text does."""
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def pointer_of(path: Iterable[Any]) -> str:
    return "".join(f"/{escape_pointer_token(str(part))}" for part in path)


def key_of(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path) or "(top level)"


def validate_config(config: Config) -> None:
    """The file against the configuration schema, then the values a schema cannot judge (real dates,
    known platforms and Kubernetes versions). The first problem is raised, at its key, with a hint."""
    from jsonschema import Draft202012Validator

    from .registry import did_you_mean

    if not isinstance(config.data, dict):
        raise ConfigError(f"{config.where('')}: the configuration must be a mapping of settings")
    errors = sorted(Draft202012Validator(config_schema()).iter_errors(config.data),
                    key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        error = errors[0]
        while error.validator in ("oneOf", "anyOf") and error.context:
            # the branch that got furthest into the value says what is wrong (a misspelt item, not "no branch")
            error = max(error.context, key=lambda e: len(e.absolute_path))
        path = list(error.absolute_path)
        message = error.message
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            unknown = sorted(set(error.instance) - set(known), key=str)
            if unknown:
                path.append(unknown[0])
                hint = did_you_mean(str(unknown[0]), known) or (f" (known: {', '.join(known)})" if known else "")
                message = f"unknown setting {unknown[0]!r}{hint}"
        elif error.validator == "enum" and isinstance(error.instance, str):
            choices = [str(choice) for choice in error.validator_value]
            message = (f"{error.instance!r} is not one of {', '.join(choices)}"
                       f"{did_you_mean(error.instance, choices)}")
        raise ConfigError(f"{config.where(pointer_of(path))}: {key_of(path)}: {message}")
    _check_values(config)


def _check_values(config: Config) -> None:
    from .checks import PLATFORMS
    from .registry import did_you_mean

    for index, entry in enumerate(config.get("exemptions") or []):
        until = entry.get("until")
        if until is not None:
            try:
                dt.date.fromisoformat(until)
            except ValueError as exc:
                path = ["exemptions", index, "until"]
                raise ConfigError(f"{config.where(pointer_of(path))}: {key_of(path)}: {until!r} is not a date "
                                  f"({exc})") from None
    platform = config.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise ConfigError(f"{config.where('/platform')}: platform: {unknown_platform(platform)}")
    version = config.get("kubernetes-version")
    if version is not None:
        from .validation.versions import UnsupportedVersion, resolve_version, supported_versions

        try:
            resolve_version(version)
        except UnsupportedVersion as exc:
            raise ConfigError(f"{config.where('/kubernetes-version')}: kubernetes-version: {exc}"
                              f"{did_you_mean(version, supported_versions())}") from None


def unknown_platform(name: str) -> str:
    """The message for a platform outside ``checks.PLATFORMS`` (command line or configuration)."""
    from .checks import PLATFORMS
    from .registry import did_you_mean

    return (f"unknown platform {name!r}{did_you_mean(name, PLATFORMS)}; known platforms: {', '.join(PLATFORMS)}")


def check_rule_references(config: Config, rules: list[Any]) -> None:
    """Every rule the file names (select, ignore, severity, rules, per-file-ignores, exemptions) must exist:
    a misspelt id would otherwise select, ignore or exempt nothing, silently. Raised at the id's own place."""
    from .registry import unknown_selector

    def check(path: list[Any], selector: Any) -> None:
        problem = unknown_selector(str(selector), rules)
        if problem:
            raise ConfigError(f"{config.where(pointer_of(path))}: {key_of(path)}: {problem}")

    for setting in ("select", "extend-select", "ignore"):
        for index, selector in enumerate(config.get(setting) or []):
            check([setting, index], selector)
    for setting in ("severity", "rules"):
        for selector in config.get(setting) or {}:
            check([setting, selector], selector)
    for pattern, selectors in (config.get("per-file-ignores") or {}).items():
        for index, selector in enumerate(selectors):
            check(["per-file-ignores", pattern, index], selector)
    for number, entry in enumerate(config.get("exemptions") or []):
        for index, selector in enumerate(entry.get("rules") or []):
            check(["exemptions", number, "rules", index], selector)


def dump(data: dict[str, Any]) -> str:
    """The effective configuration as YAML, for ``--show-config``."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
