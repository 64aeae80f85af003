"""Reading an input file's bytes safely: regular files only, sizes checked before reading.

Kept free of the YAML parser and pydantic so that discovery (which sniffs files on the fast,
up-to-date path of `compile -o`) can use it too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from onething.dsl import limits
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.source import Location

MAX_BYTES = limits.MAX_FILE_BYTES


def printable_name(name: str) -> str:
    """A file name as text that can be printed: undecodable bytes shown as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def read_limited(path: Path, file: str, limit: int | None = None) -> tuple[bytes | None, Diagnostic | None]:
    """The bytes of a regular file no larger than ``limit``; else why not, as a diagnostic.

    The type and size are checked on the open descriptor before a byte is read (a FIFO
    would block, /dev/zero never ends, a sparse file claims gigabytes), and at most
    ``limit + 1`` bytes are read even if the file grows meanwhile.
    """
    limit = MAX_BYTES if limit is None else limit
    if printable_name(file) != file:
        return None, make("E015", _("the file name {name} is not valid UTF-8").format(name=printable_name(file)),
                          Location(printable_name(file)), _("rename the file with a UTF-8 name"))
    too_big = _("the file is {size:.1f} MiB; the limit is {limit}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, make("E001", _("cannot read the file: {why}").format(why=exc.strerror or exc), Location(file),
                          _("check the path and the file's permissions"))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, FIFO or socket"
            return None, make("E013", _("this is {kind}, not a regular file").format(kind=kind), Location(file),
                              _("name a regular YAML file"))
        if st.st_size > limit:
            return None, make("E003", too_big.format(size=st.st_size / limits.MiB, limit=limits.shown(limit, "bytes")),
                              Location(file), _("split it into several files"))
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
        if len(raw) > limit:
            return None, make("E003", too_big.format(size=len(raw) / limits.MiB, limit=limits.shown(limit, "bytes")),
                              Location(file), _("split it into several files"))
        return raw, None
    except OSError as exc:
        return None, make("E001", _("cannot read the file: {why}").format(why=exc.strerror or exc), Location(file),
                          _("check the path and the file's permissions"))
    finally:
        os.close(fd)
