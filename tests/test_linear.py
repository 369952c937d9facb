"""Regular expressions and scanners used on user data run in linear time.

Each is timed on adversarial inputs of 10 kB and 100 kB; the ratio of the two costs must stay near 10 (a
quadratic pattern gives about 100). Ratios from the same run, best of several repeats: not a wall-clock bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from kml_lint.checks.images import parse_image
from kml_lint.checks.secrets import credential_name
from kml_lint.credentials import PREFILTER, find_credentials, is_placeholder, mask_all, redact
from kml_lint.engine import _TEMPLATE_SYNTAX
from kml_lint.rendering.placement import Placement
from kml_lint.source import flow_depth_error
from kml_lint.suppress import comment_directives


def cost(function: Callable[[str], object], text: str) -> float:
    """CPU time of this thread (the best of five): other processes on a busy machine do not inflate it."""
    best = float("inf")
    for _ in range(5):
        start = time.thread_time()
        function(text)
        best = min(best, time.thread_time() - start)
    return best


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "url-scheme-run": lambda n: "a" * n + "://",
    "url-userinfo": lambda n: "x://" + "a:" * (n // 2),
    "url-no-at": lambda n: "x://u:" + "p" * n,
    "private-key": lambda n: "-----BEGIN " + "A " * (n // 2),
    "hf-prefix": lambda n: "hf_" * (n // 3),
    "aws-prefix": lambda n: "AKIA" * (n // 4),
    "openai": lambda n: "sk-proj-" + "a" * n,
    "github": lambda n: "ghp_" * (n // 4),
    "slack": lambda n: "xoxb-1-" * (n // 7),
    "service-account": lambda n: '"type": "service_account"' + " " * n,
    "spaces": lambda n: " " * n,
    "colons": lambda n: ":" * n,
    "mixed": lambda n: ("ab:cd@ " * (n // 7)),
    "newlines": lambda n: "\n" * n + "config.kubernetes.io/origin",
    "braces": lambda n: "{{" + " " * n,
}

SCANNERS: dict[str, Callable[[str], object]] = {
    "find_credentials": find_credentials,
    "prefilter": PREFILTER.search,
    "redact": redact,
    "mask_all": lambda text: mask_all(text, {"secret-value"}),
    "is_placeholder": is_placeholder,
    "parse_image": parse_image,
    "credential_name": lambda text: credential_name(text, [("API", "KEY"), ("TOKEN",)], set()),
    "comment_directives": lambda text: comment_directives("x.yaml", "# kml-lint: ignore[" + text + "\n"),
    "flow_depth": flow_depth_error,
    "rendered_sources": lambda text: Placement("x", "# Source: a" + text + "b\n" + text, rendered=True),
    "template_syntax": _TEMPLATE_SYNTAX.search,
}


@pytest.mark.parametrize("scanner", sorted(SCANNERS))
@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_linear_time(scanner: str, shape: str) -> None:
    function = SCANNERS[scanner]
    make = ADVERSARIAL[shape]
    small, large = make(10_000), make(100_000)
    small_cost, large_cost = cost(function, small), cost(function, large)
    if large_cost < 2e-4:
        return  # both too fast to measure meaningfully: certainly not quadratic
    ratio = large_cost / max(small_cost, 1e-6)
    assert ratio < 30, f"{scanner} on {shape}: 10x the input costs {ratio:.0f}x the time"
