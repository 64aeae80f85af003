"""Writing into the output folder and the cache without ever writing anywhere else.

Temporary files are created exclusively (``tempfile.mkstemp``: O_CREAT|O_EXCL and a random
name, so a planted file or symlink is never opened) in the target's own folder and renamed
over the target (a rename replaces a symlink itself, never the file it points to). While a
run writes into a folder it holds an advisory lock (``fcntl.flock``) on the folder itself:
concurrent runs take turns, and the leftovers of a killed run (its temporary files) are
removed by the next run that gets the lock, when no live run can own them. The lock is on
the folder's own descriptor, so it leaves no lock file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writes stay atomic
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".onething-tmp"
_LEFTOVER = re.compile(r"^\..+\." r"[A-Za-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def stage(path: Path, data: str | bytes) -> str:
    """Write ``data`` (UTF-8 bytes, or text to write as such) into a new exclusive temporary
    file beside ``path``; return its name, for ``os.replace(tmp, path)`` or removal.

    A crash leaves at most the temporary file, which the next run holding the folder's lock
    removes.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a manifest is as readable as any file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write through an exclusive temporary file beside ``path`` and rename it over ``path``.

    A crash leaves the old file or the new one, plus at most a temporary file that the next
    run holding the folder's lock removes.
    """
    tmp = stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def clean_leftovers(folder: Path, prefix: str = ".") -> int:
    """Remove temporary files a killed run left in ``folder`` (call it holding the folder's lock)."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if name.startswith(prefix) and _LEFTOVER.match(name):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)
                removed += 1
    return removed


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[bool]:
    """Hold an exclusive advisory lock on ``folder`` (waiting for other runs); yields whether it is held."""
    if fcntl is None:  # pragma: no cover
        yield False
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock
