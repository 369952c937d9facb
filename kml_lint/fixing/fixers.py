"""One fixer per rule id. A fixer gets the finding's pointer, its object and an editor over the position index,
and returns the edits of the one fix that is clearly right (or raises ``Refused`` with the reason).

Which fixes are safe or unsafe, why, and the values they write (a TTL, a /dev/shm size) are data in each rule
file's ``fix:``; a fixer reads them from ``request.params``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..objects import resolve_pointer
from ..yamlfold import escape_pointer_token
from .editor import Editor, Refused, scalar_text
from .model import Edit


@dataclass(slots=True)
class Request:
    pointer: str  # the finding's pointer (absolute in the document)
    obj: Any  # objects.K8sObject
    editor: Editor
    params: dict[str, Any]  # the rule file's fix: parameters
    check_params: dict[str, Any]
    ctx: Any  # engine.FileContext (pod templates, schema validation)


@dataclass(slots=True)
class Planned:
    edits: list[Edit]
    description: str
    touched: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)


Fixer = Callable[[Request], Planned]
FIXERS: dict[str, Fixer] = {}


def fixer(rule_id: str) -> Callable[[Fixer], Fixer]:
    def register(fn: Fixer) -> Fixer:
        FIXERS[rule_id] = fn
        return fn
    return register


# -- helpers ------------------------------------------------------------------------------------




def join(pointer: str, *tokens: str) -> str:
    return pointer + "".join("/" + escape_pointer_token(t) for t in tokens)


class Changes:
    """Several writes of one fix: values set under one mapping go into one insertion (never two edits at the
    same place), and insertions that land on the same offset are merged deepest first."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.editor = request.editor
        self.root = request.obj.document.data
        self.edits: list[Edit] = []
        self.touched: list[str] = []

    def set(self, pointer: str, value: Any) -> None:
        """Write ``value`` at ``pointer``: replace a written scalar, or add the key (and missing parents)."""
        node = self.editor.node(pointer)
        if node is not None:
            current = resolve_pointer(self.root, pointer)
            if current == value and type(current) is type(value):
                return
            self.edits.append(self.editor.replace_scalar(pointer, scalar_text(value)))
            self.touched.append(pointer)
            return
        if resolve_pointer(self.root, pointer) is not None:
            raise Refused(f"{pointer} comes from an alias or merge key")
        edit, added = self.editor.add(pointer, value)
        self.edits.append(edit)
        self.touched.append(added)

    def set_many(self, base: str, values: dict[str, Any]) -> None:
        """Set several keys of the mapping at ``base``: written ones replaced, missing ones added together."""
        missing: dict[str, Any] = {}
        for key, value in values.items():
            pointer = join(base, key)
            if self.editor.node(pointer) is not None:
                self.set(pointer, value)
            elif resolve_pointer(self.root, pointer) is not None:
                raise Refused(f"{pointer} comes from an alias or merge key")
            else:
                missing[key] = value
        if not missing:
            return
        if self.editor.node(base) is not None:
            edit = self.editor.insert_key(base, *_first(missing))
            if len(missing) > 1:
                edit = self._extend(base, edit, missing)
            self.edits.append(edit)
            self.touched.extend(join(base, key) for key in missing)
        else:
            edit, added = self.editor.add(base, missing)
            self.edits.append(edit)
            self.touched.append(added)

    def _extend(self, base: str, first: Edit, missing: dict[str, Any]) -> Edit:
        text = first.text
        for key, value in list(missing.items())[1:]:
            more = self.editor.insert_key(base, key, value)
            text += more.text if more.text.startswith((", ", "\n", "\r")) else ", " + more.text
        return Edit(first.start, first.end, text, first.start_line, first.start_col, first.end_line, first.end_col)

    def append(self, pointer: str, value: Any) -> None:
        items = resolve_pointer(self.root, pointer)
        if self.editor.node(pointer) is not None:
            self.edits.append(self.editor.append_item(pointer, value))
            self.touched.append(f"{pointer}/{len(items) if isinstance(items, list) else 0}")
            return
        if items is not None:
            raise Refused(f"{pointer} comes from an alias or merge key")
        edit, added = self.editor.add(pointer, [value])
        self.edits.append(edit)
        self.touched.append(added)

    def planned(self, description: str) -> Planned:
        if not self.edits:
            raise Refused("nothing to change")
        return Planned(merge_insertions(self.edits), description, self.touched)


def _first(values: dict[str, Any]) -> tuple[str, Any]:
    key = next(iter(values))
    return key, values[key]


def merge_insertions(edits: list[Edit]) -> list[Edit]:
    """Insertions of one fix at the same offset become one edit, the most indented block first (it belongs to
    the inner mapping that ends there)."""
    by_start: dict[int, list[Edit]] = {}
    for edit in edits:
        by_start.setdefault(edit.start, []).append(edit)
    out = []
    for start, group in sorted(by_start.items()):
        if len(group) == 1:
            out.append(group[0])
            continue
        if any(e.start != e.end for e in group):
            raise Refused("two changes of the fix touch the same text")
        group.sort(key=lambda e: -_indent(e.text))
        first = group[0]
        out.append(Edit(start, start, "".join(e.text for e in group), first.start_line, first.start_col,
                        first.end_line, first.end_col))
    return out


def _indent(text: str) -> int:
    line = text.lstrip("\r\n").split("\n", 1)[0]
    return len(line) - len(line.lstrip(" "))


def view_of(request: Request, pointer: str | None = None) -> Any:
    """The pod template the finding is about: the one whose spec or containers hold the pointer."""
    pointer = request.pointer if pointer is None else pointer
    best = None
    for view in request.ctx.views(request.obj):
        for candidate in (view.spec_pointer, view.pointer, *(c.pointer for c in view.containers)):
            if pointer == candidate or pointer.startswith(candidate + "/"):
                if best is None or len(view.spec_pointer) > len(best.spec_pointer):
                    best = view
    if best is None:
        raise Refused("no pod template holds the finding")
    return best


def container_of(request: Request) -> Any:
    view = view_of(request)
    found = None
    for container in view.containers:
        if request.pointer == container.pointer or request.pointer.startswith(container.pointer + "/"):
            found = container
    if found is None or found.block or found.origins:
        raise Refused("the finding is not about one written container")
    return found


# -- schema fixes -------------------------------------------------------------------------------

_CANONICAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?|true|false")


def _schema_node(request: Request) -> Any:
    from ..checks.schema import validation
    from ..validation.compiler import _step

    entry = validation(request.ctx, request.obj).entry
    if entry is None:
        raise Refused("no schema")
    compiled = entry.compiled
    node = compiled._resolve(compiled.schema)
    relative = request.pointer[len(request.obj.base):]
    for token in (relative[1:].split("/") if relative else []):
        node = compiled._resolve(_step(node, token.replace("~1", "/").replace("~0", "~"), compiled._resolve))
        if node is None:
            raise Refused("no schema for the field")
    return node


def _types(node: Any) -> set[str]:
    types = node.get("type") if isinstance(node, dict) else None
    return {types} if isinstance(types, str) else set(types or ())


@fixer("KML003")
def quote_or_unquote(request: Request) -> Planned:
    value = resolve_pointer(request.obj.document.data, request.pointer)
    scalar = request.editor.node(request.pointer)
    if scalar is None or scalar.kind != "scalar":
        raise Refused("not a written scalar")
    types = _types(_schema_node(request))
    if isinstance(value, bool | int | float) and types == {"string"} and scalar.style == "":
        edit = request.editor.replace_scalar(request.pointer, '"' + scalar.value.replace('"', '\\"') + '"')
        return Planned([edit], f'quote {scalar.value} so that YAML reads it as the text "{scalar.value}"',
                       [request.pointer])
    if isinstance(value, str) and scalar.style in ("'", '"') and "string" not in types and \
            _CANONICAL.fullmatch(value):
        wanted = {"integer": int, "number": (int, float), "boolean": bool}
        from ..yamlfold import resolve_plain

        typed = resolve_plain(value)
        if any(isinstance(typed, wanted[t]) and not (t != "boolean" and isinstance(typed, bool))
               for t in types if t in wanted):
            edit = request.editor.replace_scalar(request.pointer, value)
            return Planned([edit], f"remove the quotes around {value}", [request.pointer])
    raise Refused("not a quoting problem")


@fixer("KML004")
def rename_misspelt(request: Request) -> Planned:
    from ..validation.compiler import _did_you_mean, _properties

    parent_pointer, _, raw = request.pointer.rpartition("/")
    key = raw.replace("~1", "/").replace("~0", "~")
    parent = resolve_pointer(request.obj.document.data, parent_pointer)
    if not isinstance(parent, dict):
        raise Refused("not a mapping field")
    sub = Request(parent_pointer, request.obj, request.editor, request.params, request.check_params, request.ctx)
    compiled = _schema_compiled(request)
    known = list(_properties(_schema_node(sub), compiled._resolve))
    guess = _did_you_mean(key, known) if known else None
    if guess is None or guess == key:
        raise Refused("no single suggestion")
    if guess in parent:
        raise Refused(f"{guess} exists already")
    edit = request.editor.rename_key(request.pointer, guess)
    new = join(parent_pointer, guess)
    return Planned([edit], f"rename {key} to {guess}", [request.pointer, new], [(request.pointer, new)])


def _schema_compiled(request: Request) -> Any:
    from ..checks.schema import validation

    entry = validation(request.ctx, request.obj).entry
    if entry is None:
        raise Refused("no schema")
    return entry.compiled


# -- resources and accelerators ------------------------------------------------------------------


@fixer("KML202")
def accelerator_limit(request: Request) -> Planned:
    container = container_of(request)
    resources = container.mapping("resources")
    requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else {}
    limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else {}
    name = request.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    if not request.pointer.endswith("/requests/" + escape_pointer_token(name)) or name in limits:
        raise Refused("not a request without a limit")
    value = requests.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Refused("not a count")
    changes = Changes(request)
    changes.set(join(container.pointer, "resources", "limits", name), value)
    return changes.planned(f"set resources.limits.{name} to the request ({value})")


@fixer("KML201")
def gpu_toleration(request: Request) -> Planned:
    from ..checks.accelerators import _first_request

    view = view_of(request)
    for vendor in request.check_params.get("vendors", []):
        found = _first_request(view, vendor)
        if found is None:
            continue
        key = vendor["taint_keys"][0].replace("{resource}", found[1])
        changes = Changes(request)
        changes.append(view.spec_ptr("tolerations"), {"key": key, "operator": "Exists", "effect": "NoSchedule"})
        return changes.planned(f"tolerate the {key} taint (operator Exists, effect NoSchedule)")
    raise Refused("no accelerator request")


# -- lifecycle ------------------------------------------------------------------------------------


@fixer("KML501")
def job_ttl(request: Request) -> Planned:
    changes = Changes(request)
    ttl = request.params["ttl"]
    changes.set(request.obj.ptr("/spec/ttlSecondsAfterFinished"), ttl)
    return changes.planned(f"set spec.ttlSecondsAfterFinished: {ttl}")


@fixer("KML502")
def kubeflow_ttl(request: Request) -> Planned:
    changes = Changes(request)
    ttl = request.params["ttl"]
    changes.set(request.obj.ptr("/spec/runPolicy/ttlSecondsAfterFinished"), ttl)
    return changes.planned(f"set spec.runPolicy.ttlSecondsAfterFinished: {ttl}")


@fixer("KML503")
def clean_pod_policy(request: Request) -> Planned:
    policy = request.params["policy"]
    changes = Changes(request)
    if resolve_pointer(request.obj.document.data, request.pointer) == "None":
        changes.set(request.pointer, policy)
    elif request.pointer in (request.obj.ptr("/spec"), request.obj.ptr("/spec/runPolicy")):
        changes.set(request.obj.ptr("/spec/runPolicy/cleanPodPolicy"), policy)
    else:
        raise Refused("the policy is misplaced, not None")
    return changes.planned(f"set cleanPodPolicy: {policy}")


@fixer("KML504")
def rayjob_shutdown(request: Request) -> Planned:
    base = request.check_params["job_specs"].get(request.obj.group_kind)
    if base is None:
        raise Refused("not a RayJob")
    changes = Changes(request)
    changes.set(request.obj.ptr(f"{base}/shutdownAfterJobFinishes"), True)
    return changes.planned("set shutdownAfterJobFinishes: true")


@fixer("KML505")
def batch_ttl(request: Request) -> Planned:
    field_pointer = request.check_params["ttl_fields"].get(request.obj.group_kind)
    if field_pointer is None:
        raise Refused("no TTL field for this kind")
    ttl = request.params["ttl"]
    changes = Changes(request)
    changes.set(request.obj.ptr(field_pointer), ttl)
    return changes.planned(f"set {field_pointer[1:].replace('/', '.')}: {ttl}")


@fixer("KML531")
def cronjob_forbid(request: Request) -> Planned:
    changes = Changes(request)
    changes.set(request.obj.ptr("/spec/concurrencyPolicy"), "Forbid")
    return changes.planned("set concurrencyPolicy: Forbid")


# -- ML operators and serving ----------------------------------------------------------------------


@fixer("KML601")
def dev_shm(request: Request) -> Planned:
    view = view_of(request)
    container = container_of(request)
    volumes = view.spec.get("volumes")
    names = {v.get("name") for v in volumes if isinstance(v, dict)} if isinstance(volumes, list) else set()
    name = next(n for n in ("dshm", *(f"dshm-{i}" for i in range(1, 100))) if n not in names)
    changes = Changes(request)
    changes.append(join(container.pointer, "volumeMounts"), {"name": name, "mountPath": "/dev/shm"})
    changes.append(view.spec_ptr("volumes"),
                   {"name": name, "emptyDir": {"medium": "Memory", "sizeLimit": request.params["size_limit"]}})
    return changes.planned(f"mount a memory-backed emptyDir (sizeLimit {request.params['size_limit']}) at /dev/shm")


@fixer("KML701")
def startup_probe(request: Request) -> Planned:
    container = container_of(request)
    liveness = container.data.get("livenessProbe")
    if not isinstance(liveness, dict):
        raise Refused("no liveness probe")
    handlers = [key for key in ("httpGet", "tcpSocket", "grpc", "exec") if key in liveness]
    if len(handlers) != 1:
        raise Refused("the liveness probe has no single handler")
    probe = {handlers[0]: liveness[handlers[0]], "periodSeconds": request.params["period_seconds"],
             "failureThreshold": request.params["failure_threshold"]}
    changes = Changes(request)
    changes.set(join(container.pointer, "startupProbe"), probe)
    budget = request.params["period_seconds"] * request.params["failure_threshold"]
    return changes.planned(f"add a startupProbe with the liveness probe's {handlers[0]} that allows {budget} s")


@fixer("KML702")
def rollout_no_surge(request: Request) -> Planned:
    if not request.pointer.endswith("/rollingUpdate"):
        raise Refused("not a rolling update")
    changes = Changes(request)
    changes.set_many(request.pointer, {"maxSurge": 0, "maxUnavailable": 1})
    return changes.planned("set maxSurge: 0 and maxUnavailable: 1")


# -- security ---------------------------------------------------------------------------------------


@fixer("KML802")
def no_privilege_escalation(request: Request) -> Planned:
    # The check points at the field where it belongs, in a container or in a container-shaped block of a custom
    # resource (an Argo template's container, a Spark driver): that is where the fix writes it.
    if not request.pointer.endswith("/securityContext/allowPrivilegeEscalation"):
        raise Refused("the finding is not about one container's securityContext")
    changes = Changes(request)
    changes.set(request.pointer, False)
    return changes.planned("set securityContext.allowPrivilegeEscalation: false")


@fixer("KML807")
def seccomp_runtime_default(request: Request) -> Planned:
    changes = Changes(request)
    if request.pointer.endswith("/seccompProfile/type"):
        changes.set(request.pointer, "RuntimeDefault")
    elif request.pointer.endswith("/seccompProfile"):
        changes.set(join(request.pointer, "type"), "RuntimeDefault")
    else:
        raise Refused("not a seccomp profile")
    return changes.planned("set seccompProfile.type: RuntimeDefault")


@fixer("KML302")
def pull_if_not_present(request: Request) -> Planned:
    if not request.pointer.endswith("/imagePullPolicy"):
        raise Refused("not an imagePullPolicy")
    changes = Changes(request)
    changes.set(request.pointer, "IfNotPresent")
    return changes.planned("set imagePullPolicy: IfNotPresent (a digest never changes)")


@fixer("KML806")
def drop_net_raw(request: Request) -> Planned:
    if not request.pointer.endswith("/securityContext/capabilities/drop"):
        raise Refused("the finding is not about one container's capabilities")
    missing = [cap for cap in request.check_params.get("must_drop", []) if isinstance(cap, str)]
    drop = resolve_pointer(request.obj.document.data, request.pointer)
    have = {c for c in drop if isinstance(c, str)} if isinstance(drop, list) else set()
    missing = [cap for cap in missing if cap not in have]
    if len(missing) != 1 or (drop is not None and not isinstance(drop, list)):
        raise Refused("not one capability to drop")
    changes = Changes(request)
    changes.append(request.pointer, missing[0])
    return changes.planned(f"add {missing[0]} to securityContext.capabilities.drop")
