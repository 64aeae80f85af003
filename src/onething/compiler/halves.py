"""The second half of a run's bundles compiled by a forked child, on a core to spare (issue #14).

After the catalog is loaded, a cold `compile -o` of twenty bundles spends ~85 ms loading,
compiling and serialising them one after the other. A child forked at that point shares the
loaded catalog and the built models and compiles the second half of the bundles, from the
last one backwards, while this process compiles the first half, then the second from its
start; each outcome the child finishes — the bundle's diagnostics and, when it compiled, the
manifest's id and JSON bytes — comes back pickled through a pipe at once, and this process
takes it instead of compiling that bundle. The two meet in the middle; on a busy machine,
where the child gets little time, this process simply compiles more. The outcomes are
yielded in the bundles' order, so whatever follows (ids claimed first, the build state, the
files written) sees the same sequence as a run in one process.

Only where the manifests are wanted as bytes (`-o`); never with --select or --answers (one
bundle), for a few bundles, or where dsl/prefetch.py would not fork either. The child
writes no file; when this process is done with it, it is stopped.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from typing import Any

from onething.dsl import prefetch

MIN_BUNDLES = 6

# (bundle id, manifest JSON bytes) when it compiled, else None; and its diagnostics
Outcome = tuple[tuple[str, bytes] | None, list[Any]]
_HEADER = struct.Struct("<II")  # index among the child's bundles, length of the pickle that follows


def encode(result: Any) -> Outcome:
    """What the parent needs of a CompileResult compiled in the child."""
    from onething.dsl.diagnostics import has_errors

    if result.manifest is None or has_errors(result.diagnostics):
        return None, result.diagnostics
    return (result.manifest.bundle.id, result.manifest.to_json().encode("utf-8")), result.diagnostics


def split(sources: list[Any]) -> int:
    """Where the child's half starts, 0 when the run is not worth splitting or cannot be."""
    if len(sources) < MIN_BUNDLES or not prefetch.possible():
        return 0
    return (len(sources) + 1) // 2


def fork(count: int, work: Callable[[int], Outcome]) -> _Half | None:
    """A child that runs ``work(i)`` for i = count - 1 down to 0, handing over each outcome; None if none started."""
    import pickle
    import select  # noqa: F401 - imported before the fork, for the parent: the child imports nothing

    def hand_over(fd: int) -> None:  # pragma: no cover - in the child
        prefetch.after_fork()
        for i in reversed(range(count)):
            data = pickle.dumps(work(i), protocol=pickle.HIGHEST_PROTOCOL)
            prefetch.write_all(fd, _HEADER.pack(i, len(data)) + data)

    forked = prefetch.fork_to_pipe(hand_over)
    return None if forked is None else _Half(*forked)


class _Half:
    """The child's process id and pipe, and the outcomes it has handed over so far."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self.buffer = b""
        self.done: dict[int, Outcome] = {}

    def outcome(self, i: int) -> Outcome | None:
        """The child's outcome of its bundle ``i`` if it has handed it over by now (never waits for work)."""
        import pickle
        import select

        while i not in self.done and self.fd >= 0 and select.select([self.fd], [], [], 0)[0]:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                chunk = b""
            if not chunk:  # the child has finished (or failed): nothing more will come
                self.close()
                break
            self.buffer += chunk
            while len(self.buffer) >= _HEADER.size:
                index, size = _HEADER.unpack_from(self.buffer)
                if len(self.buffer) < _HEADER.size + size:
                    break
                data = self.buffer[_HEADER.size:_HEADER.size + size]
                self.buffer = self.buffer[_HEADER.size + size:]
                try:  # our own child's data, through a pipe only it and we hold
                    self.done[index] = pickle.loads(data)
                except Exception:  # noqa: BLE001 - a frame cut short: that bundle is compiled here
                    pass
        return self.done.get(i)

    def close(self) -> None:
        """Close the pipe, stop the child if it is still at work and reap it."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid > 0:
            prefetch.stop(self.pid)
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:  # pragma: no cover - reaped elsewhere
                pass
            self.pid = 0


def in_two(sources: list[Any], at: int, compile_one: Callable[[Any], Any],
           encode: Callable[[Any], Outcome]) -> Iterator[tuple[Any, Any, Outcome | None]]:
    """(source, result, None) for each source compiled here, (source, None, outcome) for each the
    child compiled, in the sources' order; the child takes ``sources[at:]`` from the end."""
    rest = sources[at:]
    half = fork(len(rest), lambda i: encode(compile_one(rest[i])))
    try:
        for source in sources[:at]:
            yield source, compile_one(source), None
        for i, source in enumerate(rest):
            outcome = half.outcome(i) if half is not None else None
            if outcome is not None:
                yield source, None, outcome
            else:
                yield source, compile_one(source), None
    finally:
        if half is not None:
            half.close()
