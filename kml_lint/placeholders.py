"""Placeholders: values a template tool or a person was meant to fill, recognised here and nowhere else.

``$HF_TOKEN``, ``${IMAGE_TAG}``, ``<your-token>``, ``YOUR_REGISTRY/...``, ``REPLACE_ME``, ``{{ .Values.x }}``.
Two questions, one answer each:

- ``find(value, field)``: is this value, in this kind of field, a placeholder nobody filled (KML009)? Kubernetes
  itself expands ``$(VAR)`` in command, args, env values and ``subPathExpr``, so there it is a reference, not a
  placeholder; a shell in the container may expand ``$VAR`` in command and args, so that is left alone there.
- ``unknown(value)``: does the value stand for something not written here? Every other rule treats such a value
  as unknown (not a leaked credential, not an untagged image), whatever the field.

An operator's own parameter syntax inside its objects (Argo ``{{inputs.parameters.x}}``, Katib
``${trialParameters.x}``, Tekton ``$(params.x)``) is never a placeholder: ``operator_syntax`` names it per API
group.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Field kinds: what Kubernetes does with the text decides what a placeholder means there.
ENV, COMMAND, IMAGE, SUBPATH_EXPR, NAME, LABEL, OTHER = ("env", "command", "image", "subPathExpr", "name", "label",
                                                         "other")


class Placeholder(NamedTuple):
    text: str  # the placeholder as written
    syntax: str  # "$VAR", "${VAR}", "$(VAR)", "<name>", "YOUR_...", "REPLACE_ME", "{{ }}"


_SYNTAXES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("{{ }}", re.compile(r"\{\{[^{}]*\}\}")),  # no braces inside: linear on a run of unclosed "{{"
    ("${VAR}", re.compile(r"\$\{[A-Za-z_][^{}\s]*\}")),
    ("$(VAR)", re.compile(r"\$\([A-Za-z_][A-Za-z0-9_.\-\[\]'\"]*\)")),
    # $VAR: an upper-case name, so that a password such as "pa$sw0rd" or a shell's $1 is not one.
    ("$VAR", re.compile(r"(?<![A-Za-z0-9$\\])\$[A-Z_][A-Z0-9_]+(?![A-Za-z0-9_({])")),
    ("<name>", re.compile(r"<[A-Za-z][A-Za-z0-9_.:/ -]{0,60}>")),
    ("YOUR_...", re.compile(r"(?<![A-Za-z0-9])(?:YOUR|your|Your)[_-]?(?:[A-Z0-9][A-Za-z0-9_-]*|[a-z][a-z0-9_-]*)")),
    ("REPLACE_ME", re.compile(r"(?<![A-Za-z0-9])(?:REPLACE[_-]?ME|CHANGE[_-]?ME|FILL[_-]?ME[_-]?IN|"
                              r"replace[_-]?me|changeme|change[_-]me|PLACEHOLDER|"
                              r"INSERT[_-][A-Z0-9_]+|REPLACE[_-]WITH[A-Z0-9_-]*)(?![a-z0-9])")),
)
_PREFILTER = re.compile(r"\{\{|\$|<|YOUR|[Yy]our|REPLACE|replace|CHANGE|change|FILL|PLACEHOLDER|INSERT")

# Special tokens of model chat templates and tokenizers, written in angle brackets in prompts and arguments.
_MODEL_TOKENS = re.compile(r"<(?:start_of_turn|end_of_turn|s|/s|eos|bos|pad|unk|mask|cls|sep|im_start|im_end|"
                           r"eot_id|start_header_id|end_header_id|begin_of_text|end_of_text|think|/think|"
                           r"endoftext)>", re.IGNORECASE)

# Any shell variable, lower-case too (``$image``): unknown to other rules, though too loose to report.
_ANY_SHELL_VARIABLE = re.compile(r"(?<![A-Za-z0-9\\])\$[A-Za-z_]")

# Masked or format strings that stand for a secret without being one (a whole value only).
_STAND_INS = re.compile(r"\*+|%[sv]|")

# Each tool's substitution: the syntaxes it fills before the manifests are applied (setting ``substitution``).
SUBSTITUTIONS: dict[str, frozenset[str]] = {
    "flux": frozenset({"${VAR}"}),  # Flux Kustomization postBuild.substitute (also ${VAR:=default})
    "envsubst": frozenset({"${VAR}", "$VAR"}),
    "helm": frozenset({"{{ }}"}),
    "angle-brackets": frozenset({"<name>"}),
    "kustomize-vars": frozenset({"$(VAR)"}),  # kustomize's (deprecated) vars: $(VAR) in any field it configures
}

# An operator's parameter syntax inside its own objects (API group -> patterns that are not placeholders).
_OPERATOR_SYNTAX: dict[str, re.Pattern[str]] = {
    "argoproj.io": re.compile(r"\{\{\s*[=A-Za-z][^{}]*\}\}"),  # {{inputs.parameters.x}}, {{workflow.name}}, {{=expr}}
    "kubeflow.org": re.compile(r"\$\{trialParameters\.[^{}]+\}|\$\{trialSpec\.[^{}]+\}"),  # Katib trial templates
    "tekton.dev": re.compile(r"\$\((?:params|context|workspaces|results|tasks|steps|inputs|outputs)[.\[][^()]*\)"),
    "triggers.tekton.dev": re.compile(r"\$\((?:tt|body|header|extensions|params)[.\[][^()]*\)"),
}


def operator_syntax(api_version: str | None) -> re.Pattern[str] | None:
    """The parameter syntax of the operator that owns objects of ``api_version`` (its group), if it has one."""
    if not isinstance(api_version, str) or "/" not in api_version:
        return None
    return _OPERATOR_SYNTAX.get(api_version.split("/", 1)[0])


# A literal each syntax needs (checked before its pattern runs: one fast substring search per syntax).
_HINTS = {"{{ }}": ("{{",), "${VAR}": ("${",), "$(VAR)": ("$(",), "$VAR": ("$",), "<name>": ("<",),
          "YOUR_...": ("our", "OUR"), "REPLACE_ME": ("REPLACE", "replace", "CHANGE", "change", "FILL", "PLACEHOLDER",
                                              "INSERT")}


def _candidates(value: str) -> list[Placeholder]:
    found: list[Placeholder] = []
    if "<" in value and _MODEL_TOKENS.search(value):
        value = _MODEL_TOKENS.sub("", value)
    for syntax, pattern in _SYNTAXES:
        if any(hint in value for hint in _HINTS[syntax]):
            found.extend(Placeholder(match.group(), syntax) for match in pattern.finditer(value))
    return found


def find(value: object, field: str = OTHER, operator: re.Pattern[str] | None = None,
         substituted: frozenset[str] = frozenset(), own_name: str | None = None) -> Placeholder | None:
    """The first placeholder nobody will fill in ``value`` written in a field of kind ``field``, or None.

    ``own_name``: the env variable the value is for; a value that repeats it (``HF_TOKEN: HF_TOKEN``) stands
    for it."""
    if not isinstance(value, str):
        return None
    if own_name and names_itself(own_name, value):
        return Placeholder(value.strip(), "NAME")
    if not _PREFILTER.search(value):
        return None
    if operator is not None:
        value = operator.sub("", value)
    for candidate in _candidates(value):
        if candidate.syntax in substituted:
            continue
        if candidate.syntax == "$(VAR)" and field in (ENV, COMMAND, SUBPATH_EXPR):
            continue  # Kubernetes expands it from the container's env
        if candidate.syntax in ("$VAR", "${VAR}") and field == COMMAND:
            continue  # a shell in the container may expand it
        return candidate
    return None


def names_itself(name: str, value: str) -> bool:
    """A value that is its variable's own upper-case name (``HF_TOKEN: "HF_TOKEN"``): a stand-in."""
    text = value.strip()
    return len(text) > 2 and text == name and text.upper() == text and not text.isdigit()


def unknown(value: object) -> bool:
    """Whether ``value`` stands for something not written here: a placeholder of any syntax in any field,
    a $(VAR) reference, a masked stand-in (``****``, ``%s``) or an empty string."""
    if not isinstance(value, str):
        return False
    if _STAND_INS.fullmatch(value.strip()):
        return True
    return bool(_PREFILTER.search(value)) and (bool(_candidates(value))
                                                or _ANY_SHELL_VARIABLE.search(value) is not None)


def consequence(field: str, value: str, placeholder: Placeholder) -> str:
    """What happens when the object is applied with the placeholder as written, in the words of the field."""
    if field == ENV:
        if placeholder.syntax in ("$VAR", "${VAR}"):
            return ("Kubernetes never expands $VAR or ${VAR} in an env value (only $(VAR) naming another variable "
                    "of the container), so the container receives the literal text")
        return "the container receives the literal text"
    if field == IMAGE:
        return "no registry serves that image, so the kubelet cannot pull it and the pod never starts"
    if field in (NAME, LABEL):
        if re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.\-]*[A-Za-z0-9])?", value) is None:
            return "it is not a valid name or label value, so the API server rejects the object"
        return "the object is created with the literal text"
    if field == COMMAND:
        return "the process receives the literal text"
    return "Kubernetes uses the literal text"
