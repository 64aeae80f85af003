"""What an outcome does to a case: the step moves, its dependents unblock or are skipped, and
the case finishes when nothing is left to do.

Shared by the engine (a batch of adapters' answers) and the clerk commands (``complete``,
``deliver``); always inside the caller's write transaction, so a step's move, its
consequences and their audit events commit together. The consequences are decided in
Python from the case's steps as read in that transaction and the plan's cached
:class:`~onething.runtime.schedule.PlanIndex`, and written by
:class:`~onething.runtime.transitions.Moves` in a few multi-row statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from onething.compiler.manifest import Manifest
from onething.dsl.i18n import _
from onething.runtime.adapters.base import Outcome
from onething.runtime.config import RetryPolicy
from onething.runtime.schedule import PlanIndex, plan_index
from onething.runtime.store.direct import DirectRead
from onething.runtime.store.tables import cases, steps
from onething.runtime.transitions import Moves

LEASE_CLEARED = {"lease_owner": None, "lease_expires_at": None}
FINISHED_STEP = ("done", "rejected", "skipped")
_CASES = DirectRead(select(cases.c.id, cases.c.number, cases.c.status, cases.c.manifest_hash).where(
    cases.c.id.in_(bindparam("ids", expanding=True))))
_STEPS = DirectRead(select(steps.c.id, steps.c.case_id, steps.c.item, steps.c.status, steps.c.attempts,
                           steps.c.lease_owner).where(steps.c.case_id.in_(bindparam("ids", expanding=True)))
                    .order_by(steps.c.id))


@dataclass(slots=True)
class StepState:
    id: int
    item: str
    status: str
    attempts: int
    lease_owner: str | None


@dataclass(slots=True)
class CaseState:
    """A case and its steps as read in this transaction, kept current as moves are made."""

    id: int
    number: str
    status: str
    manifest_hash: str
    plan: PlanIndex
    steps: dict[str, StepState]  # item → step, in id (plan) order


def load_cases(conn: Connection, ids: Iterable[int], plan_for: Callable[[str], PlanIndex]) -> dict[int, CaseState]:
    """The cases ``ids`` with their steps: two statements however many cases."""
    wanted = sorted(set(ids))
    out = {case_id: CaseState(case_id, number, status, digest, plan_for(digest), {})
           for case_id, number, status, digest in _CASES.all(conn, {"ids": wanted})}
    for step_id, case_id, item, status, attempts, owner in _STEPS.all(conn, {"ids": wanted}):
        out[case_id].steps[item] = StepState(step_id, item, status, attempts, owner)
    return out


def decide_outcome(moves: Moves, case: CaseState, item: str, outcome: Outcome, *, retry: RetryPolicy,
                   data: dict[str, Any] | None = None) -> str:
    """Record ``outcome`` for the case's step ``item`` and its consequences; returns the new status."""
    step = case.steps[item]
    extra = dict(data or {})

    def move(to: str, record: dict[str, Any] | None = None, **changes: Any) -> None:
        moves.step(step.id, item, case.number, step.status, to, data=extra if record is None else record, **changes)
        step.status = to

    if outcome.status == "done":
        move("done", outputs=outcome.outputs, reason=None, retry_at=None, **LEASE_CLEARED)
        unblock(moves, case)
    elif outcome.status == "rejected":
        reason = outcome.reason or _("rejected by the department")
        move("rejected", reason=reason, retry_at=None, **LEASE_CLEARED)
        skip_dependents(moves, case, item, reason=_("{item} was rejected: {reason}").format(item=item, reason=reason))
    elif outcome.status == "pending":
        move("pending", reason=outcome.reason, **LEASE_CLEARED)
        return "pending"
    elif outcome.status == "retry" and step.attempts < retry.max_attempts:
        due = moves.at + retry.delay(step.attempts)
        move("ready", {**extra, "retry_at": due.isoformat()}, reason=outcome.reason, retry_at=due, **LEASE_CLEARED)
        return "ready"
    else:  # a permanent failure, or transient failures beyond the limit
        reason = outcome.reason or _("the adapter failed")
        if outcome.status == "retry":
            reason = _("gave up after {n} attempts: {reason}").format(n=step.attempts, reason=reason)
        move("failed", reason=reason, retry_at=None, **LEASE_CLEARED)
        moves.case_values(case.id, flagged=True)
        return "failed"
    close_case(moves, case)
    return outcome.status


def unblock(moves: Moves, case: CaseState) -> list[str]:
    """Blocked steps whose prerequisites are all done become ready."""
    moved: list[str] = []
    done: set[str] | None = None  # found once a blocked step is met (late in a case, none are)
    for s in case.steps.values():
        if s.status == "blocked":
            if done is None:
                done = {d.item for d in case.steps.values() if d.status == "done"}
            if case.plan.before.get(s.item, _NOTHING) <= done:
                moves.step(s.id, s.item, case.number, "blocked", "ready")
                s.status = "ready"
                moved.append(s.item)
    return moved


_NOTHING: frozenset[str] = frozenset()


def skip_dependents(moves: Moves, case: CaseState, item: str, *, reason: str) -> list[str]:
    """Every step that waits, directly or not, for ``item`` is skipped with ``reason``."""
    skipped = []
    for other in case.plan.after.get(item, ()):
        s = case.steps.get(other)
        if s is not None and s.status in ("blocked", "ready", "suspended", "failed"):
            moves.step(s.id, s.item, case.number, s.status, "skipped", reason=reason)
            s.status = "skipped"
            skipped.append(s.item)
    return skipped


def close_case(moves: Moves, case: CaseState) -> str | None:
    """When every step is done, rejected or skipped, the case ends; returns its final status."""
    if case.status not in ("accepted", "in_progress"):
        return None
    for s in case.steps.values():
        if s.status not in FINISHED_STEP:
            return None
    statuses = [s.status for s in case.steps.values()]
    done = statuses.count("done")
    final = "completed" if done == len(statuses) else ("rejected" if done == 0 else "partially_completed")
    moves.case(case.id, case.number, case.status, final, data={"done": done, "steps": len(statuses)},
               closed_at=moves.at)
    case.status = final
    return final


def apply_outcome(conn: Connection, step: Any, outcome: Outcome, manifest: Manifest, *, actor: str,
                  at: datetime, retry: RetryPolicy, data: dict[str, Any] | None = None) -> str:
    """Record ``outcome`` for ``step`` (a row of ``steps`` read in this transaction) and its
    consequences; returns the new status. One step's :func:`decide_outcome`, for the clerks."""
    case = load_cases(conn, [step.case_id], lambda _digest: plan_index(manifest))[step.case_id]
    moves = Moves(conn, actor=actor, at=at)
    status = decide_outcome(moves, case, step.item, outcome, retry=retry, data=data)
    moves.flush()
    return status


def finish_case(conn: Connection, case_id: int, *, actor: str, at: datetime) -> str | None:
    """Close the case if every step is finished; returns its final status (None if it stays open)."""
    found = load_cases(conn, [case_id], lambda _digest: _NO_PLAN)
    if case_id not in found:
        return None
    moves = Moves(conn, actor=actor, at=at)
    final = close_case(moves, found[case_id])
    moves.flush()
    return final


_NO_PLAN = PlanIndex((), {}, {}, {}, {}, {}, {})  # closing a case needs its steps' statuses, not its plan
