"""Cleanup after batch work finishes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..objects import K8sObject
from ..quantity import parse_quantity
from . import Hit, check

_PARAMS = {
    "properties": {
        "hook_annotations": {
            "type": "array", "items": {"type": "string"},
            "description": "annotations whose presence means a deploy tool deletes the Job (Helm, Argo CD hooks)",
        },
    },
}


@check("lifecycle.job_ttl", target="object", params=_PARAMS)
def job_ttl(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    """A top-level Job without ttlSecondsAfterFinished (templates inside other objects are never objects)."""
    annotations = obj.annotations
    if any(key in annotations for key in params.get("hook_annotations", [])):
        return
    spec = obj.data.get("spec")
    if isinstance(spec, dict) and spec.get("ttlSecondsAfterFinished") is not None:
        return
    yield Hit(obj.ptr("/spec"),
              "no spec.ttlSecondsAfterFinished, so the finished Job and its pods stay in the cluster until "
              "someone deletes them: set it, for example to 86400 to keep them (and their logs) for one day")


@check("lifecycle.cronjob_starting_deadline", target="object", params={"properties": {}})
def cronjob_starting_deadline(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    spec = obj.data.get("spec")
    if isinstance(spec, dict) and spec.get("startingDeadlineSeconds") is not None:
        return
    yield Hit(obj.ptr("/spec"),
              "no spec.startingDeadlineSeconds, so a run that could not start on time (controller down, cluster "
              "full, CronJob suspended) starts whenever the controller catches up, even hours late, and after "
              "more than 100 missed schedules the CronJob stops scheduling altogether; set it, for example to 3600 "
              "to skip a run that cannot start within the hour")


_CONCURRENCY_PARAMS = {
    "properties": {
        "accelerators": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                         "description": "accelerator resource names (`*` matches any text)"},
        "exclude": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["accelerators"],
}


def requests_accelerator(view: Any, patterns: list[str], exclude: list[str]) -> str | None:
    """The first accelerator resource a container of ``view`` asks for with a count above zero."""
    from fnmatch import fnmatchcase

    for container in view.containers:
        for section in ("limits", "requests"):
            for name, value in container.mapping("resources", section).items():
                if any(fnmatchcase(name, p) for p in patterns) and not any(fnmatchcase(name, p) for p in exclude):
                    quantity = parse_quantity(value)
                    if quantity is not None and quantity > 0:
                        return name
    return None


_MACROS = {"@yearly": 365 * 86400, "@annually": 365 * 86400, "@monthly": 28 * 86400, "@weekly": 7 * 86400,
           "@daily": 86400, "@midnight": 86400, "@hourly": 3600}


def _single(field: str, low: int, high: int) -> bool:
    return field.isascii() and field.isdigit() and len(field) <= 6 and low <= int(field) <= high


def _step(field: str) -> int | None:
    """``*/N`` -> N."""
    step = field[2:]
    if field.startswith("*/") and step.isascii() and step.isdigit() and len(step) <= 6 and int(step) > 0:
        return int(field[2:])
    return None


def schedule_interval(schedule: Any) -> int | None:
    """The shortest time between two runs of a cron ``schedule``, in seconds, for the common shapes (``@daily``,
    ``M H * * *``, ``M * * * *``, ``*/N * * * *``, ``M */N * * *``, ``M H * * D``); ``None`` when unsure."""
    if not isinstance(schedule, str):
        return None
    text = schedule.strip()
    if text.startswith("CRON_TZ=") or text.startswith("TZ="):
        text = text.partition(" ")[2].strip()
    if text in _MACROS:
        return _MACROS[text]
    fields = text.split()
    if len(fields) != 5:
        return None
    minute, hour, day, month, weekday = fields
    if day != "*" or month != "*":
        return None
    if weekday != "*":
        return 7 * 86400 if _single(minute, 0, 59) and _single(hour, 0, 23) and _single(weekday, 0, 7) else None
    if _single(minute, 0, 59) and _single(hour, 0, 23):
        return 86400
    if _single(minute, 0, 59) and hour == "*":
        return 3600
    if _single(minute, 0, 59) and (step := _step(hour)) and 24 % step == 0:
        return step * 3600
    if (step := _step(minute)) and hour == "*" and 60 % step == 0:
        return step * 60
    return None


@check("lifecycle.cronjob_concurrent_accelerators", target="object", params=_CONCURRENCY_PARAMS)
def cronjob_concurrent_accelerators(ctx: Any, obj: K8sObject, params: dict[str, Any]) -> Iterator[Hit]:
    spec = obj.data.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    policy = spec.get("concurrencyPolicy")
    if policy not in (None, "Allow"):
        return
    job_spec = spec.get("jobTemplate", {}).get("spec") if isinstance(spec.get("jobTemplate"), dict) else None
    deadline = job_spec.get("activeDeadlineSeconds") if isinstance(job_spec, dict) else None
    interval = schedule_interval(spec.get("schedule"))
    if isinstance(deadline, int) and not isinstance(deadline, bool) and interval and 0 < deadline <= interval:
        return  # each run is stopped before the next one starts: they cannot overlap
    resource = next((found for view in ctx.views(obj)
                     if (found := requests_accelerator(view, params["accelerators"], params.get("exclude", [])))),
                    None)
    if resource is None:
        return
    state = "concurrencyPolicy: Allow" if policy == "Allow" else "no concurrencyPolicy (the default is Allow)"
    yield Hit(obj.ptr("/spec/concurrencyPolicy"),
              f"its pods request {resource} and it has {state}, so when a run takes longer than the schedule "
              "interval the next one starts beside it: two runs hold twice the accelerators, compete for the same "
              "data and outputs, and can keep newer runs Pending; set concurrencyPolicy: Forbid (or Replace)")
