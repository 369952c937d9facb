"""Container image references."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import placeholders
from ..patterns import matches
from . import PLATFORM_LIST, Hit, check


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image reference split into name, tag and digest."""

    name: str  # [registry[:port]/]path
    tag: str | None
    digest: str | None


def parse_image(reference: str) -> ImageRef:
    """Split ``[registry[:port]/]path[:tag][@digest]``.

    The tag is the text after the last ``:`` only when that colon comes after the last ``/``, so
    ``registry:5000/team/model`` has no tag. Linear time: a few ``rfind`` calls, no regular expression.
    """
    rest, _, digest = reference.partition("@")
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        return ImageRef(rest[:colon], rest[colon + 1:], digest or None)
    return ImageRef(rest, None, digest or None)


def is_unresolved(reference: str) -> bool:
    """Placeholders (Helm, Argo, env expansion, envsubst's $IMAGE, <image>, YOUR_REGISTRY/...) are unknown values:
    they cannot be judged until filled (KML009 reports the unfilled ones)."""
    return placeholders.unknown(reference)


_PARAMS = {
    "properties": {
        "floating_tags": {"type": "array", "items": {"type": "string"},
                          "description": "tags (case-insensitive; `*` matches any text) that move over time"},
    },
    "required": ["floating_tags"],
}


def mutable_reason(image: ImageRef, floating: list[str]) -> str | None:
    if image.digest:
        return None  # a digest pins the bits whatever the tag says
    if image.tag is None:
        return "has no tag, so it means :latest"
    tag = image.tag.lower()
    if tag == "latest":
        return "uses the :latest tag"
    if matches(tag, tuple(pattern.lower() for pattern in floating)):
        return f"uses the floating tag :{image.tag}"
    return None


# Fields beside `image` in a container-shaped block of a custom resource that mean `image` is only a part
# of the reference the operator builds.
_COMPOSED = ("version", "tag", "repository", "registry")


@check("images.mutable_tag", target="container", params=_PARAMS)
def mutable_tag(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    reference = container.data.get("image")
    if not isinstance(reference, str) or not reference.strip() or is_unresolved(reference):
        return
    if container.block and any(isinstance(container.data.get(key), str) for key in _COMPOSED):
        return  # the operator composes the image from these fields (NVIDIA's repository/image/version)
    reason = mutable_reason(parse_image(reference.strip()), params["floating_tags"])
    if reason:
        yield Hit(container.ptr("image"),
                  f"image {reference.strip()} {reason}; every pull may get different bits, so replicas and "
                  "retries of a run can execute different code: pin a release tag, ideally with an @sha256 digest",
                  at="value")


_DIGEST_PULL_PARAMS: dict[str, Any] = {"properties": {}}


@check("images.pull_always_with_digest", target="container", params=_DIGEST_PULL_PARAMS)
def pull_always_with_digest(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    reference = container.data.get("image")
    if container.data.get("imagePullPolicy") != "Always" or not isinstance(reference, str) or \
            is_unresolved(reference) or parse_image(reference.strip()).digest is None:
        return
    yield Hit(container.ptr("imagePullPolicy"),
              "imagePullPolicy: Always although the image is pinned by its @sha256 digest, which can never change: "
              "every start and every new replica waits for a registry round trip (slow scale-up with multi-gigabyte "
              "CUDA images, and registry rate limits); use IfNotPresent, the default for digest-pinned images",
              at="value")


_NEVER_PARAMS = {
    "properties": {
        "single_node_platforms": {
            **PLATFORM_LIST,
            "description": "platforms (`--platform`) that run a single node, where images are loaded by hand "
                           "(kind, minikube): the rule is silent there",
        },
    },
}


@check("images.pull_never", target="container", params=_NEVER_PARAMS)
def pull_never(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    if container.data.get("imagePullPolicy") != "Never":
        return
    if ctx.platform and ctx.platform in params.get("single_node_platforms", []):
        return
    yield Hit(container.ptr("imagePullPolicy"),
              "imagePullPolicy: Never starts the pod only on nodes where someone loaded the image by hand; on any "
              "other node of a multi-node cluster it stays in ErrImageNeverPull; push the image to a registry and "
              "use IfNotPresent (for a local single-node cluster, run kml-lint with --platform kind or minikube)",
              at="value")
