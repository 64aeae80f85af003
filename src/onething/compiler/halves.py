"""The second half of a run's bundles compiled by a forked child, on a core to spare (issue #14).

After the catalog is loaded, a cold `compile -o` of twenty bundles spends ~85 ms loading,
compiling and serialising them one after the other. A child forked at that point shares the
loaded catalog and the built models, compiles the second half of the bundles while this
process compiles the first, and hands back each one's outcome — its diagnostics and, when
it compiled, the manifest's id and JSON bytes — pickled through a pipe. The parent yields
the outcomes in the bundles' order, so whatever follows (ids claimed first, the build state,
the files written) sees the same sequence as a run in one process.

Only where the manifests are wanted as bytes (`-o`); never with --select or --answers (one
bundle), for a few bundles, or where dsl/prefetch.py would not fork either. A child that
fails hands back nothing, and its bundles are then compiled here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from onething.dsl import prefetch

MIN_BUNDLES = 6

# (bundle id, manifest JSON bytes) when it compiled, else None; and its diagnostics
Outcome = tuple[tuple[str, bytes] | None, list[Any]]


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


def fork(work: Callable[[], list[Outcome]]) -> _Half | None:
    """Run ``work`` in a forked child; None when no child could be started."""
    import pickle  # noqa: F401 - imported before the fork: the child imports nothing

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
            payload = memoryview(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
            while payload:
                payload = payload[os.write(w, payload):]
            status = 0
        finally:
            os._exit(status)  # neither the parent's exit handlers nor its buffered output
    os.close(w)
    return _Half(pid, r)


class _Half:
    """The child's process id and pipe."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd

    def outcomes(self, count: int) -> list[Outcome] | None:
        """The child's ``count`` outcomes, in order; None when it failed (compile them here)."""
        import pickle

        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 20):
                chunks.append(chunk)
        except OSError:
            chunks = []
        status = self.close()
        if status != 0 or not chunks:
            return None
        try:  # our own child's data, through a pipe only it and we hold
            outcomes = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a child cut short
            return None
        return outcomes if type(outcomes) is list and len(outcomes) == count else None

    def close(self) -> int:
        """Close the pipe (a child still writing then stops), reap the child; its exit status."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        status = -1
        if self.pid > 0:
            try:
                status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:  # pragma: no cover - reaped elsewhere
                pass
            self.pid = 0
        return status


def in_two(sources: list[Any], at: int, compile_one: Callable[[Any], Any],
           encode: Callable[[Any], Outcome]) -> Iterator[tuple[Any, Any, Outcome | None]]:
    """(source, result, None) for the first ``at`` sources, compiled here, then (source, None,
    outcome) for the rest, compiled by a child; the rest compiled here too if the child fails."""
    half = fork(lambda: [encode(compile_one(s)) for s in sources[at:]])
    try:
        for source in sources[:at]:
            yield source, compile_one(source), None
        theirs = half.outcomes(len(sources) - at) if half is not None else None
    finally:
        if half is not None:
            half.close()
    for i, source in enumerate(sources[at:]):
        if theirs is not None:
            yield source, None, theirs[i]
        else:
            yield source, compile_one(source), None
