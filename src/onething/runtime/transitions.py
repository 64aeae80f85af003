"""Step statuses and the moves between them, each recorded in the audit log as it happens.

A step is one item of a case's plan::

    blocked ──► ready ──► dispatched ──► done | rejected | failed
       │          │           │  ▲
       │          │           ▼  │ (lease expired: dispatched again, same idempotency key)
       │          │        pending ──► done | rejected | failed   (a department or clerk has it)
       ▼          ▼
    suspended ──► ready | blocked        (容缺: waiting for a tolerated material; clock paused)
    any unfinished step ──► skipped     (a rejected prerequisite, or the case withdrawn)
    dispatched ──► ready                 (a transient error: retried later, same key)
    failed ──► ready                     (a clerk retries after the cause is fixed)

:func:`transition_step` changes a step's status and appends the audit event in the caller's
write transaction, so the change and its record commit together; it only moves a step that
is still in the status the caller read (two workers cannot both move the same step).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select

from onething.dsl.i18n import _
from onething.runtime.audit import Event, append_event
from onething.runtime.errors import RuntimeProblem
from onething.runtime.masking import mask_text
from onething.runtime.store.tables import STEP_STATUSES, cases, steps

STEP_TRANSITIONS: dict[str, frozenset[str]] = {
    "blocked": frozenset({"ready", "suspended", "skipped"}),
    "ready": frozenset({"dispatched", "suspended", "skipped"}),
    "dispatched": frozenset({"dispatched", "ready", "pending", "done", "rejected", "failed", "skipped"}),
    "pending": frozenset({"done", "rejected", "failed", "skipped"}),
    "suspended": frozenset({"ready", "blocked", "skipped"}),
    "failed": frozenset({"ready", "skipped"}),
    "done": frozenset(),
    "rejected": frozenset(),
    "skipped": frozenset(),
}
TERMINAL = frozenset(s for s, targets in STEP_TRANSITIONS.items() if not targets)

# the columns a transition may set besides the status
_SETTABLE = frozenset({"attempts", "lease_owner", "lease_expires_at", "retry_at", "outputs", "reason",
                       "clock_started_on", "due_on", "statutory_due_on", "supplement_due_on"})


class IllegalTransition(RuntimeProblem):
    """A move the step's status does not allow (a program error or a stale command)."""


class StepNotFound(RuntimeProblem):
    """No step with that id."""


class StepChanged(RuntimeProblem):
    """The step moved on since it was read: someone else handled it first."""


# Built once (a transition runs for every move of every step; building costs more than running).
_UPDATE_STEP = steps.update().where(steps.c.id == bindparam("b_id"), steps.c.status == bindparam("b_status"))
_READ_STEP = (select(steps.c.status, steps.c.item, cases.c.number)
              .join(cases, cases.c.id == steps.c.case_id).where(steps.c.id == bindparam("step_id")))


class _Known(NamedTuple):
    status: str
    item: str
    number: str


def check_step_transition(item: str, before: str, after: str) -> None:
    if before not in STEP_TRANSITIONS or after not in STEP_STATUSES:
        raise IllegalTransition(_("unknown step status {status}").format(
            status=before if before not in STEP_TRANSITIONS else after))
    if after not in STEP_TRANSITIONS[before]:
        allowed = ", ".join(sorted(STEP_TRANSITIONS[before])) or _("none: the step is finished")
        raise IllegalTransition(
            _("step {item} cannot go from {before} to {after}").format(item=item, before=before, after=after),
            _("from {before} a step can go to: {allowed}").format(before=before, allowed=allowed))


def transition_step(conn: Connection, step_id: int, to_status: str, *, actor: str, at: datetime,
                    expect: str | None = None, data: dict[str, Any] | None = None,
                    known: tuple[str, str] | None = None, **changes: Any) -> Event:
    """Move one step to ``to_status`` (setting ``changes``) and record it; returns the audit event.

    ``expect`` is the status the caller acted on (default: the status read now); if the step
    has left it meanwhile, :class:`StepChanged` is raised and nothing is written. A ``reason``
    is recorded in the event with ID and phone numbers masked.

    ``known`` — (item, case number) of a step the caller read, with ``expect``, in this same
    write transaction — spares reading it again (the engine's hot path); the update still
    only moves a step that is in ``expect``.
    """
    unknown = set(changes) - _SETTABLE
    if unknown:
        raise TypeError(f"transition_step cannot set {', '.join(sorted(unknown))}")
    if known is not None and expect is not None:
        row = _Known(expect, known[0], known[1])
    else:
        row = conn.execute(_READ_STEP, {"step_id": step_id}).first()
    if row is None:
        raise StepNotFound(_("no step {id}").format(id=step_id))
    before = expect or row.status
    if row.status != before:
        raise StepChanged(_("step {item} of case {case} is {status} now, not {expected}").format(
            item=row.item, case=row.number, status=row.status, expected=before))
    check_step_transition(row.item, before, to_status)
    moved = conn.execute(_UPDATE_STEP, {"b_id": step_id, "b_status": before, "status": to_status,
                                        "updated_at": at, **changes})
    if moved.rowcount != 1:  # a stale ``known``; otherwise the write lock makes this unreachable on SQLite
        raise StepChanged(_("step {item} of case {case} changed while it was being moved").format(
            item=row.item, case=row.number))
    record = dict(data or {})
    if changes.get("reason"):
        record["reason"] = mask_text(str(changes["reason"]))
    return append_event(conn, kind="step", actor=actor, at=at, case_number=row.number, item=row.item,
                        from_status=before, to_status=to_status, data=record)

