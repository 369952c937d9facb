"""Accelerator devices: environment overrides, resource names, and device types mixed in one container."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from . import PLATFORM_LIST, Hit, check
from ._common import PATTERNS, is_templated, mapping, matches

# -- KML203: NVIDIA_VISIBLE_DEVICES ------------------------------------------------------------------

_VISIBLE_PARAMS = {
    "properties": {
        "variables": {**PATTERNS, "minItems": 1, "description": "variables that select the devices a container sees"},
        "harmless_values": {**PATTERNS, "description": "values that hide every device (case-insensitive)"},
        "infra_images": {**PATTERNS, "description": "images of device plugins, drivers and exporters (exempt)"},
        "infra_namespaces": {**PATTERNS, "description": "namespaces of GPU infrastructure (exempt)"},
        "exempt_kinds": {**PATTERNS, "description": "kinds that are node agents (group/Kind)"},
        "quiet_platforms": {**PLATFORM_LIST, "description": "platforms whose GPU nodes ignore the variable (their "
                            "device plugin mounts devices without the NVIDIA container runtime)"},
    },
    "required": ["variables"],
}


@check("devices.visible_devices_env", target="container", params=_VISIBLE_PARAMS)
def visible_devices_env(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    env = container.data.get("env")
    if not isinstance(env, list) or (ctx.platform and ctx.platform in params.get("quiet_platforms", [])):
        return
    owner = view.owner or view.obj
    if matches(owner.group_kind, params.get("exempt_kinds", [])):
        return
    namespace = owner.metadata.get("namespace")
    if isinstance(namespace, str) and matches(namespace, params.get("infra_namespaces", [])):
        return
    image = container.data.get("image")
    if isinstance(image, str) and matches(image, params.get("infra_images", [])):
        return
    if mapping(container.data, "securityContext").get("privileged") is True:
        return  # a privileged container sees every device anyway: a security rule's concern, not this one's
    harmless = {value.lower() for value in params.get("harmless_values", [])}
    for index, entry in enumerate(env):
        if not isinstance(entry, dict) or entry.get("name") not in params["variables"]:
            continue
        value = entry.get("value")
        if value is None or isinstance(value, (dict, list, bool)):
            continue
        text = str(value).strip()
        if not text or text.lower() in harmless or is_templated(text):
            continue
        yield Hit(container.ptr("env", index, "value"),
                  f"env {entry['name']}={text} makes the NVIDIA container runtime expose "
                  f"{'every GPU of the node' if text.lower() == 'all' else 'GPUs ' + text} to this container, whatever "
                  "the scheduler allocated: it can use (and crash) other pods' GPUs; remove it and request GPUs in "
                  "resources.limits (set it to `none` for a pod that must see no GPU)", at="value",
                  short=f"env {entry['name']}={text} exposes GPUs the scheduler did not allocate")


# -- KML204: unknown or misspelled accelerator resource names ---------------------------------------------

_VENDOR = {
    "type": "object", "additionalProperties": False, "required": ["domain", "names"],
    "properties": {
        "domain": {"type": "string"},
        "names": {**PATTERNS, "description": "valid resource names of the domain, without it (`*` matches any text)"},
        "typo_targets": {**PATTERNS, "description": "names a misspelling is compared with (default: `names` "
                                                    "without wildcards)"},
    },
}

_NAME_PARAMS = {
    "properties": {
        "vendors": {"type": "array", "items": _VENDOR, "minItems": 1},
        "bare_names": {**PATTERNS, "description": "names without a domain that someone meant as an accelerator"},
        "retired": {"type": "array", "description": "names that no longer exist, with what replaced them",
                    "items": {"type": "object", "additionalProperties": False, "required": ["pattern", "use"],
                              "properties": {"pattern": {"type": "string"}, "use": {"type": "string"}}}},
        "mig_pattern": {"type": "string", "description": "regular expression a nvidia.com/mig-* name must match"},
        "extra_resources": {**PATTERNS, "description": "site-specific names that are fine (your device plugins)"},
    },
    "required": ["vendors"],
}


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, stopping early beyond ``limit`` (names are short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def unknown_name(name: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """Why ``name`` is a wrong accelerator resource name and what to use instead, or ``None`` when it is fine
    or not ours to judge (other vendors' device plugins)."""
    if matches(name, params.get("extra_resources", [])):
        return None
    for retired in params.get("retired", []):
        if matches(name, [retired["pattern"]]):
            return "is a retired resource name", retired["use"]
    domain, slash, short = name.rpartition("/")
    if not slash:
        if name.lower() in {n.lower() for n in params.get("bare_names", [])}:
            return ("has no vendor domain, so no device plugin advertises it",
                    "the device plugin's name (nvidia.com/gpu, amd.com/gpu, google.com/tpu...)")
        return None
    vendors = params["vendors"]
    for vendor in vendors:
        if domain != vendor["domain"]:
            continue
        if matches(short, vendor["names"]):
            if short.startswith("mig-") and params.get("mig_pattern") and domain == "nvidia.com" and \
                    not re.fullmatch(params["mig_pattern"], short):
                return ("is not a MIG profile name",
                        "nvidia.com/mig-<slices>g.<memory>gb as the device plugin lists it (nvidia.com/mig-1g.10gb)")
            return None
        target = _typo_target(short, vendor)
        if target is not None:
            return f"is not a resource the {domain} device plugin advertises", f"{domain}/{target}"
        return None
    # A vendor's name under a misspelled or shortened domain: nvidia/gpu, nvida.com/gpu, amd.io/gpu.
    for vendor in vendors:
        label = vendor["domain"].split(".", 1)[0]
        if domain != label and _distance(domain, vendor["domain"]) > 2:
            continue
        target = short if matches(short, vendor["names"]) else _typo_target(short, vendor)
        if target is not None:
            return f"has the domain {domain!r} where the device plugin uses {vendor['domain']}", \
                f"{vendor['domain']}/{target}"
    return None


def _typo_target(short: str, vendor: dict[str, Any]) -> str | None:
    targets = vendor.get("typo_targets") or [n for n in vendor["names"] if "*" not in n]
    for target in targets:
        if short.lower() == target.lower() or short.rstrip("s") == target or short.lower().rstrip("s") == target:
            return target
    for target in targets:
        if len(target) >= 3 and _distance(short, target, 1) <= 1:
            return target
    return None


@check("devices.unknown_resource", target="container", params=_NAME_PARAMS)
def unknown_resource(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    for section in ("limits", "requests"):
        for name in container.mapping("resources", section):
            if not isinstance(name, str):
                continue
            wrong = unknown_name(name, params)
            if wrong:
                why, use = wrong
                yield Hit(container.ptr("resources", section, name),
                          f"resources.{section} names {name}, which {why}: no node offers it, so the pod stays "
                          f"Pending forever (\"Insufficient {name}\"); use {use}")


# -- KML205: different GPU device types in one container -------------------------------------------------

_MIX_PARAMS = {
    "properties": {
        "families": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "additionalProperties": False, "required": ["name", "resources"],
                      "properties": {"name": {"type": "string"}, "resources": PATTERNS}},
            "description": "device families whose members cannot be combined in one container",
        },
    },
    "required": ["families"],
}


@check("devices.mixed_types", target="container", params=_MIX_PARAMS)
def mixed_types(ctx: Any, view: Any, container: Any, params: dict[str, Any]) -> Iterator[Hit]:
    requested: dict[str, str] = {}  # name -> section where first seen
    for section in ("limits", "requests"):
        for name, value in container.mapping("resources", section).items():
            if isinstance(name, str) and name not in requested and value not in (0, "0", None, ""):
                requested[name] = section
    for family in params["families"]:
        members = [name for name in requested if matches(name, family["resources"])]
        if len(members) > 1:
            second = members[1]
            yield Hit(container.ptr("resources", requested[second], second),
                      f"requests {' and '.join(members)} together: with the {family['name']} device plugin's mixed "
                      "strategy a container gets one device type (the others are allocated and billed but not "
                      "visible), and no node may offer both; request a single type per container (split the work "
                      "into containers or pods)")
