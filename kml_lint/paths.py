"""Where the package's own data files are. Plain paths next to this file: the package is always installed
as files (wheel or editable), and importlib.resources would cost a noticeable part of a one-file run."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def package_file(*parts: str) -> Path:
    return PACKAGE.joinpath(*parts)
