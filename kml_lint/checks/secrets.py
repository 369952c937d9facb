"""Credentials written into manifests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..credentials import PREFILTER, find_credentials, is_placeholder, mask
from ..objects import K8sObject, resolve_pointer
from ..placeholders import names_itself
from . import Hit, check

_NAME_PARAMS = {
    "properties": {
        "suffixes": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                     "description": "final words (underscore-separated) that make a variable name a credential"},
        "known_names": {"type": "array", "items": {"type": "string"},
                        "description": "credential variable names that do not end with one of the suffixes"},
        "path_valued": {"type": "array", "items": {"type": "string"},
                        "description": "final words whose value may be a file path instead of the secret"},
        "flag_words": {"type": "array", "items": {"type": "string"},
                       "description": "words that make a name a switch (MYSQL_ALLOW_EMPTY_PASSWORD): a true/false "
                                      "value there is a setting, not a secret"},
    },
    "required": ["suffixes"],
}

_WORD_SPLIT = re.compile(r"[_.\-]+")
_PATH_LIKE = re.compile(r"(?:/|\./|\.\./|~/|[A-Za-z]:\\)\S*")


def _words(name: str) -> list[str]:
    return [word for word in _WORD_SPLIT.split(name.upper()) if word]


_BOOLEAN_LIKE = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"})


def credential_name(name: str, suffixes: list[tuple[str, ...]], known: set[str]) -> tuple[str, ...] | None:
    """The credential suffix the name ends with, or ``None``.

    ``_ID`` may follow a key (``AWS_ACCESS_KEY_ID``), not a token (``PAD_TOKEN_ID`` is a vocabulary index).
    """
    upper = name.upper()
    if upper in known:
        return (upper,)
    words = _words(name)
    with_id = bool(words) and words[-1] == "ID"
    if with_id:
        words = words[:-1]
    for suffix in suffixes:
        if len(words) >= len(suffix) and tuple(words[-len(suffix):]) == suffix:
            if with_id and not suffix[-1].endswith("KEY"):
                return None
            return suffix
    return None


@check("secrets.literal_env", target="container", params=_NAME_PARAMS)
def literal_env(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    env = container.data.get("env")
    if not isinstance(env, list):
        return
    suffixes = [tuple(_words(s)) for s in params["suffixes"]]
    known = {name.upper() for name in params.get("known_names", [])}
    path_valued = {word.upper() for word in params.get("path_valued", [])}
    flag_words = {word.upper() for word in params.get("flag_words", [])}
    for index, entry in enumerate(env):
        if not isinstance(entry, dict) or ("valueFrom" in entry and entry.get("value") is None):
            continue
        name, value = entry.get("name"), entry.get("value")
        if not isinstance(name, str) or value is None or isinstance(value, (dict, list)):
            continue
        text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
        if is_placeholder(text) or names_itself(name, text):
            continue  # a placeholder stands for the value: KML009 reports it
        suffix = credential_name(name, suffixes, known)
        if suffix is None:
            continue
        if suffix[-1] in path_valued and _PATH_LIKE.fullmatch(text.strip()):
            continue  # GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json names a file, not a secret
        if text.strip().lower() in _BOOLEAN_LIKE and flag_words.intersection(_words(name)):
            continue  # MYSQL_ALLOW_EMPTY_PASSWORD=yes switches a feature on
        if ctx.run.runs("KML402") and PREFILTER.search(text) and find_credentials(text):
            continue  # a known format (hf_..., AKIA...): KML402 reports it, naming the format; one leak, one finding
        yield Hit(f"{container.pointer}/env/{index}/value",
                  f"env {name} holds a literal credential ({mask(text)}); anyone who can read the manifest or the "
                  "pod can read it: put it in a Secret, reference it with valueFrom.secretKeyRef, and rotate it",
                  at="value", secret=text)


_FORMAT_PARAMS: dict[str, Any] = {"properties": {}}


@check("secrets.credential_format", target="object", params=_FORMAT_PARAMS)
def credential_format(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    """Any string value anywhere in the object that holds a known credential format."""
    if not ctx.prefilter(PREFILTER):
        return  # one scan of the file's text found no candidate at all
    skip = f"{obj.base}/data" if obj.kind == "Secret" else None  # base64: KML403's concern
    stack: list[tuple[Any, str]] = [(obj.data, obj.base)]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
                if child != skip:
                    stack.append((value, child))
        elif isinstance(node, list):
            stack.extend((value, f"{pointer}/{index}") for index, value in enumerate(node))
        elif isinstance(node, str) and PREFILTER.search(node):
            matches = find_credentials(node)
            if matches:
                labels = list(dict.fromkeys(m.label for m in matches))
                shown = ", ".join(_describe(label, matches) for label in labels)
                field = _dotted(pointer[len(obj.base):])
                short = f"{_env_name(obj, pointer) or field} holds {shown}"
                yield Hit(pointer, f"{field} holds {shown}; treat it as leaked: revoke it and load it from a "
                                   "Secret instead of writing it into the manifest", at="value",
                          secret=tuple(m.secret for m in matches), short=short)


_ENV_VALUE = re.compile(r"/env/\d+/value$")


def _env_name(obj: K8sObject, pointer: str) -> str | None:
    """``env HF_TOKEN`` for the value of an env entry (how people name it), else None."""
    if not _ENV_VALUE.search(pointer):
        return None
    entry = resolve_pointer(obj.document.data, pointer.rsplit("/", 1)[0])
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"env {name}" if isinstance(name, str) and name else None


def _dotted(pointer: str) -> str:
    """``/spec/containers/0/args/2`` -> ``spec.containers[0].args[2]``: how people write field paths."""
    out = ""
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        out += f"[{token}]" if token.isdigit() else (f".{token}" if out else token)
    return out or "(document)"


def _describe(label: str, matches: list[Any]) -> str:
    first = next(m for m in matches if m.label == label)
    return f"{label} ({mask(first.secret)})"


_DATA_FIELDS = ("data", "stringData")
_SOPS_PREFIX = "ENC["


@check("secrets.secret_data", target="object", params={"properties": {}})
def secret_data(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    if "sops" in obj.data:
        return  # SOPS-encrypted: the values are ciphertext
    for field in _DATA_FIELDS:
        values = obj.data.get(field)
        if not isinstance(values, dict):
            continue
        literal = [key for key, value in values.items()
                   if value is not None and not (isinstance(value, str) and (is_placeholder(value)
                                                                             or value.startswith(_SOPS_PREFIX)))]
        if literal:
            keys = ", ".join(literal[:3]) + (f" and {len(literal) - 3} more" if len(literal) > 3 else "")
            encoding = " (base64 is an encoding, not encryption)" if field == "data" else ""
            yield Hit(obj.ptr(f"/{field}"),
                      f"{field} commits secret values ({keys}){encoding}; manifests live in git, so keep the "
                      "payload out of it with External Secrets, Sealed Secrets or SOPS",
                      secret=tuple(str(values[key]) for key in literal))
            return
