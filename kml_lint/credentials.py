"""Known credential formats, and masking so that no output ever shows a secret in full.

Every pattern is written to run in linear time on hostile input: anchored on a literal prefix, with
bounded or possessive-free character classes that cannot backtrack into each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CredentialMatch:
    """A credential found in a text: its format, where it is, and the part to mask."""

    label: str
    start: int
    end: int
    secret: str  # the part to mask (for a URL, the password)


_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a Hugging Face token", re.compile(r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,}(?![A-Za-z0-9])")),
    ("a GitHub token", re.compile(
        r"(?<![A-Za-z0-9_])(?:gh[opsu]_[A-Za-z0-9]{36}(?![A-Za-z0-9])|github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_]))")),
    ("an Anthropic API key", re.compile(r"(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9]+\d\d-[A-Za-z0-9_-]{32,}")),
    ("an OpenAI API key", re.compile(
        r"(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"
        r"|[A-Za-z0-9]{48}(?![A-Za-z0-9_-]))")),
    ("a Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abprs]-[0-9]+-[A-Za-z0-9-]{8,}")),
    ("a Google API key", re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----")),
)

_SERVICE_ACCOUNT = re.compile(r"[\"']type[\"']\s*:\s*[\"']service_account[\"']")
_PRIVATE_KEY_FIELD = re.compile(r"[\"']private_key[\"']\s*:")

# scheme://user:password@host. The lookbehind makes only the start of a scheme-like run a candidate,
# so a long run of letters before "://" is scanned once, not once per letter.
_URL_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://(?P<user>[^\s/:@]*):(?P<password>[^\s/@]+)@"
    r"(?P<host>[^\s@/:?#]+)")
# Hosts reserved for documentation (RFC 2606): credentials there are examples by definition.
_EXAMPLE_HOST = re.compile(r"(?:.*\.)?(?:example|test|invalid)(?:\.(?:com|org|net))?", re.IGNORECASE)

_EXAMPLE_SUFFIX = "EXAMPLE"  # AWS's documented example keys end with it

# One cheap pass over a whole file: when it finds nothing, no string of the file can match. Each branch is a
# looser form of a format above (a superset), anchored on a literal so the scan stays fast and linear.
PREFILTER = re.compile(
    r"AKIA[A-Z0-9]{16}|ASIA[A-Z0-9]{16}|hf_[A-Za-z0-9]{30}|gh[opsu]_[A-Za-z0-9]{30}|github_pat_|sk-[\w-]{20}"
    r"|xox[abprs]-|AIza[\w-]{30}|PRIVATE KEY|service_account|:[^\s/@:]+@")

def is_placeholder(value: str) -> bool:
    """Whether the value stands for a secret without being one (a placeholder: ``placeholders.unknown``)."""
    from .placeholders import unknown

    return unknown(value)


def find_credentials(text: str) -> list[CredentialMatch]:
    """Every known credential format in ``text``, in order of position."""
    found: list[CredentialMatch] = []
    for label, pattern in _FORMATS:
        for match in pattern.finditer(text):
            token = match.group()
            if label == "an AWS access key id" and token.endswith(_EXAMPLE_SUFFIX):
                continue
            found.append(CredentialMatch(label, match.start(), match.end(), token))
    service_account = _SERVICE_ACCOUNT.search(text)
    if service_account and _PRIVATE_KEY_FIELD.search(text):
        found.append(CredentialMatch("a GCP service-account key", service_account.start(), service_account.end(),
                                     service_account.group()))
    for match in _URL_PASSWORD.finditer(text):
        password = match.group("password")
        if not is_placeholder(password) and not _EXAMPLE_HOST.fullmatch(match.group("host")):
            found.append(CredentialMatch("a password in a URL", match.start("password"), match.end("password"),
                                         password))
    found.sort(key=lambda m: m.start)
    return found


def mask(secret: str) -> str:
    """At most four leading characters, fewer for short secrets, then an ellipsis."""
    shown = min(4, len(secret) // 4)
    return f"{secret[:shown]}…"


def redact(text: str) -> str:
    """``text`` with every credential it holds masked (for source lines and quoted input)."""
    if not PREFILTER.search(text):
        return text
    matches = find_credentials(text)
    if not matches:
        return text
    pieces: list[str] = []
    last = 0
    for match in matches:
        if match.start < last:
            continue
        pieces.append(text[last:match.start])
        pieces.append(mask(match.secret))
        last = match.end
    pieces.append(text[last:])
    return "".join(pieces)


def mask_all(text: str, secrets: set[str] | frozenset[str]) -> str:
    """``text`` with known credential formats and each of ``secrets`` masked (longest first)."""
    text = redact(text)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3 and secret in text:
            text = text.replace(secret, mask(secret))
    return text
