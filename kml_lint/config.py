"""Configuration: ``.kml-lint.yaml`` (or ``[tool.kml-lint]`` in pyproject.toml), validated, with locations.

The file is found by walking up from the current folder, stopping at the repository root (the folder that
holds ``.git``); ``--config FILE`` names one explicitly. Command-line options override the file: scalar
settings and ``select`` are replaced, ``ignore``, ``extend-select`` and ``exclude`` are extended.
"""

from __future__ import annotations

import json
import os
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
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return str(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return str(pyproject)
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    section = data.get("tool", {}).get("kml-lint")
    return section if isinstance(section, dict) else None


def load_config(path: str | None) -> Config:
    """Load and validate a configuration file (``None``: no file, defaults)."""
    if path is None:
        return Config()
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    if path.endswith(".toml"):
        import tomllib

        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle).get("tool", {}).get("kml-lint", {})
        except OSError as exc:
            raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{shown}: invalid TOML: {exc}") from None
        config = Config(data, shown)
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{shown}: cannot read: {exc}") from None
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


def validate_config(config: Config) -> None:
    from jsonschema import Draft202012Validator

    if not isinstance(config.data, dict):
        raise ConfigError(f"{config.source}: the configuration must be a mapping of settings")
    errors = sorted(Draft202012Validator(config_schema()).iter_errors(config.data),
                    key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    error = errors[0]
    pointer = "".join(f"/{escape_pointer_token(str(part))}" for part in error.absolute_path)
    key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    message = error.message
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        if unknown:
            pointer += f"/{escape_pointer_token(str(unknown[0]))}"
            key = ".".join([*map(str, error.absolute_path), str(unknown[0])])
            known = sorted(error.schema.get("properties", {}))
            message = f"unknown setting {unknown[0]!r}" + (f" (known: {', '.join(known)})" if known else "")
    if len(message) > 300:  # jsonschema quotes the whole value: an absurd one would fill the terminal
        message = message[:200] + " ... " + message[-60:]
    raise ConfigError(f"{config.where(pointer)}: {key}: {message}")


def dump(data: dict[str, Any]) -> str:
    """The effective configuration as YAML, for ``--show-config``."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
