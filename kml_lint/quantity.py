"""Kubernetes resource quantities (``500m``, ``8Gi``, ``1e3``), parsed exactly."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|n|u|m|k|M|G|T|P|E|)"
)

_MULTIPLIERS = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("0.001"), "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}


def parse_quantity(value: Any) -> Decimal | None:
    """The quantity's exact value, or ``None`` when it is not a Kubernetes quantity."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip()) if value.strip() == value else None
    if match is None:
        return None
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
    suffix = match.group("suffix")
    if suffix in _MULTIPLIERS:  # before the exponent test: "Ei" is exbibytes, not an exponent
        return number * _MULTIPLIERS[suffix]
    exponent = suffix[1:].lstrip("+-")
    if len(exponent) > 6:  # more digits than any decimal exponent can hold (and int() refuses past 4,300)
        return None
    try:
        return number.scaleb(int(suffix[1:]))
    except ArithmeticError:  # beyond the decimal context's exponent range
        return None


def is_whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()


_NUMBER_AND_UNIT = re.compile(r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?P<unit>.*)")
_UNIT_SPELLINGS = {  # a unit as people write it (lower case, no trailing "s") -> the valid suffixes it may mean
    "": ("",), "b": ("",), "byte": ("",), "cpu": ("",), "core": ("",), "vcpu": ("",), "gpu": ("",),
    "millicore": ("m",), "millicpu": ("m",), "mcpu": ("m",),
}
for _decimal in "kmgtpe":
    _binary = _decimal.upper() + "i"
    _decimal_suffix = "k" if _decimal == "k" else _decimal.upper()
    for _spelling in (_decimal, f"{_decimal}b", f"{_decimal}byte"):
        _UNIT_SPELLINGS.setdefault(_spelling, (_decimal_suffix, _binary))
    for _spelling in (f"{_decimal}i", f"{_decimal}ib"):
        _UNIT_SPELLINGS[_spelling] = (_binary,)
_UNIT_SPELLINGS["m"] = ("M", "Mi")  # "m" alone is valid (milli); reached only as "M B", "mB"...
for _prefix, _word in (("k", "kilo"), ("M", "mega"), ("G", "giga"), ("T", "tera")):
    _UNIT_SPELLINGS[f"{_word}byte"] = (_prefix,)
    _UNIT_SPELLINGS[f"{_word[:2]}bibyte"] = (_prefix.upper() + "i",)


def suggest_quantity(text: str) -> list[str]:
    """Valid spellings close to an invalid quantity: ``8GB`` -> ``[8G, 8Gi]``, ``2 Gi`` -> ``[2Gi]``."""
    compact = text.replace(" ", "").replace("_", "")
    if "," in compact and "." not in compact:
        compact = compact.replace(",", ".")
    if compact != text and parse_quantity(compact) is not None:
        return [compact]
    match = _NUMBER_AND_UNIT.fullmatch(compact)
    if match is None:
        return []
    number, unit = match.group("number"), match.group("unit")
    if re.fullmatch(r"(\.[0-9]*)+", unit):  # 1.5.0: a version-like number
        return [number]
    key = unit.lower()
    if key.endswith("s") and len(key) > 1:
        key = key[:-1]
    suffixes = _UNIT_SPELLINGS.get(key)
    if suffixes is None:
        return []
    return [f"{number}{suffix}" for suffix in suffixes if parse_quantity(f"{number}{suffix}") is not None]
