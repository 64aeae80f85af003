"""The engine (``onething work``): claim a ready step, hand it to its department, record the answer.

A worker claims one step at a time in a write transaction: the step moves to ``dispatched``
with a lease (the worker's id and an expiry), renewed by a heartbeat while the adapter runs.
The adapter is called outside any transaction, with only the item's declared fields and
materials plus its prerequisites' outputs. The answer is recorded in a second transaction —
only if the worker still holds the lease; otherwise another worker has taken the step over and
the answer is dropped (the department saw the same idempotency key twice and can tell).

Crash safety: a worker killed at any moment leaves either a committed claim (the lease then
expires and another worker dispatches the step again, with the **same idempotency key**) or
nothing; outcomes are committed with their consequences. So no step is lost and none runs
under two keys. Several workers on one store never run the same step at once: a claim is a
single UPDATE of a step that is ready (or whose lease expired) inside a serialised write
transaction.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from onething.compiler.manifest import Manifest
from onething.runtime.adapters.base import Outcome, StepRequest
from onething.runtime.calendar import WorkingCalendar
from onething.runtime.casestatus import move_case
from onething.runtime.config import RuntimeConfig
from onething.runtime.progress import apply_outcome
from onething.runtime.schedule import predecessors
from onething.runtime.store import Store
from onething.runtime.store.manifests import get_manifest
from onething.runtime.store.tables import case_materials, cases, steps
from onething.runtime.transitions import StepChanged, transition_step

# The statements of the hot path, built once: building a statement costs more than running it.
# Two queries, each served by an index without sorting: a step whose lease expired (recovery
# first), else the oldest ready step that is due. (One query with OR sorted every ready step.)
_EXPIRED = (select(steps).where(steps.c.status == "dispatched", steps.c.lease_expires_at <= bindparam("now"))
            .order_by(steps.c.lease_expires_at).limit(1))
_READY = (select(steps)
          .where(steps.c.status == "ready", or_(steps.c.retry_at.is_(None), steps.c.retry_at <= bindparam("now")))
          .order_by(steps.c.id).limit(1))
_CASE_BY_ID = select(cases).where(cases.c.id == bindparam("case_id"))
_STEP_BY_ID = select(steps).where(steps.c.id == bindparam("step_id"))
_MATERIALS = select(case_materials.c.material, case_materials.c.status).where(
    case_materials.c.case_id == bindparam("case_id"))
_UPSTREAM = select(steps.c.item, steps.c.outputs).where(
    steps.c.case_id == bindparam("case_id"), steps.c.item.in_(bindparam("items", expanding=True)),
    steps.c.status == "done")


class _Step(SimpleNamespace):
    """A step row as it stands after the claim (attribute access like a row)."""


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Claim:
    step: Any  # the step row as it stands after the claim
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
                 calendar: WorkingCalendar | None = None, sleep: Callable[[float], None] = time.sleep,
                 heartbeat: bool = True) -> None:
        self.store = store
        self.config = config or RuntimeConfig()
        self.worker_id = worker_id or default_worker_id()
        self.actor = f"worker {self.worker_id}"
        self.calendar = calendar or WorkingCalendar()
        self.sleep = sleep
        self.heartbeat = heartbeat
        self._manifests: dict[str, Manifest] = {}

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.config.lease_seconds)

    def _manifest(self, conn: Any, digest: str) -> Manifest:
        if digest not in self._manifests:
            self._manifests[digest] = get_manifest(conn, digest)
        return self._manifests[digest]

    def claim(self) -> Claim | None:
        """Claim the next step that is ready (and due) or whose lease expired, or None."""
        with self.store.write() as conn:
            now = self.store.clock.now()
            row = (conn.execute(_EXPIRED, {"now": now}).first()
                   or conn.execute(_READY, {"now": now}).first())
            if row is None:
                return None
            again = row.status == "dispatched"
            case = conn.execute(_CASE_BY_ID, {"case_id": row.case_id}).one()
            lease = {"attempts": row.attempts + 1, "lease_owner": self.worker_id,
                     "lease_expires_at": now + self.lease, "retry_at": None}
            transition_step(conn, row.id, "dispatched", actor=self.actor, at=now, expect=row.status,
                            known=(row.item, case.number), **lease,
                            data={"attempt": row.attempts + 1, **({"lease_expired": row.lease_owner} if again else {})})
            if case.status == "accepted":
                move_case(conn, case, "in_progress", actor=self.actor, at=now)
            manifest = self._manifest(conn, case.manifest_hash)
            request = self._request(conn, row, case, manifest, row.attempts + 1)
        step = _Step(**{**row._asdict(), **lease, "status": "dispatched", "updated_at": now})
        return Claim(step, manifest, request)

    def _request(self, conn: Any, row: Any, case: Any, manifest: Manifest, attempt: int) -> StepRequest:
        plan_step = manifest.plan.steps[row.item]
        declared = plan_step.inputs
        answers = case.answers or {}
        fields = {k: answers[k] for k in declared.fields if k in answers}
        held = dict(conn.execute(_MATERIALS, {"case_id": case.id}).all())
        materials = {m: held[m] for m in declared.materials if m in held}
        before = predecessors(manifest)[row.item]
        upstream: dict[str, dict[str, Any]] = {}
        if before:
            for item, outputs in conn.execute(_UPSTREAM, {"case_id": case.id, "items": sorted(before)}).all():
                upstream[item] = outputs or {}
        return StepRequest(case=case.number, item=row.item, department=row.department,
                           idempotency_key=row.idempotency_key, attempt=attempt, fields=fields,
                           materials=materials, upstream=dict(sorted(upstream.items())),
                           outputs=list(plan_step.outputs))

    def call(self, claim: Claim) -> Outcome:
        adapter = self.config.adapter_for(claim.step.department)
        if not self.heartbeat:
            return adapter(claim.request)
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(claim.step.id, stop), daemon=True)
        beat.start()
        try:
            return adapter(claim.request)
        finally:
            stop.set()
            beat.join()

    def _beat(self, step_id: int, stop: threading.Event) -> None:
        """Renew the lease every third of its length while the adapter runs."""
        interval = max(self.config.lease_seconds / 3, 0.05)
        while not stop.wait(interval):
            try:
                with self.store.write() as conn:
                    conn.execute(steps.update().where(
                        steps.c.id == step_id, steps.c.status == "dispatched",
                        steps.c.lease_owner == self.worker_id).values(
                        lease_expires_at=self.store.clock.now() + self.lease))
            except Exception:  # a missed beat only shortens the lease
                continue

    def record(self, claim: Claim, outcome: Outcome) -> str | None:
        """Record the outcome if this worker still holds the lease; None if it lost it."""
        with self.store.write() as conn:
            step = conn.execute(_STEP_BY_ID, {"step_id": claim.step.id}).one()
            if step.status != "dispatched" or step.lease_owner != self.worker_id:
                return None
            now = self.store.clock.now()
            try:
                return apply_outcome(conn, step, outcome, claim.manifest, actor=self.actor, at=now,
                                     today=self.store.clock.today(), retry=self.config.retry,
                                     case_number=claim.request.case)
            except StepChanged:  # pragma: no cover - the write lock and the check above prevent it
                return None

    def run_one(self) -> str | None | bool:
        """Claim and carry out one step: its new status, None if the lease was lost, False if nothing to do."""
        claim = self.claim()
        if claim is None:
            return False
        return self.record(claim, self.call(claim))

    def next_wakeup(self) -> datetime | None:
        """When something may become claimable: the earliest retry or lease expiry; None if nothing waits."""
        with self.store.read() as conn:
            retry = conn.execute(select(func.min(steps.c.retry_at)).where(steps.c.status == "ready")).scalar()
            lease = conn.execute(select(func.min(steps.c.lease_expires_at))
                                 .where(steps.c.status == "dispatched")).scalar()
        found = [t for t in (retry, lease) if t is not None]
        return min(found) if found else None

    def run(self, *, until_idle: bool = False, max_steps: int | None = None,
            stop: Callable[[], bool] | None = None) -> RunSummary:
        """Work until idle (with ``until_idle``), ``max_steps`` steps, or ``stop()``; otherwise poll."""
        summary = RunSummary()
        while max_steps is None or summary.steps < max_steps:
            if stop is not None and stop():
                break
            result = self.run_one()
            if result is False:
                wake = self.next_wakeup()
                if until_idle and wake is None:
                    break
                # poll: a step another worker holds may finish (and unblock others) long before its
                # lease would expire, so never sleep past poll_seconds
                wait = self.config.poll_seconds
                if wake is not None:
                    wait = min(wait, max((wake - self.store.clock.now()).total_seconds(), 0.0) + 0.01)
                self.sleep(wait)
                continue
            summary.steps += 1
            key = "lost_lease" if result is None else ("retry" if result == "ready" else str(result))
            summary.outcomes[key] = summary.outcomes.get(key, 0) + 1
            if result is None:
                summary.lost_leases += 1
        return summary
