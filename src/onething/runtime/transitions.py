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
from onething.runtime.audit import Event, NewEvent, append_events
from onething.runtime.errors import RuntimeProblem
from onething.runtime.masking import mask_text
from onething.runtime.store.bulk import Bulk
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
_UPDATE_CASE = cases.update().where(cases.c.id == bindparam("b_id"))
_READ_STEP = (select(steps.c.status, steps.c.item, cases.c.number)
              .join(cases, cases.c.id == steps.c.case_id).where(steps.c.id == bindparam("step_id")))


_BULKS: dict[tuple[Any, tuple[str, ...]], Bulk] = {}


def _bulk(statement: Any, keys: tuple[str, ...]) -> Bulk:
    """The statement compiled for these columns, kept (a handful of shapes occur)."""
    found = _BULKS.get((statement, keys))
    if found is None:
        found = _BULKS[(statement, keys)] = Bulk(statement, keys)
    return found


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
    write transaction — spares reading it again; the update still only moves a step that is
    in ``expect``.
    """
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
    moves = Moves(conn, actor=actor, at=at)
    moves.step(step_id, row.item, row.number, before, to_status, data=data, **changes)
    return moves.flush()[0]


class Moves:
    """The step and case moves of one write transaction, written together by :meth:`flush`.

    Each move is checked when it is made (an illegal one raises at once, before anything is
    written). :meth:`flush` then writes them in a handful of statements whatever their number
    (the engine records a batch of outcomes this way): one multi-row UPDATE of steps per set
    of columns changed — each row moved only if it is still in the status the caller read, so
    a step someone else moved meanwhile raises :class:`StepChanged` and the transaction rolls
    back — one of cases likewise, then every audit event in the order the moves were made. A
    step moved twice before a flush (unblocked, then skipped) is updated once, from its first
    status to its last.
    """

    def __init__(self, conn: Connection, *, actor: str, at: datetime) -> None:
        self.conn, self.actor, self.at = conn, actor, at
        self._steps: dict[int, tuple[str, str, str | None, dict[str, Any]]] = {}  # id → (expect, item, case, values)
        self._cases: dict[int, dict[str, Any]] = {}
        self._events: list[NewEvent] = []

    def step(self, step_id: int, item: str, case_number: str | None, before: str, after: str, *,
             data: dict[str, Any] | None = None, written: bool = False, **changes: Any) -> None:
        """Move a step from ``before`` (as the caller read it) to ``after``; ``written``: the
        update is done already (the claim's), only check and record it."""
        if changes and not _SETTABLE.issuperset(changes):
            raise TypeError(f"transition_step cannot set {', '.join(sorted(set(changes) - _SETTABLE))}")
        if after not in STEP_TRANSITIONS.get(before, ()):
            check_step_transition(item, before, after)  # raises, naming the move
        if not written:
            pending = self._steps.get(step_id)
            if pending is None:
                self._steps[step_id] = (before, item, case_number, {"status": after, "updated_at": self.at, **changes})
            else:
                pending[3].update(status=after, **changes)
        record = dict(data) if data else {}
        if changes.get("reason"):
            record["reason"] = mask_text(str(changes["reason"]))
        self._events.append(NewEvent("step", self.actor, self.at, case_number, item, before, after, record))

    def case(self, case_id: int, number: str, before: str, after: str, *, reason: str | None = None,
             data: dict[str, Any] | None = None, **changes: Any) -> None:
        """Move a case (read in this transaction) from ``before`` to ``after``."""
        from onething.runtime.casestatus import check_case_move

        check_case_move(number, before, after)
        self.case_values(case_id, status=after, **changes)
        record = dict(data or {})
        if reason:
            record["reason"] = mask_text(reason)
        self._events.append(NewEvent("case", self.actor, self.at, number, None, before, after, record))

    def case_values(self, case_id: int, **values: Any) -> None:
        """Set columns of a case without a move (e.g. ``flagged``)."""
        self._cases.setdefault(case_id, {"updated_at": self.at}).update(values)

    def flush(self, *, append: bool = True) -> list[Event]:
        """Write every move and its event; returns the events appended. ``append=False`` writes
        the moves and keeps their events for a later flush of the same transaction (one append
        for a batch's outcomes and the next batch's claims)."""
        # rows as tuples, grouped by the columns they set (in the order the moves named them: the
        # same code path names them alike), the WHERE's values last
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for step_id, (expect, _item, _case, values) in self._steps.items():
            groups.setdefault(tuple(values), []).append((*values.values(), step_id, expect))
        for keys, rows in groups.items():
            moved = _bulk(_UPDATE_STEP, (*keys, "b_id", "b_status")).run_rows(self.conn, rows)
            if moved != len(rows) and self.conn.dialect.supports_sane_multi_rowcount:
                pending = self._steps[rows[0][-2]] if len(rows) == 1 else None
                raise StepChanged(_("step {item} of case {case} changed while it was being moved").format(
                    item=pending[1], case=pending[2]) if pending else
                    _("{n} steps changed while they were being moved").format(n=len(rows) - moved))
        case_groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for case_id, values in self._cases.items():
            case_groups.setdefault(tuple(values), []).append((*values.values(), case_id))
        for keys, rows in case_groups.items():
            _bulk(_UPDATE_CASE, (*keys, "b_id")).run_rows(self.conn, rows)
        self._steps, self._cases = {}, {}
        if not append:
            return []
        events = append_events(self.conn, self._events)
        self._events = []
        return events
