"""Claiming ready steps, and waiting for some: the one part of the engine a dialect specialises.

:func:`claim_ready` picks up to ``limit`` claimable steps — first those whose lease expired
(a worker died holding them: recovery first), then the oldest ready ones that are due — and
moves them to ``dispatched`` under this worker's lease, in the caller's write transaction.
The engine then records the claims (audit events, the case's move) in the same transaction,
so the lease and the idempotency key the department will see are committed before any
adapter is called.

Why it is safe: on SQLite a write transaction begins ``BEGIN IMMEDIATE`` and holds the
whole store, so the rows read are still claimable when updated, and two workers never claim
one step. On PostgreSQL the read locks the rows it returns and skips rows another worker
holds (``SELECT … FOR UPDATE SKIP LOCKED``: concurrent workers each take different steps
instead of queueing behind one); the update still only moves a step in the status it was
read in, and a mismatch aborts the transaction.

:func:`lock_cases` locks the cases a transaction is about to decide for (PostgreSQL: ``SELECT
… FOR UPDATE`` in id order; SQLite: nothing, the store is held): two workers claiming steps of
one accepted case, or recording outcomes of two steps of one case, take turns, so each reads
what the other committed (otherwise both would move the case to in_progress, or both decide
that a step waiting for the two stays blocked).

:func:`wait_for_work` is how an idle worker waits: a sleep of at most the poll interval (the
engine's caller decides how long); on PostgreSQL the engine waits on ``store.waiting.Wakeup``
instead, which LISTEN/NOTIFY ends as soon as a step becomes ready.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, or_, select

from onething.dsl.i18n import _
from onething.runtime.store.bulk import Bulk
from onething.runtime.store.direct import DirectRead
from onething.runtime.store.tables import STEP_DISPATCHED, STEP_READY, cases, steps


class Claimed(NamedTuple):
    """A step just claimed: as it stood before (``before``, ``previous_owner``) and its new attempt."""

    id: int
    case_id: int
    item: str
    department: str
    idempotency_key: str
    before: str  # ready, or dispatched (an expired lease)
    attempts: int  # this dispatch's attempt, from 1
    previous_owner: str | None


_COLUMNS = (steps.c.id, steps.c.case_id, steps.c.item, steps.c.department, steps.c.idempotency_key,
            steps.c.status, steps.c.attempts, steps.c.lease_owner)
# Two queries, each served by a partial index without sorting (one query with OR sorted every ready step).
_EXPIRED = (select(*_COLUMNS).where(STEP_DISPATCHED, steps.c.lease_expires_at <= bindparam("now"))
            .order_by(steps.c.lease_expires_at).limit(bindparam("limit")))
_READY = (select(*_COLUMNS)
          .where(STEP_READY, or_(steps.c.retry_at.is_(None), steps.c.retry_at <= bindparam("now")))
          .order_by(steps.c.id).limit(bindparam("limit")))
# the same reads, locking what they return and skipping what another worker holds (PostgreSQL;
# SQLite has no row locks: its compiler leaves the clause out, and the write transaction holds
# the store), run on SQLite's cursor
_EXPIRED_LOCKED = DirectRead(_EXPIRED.with_for_update(skip_locked=True))
_READY_LOCKED = DirectRead(_READY.with_for_update(skip_locked=True))
_LOCK_CASES = (select(cases.c.id).where(cases.c.id.in_(bindparam("ids", expanding=True)))
               .order_by(cases.c.id).with_for_update())
_DISPATCH = Bulk(steps.update().where(steps.c.id == bindparam("b_id"), steps.c.status == bindparam("b_status")),
                 ("status", "attempts", "lease_owner", "lease_expires_at", "retry_at", "updated_at", "b_id", "b_status"))


class ClaimRace(RuntimeError):
    """A step read as claimable was not when updated (impossible under the write lock)."""


def claim_ready(conn: Connection, *, worker_id: str, now: datetime, lease_until: datetime,
                limit: int) -> list[Claimed]:
    """Claim up to ``limit`` steps for ``worker_id`` until ``lease_until``; call in a write transaction."""
    rows: list[Any] = _EXPIRED_LOCKED.all(conn, {"now": now, "limit": limit})
    if len(rows) < limit:
        rows += _READY_LOCKED.all(conn, {"now": now, "limit": limit - len(rows)})
    if not rows:
        return []
    # (id, case_id, item, department, idempotency_key, status, attempts, lease_owner)
    moved = _DISPATCH.run_rows(conn, [("dispatched", r[6] + 1, worker_id, lease_until, None, now, r[0], r[5])
                                      for r in rows])
    if moved != len(rows) and conn.dialect.supports_sane_multi_rowcount:
        raise ClaimRace(_("{n} steps changed while they were being claimed").format(n=len(rows) - moved))
    return [Claimed(r[0], r[1], r[2], r[3], r[4], r[5], r[6] + 1, r[7]) for r in rows]


def lock_cases(conn: Connection, case_ids: list[int]) -> None:
    """Lock these cases' rows until the transaction ends (PostgreSQL; SQLite holds the whole store)."""
    if conn.dialect.name == "postgresql" and case_ids:
        conn.execute(_LOCK_CASES, {"ids": sorted(set(case_ids))}).all()


def wait_for_work(store: Any, seconds: float, sleep: Callable[[float], None]) -> None:
    """Wait up to ``seconds`` for a step to become claimable (here: simply wait)."""
    sleep(seconds)
