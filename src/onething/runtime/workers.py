"""Several workers in one process (``onething work --concurrency N``) and a graceful shutdown.

**Threads, not processes.** A worker spends most of a step waiting for its department (an
HTTP call, a person): threads overlap that waiting at the cost of one more database
connection each (two while a heartbeat runs), and share the process's manifest cache and
its one LISTEN connection. The Python work per transition holds the GIL, so to use more
cores run more ``onething work`` processes — on one machine or many: workers are stateless,
everything they share is in the store.

**Shutdown.** ``stop`` set (the CLI sets it on SIGTERM or SIGINT) ends every wait at once and
no new step is claimed; a step in flight is finished — its adapter's answer recorded — if
that takes at most ``grace`` seconds. After that, the claims still held are *released*
(the step goes back to ``ready``, at once claimable by another worker, with the same
idempotency key; the department may see the key again and must answer the same) and the
run ends; the late answers are then dropped, as after a lost lease.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from onething.runtime.engine import RunSummary, Worker, default_worker_id
from onething.runtime.store.waiting import Wakeup

DEFAULT_GRACE_S = 30.0


@dataclass
class PoolResult:
    summary: RunSummary
    released: int = 0
    errors: list[BaseException] = field(default_factory=list)


def run_workers(store: Any, config: Any, *, concurrency: int = 1, worker_id: str | None = None,
                calendar: Any = None, until_idle: bool = False, max_steps: int | None = None,
                stop: threading.Event | None = None, grace: float = DEFAULT_GRACE_S,
                on_worker: Any = None) -> PoolResult:
    """Run ``concurrency`` worker threads on ``store`` until idle, ``max_steps`` (about: each
    thread finishes the step it holds) or ``stop``; returns their combined summary."""
    stop = stop or threading.Event()
    base = worker_id or default_worker_id()
    wakeup = Wakeup(store, stop)
    summaries = [RunSummary() for _ in range(concurrency)]

    def budget_spent() -> bool:
        return max_steps is not None and sum(s.steps for s in summaries) >= max_steps

    workers = [Worker(store, config, worker_id=base if concurrency == 1 else f"{base}/{i + 1}",
                      calendar=calendar, wakeup=wakeup, stopping=stop) for i in range(concurrency)]
    errors: list[BaseException] = []

    def body(worker: Worker, summary: RunSummary) -> None:
        try:
            worker.run(until_idle=until_idle, stop=budget_spent, summary=summary)
        except BaseException as error:  # reported by the caller; the others stop too
            errors.append(error)
            stop.set()

    threads = []
    for worker, summary in zip(workers, summaries, strict=True):
        if on_worker is not None:
            on_worker(worker)
        thread = threading.Thread(target=body, args=(worker, summary), name=worker.worker_id, daemon=True)
        thread.start()
        threads.append(thread)
    released = 0
    try:
        while any(t.is_alive() for t in threads) and not stop.is_set():
            for t in threads:
                t.join(0.2)  # short joins: the main thread stays free to take signals
        deadline = time.monotonic() + grace
        for t in threads:
            t.join(max(deadline - time.monotonic(), 0.0))
        for worker, t in zip(workers, threads, strict=True):
            claims = list(worker.current)
            if t.is_alive() and claims:
                try:
                    worker.release(claims, "shutdown")
                except Exception as error:  # the store is down: the lease will expire instead
                    errors.append(error)
    finally:
        wakeup.close()
    released = sum(w.released for w in workers)
    total = RunSummary()
    for s in summaries:
        total.steps += s.steps
        total.lost_leases += s.lost_leases
        for k, v in s.outcomes.items():
            total.outcomes[k] = total.outcomes.get(k, 0) + v
    return PoolResult(total, released, errors)
