"""libyaml's event stream, with events built in C instead of by ruamel's Python event classes.

Why: ruamel.yaml.clib's parser builds each event by calling the event class it finds in its own module.
ruamel's classes run three nested Python ``__init__`` methods per event; measured on the shared corpus, that
is close to half the cost of the event stream itself. ``BaseException`` is the one built-in class whose C
constructor accepts any positional arguments and keeps them (in ``args``): subclasses of it make events
without running a line of Python. The swap lasts for one ``EventStream`` only, so no other user of the C
parser in the process (ruamel's own C-backed loaders) sees these classes afterwards. While it lasts, it is
process-wide: kml-lint parses in one thread per process, and a program that embeds it and also runs
ruamel's C loader in another thread at the same moment should parse under a lock.

Each event's ``args`` follow the C parser's calls:

- ``Scalar``: (anchor, tag, implicit, value, start_mark, end_mark, style)
- ``MappingStart`` / ``SequenceStart``: (anchor, tag, implicit, start_mark, end_mark, flow_style)
- ``Alias``: (anchor, start_mark, end_mark)
- ``DocumentStart``: (start_mark, end_mark, explicit, version, tags)
- ``StreamStart``: (start_mark, end_mark, encoding); ``DocumentEnd``: (start_mark, end_mark, explicit);
  the other ends: (start_mark, end_mark)

If a future ruamel.yaml.clib builds events differently, a self-check notices it once and the stream adapts
ruamel's own events into the same shapes instead (slower, same results).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

try:  # ruamel.yaml.clib's C parser; the module name changed between releases
    import _ruamel_yaml as _clib
except ModuleNotFoundError:  # pragma: no cover - depends on the installed clib
    import _ruamel_yaml_clibz as _clib  # type: ignore[no-redef]

CParser = _clib.CParser


class Event(BaseException):
    """A parse event; its fields are ``args`` (see the module's docstring). Never raised."""

    __slots__ = ()


class StreamStart(Event):
    __slots__ = ()


class StreamEnd(Event):
    __slots__ = ()


class DocumentStart(Event):
    __slots__ = ()


class DocumentEnd(Event):
    __slots__ = ()


class MappingStart(Event):
    __slots__ = ()


class MappingEnd(Event):
    __slots__ = ()


class SequenceStart(Event):
    __slots__ = ()


class SequenceEnd(Event):
    __slots__ = ()


class Scalar(Event):
    __slots__ = ()


class Alias(Event):
    __slots__ = ()


# ruamel's class name in the C module -> ours, and how to rebuild ours from one of ruamel's events.
_OURS: dict[str, tuple[type[Event], Callable[[Any], Event]]] = {
    "StreamStartEvent": (StreamStart, lambda e: StreamStart(e.start_mark, e.end_mark, e.encoding)),
    "StreamEndEvent": (StreamEnd, lambda e: StreamEnd(e.start_mark, e.end_mark)),
    "DocumentStartEvent": (DocumentStart,
                           lambda e: DocumentStart(e.start_mark, e.end_mark, e.explicit, e.version, e.tags)),
    "DocumentEndEvent": (DocumentEnd, lambda e: DocumentEnd(e.start_mark, e.end_mark, e.explicit)),
    "MappingStartEvent": (MappingStart, lambda e: MappingStart(e.anchor, e.tag, e.implicit, e.start_mark,
                                                               e.end_mark, e.flow_style)),
    "MappingEndEvent": (MappingEnd, lambda e: MappingEnd(e.start_mark, e.end_mark)),
    "SequenceStartEvent": (SequenceStart, lambda e: SequenceStart(e.anchor, e.tag, e.implicit, e.start_mark,
                                                                  e.end_mark, e.flow_style)),
    "SequenceEndEvent": (SequenceEnd, lambda e: SequenceEnd(e.start_mark, e.end_mark)),
    "ScalarEvent": (Scalar, lambda e: Scalar(e.anchor, e.tag, e.implicit, e.value, e.start_mark, e.end_mark,
                                             e.style)),
    "AliasEvent": (Alias, lambda e: Alias(e.anchor, e.start_mark, e.end_mark)),
}

# What a known document must produce: (class, number of args) per event.
_PROBE = "a: &x v\nb: *x\nc: [1]\n"
_PROBE_EVENTS = [(StreamStart, 3), (DocumentStart, 5), (MappingStart, 6), (Scalar, 7), (Scalar, 7), (Scalar, 7),
                 (Alias, 3), (Scalar, 7), (SequenceStart, 6), (Scalar, 7), (SequenceEnd, 2), (MappingEnd, 2),
                 (DocumentEnd, 3), (StreamEnd, 2)]


class EventStream:
    """The events of one text: ``with EventStream(text) as get_event: ...``.

    ``get_event()`` returns the next ``Event``; parse errors are raised as ruamel's ``YAMLError`` subclasses.
    """

    fast: bool | None = None  # whether the C parser builds our events (checked once per process)

    def __init__(self, text: str, module: ModuleType = _clib) -> None:
        self._text = text
        self._module = module
        self._saved: dict[str, Any] = {}
        self._parser: Any = None

    def __enter__(self) -> Callable[[], Event]:
        if EventStream.fast is None:
            EventStream.fast = _self_check(self._module)
        if EventStream.fast:
            self._swap_in()
        try:
            self._parser = self._module.CParser(self._text)
        except BaseException:
            self._swap_out()
            raise
        if EventStream.fast:
            return self._parser.get_event
        get_event = self._parser.get_event
        return lambda: _adapt(get_event())

    def __exit__(self, *exc: object) -> None:
        try:
            self._parser.dispose()
        finally:
            self._swap_out()

    def _swap_in(self) -> None:
        module = self._module
        for name, (ours, _) in _OURS.items():
            self._saved[name] = getattr(module, name)
            setattr(module, name, ours)

    def _swap_out(self) -> None:
        for name, theirs in self._saved.items():
            setattr(self._module, name, theirs)
        self._saved.clear()


def _adapt(event: Any) -> Event:
    return _OURS[type(event).__name__][1](event)


def _self_check(module: ModuleType) -> bool:
    """Whether the C parser, given our classes, builds events with the argument layout the fold reads."""
    if not all(hasattr(module, name) for name in _OURS):
        return False
    saved = {name: getattr(module, name) for name in _OURS}
    try:
        for name, (ours, _) in _OURS.items():
            setattr(module, name, ours)
        parser = module.CParser(_PROBE)
        try:
            seen, values = [], []
            for _ in range(len(_PROBE_EVENTS)):
                event = parser.get_event()
                seen.append((type(event), len(event.args) if isinstance(event, Event) else -1))
                if type(event) is Scalar:
                    values.append(event.args[3])
                    if event.args[0]:
                        values.append(event.args[0])
                elif type(event) is Alias:
                    values.append(event.args[0])
        finally:
            parser.dispose()
        return seen == _PROBE_EVENTS and values == ["a", "v", "x", "b", "x", "c", "1"]
    except Exception:  # any surprise: use ruamel's events, adapted
        return False
    finally:
        for name, theirs in saved.items():
            setattr(module, name, theirs)
