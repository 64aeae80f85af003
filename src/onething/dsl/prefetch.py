"""YAML files parsed ahead, in a second process, while this one imports its models (issue #14).

A cold compile spends ~0.15 s importing pydantic and building onething's models before it
reads its first file, then ~60 ms parsing the catalog and bundles with the Python builder
(loader.py), one after the other. On a machine with a second core, a forked child parses the
files meanwhile and hands their data over, pickled, through a pipe. The parent uses a file's
data only if the bytes it reads itself when it loads the file are the bytes the child parsed,
so the result is what loading the file gives at that moment. Only clean loads are handed
over: a file with a diagnostic is loaded again by the parent, which reports it as always.

Nothing is forked on one core or when no core is to spare (a load average within half a
core of their number: the child would compete with this process), outside Linux, with other
threads running (a forked child would inherit the locks they hold), for a few small files
(the fork and the hand-over would cost more than they save) or with ``ONETHING_NO_FORK``
set; a child that fails hands over nothing, and every file is then loaded as before. The
child parses at most MAX_BYTES, what it can parse while the parent imports: a province's
catalog beyond that is parsed by the parent, which would otherwise sit waiting for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MIN_BYTES = 128 * 1024
MAX_BYTES = 3 * 1024 * 1024 // 2
OFF_ENV = "ONETHING_NO_FORK"


class _Child:
    """The forked child's process id and the read end of its pipe; what it handed over, once read."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self.parsed: dict[tuple[str, str], tuple[bytes, Any]] | None = None

    def ready(self) -> bool:
        """Whether the child has started handing over (its data then follows at once)."""
        if self.parsed is not None:
            return True
        import select

        return bool(select.select([self.fd], [], [], 0)[0])

    def receive(self) -> dict[tuple[str, str], tuple[bytes, Any]]:
        if self.parsed is None:
            chunks = []
            try:
                while chunk := os.read(self.fd, 1 << 20):
                    chunks.append(chunk)
            except OSError:
                chunks = []
            self.close()
            self.parsed = {}
            if chunks:
                import pickle

                try:  # our own child's data, through a pipe only it and we hold
                    parsed = pickle.loads(b"".join(chunks))
                except Exception:  # noqa: BLE001 - a child cut short: nothing handed over
                    parsed = None
                if type(parsed) is dict:
                    self.parsed = parsed
        return self.parsed

    def close(self) -> None:
        """Close the pipe, stop the child if it is still at work (nothing of it is wanted now) and reap it."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid > 0:
            stop(self.pid)
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:  # pragma: no cover - reaped elsewhere
                pass
            self.pid = 0


_child: _Child | None = None


def possible() -> bool:
    """Whether a second process can parse ahead here: it can be forked and has a core to itself."""
    return can_fork() and _core_to_spare()


def can_fork() -> bool:
    """Linux (fork without exec is safe there), not turned off, no other thread running."""
    if os.environ.get(OFF_ENV) or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _core_to_spare() -> bool:
    try:
        cores = len(os.sched_getaffinity(0))
        return cores >= 2 and os.getloadavg()[0] < cores - 0.5
    except (AttributeError, OSError):  # pragma: no cover
        return False


def start(files: list[tuple[Path, str]]) -> bool:
    """Fork a child that parses ``files`` (path, name shown), in this order; whether it started.

    The caller checks ``possible()`` first; files beyond MAX_BYTES in all are left to this
    process, and so is everything when the files hold less than MIN_BYTES.
    """
    global _child
    finish()
    chosen, total = [], 0
    for path, shown in files:
        try:
            size = os.stat(path).st_size
        except OSError:
            continue  # the loader reports it
        if total + size > MAX_BYTES:
            break
        chosen.append((path, shown))
        total += size
    if total < MIN_BYTES:
        return False
    from onething.dsl import loader  # imported here, before the fork: the child imports nothing

    import pickle  # noqa: F401 - the same: ready for the child

    forked = fork_to_pipe(lambda fd: _parse_and_hand_over(chosen, fd, loader))
    if forked is None:
        return False
    _child = _Child(*forked)
    return True


def fork_to_pipe(work: Callable[[int], None]) -> tuple[int, int] | None:
    """Fork a child that runs ``work(fd)`` on the write end of a new pipe, then ends; for the
    parent, the child's pid and the read end, or None when no process could be forked.

    The child ends with ``os._exit``: neither the parent's exit handlers nor its buffered
    output run twice. Shared by the parsing child here and the compiling one (compiler/halves.py).
    """
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork)
        status = 1
        try:
            os.close(r)
            work(w)
            status = 0
        finally:
            os._exit(status)
    os.close(w)
    return pid, r


def _parse_and_hand_over(files: list[tuple[Path, str]], fd: int, loader: Any) -> None:  # pragma: no cover - in the child
    import pickle

    parsed: dict[tuple[str, str], tuple[bytes, Any]] = {}
    for path, shown in files:
        raw, _problem = loader.read_limited(path, shown, loader.MAX_BYTES)
        if raw is None:
            continue
        loaded = loader.load_bytes(raw, shown)
        if loaded.data is not None and not loaded.diagnostics:
            parsed[(str(path), shown)] = (raw, loaded.data)
    write_all(fd, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to the pipe ``fd`` (a write may take only part of it)."""
    rest = memoryview(data)
    while rest:
        rest = rest[os.write(fd, rest):]


def stop(pid: int) -> None:
    """End a child that is no longer wanted; it writes no file, so nothing is left half done."""
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:  # pragma: no cover - already gone
        pass


def take(path: Path, shown: str, raw: bytes) -> Any | None:
    """The data the child parsed from exactly these bytes of this file, else None (parse them here).

    Never waits for the child's parsing: while it has not finished (a busy machine), this
    process parses the file itself.
    """
    if _child is None or not _child.ready():
        return None
    hit = _child.receive().pop((str(path), shown), None)
    if hit is None or hit[0] != raw:
        return None
    return hit[1]


def after_fork() -> None:
    """In a process forked from this one (compiler/halves.py): keep what the child handed over
    already, and leave the child itself, and its pipe, to the parent."""
    global _child
    if _child is not None and _child.parsed is None:
        os.close(_child.fd)
        _child = None


def finish() -> None:
    """Done with the child: it is reaped, and whatever it parsed and was not taken is dropped."""
    global _child
    if _child is not None:
        _child.close()
        _child = None
