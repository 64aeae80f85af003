"""What an outcome does to a case: the step moves, its dependents unblock or are skipped, and
the case finishes when nothing is left to do.

Shared by the engine (an adapter's answer) and the clerk commands (``complete``,
``supplement``, ``withdraw``); always inside the caller's write transaction, so a step's move,
its consequences and their audit events commit together.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from onething.compiler.manifest import Manifest
from onething.dsl.i18n import _
from onething.runtime.adapters.base import Outcome
from onething.runtime.casestatus import move_case
from onething.runtime.config import RetryPolicy
from onething.runtime.schedule import dependents, predecessors
from onething.runtime.store.tables import cases, steps
from onething.runtime.transitions import transition_step

LEASE_CLEARED = {"lease_owner": None, "lease_expires_at": None}
_CASE_STEPS = select(steps.c.id, steps.c.item, steps.c.status).where(steps.c.case_id == bindparam("case_id"))
_CASE_BY_ID = select(cases).where(cases.c.id == bindparam("case_id"))


def apply_outcome(conn: Connection, step: Any, outcome: Outcome, manifest: Manifest, *, actor: str,
                  at: datetime, today: date, retry: RetryPolicy, data: dict[str, Any] | None = None,
                  case_number: str | None = None) -> str:
    """Record ``outcome`` for ``step`` (a row of ``steps`` read in this transaction) and its
    consequences; returns the new status. ``case_number`` spares reading the step again."""
    extra = dict(data or {})
    known = (step.item, case_number) if case_number else None
    if outcome.status == "done":
        transition_step(conn, step.id, "done", actor=actor, at=at, expect=step.status, data=extra, known=known,
                        outputs=outcome.outputs, reason=None, retry_at=None, **LEASE_CLEARED)
        unblock(conn, step.case_id, manifest, actor=actor, at=at, case_number=case_number)
    elif outcome.status == "rejected":
        reason = outcome.reason or _("rejected by the department")
        transition_step(conn, step.id, "rejected", actor=actor, at=at, expect=step.status, data=extra, known=known,
                        reason=reason, retry_at=None, **LEASE_CLEARED)
        skip_dependents(conn, step.case_id, step.item, manifest, actor=actor, at=at,
                        reason=_("{item} was rejected: {reason}").format(item=step.item, reason=reason))
    elif outcome.status == "pending":
        transition_step(conn, step.id, "pending", actor=actor, at=at, expect=step.status, data=extra, known=known,
                        reason=outcome.reason, **LEASE_CLEARED)
        return "pending"
    elif outcome.status == "retry" and step.attempts < retry.max_attempts:
        due = at + retry.delay(step.attempts)
        transition_step(conn, step.id, "ready", actor=actor, at=at, expect=step.status, known=known,
                        data={**extra, "retry_at": due.isoformat()}, reason=outcome.reason, retry_at=due,
                        **LEASE_CLEARED)
        return "ready"
    else:  # a permanent failure, or transient failures beyond the limit
        reason = outcome.reason or _("the adapter failed")
        if outcome.status == "retry":
            reason = _("gave up after {n} attempts: {reason}").format(n=step.attempts, reason=reason)
        transition_step(conn, step.id, "failed", actor=actor, at=at, expect=step.status, data=extra, known=known,
                        reason=reason, retry_at=None, **LEASE_CLEARED)
        conn.execute(cases.update().where(cases.c.id == step.case_id).values(flagged=True, updated_at=at))
        return "failed"
    finish_case(conn, step.case_id, actor=actor, at=at)
    return outcome.status


def unblock(conn: Connection, case_id: int, manifest: Manifest, *, actor: str, at: datetime,
            case_number: str | None = None) -> list[str]:
    """Blocked steps whose prerequisites are all done become ready."""
    rows = conn.execute(_CASE_STEPS, {"case_id": case_id}).all()
    done = {r.item for r in rows if r.status == "done"}
    before = predecessors(manifest)
    moved = []
    for r in rows:
        if r.status == "blocked" and before.get(r.item, set()) <= done:
            transition_step(conn, r.id, "ready", actor=actor, at=at, expect="blocked",
                            known=(r.item, case_number) if case_number else None)
            moved.append(r.item)
    return moved


def skip_dependents(conn: Connection, case_id: int, item: str, manifest: Manifest, *, actor: str,
                    at: datetime, reason: str) -> list[str]:
    """Every step that waits, directly or not, for ``item`` is skipped with ``reason``."""
    waiting = set(dependents(manifest, item))
    rows = conn.execute(select(steps.c.id, steps.c.item, steps.c.status)
                        .where(steps.c.case_id == case_id, steps.c.item.in_(waiting))).all()
    skipped = []
    for r in rows:
        if r.status in ("blocked", "ready", "suspended", "failed"):
            transition_step(conn, r.id, "skipped", actor=actor, at=at, expect=r.status, reason=reason)
            skipped.append(r.item)
    return skipped


def finish_case(conn: Connection, case_id: int, *, actor: str, at: datetime) -> str | None:
    """When every step is done, rejected or skipped, the case ends; returns its final status."""
    case = conn.execute(_CASE_BY_ID, {"case_id": case_id}).first()
    statuses = [r.status for r in conn.execute(_CASE_STEPS, {"case_id": case_id})]
    if case is None or case.status not in ("accepted", "in_progress"):
        return None
    if any(s not in ("done", "rejected", "skipped") for s in statuses):
        return None
    done = sum(1 for s in statuses if s == "done")
    final = "completed" if done == len(statuses) else ("rejected" if done == 0 else "partially_completed")
    move_case(conn, case, final, actor=actor, at=at, closed_at=at,
              data={"done": done, "steps": len(statuses)})
    return final
