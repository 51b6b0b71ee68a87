"""Atomic writes: a temporary file beside the target, renamed over it once it is complete.

A crash mid-write (power cut, SIGKILL, out of memory) leaves the previous file intact, and
leaves the temporary file behind: ``.NAME.XXXXXXXX.tmp`` next to ``NAME``. The next save to
``NAME`` removes every such leftover, so at most one outlives a crash. A temporary file that
another save is still writing is told apart by its lock: each writer holds an exclusive
``flock`` on its file until the rename, and the kernel drops the lock when the process dies.
(Windows has no ``flock``, but it refuses to delete a file that a process holds open, which
protects a live writer's file the same way.)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

_SUFFIX = ".tmp"


def write_atomically(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(f)`` on a fresh temporary file, then rename it over ``path``."""
    directory, base = os.path.split(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"tg.save: the directory {directory!r} does not exist.")
    fd, tmp = _create_locked(directory, base)
    try:
        with os.fdopen(fd, "wb") as f:
            remove_stale(directory, base, keep=tmp)
            write(f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them visible
            if fcntl is not None:
                os.replace(tmp, path)  # still locked: nobody removes it before the rename
        if fcntl is None:
            os.replace(tmp, path)  # Windows cannot rename a file that is open
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def temp_names(directory: str, base: str) -> list[str]:
    """The temporary files of saves to ``base`` in ``directory``, finished or not."""
    pattern = re.compile(re.escape(f".{base}.") + "[0-9a-f]{8}" + re.escape(_SUFFIX))
    return sorted(name for name in os.listdir(directory) if pattern.fullmatch(name))


def remove_stale(directory: str, base: str, keep: str) -> None:
    """Remove the temporary files that crashed saves to ``base`` left; skip live ones."""
    for name in temp_names(directory, base):
        candidate = os.path.join(directory, name)
        if candidate != keep:
            _remove_if_unlocked(candidate)


def _create_locked(directory: str, base: str) -> tuple[int, str]:
    while True:
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(4)}{_SUFFIX}")
        # Mode 0o666 less the umask, as open() would create it.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, tmp
        # Another save's clean-up removed it between the open and the lock: take a new name.
        os.close(fd)


def _remove_if_unlocked(tmp: str) -> None:
    if fcntl is None:
        with contextlib.suppress(OSError):  # refused while its writer holds it open
            os.unlink(tmp)
        return
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except OSError:  # already gone
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # a save in progress
        os.close(fd)
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.close(fd)
