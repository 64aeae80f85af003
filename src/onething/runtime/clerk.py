"""What clerks and departments do to a case after acceptance: complete a step, record a
supplement, withdraw, deliver, evaluate — each a write transaction with its audit events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exc, select

from onething.dsl.i18n import _
from onething.dsl.validation import suggest
from onething.runtime.adapters.base import Outcome
from onething.runtime.audit import append_event
from onething.runtime.calendar import WorkingCalendar
from onething.runtime.casestatus import find_case, move_case
from onething.runtime.config import RetryPolicy
from onething.runtime.errors import RuntimeProblem
from onething.runtime.masking import mask_text
from onething.runtime.progress import apply_outcome, finish_case
from onething.runtime.schedule import finish_offsets, predecessors
from onething.runtime.store import Store
from onething.runtime.store.manifests import get_manifest
from onething.runtime.store.tables import case_materials, cases, evaluations, steps
from onething.runtime.transitions import transition_step

UNFINISHED = ("blocked", "ready", "dispatched", "pending", "suspended", "failed")


class ClerkProblem(RuntimeProblem):
    """A clerk command that the case's state does not allow, or that names something unknown."""


def _step(conn: Any, case: Any, item: str) -> Any:
    row = conn.execute(select(steps).where(steps.c.case_id == case.id, steps.c.item == item)).first()
    if row is None:
        items = conn.execute(select(steps.c.item).where(steps.c.case_id == case.id)).scalars().all()
        guess = suggest(item, items)
        raise ClerkProblem(_("case {case} has no item {item}").format(case=case.number, item=item),
                           _("did you mean {guess}?").format(guess=guess) if guess
                           else _("its items: {items}").format(items=", ".join(items)))
    return row


def complete(store: Store, number: str, item: str, *, approve: bool, actor: str, reason: str | None = None,
             outputs: Mapping[str, str] | None = None) -> str:
    """A department's answer for a pending step (a manual step, or an http 202); returns the new status."""
    with store.write() as conn:
        case = find_case(conn, number)
        step = _step(conn, case, item)
        if step.status != "pending":
            raise ClerkProblem(
                _("step {item} of case {case} is {status}, not pending").format(item=item, case=number, status=step.status),
                _("only a step a department or clerk holds (pending) is completed by hand"))
        manifest = get_manifest(conn, case.manifest_hash)
        if approve:
            _check_outputs(manifest, item, outputs or {})
        outcome = (Outcome("done", dict(outputs or {})) if approve
                   else Outcome("rejected", reason=reason or _("rejected by {actor}").format(actor=actor)))
        return apply_outcome(conn, step, outcome, manifest, actor=actor, at=store.clock.now(),
                             retry=RetryPolicy(), data={"by": "complete"})


def _check_outputs(manifest: Any, item: str, outputs: Mapping[str, str]) -> None:
    """A result is delivered under its key: one the item does not produce (a typo) would reach
    the applicant under a name no one looks for. An item that declares no outputs takes any key."""
    step = manifest.plan.steps.get(item)
    produced = list(step.outputs) if step is not None else []
    if not produced:
        return
    for key in outputs:
        if key not in produced:
            guess = suggest(key, produced)
            raise ClerkProblem(_("item {item} produces no {key!r}").format(item=item, key=key),
                               _("did you mean {guess}?").format(guess=guess) if guess
                               else _("it produces: {outputs}").format(outputs=", ".join(produced)))


def supplement(store: Store, number: str, material: str, *, actor: str,
               calendar: WorkingCalendar | None = None) -> list[str]:
    """Record a missing tolerated material (补正); the steps it held up resume, their clock starting now.

    Returns the items resumed.
    """
    calendar = calendar or WorkingCalendar()
    now, today = store.clock.now(), store.clock.today()
    with store.write() as conn:
        case = find_case(conn, number)
        held = dict(conn.execute(select(case_materials.c.material, case_materials.c.status)
                                 .where(case_materials.c.case_id == case.id)).all())
        if material not in held:
            guess = suggest(material, list(held))
            raise ClerkProblem(_("case {case} has no material {material}").format(case=number, material=material),
                               _("did you mean {guess}?").format(guess=guess) if guess else None)
        if held[material] != "missing":
            raise ClerkProblem(_("material {material} of case {case} is {status}, not missing").format(
                material=material, case=number, status=held[material]))
        if case.status not in ("accepted", "in_progress"):
            raise ClerkProblem(_("case {case} is {status}; nothing waits for a supplement").format(
                case=number, status=case.status))
        conn.execute(case_materials.update().where(case_materials.c.case_id == case.id,
                                                   case_materials.c.material == material)
                     .values(status="supplied", supplied_on=today))
        append_event(conn, kind="material", actor=actor, at=now, case_number=number, from_status="missing",
                     to_status="supplied", data={"material": material})
        held[material] = "supplied"
        still_missing = {m for m, s in held.items() if s == "missing"}
        manifest = get_manifest(conn, case.manifest_hash)
        offsets = finish_offsets(manifest)
        before = predecessors(manifest)
        rows = conn.execute(select(steps).where(steps.c.case_id == case.id)).all()
        done = {r.item for r in rows if r.status == "done"}
        resumed = []
        for r in rows:
            if r.status != "suspended" or set(manifest.plan.steps[r.item].inputs.materials) & still_missing:
                continue
            target = "ready" if before[r.item] <= done else "blocked"
            transition_step(conn, r.id, target, actor=actor, at=now, expect="suspended",
                            data={"supplied": material}, reason=None, clock_started_on=today,
                            due_on=None if offsets[r.item] is None
                            else calendar.add_working_days(today, offsets[r.item]).date)
            resumed.append(r.item)
        _set_case_due(conn, case, manifest)
        return resumed


def _set_case_due(conn: Any, case: Any, manifest: Any) -> None:
    """Once no step waits for a supplement, the case is due when its last step is (if every one is known)."""
    rows = conn.execute(select(steps.c.status, steps.c.due_on).where(steps.c.case_id == case.id)).all()
    if any(r.status == "suspended" for r in rows) or any(r.due_on is None for r in rows):
        return
    conn.execute(cases.update().where(cases.c.id == case.id).values(due_on=max(r.due_on for r in rows)))


def withdraw(store: Store, number: str, *, reason: str, actor: str) -> list[str]:
    """The applicant withdraws (撤回): every unfinished step is skipped; returns them."""
    now = store.clock.now()
    with store.write() as conn:
        case = find_case(conn, number)
        if case.status not in ("accepted", "in_progress"):
            raise ClerkProblem(_("case {case} is {status}; only an open case can be withdrawn").format(
                case=number, status=case.status))
        skipped = []
        for r in conn.execute(select(steps).where(steps.c.case_id == case.id, steps.c.status.in_(UNFINISHED))).all():
            transition_step(conn, r.id, "skipped", actor=actor, at=now, expect=r.status,
                            reason=_("the case was withdrawn: {reason}").format(reason=reason),
                            lease_owner=None, lease_expires_at=None, retry_at=None)
            skipped.append(r.item)
        move_case(conn, case, "withdrawn", actor=actor, at=now, reason=reason, closed_at=now)
        return skipped


def deliver(store: Store, number: str, *, actor: str) -> dict[str, Any]:
    """统一出件: hand over every result of a finished case; returns the outputs by item."""
    now = store.clock.now()
    with store.write() as conn:
        case = find_case(conn, number)
        if case.status in ("accepted", "in_progress"):
            finish_case(conn, case.id, actor=actor, at=now)
            case = find_case(conn, number)
        if case.status == "delivered":
            raise ClerkProblem(_("case {case} is already delivered").format(case=number),
                               _("its results: onething case {case}").format(case=number))
        if case.status == "withdrawn":
            raise ClerkProblem(_("case {case} was withdrawn; it has no results to deliver").format(case=number))
        if case.status not in ("completed", "partially_completed", "rejected"):
            raise ClerkProblem(_("case {case} is {status}; results are delivered once every step is finished").format(
                case=number, status=case.status),
                _("see what is left with: onething case {case}").format(case=number))
        outputs = {r.item: r.outputs for r in conn.execute(
            select(steps.c.item, steps.c.outputs).where(steps.c.case_id == case.id, steps.c.status == "done"))
            if r.outputs}
        move_case(conn, case, "delivered", actor=actor, at=now, data={"items": sorted(outputs)})
        return outputs


def evaluate(store: Store, number: str, *, rating: int, actor: str, comment: str | None = None) -> None:
    """好差评: one evaluation per case, after delivery."""
    if not 1 <= rating <= 5:
        raise ClerkProblem(_("a rating is 1 to 5, not {rating}").format(rating=rating))
    now = store.clock.now()
    with store.write() as conn:
        case = find_case(conn, number)
        if case.status != "delivered":
            raise ClerkProblem(_("case {case} is {status}; it is evaluated after delivery").format(
                case=number, status=case.status))
        try:
            with conn.begin_nested():
                conn.execute(evaluations.insert().values(case_id=case.id, rating=rating, comment=comment,
                                                         actor=actor, at=now))
        except exc.IntegrityError:
            raise ClerkProblem(_("case {case} was evaluated already").format(case=number),
                               _("one evaluation per case")) from None
        append_event(conn, kind="evaluation", actor=actor, at=now, case_number=number,
                     data={"rating": rating, **({"comment": mask_text(comment)} if comment else {})})


def record_unmask(store: Store, *, actor: str, command: str, case_number: str | None = None) -> None:
    """An unmasked read is itself recorded in the audit log."""
    with store.write() as conn:
        append_event(conn, kind="unmask", actor=actor, at=store.clock.now(), case_number=case_number,
                     data={"command": command})
