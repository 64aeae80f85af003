"""The engine (``onething work``): claim ready steps, hand each to its department, record the answers.

A worker works in batches of up to ``batch_size`` steps, in three moves:

1. **claim** — one short write transaction (:func:`~onething.runtime.store.claiming.claim_ready`):
   the steps move to ``dispatched`` with a lease (the worker's id and an expiry), their
   audit events are appended, and the requests are built (only the item's declared fields
   and materials plus its prerequisites' outputs). Committed before any adapter is called.
2. **call** — each step's adapter, outside any transaction; a heartbeat renews the batch's
   leases while they run.
3. **record** — one write transaction for the batch's answers, each kept only if this worker
   still holds that step's lease (otherwise another worker took the step over and the
   answer is dropped: the department saw the same idempotency key twice and can tell). The
   steps' moves, the dependents they unblock or skip (decided in Python from the plan,
   cached per manifest), the cases that finish, and every audit event (hash chain and head)
   are written together in a few multi-row statements. Answers are also recorded every
   third of a lease while a long batch runs.

Crash safety: a worker killed at any moment leaves either a committed claim (the lease then
expires and another worker dispatches the step again, with the **same idempotency key**) or
nothing; outcomes are committed with their consequences. So no step is lost and none runs
under two keys. Several workers on one store never run the same step at once: a claim moves
only steps that are ready (or whose lease expired) inside a serialised write transaction
(SQLite), or steps it has locked, skipping those another worker holds (PostgreSQL); the
cases a transaction decides for are locked first (``claiming.lock_cases``).

A store that is unavailable (a restart, a failover, a deadlock) does not end a run: the
worker tries again with a backoff; answers already given are recorded by retrying their
transaction, never by asking the department again. With ``stopping`` set, the steps of a
batch not yet sent are released at once (ready again, same key).
"""

from __future__ import annotations

import gc
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Text, bindparam, cast, func, select

from onething.compiler.manifest import Manifest
from onething.runtime.adapters.base import Outcome, StepRequest
from onething.runtime.calendar import WorkingCalendar
from onething.runtime.config import RuntimeConfig
from onething.runtime.errors import StoreError
from onething.runtime.progress import decide_outcome, load_cases
from onething.runtime.schedule import PlanIndex, index_plan
from onething.runtime.store import Store
from onething.runtime.store.claiming import claim_ready, lock_cases, wait_for_work
from onething.runtime.store.direct import DirectRead
from onething.runtime.store.manifests import get_manifest
from onething.runtime.store.tables import STEP_DISPATCHED, STEP_READY, case_materials, cases, steps
from onething.runtime.store.waiting import Wakeup
from onething.runtime.transitions import Moves

# The statements of the hot path, built once: building a statement costs more than running it.
# the answers as stored text, decoded only for a case not seen yet (answers never change once accepted)
_CASES = DirectRead(select(cases.c.id, cases.c.number, cases.c.status, cases.c.manifest_hash,
                           cast(cases.c.answers, Text)).where(cases.c.id.in_(bindparam("ids", expanding=True))))
_MATERIALS = DirectRead(select(case_materials.c.case_id, case_materials.c.material, case_materials.c.status).where(
    case_materials.c.case_id.in_(bindparam("ids", expanding=True))))
_UPSTREAM = DirectRead(select(steps.c.case_id, steps.c.item, cast(steps.c.outputs, Text)).where(
    steps.c.case_id.in_(bindparam("ids", expanding=True)), steps.c.item.in_(bindparam("items", expanding=True)),
    steps.c.status == "done"))
_RENEW = steps.update().where(steps.c.id.in_(bindparam("ids", expanding=True)), steps.c.status == "dispatched",
                              steps.c.lease_owner == bindparam("owner")).values(lease_expires_at=bindparam("until"))
_NEXT_RETRY = select(func.min(steps.c.retry_at)).where(STEP_READY)
_NEXT_EXPIRY = select(func.min(steps.c.lease_expires_at)).where(STEP_DISPATCHED)


class _Heartbeat:
    """One thread per worker that renews the leases the worker holds, every third of a lease."""

    def __init__(self, renew: Callable[[list[int]], None], interval: float) -> None:
        self._renew, self._interval = renew, interval
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, step_ids: list[int]) -> None:
        with self._lock:
            self._held.update(step_ids)
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._loop, name="onething-heartbeat", daemon=True)
                self._thread.start()

    def release(self, step_ids: list[int]) -> None:
        with self._lock:
            self._held.difference_update(step_ids)

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                held = sorted(self._held)
            if not held:
                continue
            try:
                self._renew(held)
            except Exception:  # a missed beat only shortens the lease
                continue


ANSWERS_KEPT = 4096
"""Cases whose decoded answers (and settled materials) a worker keeps (a case's steps come in several batches)."""
RETRY_STORE_MAX_S = 5.0
"""The longest wait between two tries of an unavailable store; workers retry until stopped."""


_heap_frozen = False


def _freeze_heap_once() -> None:
    """Move the heap built before the loop (plans, manifests, the store's metadata, the
    process's modules) out of the cyclic collector's reach, once per process: the loop's
    objects die young, yet every full collection it triggers walked that whole heap again
    (a twelfth of a worker's time in the throughput benchmark). The collector stays on for
    what the loop makes."""
    global _heap_frozen
    if not _heap_frozen and gc.isenabled():
        gc.freeze()
        _heap_frozen = True


class Outage:
    """Consecutive failures to reach the store, and the backoff before the next try."""

    def __init__(self) -> None:
        self.failures = 0

    def next_delay(self) -> float:
        self.failures += 1
        return min(0.1 * 2 ** (self.failures - 1), RETRY_STORE_MAX_S)


class ClaimedStep(NamedTuple):
    """A claimed step as it stands after the claim (attribute access like a row)."""

    id: int
    case_id: int
    item: str
    department: str
    status: str
    attempts: int
    idempotency_key: str
    lease_owner: str
    lease_expires_at: datetime
    retry_at: datetime | None
    updated_at: datetime


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Claim:
    step: Any  # the step as it stands after the claim
    manifest: Manifest
    request: StepRequest


@dataclass
class RunSummary:
    steps: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    lost_leases: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"steps": self.steps, "outcomes": dict(sorted(self.outcomes.items())), "lost_leases": self.lost_leases}


class Worker:
    """One engine worker on a store; ``run()`` is the loop, ``run_one()`` one step."""

    def __init__(self, store: Store, config: RuntimeConfig | None = None, *, worker_id: str | None = None,
                 calendar: WorkingCalendar | None = None, sleep: Callable[[float], None] | None = None,
                 heartbeat: bool = True, wakeup: Wakeup | None = None,
                 stopping: threading.Event | None = None) -> None:
        """``sleep`` (tests move a fixed clock with it) or ``wakeup`` (LISTEN/NOTIFY on PostgreSQL)
        is how an idle worker waits; ``stopping`` set ends waits, store retries and batches."""
        self.store = store
        self.wakeup = wakeup
        self.stopping = stopping or threading.Event()
        self.current: list[Claim] = []
        """The claims being carried out (released on shutdown if their adapters outlive the grace period)."""
        self.released = 0
        """How many claims this worker has given back (``release``)."""
        self.on_unavailable: Callable[[Worker, StoreError, int], None] | None = None
        """Told each time the store could not be reached (the CLI logs it)."""
        self.config = config or RuntimeConfig()
        self.worker_id = worker_id or default_worker_id()
        self.actor = f"worker {self.worker_id}"
        self.calendar = calendar or WorkingCalendar()
        self.sleep = sleep or (wakeup.wait if wakeup is not None else self.stopping.wait)
        self.heartbeat = heartbeat
        self._plans: dict[str, tuple[Manifest, PlanIndex]] = {}  # by manifest hash: stored manifests never change
        self._answers: dict[int, dict[str, Any]] = {}  # by case id, decoded once: a case's steps come in several claims
        self._materials: dict[int, dict[str, str]] = {}  # by case id: those that can no longer change (_case_materials)
        self._heartbeat = _Heartbeat(self._renew, max(self.config.lease_seconds / 3, 0.05))
        self._running = False

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.config.lease_seconds)

    def _plan(self, conn: Any, digest: str) -> tuple[Manifest, PlanIndex]:
        if digest not in self._plans:
            manifest = get_manifest(conn, digest)
            self._plans[digest] = (manifest, index_plan(manifest))
        return self._plans[digest]

    def _case_answers(self, case_id: int, text: str | None) -> dict[str, Any]:
        found = self._answers.get(case_id)
        if found is None:
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            found = self._answers[case_id] = (json.loads(text) if text else None) or {}
        return found

    def _case_materials(self, conn: Any, case_ids: list[int]) -> dict[int, dict[str, str]]:
        """The cases' materials and their statuses. A material's status changes only from
        ``missing`` to ``supplied`` (``clerk.supplement``) and rows are only ever added at
        acceptance, so the materials of a case with none missing never change again: those are
        kept (a case's steps come in several claims); a case still missing one is read each time."""
        held = {cid: self._materials[cid] for cid in case_ids if cid in self._materials}
        unread = [cid for cid in case_ids if cid not in held]
        if unread:
            for cid in unread:
                held[cid] = {}
            for case_id, material, status in _MATERIALS.all(conn, {"ids": unread}):
                held[case_id][material] = status
            if len(self._materials) + len(unread) > ANSWERS_KEPT:
                self._materials.clear()
            for cid in unread:
                if "missing" not in held[cid].values():
                    self._materials[cid] = held[cid]
        return held

    # --- 1. claim ---

    def claim(self) -> Claim | None:
        """Claim the next step that is ready (and due) or whose lease expired, or None."""
        found = self.claim_batch(1)
        return found[0] if found else None

    def claim_batch(self, limit: int) -> list[Claim]:
        """Claim up to ``limit`` steps (expired leases first, then the oldest ready ones) in one transaction."""
        with self.store.write() as conn:
            return self._claim_in(conn, limit)

    def _claim_in(self, conn: Any, limit: int, moves: Moves | None = None) -> list[Claim]:
        """Claim in this transaction; ``moves`` (the batch's outcomes, not yet appended) are
        flushed with the claims' events."""
        now = self.store.clock.now() if moves is None else moves.at
        claimed = [] if limit < 1 else claim_ready(conn, worker_id=self.worker_id, now=now,
                                                   lease_until=now + self.lease, limit=limit)
        if not claimed:
            if moves is not None:
                moves.flush()
            return []
        case_ids = sorted({c.case_id for c in claimed})
        lock_cases(conn, case_ids)  # PostgreSQL: one case's claims and outcomes take turns
        case_rows = {case_id: (number, status, self._case_answers(case_id, text), self._plan(conn, digest))
                     for case_id, number, status, digest, text in _CASES.all(conn, {"ids": case_ids})}
        held = self._case_materials(conn, case_ids)
        wanted = sorted({p for c in claimed for p in case_rows[c.case_id][3][1].before.get(c.item, ())})
        upstream: dict[tuple[int, str], dict[str, Any]] = {}
        if wanted:
            for case_id, item, outputs in _UPSTREAM.all(conn, {"ids": case_ids, "items": wanted}):
                upstream[(case_id, item)] = (json.loads(outputs) if outputs else None) or {}  # JSON null too
        moves = moves or Moves(conn, actor=self.actor, at=now)
        lease_until = now + self.lease
        started: set[int] = set()
        out = []
        for c in claimed:
            number, status, answers, (manifest, plan) = case_rows[c.case_id]
            data: dict[str, Any] = {"attempt": c.attempts}
            if c.before == "dispatched":
                data["lease_expired"] = c.previous_owner
            moves.step(c.id, c.item, number, c.before, "dispatched", data=data, written=True)
            if status == "accepted" and c.case_id not in started:
                moves.case(c.case_id, number, "accepted", "in_progress")
                started.add(c.case_id)
            materials = held[c.case_id]
            request = StepRequest(
                case=number, item=c.item, department=c.department, idempotency_key=c.idempotency_key,
                attempt=c.attempts, fields={k: answers[k] for k in plan.fields[c.item] if k in answers},
                materials={m: materials[m] for m in plan.materials[c.item] if m in materials},
                upstream={p: upstream[(c.case_id, p)] for p in sorted(plan.before[c.item])
                          if (c.case_id, p) in upstream},
                outputs=list(plan.outputs[c.item]))
            step = ClaimedStep(c.id, c.case_id, c.item, c.department, "dispatched", c.attempts, c.idempotency_key,
                               self.worker_id, lease_until, None, now)
            out.append(Claim(step, manifest, request))
        moves.flush()
        return out

    # --- 2. call ---

    def call(self, claim: Claim) -> Outcome:
        """One step's adapter, its lease renewed while it runs."""
        with self._renewing([claim.step.id]):
            return self.config.adapter_for(claim.step.department)(claim.request)

    def carry_out(self, claims: list[Claim]) -> list[str | None]:
        """Call each claim's adapter in turn (the batch's leases renewed meanwhile) and record the
        answers. The new statuses, in order (None: the lease was lost)."""
        results, answered = self._call_all(claims)
        return results + self._record_retrying(answered)

    def _call_all(self, claims: list[Claim]) -> tuple[list[str | None], list[tuple[Claim, Outcome]]]:
        """The adapters' answers; those of a long batch are recorded every third of a lease (their
        statuses come first), the rest returned for the caller to record. On shutdown the steps
        not yet sent are given back at once."""
        results: list[str | None] = []
        answered: list[tuple[Claim, Outcome]] = []
        flushed = time.monotonic()
        with self._renewing([c.step.id for c in claims]):
            try:
                for n, c in enumerate(claims):
                    if self.stopping.is_set():  # shutting down: give the steps not yet sent back at once
                        self._release_quietly(claims[n:], "shutdown")
                        break
                    answered.append((c, self.config.adapter_for(c.step.department)(c.request)))
                    if time.monotonic() - flushed > self.config.lease_seconds / 3:
                        results += self._record_retrying(answered)
                        answered, flushed = [], time.monotonic()
            except BaseException:
                self.record_batch(answered)  # keep what was answered; the rest is re-dispatched after its lease
                raise
        return results, answered

    def _record_retrying(self, answered: list[tuple[Claim, Outcome]]) -> list[str | None]:
        """``record_batch``, tried again while the store is unavailable (a restart, a failover, a
        deadlock): the departments answered once and are not asked again. If the connection broke
        while committing, the retry finds the steps already moved and records nothing twice."""
        return self._retrying(lambda: self.record_batch(answered))

    def _record_and_claim_retrying(self, answered: list[tuple[Claim, Outcome]],
                                   limit: int) -> tuple[list[str | None], list[Claim]]:
        """``record_and_claim``, tried again like ``_record_retrying``."""
        return self._retrying(lambda: self.record_and_claim(answered, limit))

    def _retrying(self, write: Callable[[], Any]) -> Any:
        outage = Outage()
        while True:
            try:
                return write()
            except StoreError as error:
                if not error.transient or self.stopping.is_set():
                    raise
                self._unavailable(outage, error)

    def _unavailable(self, outage: Outage, error: StoreError) -> None:
        """Wait before trying the store again (backoff from 0.1 s to 5 s); stop ends the wait."""
        if self.on_unavailable is not None:
            self.on_unavailable(self, error, outage.failures)
        self.stopping.wait(outage.next_delay())

    def release(self, claims: list[Claim], why: str) -> int:
        """Give claimed steps back (ready again at once, same key) where this worker still holds
        them; how many were released."""
        if not claims:
            return 0
        with self.store.write() as conn:
            now = self.store.clock.now()
            lock_cases(conn, [c.step.case_id for c in claims])
            states = load_cases(conn, [c.step.case_id for c in claims], lambda digest: self._plan(conn, digest)[1])
            moves = Moves(conn, actor=self.actor, at=now)
            released = 0
            for claim in claims:
                step = states[claim.step.case_id].steps[claim.step.item]
                if step.status != "dispatched" or step.lease_owner != self.worker_id:
                    continue
                moves.step(step.id, claim.step.item, claim.request.case, "dispatched", "ready",
                           data={"released": why}, lease_owner=None, lease_expires_at=None, retry_at=None)
                released += 1
            moves.flush()
        self.released += released
        return released

    def _release_quietly(self, claims: list[Claim], why: str) -> None:
        try:
            self.release(claims, why)
        except StoreError:  # the store is down: the leases will expire instead
            pass

    @contextmanager
    def _renewing(self, step_ids: list[int]) -> Iterator[None]:
        """Renew these steps' leases while the block runs (one heartbeat thread per worker)."""
        if not self.heartbeat:
            yield
            return
        self._heartbeat.hold(step_ids)
        try:
            yield
        finally:
            self._heartbeat.release(step_ids)
            if not self._running:
                self._heartbeat.stop()

    def _renew(self, step_ids: list[int]) -> None:
        with self.store.write() as conn:
            conn.execute(_RENEW, {"ids": step_ids, "owner": self.worker_id,
                                  "until": self.store.clock.now() + self.lease})

    # --- 3. record ---

    def record(self, claim: Claim, outcome: Outcome) -> str | None:
        """Record the outcome if this worker still holds the lease; None if it lost it."""
        return self.record_batch([(claim, outcome)])[0]

    def record_batch(self, answered: list[tuple[Claim, Outcome]]) -> list[str | None]:
        """Record each outcome whose lease this worker still holds, in one transaction; the new
        statuses in order (None: the lease was lost and the answer dropped)."""
        if not answered:
            return []
        with self.store.write() as conn:
            return self._record_in(conn, answered)

    def record_and_claim(self, answered: list[tuple[Claim, Outcome]], limit: int) -> tuple[list[str | None], list[Claim]]:
        """:meth:`record_batch` and :meth:`claim_batch` in one transaction: the next batch's claims
        are committed with this batch's outcomes, still before any of their adapters is called."""
        with self.store.write() as conn:
            moves = Moves(conn, actor=self.actor, at=self.store.clock.now())
            return self._record_in(conn, answered, moves), self._claim_in(conn, limit, moves)

    def _record_in(self, conn: Any, answered: list[tuple[Claim, Outcome]],
                   moves: Moves | None = None) -> list[str | None]:
        """Record in this transaction; with ``moves`` (shared with a claim that follows) the
        events are left for the claim's flush."""
        if not answered:
            return []
        lock_cases(conn, [c.step.case_id for c, _o in answered])  # PostgreSQL: read what others committed
        states = load_cases(conn, [c.step.case_id for c, _o in answered],
                            lambda digest: self._plan(conn, digest)[1])
        shared = moves is not None
        moves = moves or Moves(conn, actor=self.actor, at=self.store.clock.now())
        results: list[str | None] = []
        for claim, outcome in answered:
            case = states[claim.step.case_id]
            step = case.steps[claim.step.item]
            if step.status != "dispatched" or step.lease_owner != self.worker_id:
                results.append(None)
                continue
            results.append(decide_outcome(moves, case, claim.step.item, outcome, retry=self.config.retry))
        moves.flush(append=not shared)
        return results

    def run_one(self) -> str | None | bool:
        """Claim and carry out one step: its new status, None if the lease was lost, False if nothing to do."""
        claim = self.claim()
        if claim is None:
            return False
        return self.carry_out([claim])[0]

    def next_wakeup(self) -> datetime | None:
        """When something may become claimable: the earliest retry or lease expiry; None if nothing waits."""
        with self.store.read() as conn:
            retry = conn.execute(_NEXT_RETRY).scalar()
            lease = conn.execute(_NEXT_EXPIRY).scalar()
        found = [t for t in (retry, lease) if t is not None]
        return min(found) if found else None

    def run(self, *, until_idle: bool = False, max_steps: int | None = None,
            stop: Callable[[], bool] | None = None, summary: RunSummary | None = None) -> RunSummary:
        """Work until idle (with ``until_idle``), ``max_steps`` steps, or ``stop()``; otherwise wait for work.

        A store that is unavailable (restart, failover, lost connection, deadlock) does not end
        the run: it is tried again after a backoff until it answers or the worker is stopped.
        """
        self._running = True
        _freeze_heap_once()
        try:
            return self._run(until_idle, max_steps, stop, summary or RunSummary())
        finally:
            self._running = False
            self._heartbeat.stop()

    def _run(self, until_idle: bool, max_steps: int | None, stop: Callable[[], bool] | None,
             summary: RunSummary) -> RunSummary:
        batch = max(int(self.config.batch_size), 1)
        outage = Outage()
        claims: list[Claim] = []  # claimed with the last batch's outcomes, not yet carried out
        while max_steps is None or summary.steps < max_steps:
            if (stop is not None and stop()) or self.stopping.is_set():
                self._release_quietly(claims, "shutdown")
                break
            if not claims:
                since = self.wakeup.generation if self.wakeup is not None else None
                try:
                    claims = self.claim_batch(batch if max_steps is None else min(batch, max_steps - summary.steps))
                    wake = self.next_wakeup() if not claims else None
                    outage = Outage()
                except StoreError as error:
                    if not error.transient:
                        raise
                    self._unavailable(outage, error)  # the server restarts or fails over: try again
                    continue
                if not claims:
                    if until_idle and wake is None:
                        break
                    # a step another worker holds may finish (and unblock others) long before its lease
                    # would expire, so never wait past poll_seconds; on PostgreSQL a NOTIFY ends the wait
                    # as soon as a step becomes ready
                    wait = self.config.poll_seconds
                    if wake is not None:
                        wait = min(wait, max((wake - self.store.clock.now()).total_seconds(), 0.0) + 0.01)
                    if self.wakeup is not None and self.sleep == self.wakeup.wait:
                        self.wakeup.wait(wait, since)
                    else:
                        wait_for_work(self.store, wait, self.sleep)
                    continue
            self.current = claims
            try:
                results, answered = self._call_all(claims)
                left = batch if max_steps is None else min(batch, max_steps - summary.steps - len(claims))
                if (left > 0 and self.store.dialect == "sqlite" and not (stop is not None and stop())
                        and not self.stopping.is_set()):
                    # one transaction per batch; SQLite has one writer at a time, so locking this
                    # batch's cases and then the next one's cannot deadlock. On PostgreSQL two
                    # workers doing so could each hold a case the other wants: record, then claim
                    # at the top of the loop, each transaction locking its cases in one ordered round
                    recorded, claims = self._record_and_claim_retrying(answered, left)
                else:
                    recorded, claims = self._record_retrying(answered), []
            finally:
                self.current = []
            for result in results + recorded:
                summary.steps += 1
                key = "lost_lease" if result is None else ("retry" if result == "ready" else str(result))
                summary.outcomes[key] = summary.outcomes.get(key, 0) + 1
                if result is None:
                    summary.lost_leases += 1
        return summary
