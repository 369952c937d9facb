"""Opening files that someone else may have written, and writing the report without losing the last one.

Everything kml-lint reads besides the manifests themselves (configuration, baseline, workload tables, users'
schemas and rules, cache entries) can come from a pull request. So every such read goes through
``read_bytes``: the file is opened without blocking (a FIFO has no writer to wait for), checked after opening
(``fstat``: the very file read is a regular file, not a device, FIFO or socket), and read only up to a size
cap. ``follow=False`` also refuses a symbolic link as the last part of the path (the cache's own files).

``AtomicOutput`` writes the report to a temporary file beside its destination and renames it into place only
when the report is complete, so a failed or killed run leaves the previous report as it was, and a symbolic
link at the destination is replaced, never written through.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from typing import Any

MAX_INPUT_SIZE = 32 * 1024 * 1024
"""The default cap for configuration, baseline, workload tables, schema and rule files (far above any real one)."""

BASELINE_SIZE = 256 * 1024 * 1024
"""A baseline lists every finding of a repository (about 200 bytes each): a larger cap."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeFile(OSError):
    """A file that is not read: not a regular file, a symbolic link where none is accepted, or too large.

    An ``OSError`` so that every caller's "cannot read" handling reports it; ``str()`` names the problem
    (``strerror``) without the file, which the caller adds as it names files."""

    def __init__(self, path: str, reason: str, too_large: bool = False) -> None:
        super().__init__(errno.EINVAL, reason, path)
        self.too_large = too_large  # a regular file, only above the size cap


def _describe(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_bytes(path: str, limit: int = MAX_INPUT_SIZE, *, follow: bool = True, dir_fd: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them; ``UnsafeFile`` (an ``OSError``) for
    anything else. Never blocks on a FIFO, never reads a device, never reads more than ``limit + 1`` bytes."""
    flags = os.O_RDONLY | _NONBLOCK | _BINARY | _CLOEXEC | (0 if follow else _NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd) if dir_fd is not None else os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise UnsafeFile(path, "a symbolic link: not followed") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(path, f"{_describe(info.st_mode)}, not a regular file: not read")
        if info.st_size > limit:
            raise UnsafeFile(path, f"{info.st_size:,} bytes, above the {limit:,}-byte limit: not read", True)
        chunks = []
        left = limit + 1
        while left > 0:  # the size can change after fstat: read at most one byte past the limit, whatever it says
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise UnsafeFile(path, f"larger than the {limit:,}-byte limit: not read", True)
    return data


def read_text(path: str, limit: int = MAX_INPUT_SIZE) -> str:
    """``read_bytes`` decoded as UTF-8 (a byte-order mark dropped); ``UnicodeDecodeError`` for other bytes."""
    return read_bytes(path, limit).decode("utf-8-sig")


def describe_error(exc: BaseException) -> str:
    """An ``OSError``'s reason in plain words (``[Errno 2] No such file or directory: 'x'`` -> ``No such file or
    directory``); other errors as they are."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


class OutputError(OSError):
    """The report cannot be written (missing folder, full disk, no permission): a plain message, exit 2."""


class AtomicOutput:
    """A text file written beside ``path`` and renamed over it by ``commit()``; ``discard()`` leaves ``path`` as
    it was. Write errors are raised as ``OutputError`` so that they are never mistaken for a failure to lint.

    A FIFO or character device as the destination (``-o /dev/stdout``, ``-o /dev/null``), named or linked to,
    is written directly: there is no previous report to keep. A folder or a block device is an error."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._temporary: str | None = None
        folder = os.path.dirname(path) or "."
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise OutputError(exc.errno, f"cannot write the report to {path}: {describe_error(exc)}") from None
        try:
            stream = _stream_mode(path) if info is not None else None
            if stream is not None:
                if not (stat.S_ISFIFO(stream) or stat.S_ISCHR(stream)):
                    raise OutputError(errno.EINVAL, f"cannot write the report to {path}: {_describe(stream)}")
                # A pipe or a terminal (-o /dev/stdout, a FIFO, /dev/null): written as it is, there is no
                # previous report to keep, and renaming over /dev/stdout would replace the link itself.
                self._handle: Any = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by commit/discard
                return
            if not os.path.isdir(folder):
                raise OutputError(errno.ENOENT, f"cannot write the report to {path}: folder {folder} does not exist")
            import tempfile

            fd, self._temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
            # mkstemp makes the file private; a report gets the mode a new file would get (or the old report's).
            mode = info.st_mode & 0o777 if info is not None and stat.S_ISREG(info.st_mode) else 0o666 & ~_umask()
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            self._handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(exc.errno, f"cannot write the report to {path}: {describe_error(exc)}") from None

    def write(self, text: str) -> int:
        try:
            return self._handle.write(text)
        except OSError as exc:
            raise OutputError(exc.errno, f"cannot write the report to {self.path}: {describe_error(exc)}") from None

    def flush(self) -> None:
        try:
            self._handle.flush()
        except OSError as exc:
            raise OutputError(exc.errno, f"cannot write the report to {self.path}: {describe_error(exc)}") from None

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"

    def commit(self) -> None:
        """Finish the report and put it in place (one rename: readers see the old report or the new one)."""
        try:
            self._handle.flush()
            if self._temporary is not None:
                os.fsync(self._handle.fileno())
            self._handle.close()
            if self._temporary is not None:
                os.replace(self._temporary, self.path)
                self._temporary = None
        except OSError as exc:
            self.discard()
            raise OutputError(exc.errno, f"cannot write the report to {self.path}: {describe_error(exc)}") from None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()
        if self._temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temporary)
            self._temporary = None


def _stream_mode(path: str) -> int | None:
    """The mode of what ``path`` finally names when that is not a regular file (a folder, FIFO, device or
    socket); None for a regular file, a new name, or a dangling link (replaced by the report)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) else mode


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
