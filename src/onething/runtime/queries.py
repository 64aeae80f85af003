"""What clerks read: the list of cases, one case in full, the departments' tasks.

Everything is returned as plain data (for ``--format json`` and for the text views), masked
unless ``unmask`` — the caller records an unmasked read in the audit log
(``clerk.record_unmask``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from onething.runtime.audit import case_events
from onething.runtime.casestatus import find_case
from onething.runtime.masking import mask_answers, mask_text
from onething.runtime.store.applicants import applicant_digest
from onething.runtime.store.manifests import get_manifest
from onething.runtime.store.tables import STEP_WAITING, case_materials, cases, evaluations, steps

OPEN = ("accepted", "in_progress")
UNFINISHED_STEPS = ("blocked", "ready", "dispatched", "pending", "suspended", "failed")


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def _mask_outputs(outputs: Any, unmask: bool) -> Any:
    if unmask or not outputs:
        return outputs
    return {k: mask_text(v) if isinstance(v, str) else v for k, v in outputs.items()}


def list_cases(conn: Connection, today: date, *, status: str | None = None, overdue: bool = False,
               applicant: str | None = None, bundle: str | None = None) -> list[dict[str, Any]]:
    query = select(cases.c.id, cases.c.number, cases.c.bundle_id, cases.c.status, cases.c.flagged,
                   cases.c.accepted_on, cases.c.due_on, cases.c.actor).order_by(cases.c.id)
    if status:
        query = query.where(cases.c.status == status)
    if bundle:
        query = query.where(cases.c.bundle_id == bundle)
    if applicant:
        query = query.where(cases.c.applicant_digest == applicant_digest(applicant))
    if overdue:
        query = query.where(cases.c.status.in_(OPEN), cases.c.due_on < today)
    rows = conn.execute(query).all()
    counts: dict[int, dict[str, int]] = {}
    if rows:
        for case_id, st, n in conn.execute(
                select(steps.c.case_id, steps.c.status, func.count()).where(
                    steps.c.case_id.in_([r.id for r in rows])).group_by(steps.c.case_id, steps.c.status)):
            counts.setdefault(case_id, {})[st] = n
    return [{"case": r.number, "bundle": r.bundle_id, "status": r.status, "flagged": bool(r.flagged),
             "accepted_on": _iso(r.accepted_on), "due_on": _iso(r.due_on),
             "overdue": r.status in OPEN and r.due_on is not None and r.due_on < today,
             "steps": dict(sorted(counts.get(r.id, {}).items()))} for r in rows]


def case_detail(conn: Connection, number: str, today: date, *, unmask: bool = False) -> dict[str, Any]:
    case = find_case(conn, number)
    manifest = get_manifest(conn, case.manifest_hash)
    fields = [f for s in manifest.form.sections for f in s.fields]
    answers = dict(case.answers or {}) if unmask else mask_answers(case.answers or {}, fields)
    step_rows = conn.execute(select(steps).where(steps.c.case_id == case.id).order_by(steps.c.stage, steps.c.id)).all()
    unfinished = [s.stage for s in step_rows if s.status in UNFINISHED_STEPS]
    materials = conn.execute(select(case_materials).where(case_materials.c.case_id == case.id)
                             .order_by(case_materials.c.id)).all()
    evaluation = conn.execute(select(evaluations).where(evaluations.c.case_id == case.id)).first()
    names = {m.id: m.name for m in manifest.materials}
    return {
        "case": case.number, "bundle": case.bundle_id, "bundle_version": manifest.bundle.version,
        "title": manifest.bundle.title, "status": case.status, "flagged": bool(case.flagged),
        "manifest_hash": case.manifest_hash, "accepted_on": _iso(case.accepted_on), "due_on": _iso(case.due_on),
        "statutory_due_on": _iso(case.statutory_due_on),
        "overdue": case.status in OPEN and case.due_on is not None and case.due_on < today,
        "actor": case.actor, "stage": min(unfinished) if unfinished else None,
        "answers": answers, "selection": case.selection,
        "materials": [{"material": m.material, "name": names.get(m.material, {}), "status": m.status,
                       "supplement_due_on": _iso(m.supplement_due_on), "supplied_on": _iso(m.supplied_on)}
                      for m in materials],
        "steps": [{"item": s.item, "name": manifest.plan.steps[s.item].name if s.item in manifest.plan.steps else {},
                   "department": s.department, "stage": s.stage, "status": s.status,
                   "attempts": s.attempts, "due_on": _iso(s.due_on), "statutory_due_on": _iso(s.statutory_due_on),
                   "supplement_due_on": _iso(s.supplement_due_on), "clock_started_on": _iso(s.clock_started_on),
                   "overdue": s.status in UNFINISHED_STEPS and s.due_on is not None and s.due_on < today,
                   "outputs": _mask_outputs(s.outputs, unmask),
                   "reason": s.reason if unmask or not s.reason else mask_text(s.reason)}
                  for s in step_rows],
        "history": [{"seq": e.seq, "at": _iso(e.at), "kind": e.kind, "item": e.item, "from": e.from_status,
                     "to": e.to_status, "actor": e.actor, "data": e.data} for e in case_events(conn, case.number)],
        "evaluation": None if evaluation is None else {
            "rating": evaluation.rating, "comment": evaluation.comment if unmask or not evaluation.comment
            else mask_text(evaluation.comment), "at": _iso(evaluation.at)},
    }


def tasks(conn: Connection, today: date, *, department: str | None = None) -> list[dict[str, Any]]:
    """Steps waiting for a person: pending at a department, failed (a clerk must look), suspended (容缺)."""
    query = (select(steps.c.item, steps.c.department, steps.c.status, steps.c.due_on, steps.c.reason,
                    steps.c.supplement_due_on, cases.c.number)
             .join(cases, cases.c.id == steps.c.case_id)
             .where(STEP_WAITING).order_by(steps.c.due_on, steps.c.id))
    if department:
        query = query.where(steps.c.department == department)
    return [{"case": r.number, "item": r.item, "department": r.department, "status": r.status,
             "due_on": _iso(r.due_on), "supplement_due_on": _iso(r.supplement_due_on),
             "overdue": r.due_on is not None and r.due_on < today,
             "reason": mask_text(r.reason) if r.reason else None} for r in conn.execute(query)]
