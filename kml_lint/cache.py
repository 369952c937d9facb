"""``--cache``: per-file results keyed by content, rule set, settings and kml-lint version.

A second run over an unchanged monorepo re-lints nothing. A cache is trusted only as far as it can be:

- it lives outside the checkout, in the user's cache folder (``user_cache_dir``), unless ``--cache-dir`` says
  otherwise: a pull request cannot bring its own cache;
- every entry carries an HMAC-SHA256 of its name and content under a random key created on first use and kept
  only in the cache folder (mode 0600): an entry nobody with the key wrote is a miss, whatever it says;
- an entry is JSON decoded against an explicit schema (``_Decoder``): known record types only, field types,
  positive lines and columns, the path of the file looked up, the run's rule ids, bounded size and depth.
  Nothing in an entry can name code to run or a class to rebuild beyond that list; nothing is unpickled;
- the cache folder, its shard folders and its entries are never followed through symbolic links, only regular
  files of bounded size are read, and an entry is written to a new file renamed into place.

Anything wrong with an entry makes it a miss (the file is linted again), never an error; a cache that cannot
be used at all is reported once as a warning and the run goes on without it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import stat
import sys
from dataclasses import asdict
from typing import Any

from . import __version__
from .credentials import redact
from .engine import FileResult
from .findings import Finding, ObjectRef, Severity, Suppression
from .safeio import read_bytes

_FORMAT = 6  # 4: findings keep their fingerprint anchor; 5: authenticated, in the user's cache folder; 6: fixes
_MAGIC = b"kml-lint-cache 6 "
KEY_FILE = "key"
_KEY_SIZE = 32
MAX_ENTRY_SIZE = 64 * 1024 * 1024
"""Entries above this are neither written nor read (a file's findings are far smaller)."""
_MAX_DEPTH = 12  # the deepest record nesting a real entry has is 6 (facts -> Budget -> Selector -> labels)
_MAX_NUMBER = 1 << 62

_DIR_FDS = (hasattr(os, "O_DIRECTORY") and os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd
            and os.mkdir in os.supports_dir_fd)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def user_cache_dir() -> str:
    """kml-lint's folder in the user's cache folder: ``$XDG_CACHE_HOME`` (when absolute) or ``~/.cache`` on
    Linux and other Unixes, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(base, "kml-lint", "Cache")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        base = xdg
    elif sys.platform == "darwin":
        base = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kml-lint")


def rules_signature(rules: list[Any], settings: dict[str, Any]) -> str:
    """Everything besides the file that decides its findings: rules (their files' bytes too) and settings."""
    digest = hashlib.sha256(f"kml-lint {__version__} cache {_FORMAT}".encode())
    for rule in rules:
        entry = [rule.id, rule.name, rule.severity.label, rule.params, rule.check.name if rule.check else rule.engine,
                 sorted(rule.kinds) if rule.kinds else None, rule.level_cap, rule.fix]
        digest.update(json.dumps(entry, sort_keys=True, default=str).encode())
        if rule.source and os.path.isfile(rule.source):
            digest.update(read_bytes(rule.source))
    from .paths import package_file

    digest.update(package_file("workloads.yaml").read_bytes())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class CacheUnusable(Exception):
    """The cache folder or its key cannot be trusted or created: the run goes on without a cache."""


class ResultCache:
    """Authenticated entries in ``folder`` (the user's cache folder by default). Opening it creates the folder
    and the key when missing; ``CacheUnusable`` says why a folder cannot be used."""

    def __init__(self, signature: str, rule_ids: set[str] | frozenset[str], folder: str | None = None) -> None:
        self.signature = signature
        self.folder = folder or user_cache_dir()
        self.rule_ids = frozenset(rule_ids)
        self.hits = self.misses = 0
        self._root_fd: int | None = None
        self._open_root()
        self._key = self._load_key()

    # -- the folder and its key ------------------------------------------------------------------------------

    def _open_root(self) -> None:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.folder)), exist_ok=True)
            try:
                os.mkdir(self.folder, 0o700)
                self._mark_new_folder()
            except FileExistsError:
                pass
            info = os.lstat(self.folder)
        except OSError as exc:
            raise CacheUnusable(f"{self.folder}: cannot create the cache folder: {exc.strerror or exc}") from None
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise CacheUnusable(f"{self.folder}: not a folder (a symbolic link is not followed)")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise CacheUnusable(f"{self.folder}: the cache folder belongs to another user")
        if _DIR_FDS:
            try:
                self._root_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
            except OSError as exc:
                raise CacheUnusable(f"{self.folder}: cannot open the cache folder: {exc.strerror or exc}") from None

    def _mark_new_folder(self) -> None:
        """Tell git and backup tools that the folder is a cache (it may be inside a checkout with --cache-dir)."""
        for name, text in ((".gitignore", "# created by kml-lint --cache\n*\n"),
                           ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# kml-lint cache\n")):
            try:
                fd = os.open(os.path.join(self.folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError:
                pass

    def _load_key(self) -> bytes:
        """The folder's key: read it, or create it (only one of several racing runs' keys wins: each writes its
        own private file and links it to the key's name, which fails when the name exists)."""
        path = os.path.join(self.folder, KEY_FILE)
        for _ in range(2):
            with contextlib.suppress(FileNotFoundError):
                return self._read_key(path)
            import secrets
            import tempfile

            try:
                fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".key.")  # mode 0600, O_EXCL
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(secrets.token_bytes(_KEY_SIZE))
                        handle.flush()
                        os.fsync(handle.fileno())
                    with contextlib.suppress(FileExistsError):  # another run created it first: use theirs
                        os.link(temporary, path)
                finally:
                    os.unlink(temporary)
            except OSError as exc:
                raise CacheUnusable(f"{path}: cannot create the cache key: {exc.strerror or exc}") from None
        raise CacheUnusable(f"{path}: cannot create the cache key")

    def _read_key(self, path: str) -> bytes:
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise CacheUnusable(f"{path}: cannot read the cache key: {exc.strerror or exc}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size != _KEY_SIZE:
                raise CacheUnusable(f"{path}: not a kml-lint cache key")
            if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o077):
                raise CacheUnusable(f"{path}: the cache key must be private to you (mode 0600, your own file)")
            key = os.read(fd, _KEY_SIZE + 1)
        finally:
            os.close(fd)
        if len(key) != _KEY_SIZE:
            raise CacheUnusable(f"{path}: not a kml-lint cache key")
        return key

    # -- entries ---------------------------------------------------------------------------------------------

    def key(self, path: str, text: str, flags: tuple[Any, ...]) -> str:
        digest = hashlib.sha256(self.signature.encode())
        digest.update(json.dumps([path, *map(str, flags)]).encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _mac(self, key: str, payload: bytes) -> bytes:
        return hmac.new(self._key, key.encode() + b"\n" + payload, hashlib.sha256).hexdigest().encode()

    def get(self, key: str, path: str) -> FileResult | None:
        """The result stored for ``key`` (a file at ``path``), or None: missing, unreadable, not authentic or
        not a valid entry for this file are all the same miss."""
        result = None
        try:
            data = self._read(key)
            head, _, payload = data.partition(b"\n")
            if head.startswith(_MAGIC) and hmac.compare_digest(head[len(_MAGIC):], self._mac(key, payload)):
                result = _Decoder(path, self.rule_ids).result(json.loads(payload))
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            result = None
        if result is None:
            self.misses += 1
        else:
            self.hits += 1
        return result

    def put(self, key: str, result: FileResult) -> None:
        try:
            payload = json.dumps(_result_to(result), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            # Only what a later run would accept is written: an entry that fails its own schema would be a
            # miss forever (a path the check refuses, a record type not listed).
            if len(payload) > MAX_ENTRY_SIZE:
                return
            if _Decoder(result.path, self.rule_ids).result(json.loads(payload)) is None:
                return
            self._write(key, _MAGIC + self._mac(key, payload) + b"\n" + payload)
        except (OSError, ValueError, TypeError, KeyError, RecursionError, UnicodeError):
            pass  # a read-only or full cache folder: the file is still linted, just not kept

    def _read(self, key: str) -> bytes:
        shard, name = key[:2], f"{key}.json"
        if self._root_fd is not None:
            shard_fd = os.open(shard, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=self._root_fd)
            try:
                return read_bytes(name, MAX_ENTRY_SIZE, follow=False, dir_fd=shard_fd)
            finally:
                os.close(shard_fd)
        folder = os.path.join(self.folder, shard)
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            raise OSError(errno.ENOTDIR, "not a folder")
        return read_bytes(os.path.join(folder, name), MAX_ENTRY_SIZE, follow=False)

    def _write(self, key: str, data: bytes) -> None:
        import secrets

        shard, name = key[:2], f"{key}.json"
        temporary = f".{secrets.token_hex(8)}.tmp"
        create = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0)
        if self._root_fd is not None:
            with contextlib.suppress(FileExistsError):
                os.mkdir(shard, 0o700, dir_fd=self._root_fd)
            shard_fd = os.open(shard, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=self._root_fd)
            try:
                fd = os.open(temporary, create, 0o600, dir_fd=shard_fd)
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(data)
                    # A rename replaces whatever has the entry's name (a committed symlink too), never writes
                    # through it.
                    os.rename(temporary, name, src_dir_fd=shard_fd, dst_dir_fd=shard_fd)
                except BaseException:
                    _unlink_quietly(temporary, shard_fd)
                    raise
            finally:
                os.close(shard_fd)
            return
        folder = os.path.join(self.folder, shard)
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return
        fd = os.open(os.path.join(folder, temporary), create, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(os.path.join(folder, temporary), os.path.join(folder, name))
        except BaseException:
            _unlink_quietly(os.path.join(folder, temporary), None)
            raise

    def close(self) -> None:
        if self._root_fd is not None:
            os.close(self._root_fd)
            self._root_fd = None


def _unlink_quietly(path: str, dir_fd: int | None) -> None:
    try:
        if dir_fd is not None:
            os.unlink(path, dir_fd=dir_fd)
        else:
            os.unlink(path)
    except OSError:
        pass


def _storable(anchor: str) -> str | None:
    """A fingerprint anchor names list items by their ``name``, which can be a pasted credential: such an
    anchor is not written to disk (the cached finding keeps its fingerprint; a baseline then matches it only
    from the baseline's own folder)."""
    return anchor if redact(anchor) == anchor else None


def _result_to(result: FileResult) -> dict[str, Any]:
    def finding(f: Finding) -> dict[str, Any]:
        return {"rule_id": f.rule_id, "rule_name": f.rule_name, "severity": f.severity.label, "message": f.message,
                "path": f.path, "line": f.line, "col": f.col, "pointer": f.pointer, "obj": asdict(f.obj),
                "fingerprint": f.fingerprint, "source": f.source, "role": f.role, "container": f.container,
                "anchor": _storable(f.anchor), "short": f.short,
                "suppression": asdict(f.suppression) if f.suppression else None,
                "fix": asdict(f.fix) if f.fix is not None else None}

    return {"format": _FORMAT, "path": result.path, "objects": result.objects, "skipped": result.skipped,
            "object_refs": [asdict(ref) for ref in result.object_refs],
            "findings": [finding(f) for f in result.findings],
            "facts": {rule: [encode_fact(fact) for fact in facts] for rule, facts in result.facts.items()},
            "directives": [encode_fact(d) for d in result.directives]}


# Run-scope facts (and the suppressions of files that have them) are small records: named tuples and
# dataclasses of kml-lint's own modules holding plain values. They are stored as JSON with the record's
# name; only the classes listed in ``_records()`` are ever rebuilt, each field checked against its annotation.


def _records() -> dict[str, type]:
    """Every record type a cache entry may hold, by the name entries give it. A new run-scope fact type must
    be listed here, or files with such facts are simply not cached."""
    global _RECORDS
    if _RECORDS is None:
        from .checks import Site
        from .checks.crossobject import Autoscaler, Budget, Pods, Replicated, Selecting, Selector
        from .checks.security import AccountSetting, Granted, PodToken
        from .suppress import Directive

        kinds = (Site, ObjectRef, Directive, Budget, Replicated, Autoscaler, Selecting, Pods, Selector, PodToken,
                 AccountSetting, Granted)
        _RECORDS = {_record_name(kind): kind for kind in kinds}
    return _RECORDS


_RECORDS: dict[str, type] | None = None


def _record_name(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


def encode_fact(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    kind = type(value)
    name = _record_name(kind)
    if name in _records():
        if hasattr(kind, "_fields"):
            return {"record": name, "values": [encode_fact(item) for item in value]}
        return {"record": name, "fields": {key: encode_fact(getattr(value, key)) for key in kind.__dataclass_fields__}}
    if isinstance(value, (list, tuple, set, frozenset)):
        tag = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}.get(kind, "tuple")
        return {tag: [encode_fact(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[encode_fact(key), encode_fact(item)] for key, item in value.items()]}
    if hasattr(value, "isoformat"):
        return {"date": value.isoformat()}
    raise TypeError(f"cannot cache a {kind.__name__}")


class _Invalid(Exception):
    """A cache entry that does not match the schema: a miss."""


class _Decoder:
    """Rebuilds a ``FileResult`` from an entry's JSON, checking every value against the records' annotations:
    anything else is ``_Invalid`` (the entry is a miss)."""

    def __init__(self, path: str, rule_ids: frozenset[str]) -> None:
        self.path = path
        self.rule_ids = rule_ids

    def result(self, data: Any) -> FileResult | None:
        try:
            return self._result(data)
        except (_Invalid, ValueError, TypeError, KeyError, RecursionError):
            return None

    def _result(self, data: Any) -> FileResult:
        entry = self._mapping(data, {"format", "path", "objects", "skipped", "object_refs", "findings", "facts",
                                     "directives"})
        if entry["format"] != _FORMAT or entry["path"] != self.path:
            raise _Invalid("another format or file")
        facts = self._mapping(entry["facts"], None)
        for rule in facts:
            if rule not in self.rule_ids:
                raise _Invalid("unknown rule")
        return FileResult(
            self.path, [self._finding(item) for item in self._list(entry["findings"])],
            self._count(entry["objects"]), self._optional_text(entry["skipped"]),
            object_refs=[self._object_ref(item) for item in self._list(entry["object_refs"])], cached=True,
            facts={rule: [self._value(fact, Any, 1) for fact in self._list(items)] for rule, items in facts.items()},
            directives=[self._value(item, _directive_type(), 1) for item in self._list(entry["directives"])])

    # plain JSON shapes

    @staticmethod
    def _mapping(value: Any, keys: set[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict) or (keys is not None and set(value) != keys):
            raise _Invalid("not the expected mapping")
        return value

    @staticmethod
    def _list(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise _Invalid("not a list")
        return value

    @staticmethod
    def _text(value: Any) -> str:
        if not isinstance(value, str):
            raise _Invalid("not a string")
        return value

    def _optional_text(self, value: Any) -> str | None:
        return None if value is None else self._text(value)

    @staticmethod
    def _count(value: Any, least: int = 0) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= _MAX_NUMBER:
            raise _Invalid("not a count")
        return value

    def _finding(self, item: Any) -> Finding:
        f = self._mapping(item, {"rule_id", "rule_name", "severity", "message", "path", "line", "col", "pointer",
                                 "obj", "fingerprint", "source", "role", "container", "anchor", "short",
                                 "suppression", "fix"})
        if f["rule_id"] not in self.rule_ids or f["path"] != self.path:
            raise _Invalid("unknown rule or another file")
        suppression = None
        if f["suppression"] is not None:
            s = self._mapping(f["suppression"], {"kind", "reason"})
            if s["kind"] not in ("annotation", "comment", "config", "baseline"):
                raise _Invalid("unknown suppression")
            suppression = Suppression(s["kind"], self._optional_text(s["reason"]))
        return Finding(f["rule_id"], self._text(f["rule_name"]), Severity.parse(self._text(f["severity"])),
                       self._text(f["message"]), self.path, self._count(f["line"], 1), self._count(f["col"], 1),
                       self._optional_text(f["pointer"]), self._object_ref(f["obj"]), self._text(f["fingerprint"]),
                       suppression, self._optional_text(f["source"]), self._optional_text(f["role"]),
                       self._optional_text(f["container"]), anchor=self._optional_text(f["anchor"]) or "",
                       short=self._text(f["short"]), fix=self._fix(f["fix"]))

    def _fix(self, value: Any) -> Any:
        """A finding's fix (``fixing.model.Fix``), every field checked."""
        if value is None:
            return None
        from .fixing.model import Edit, Fix

        fix = self._mapping(value, {"edits", "applicability", "description", "touched", "renamed", "document"})
        if fix["applicability"] not in ("safe", "unsafe"):
            raise _Invalid("unknown applicability")
        edits = []
        for item in self._list(fix["edits"]):
            edit = self._mapping(item, set(Edit.__dataclass_fields__))
            edits.append(Edit(self._count(edit["start"]), self._count(edit["end"]), self._text(edit["text"]),
                              *(self._count(edit[key]) for key in ("start_line", "start_col", "end_line", "end_col"))))
        renamed = []
        for pair in self._list(fix["renamed"]):
            old, new = self._list(pair) if len(self._list(pair)) == 2 else (None, None)
            renamed.append((self._text(old), self._text(new)))
        return Fix(edits, fix["applicability"], self._text(fix["description"]),
                   [self._text(pointer) for pointer in self._list(fix["touched"])], renamed,
                   self._count(fix["document"]))

    def _object_ref(self, item: Any) -> ObjectRef:
        fields = self._mapping(item, set(ObjectRef.__dataclass_fields__))
        texts = (self._optional_text(fields[name]) for name in ("api_version", "kind", "namespace", "name",
                                                                "generate_name"))
        numbers = (None if fields[name] is None else self._count(fields[name]) for name in ("document", "item"))
        return ObjectRef(*texts, *numbers)

    # typed records (facts and directives)

    def _value(self, value: Any, hint: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _Invalid("nested too deeply")
        import types
        import typing

        origin = typing.get_origin(hint)
        if hint is Any:  # a fact: a listed record, a plain value, or a tuple or list of those
            if value is None or isinstance(value, (str, bool, int, float)):
                return self._value(value, type(value), depth)
            if isinstance(value, dict) and isinstance(value.get("record"), str):
                kind = _records().get(value["record"])
                if kind is None:
                    raise _Invalid("not a listed record")
                return self._record(value, kind, depth)
            if isinstance(value, dict) and len(value) == 1 and ("tuple" in value or "list" in value):
                return self._value(value, tuple[Any, ...] if "tuple" in value else list[Any], depth)
            raise _Invalid("not a fact")
        if origin in (typing.Union, types.UnionType):
            for arm in typing.get_args(hint):
                try:
                    return self._value(value, arm, depth)
                except _Invalid:
                    continue
            raise _Invalid("matches no arm")
        if hint is type(None):
            if value is not None:
                raise _Invalid("not null")
            return None
        if hint is str:
            return self._text(value)
        if hint is bool:
            if not isinstance(value, bool):
                raise _Invalid("not a boolean")
            return value
        if hint is int:
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) > _MAX_NUMBER:
                raise _Invalid("not an integer")
            return value
        if hint is float:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise _Invalid("not a number")
            return float(value)
        if isinstance(hint, type) and _record_name(hint) in _records():
            return self._record(value, hint, depth)
        if origin in (tuple, list, frozenset, set, dict):
            tag = origin.__name__
            if not isinstance(value, dict) or set(value) != {tag} or not isinstance(value[tag], list):
                raise _Invalid("not the expected collection")
            items = value[tag]
            args = typing.get_args(hint)
            if origin is dict:
                pairs = []
                for pair in items:
                    if not isinstance(pair, list) or len(pair) != 2:
                        raise _Invalid("not a pair")
                    key, item = pair
                    pairs.append((self._value(key, args[0], depth + 1), self._value(item, args[1], depth + 1)))
                return dict(pairs)
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                if len(items) != len(args):
                    raise _Invalid("not the expected tuple")
                return tuple(self._value(item, arg, depth + 1) for item, arg in zip(items, args, strict=True))
            decoded = [self._value(item, args[0], depth + 1) for item in items]
            return origin(decoded)
        import datetime

        if hint is datetime.date:
            if not isinstance(value, dict) or set(value) != {"date"}:
                raise _Invalid("not a date")
            return datetime.date.fromisoformat(self._text(value["date"]))
        raise _Invalid(f"no schema for {hint!r}")

    def _record(self, value: Any, kind: type, depth: int) -> Any:
        name = _record_name(kind)
        hints = _hints(kind)
        if not isinstance(value, dict) or value.get("record") != name:
            raise _Invalid("not the expected record")
        if hasattr(kind, "_fields"):
            if set(value) != {"record", "values"} or not isinstance(value["values"], list) \
                    or len(value["values"]) != len(kind._fields):
                raise _Invalid("not the record's fields")
            fields = dict(zip(kind._fields, value["values"], strict=True))
        else:
            if set(value) != {"record", "fields"} or not isinstance(value["fields"], dict) \
                    or set(value["fields"]) != set(kind.__dataclass_fields__):
                raise _Invalid("not the record's fields")
            fields = value["fields"]
        decoded = {key: self._value(item, hints[key], depth + 1) for key, item in fields.items()}
        for key in ("line", "col"):
            if key in decoded and decoded[key] < 1:
                raise _Invalid("a line or column below 1")
        if decoded.get("lines"):
            if min(decoded["lines"]) < 1:
                raise _Invalid("a line below 1")
        if "path" in decoded and decoded["path"] != self.path:
            raise _Invalid("another file")
        return kind(**decoded)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(kind: type) -> dict[str, Any]:
    hints = _HINTS.get(kind)
    if hints is None:
        import typing

        hints = dict(typing.get_type_hints(kind))
        from .checks import Site

        if kind is Site:
            hints["obj"] = ObjectRef  # annotated Any to keep checks free of findings' imports
        fields = kind._fields if hasattr(kind, "_fields") else tuple(getattr(kind, "__dataclass_fields__", {}))
        hints = {key: value for key, value in hints.items() if key in fields}
        _HINTS[kind] = hints
    return hints


def _directive_type() -> type:
    from .suppress import Directive

    return Directive
