"""Case statuses and their moves, each recorded in the audit log in the same transaction.

::

    accepted ──► in_progress ──► completed | partially_completed | rejected ──► delivered
        │             │
        └─────────────┴──► withdrawn        (撤回, before the results are out)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from onething.dsl.i18n import _
from onething.runtime.audit import Event
from onething.runtime.errors import RuntimeProblem
from onething.runtime.store.tables import cases

FINISHED = ("completed", "partially_completed", "rejected")
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    "accepted": frozenset({"in_progress", "withdrawn", *FINISHED}),
    "in_progress": frozenset({"withdrawn", *FINISHED}),
    "completed": frozenset({"delivered"}),
    "partially_completed": frozenset({"delivered"}),
    "rejected": frozenset({"delivered"}),
    "withdrawn": frozenset(),
    "delivered": frozenset(),
}


class UnknownCase(RuntimeProblem):
    """No case with that number."""


class IllegalCaseMove(RuntimeProblem):
    """A case move its status does not allow (deliver an unfinished case, withdraw a delivered one)."""


def find_case(conn: Connection, number: str) -> Any:
    """The case ``number``; in a write transaction its row is locked (``FOR UPDATE``: on PostgreSQL
    a clerk's command and the workers' claims and outcomes on one case take turns)."""
    query = select(cases).where(cases.c.number == number)
    if conn.get_execution_options().get("onething_write", False):
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        from onething.dsl.validation import suggest

        near = conn.execute(select(cases.c.number).order_by(cases.c.id.desc()).limit(2000)).scalars().all()
        guess = suggest(number, near)
        raise UnknownCase(_("no case {number}").format(number=number),
                          _("did you mean {guess}?").format(guess=guess) if guess
                          else _("list the cases with: onething cases"))
    return row


def check_case_move(number: str, before: str, after: str) -> None:
    if after not in CASE_TRANSITIONS[before]:
        allowed = ", ".join(sorted(CASE_TRANSITIONS[before])) or _("none: the case is closed")
        raise IllegalCaseMove(
            _("case {number} cannot go from {before} to {after}").format(number=number, before=before, after=after),
            _("from {before} a case can go to: {allowed}").format(before=before, allowed=allowed))


def move_case(conn: Connection, case: Any, to_status: str, *, actor: str, at: datetime,
              reason: str | None = None, data: dict[str, Any] | None = None, **changes: Any) -> Event:
    """Move ``case`` (a row of ``cases``) to ``to_status`` if its status allows it; records the event."""
    from onething.runtime.transitions import Moves

    moves = Moves(conn, actor=actor, at=at)
    moves.case(case.id, case.number, case.status, to_status, reason=reason, data=data, **changes)
    return moves.flush()[0]
