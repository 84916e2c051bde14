"""File output that never damages what it replaces.

Every file lotflow writes (results JSON, report, capacity JSON, tables,
comparisons) goes through :func:`write_atomic`:

* a regular file (or a new path) is replaced atomically: the data go to a
  temporary file beside the target, are flushed to disk, then renamed over
  it, so a reader (or a crash, a kill, a full disk) leaves the old file or the
  whole new one. A symbolic link is followed: its target is replaced, the link
  stays.
* a character device (``/dev/null``, ``/dev/stdout``, a terminal) or a FIFO is
  written straight through; it is never replaced by a regular file. A FIFO
  nobody reads is refused rather than waited on.
* anything else (a directory, a block device, a socket), a missing parent
  directory, or one lotflow may not write in is refused with
  :class:`OutputError`.

:func:`check_target` applies the same rules without writing, so a command
can refuse a bad target before it spends time simulating.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


class OutputError(Exception):
    """An output target that cannot be written; ``str()`` is one line for the user."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode(path: Path) -> int | None:
    """``st_mode`` of ``path`` (symbolic links followed), or None when it does not exist."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{path}: {exc.strerror}") from None


def _streamed(mode: int | None) -> bool:
    """True for targets written straight through (character devices and FIFOs)."""
    return mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode))


def check_target(path: str | Path) -> None:
    """Raise :class:`OutputError` unless ``path`` can take an output file."""
    target = Path(path)
    if str(path) == "" or str(path).endswith(os.sep):
        raise OutputError(f"{str(path)!r}: give a file name, not a directory")
    mode = _mode(target)
    if _streamed(mode):
        if not os.access(target, os.W_OK):
            raise OutputError(f"{target}: permission denied")
        return
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"{target}: is a directory; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"{target}: not a regular file, a character device or a FIFO")
    if mode is not None and not os.access(target, os.W_OK):
        raise OutputError(f"{target}: the file is not writable")
    parent = target.resolve().parent
    if not parent.is_dir():
        raise OutputError(f"{target}: the directory {target.parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        reason = "is read-only" if _read_only(parent) else "is not writable"
        raise OutputError(f"{target}: the directory {target.parent} {reason}")


def _read_only(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` by the rules of this module (:class:`OutputError` if not)."""
    check_target(path)
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if _streamed(_mode(target)):
            _write_through(target, payload)
        else:
            _replace(target.resolve(), payload)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None


def _write_through(target: Path, payload: bytes) -> None:
    """Write to a character device or FIFO without replacing it (a FIFO needs a reader)."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"{target}: a FIFO that nobody reads") from None
        raise
    try:
        os.set_blocking(fd, True)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _replace(target: Path, payload: bytes) -> None:
    """Atomically replace the regular file ``target`` (or create it), keeping its mode."""
    old = _mode(target)
    mode = stat.S_IMODE(old) if old is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
