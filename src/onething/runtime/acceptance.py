"""Acceptance at the one window (一窗受理): a manifest, answers and materials → a case, or why not.

:func:`accept` checks everything at once and has one of three outcomes:

- ``accepted``: a case with its unified number, the manifest (stored once by hash), the
  answers, the selection, each step (ready, blocked behind its prerequisites, or suspended
  while a tolerated material is missing — 容缺) with its due date, and the acceptance notice
  (受理通知书);
- ``supplement``: a ``submit`` material is missing, a ``commitment`` material is neither handed
  in nor committed to, or the answers have problems → no case, and the one-time supplement
  notice (一次性补正告知书) lists every one of them;
- ``refused``: the answers decide every non-optional item out (the bundle is not for this
  applicant) → no case, and the refusal notice (不予受理告知书) gives the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select

from onething.compiler.manifest import Manifest, MaterialOut
from onething.dsl.i18n import _
from onething.dsl.validation import suggest
from onething.runtime.audit import append_event
from onething.runtime.calendar import WorkingCalendar
from onething.runtime.masking import mask_id_number, mask_name
from onething.runtime.schedule import finish_offsets, plan_order, predecessors, warning_texts
from onething.runtime.store import Store
from onething.runtime.store.applicants import applicant_digest
from onething.runtime.store.bulk import Bulk
from onething.runtime.store.casenumbers import case_prefix, next_case_number
from onething.runtime.store.manifests import manifest_hash, put_manifest
from onething.runtime.store.tables import case_materials, cases, manifests, steps


@dataclass
class MaterialCheck:
    """The materials of a manifest against what the applicant handed in."""

    statuses: dict[str, str] = field(default_factory=dict)   # material → case_materials status
    missing: list[MaterialOut] = field(default_factory=list)  # blocking: no case
    tolerated_missing: list[MaterialOut] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # ids handed in that the manifest does not list

    def unknown_notes(self, manifest: Manifest) -> list[str]:
        ids = [m.id for m in manifest.materials]
        out = []
        for given in self.unknown:
            guess = suggest(given, ids)
            out.append(_("{id} is not a material of this case (kept as an extra){more}").format(
                id=given, more=_("; did you mean {guess}?").format(guess=guess) if guess else ""))
        return out


def check_materials(manifest: Manifest, handed_in: Iterable[str], committed: Iterable[str] = ()) -> MaterialCheck:
    given, promised = set(handed_in), set(committed)
    out = MaterialCheck()
    for m in manifest.materials:
        if m.status == "waived":
            out.statuses[m.id] = "waived"
        elif m.id in given:
            out.statuses[m.id] = "submitted"
        elif m.status == "commitment" and m.id in promised:
            out.statuses[m.id] = "committed"
        elif m.status == "tolerated":
            out.statuses[m.id] = "missing"
            out.tolerated_missing.append(m)
        else:
            out.missing.append(m)
    known = {m.id for m in manifest.materials}
    out.unknown = sorted((given | promised) - known)
    return out


@dataclass
class Acceptance:
    outcome: str  # accepted | supplement | refused
    bundle_id: str
    case_number: str | None = None
    manifest_hash: str | None = None
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    suspended: dict[str, list[str]] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    due_on: date | None = None
    statutory_due_on: date | None = None
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    notices: list[Path] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome, "bundle": self.bundle_id, "case": self.case_number,
            "manifest_hash": self.manifest_hash, "problems": self.problems, "missing": self.missing,
            "suspended": self.suspended, "steps": self.steps,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "statutory_due_on": self.statutory_due_on.isoformat() if self.statutory_due_on else None,
            "reason": self.reason, "warnings": self.warnings, "notices": [str(p) for p in self.notices],
        }


def idempotency_key(case_number: str, item: str) -> str:
    """Fixed when the step is created; every dispatch of the step carries it."""
    return hashlib.sha256(f"{case_number}/{item}".encode()).hexdigest()[:32]


def applicant_id(manifest: Manifest, answers: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(ID number, name) of the applicant: ``applicant.*`` fields, else the first ID number in the form."""
    ids: list[str] = []
    for section in manifest.form.sections:
        for f in section.fields:
            if f.type == "id_number":
                ids.append(f.key)
    ids.sort(key=lambda k: not k.startswith("applicant."))
    for key in ids:
        value = answers.get(key)
        if value:
            prefix = key.rsplit(".", 1)[0] if "." in key else ""
            name = answers.get(f"{prefix}.name" if prefix else "name")
            return str(value), (str(name) if name else None)
    return None, None


def _label(names: Mapping[str, str] | None, fallback: str) -> str:
    return (names or {}).get("zh") or (names or {}).get("en") or fallback


def _refusal_reason(manifest: Manifest) -> str | None:
    if any(not s.optional for s in manifest.plan.steps.values()):
        return None
    out = [e.id for e in manifest.selection.excluded if e.reason == "condition_false"]
    return _("the answers decide every required item of this bundle out ({items}): it is not for this applicant").format(
        items=", ".join(out) or "-")


def accept(store: Store, manifest: Manifest, answers: Mapping[str, Any], *, materials: Iterable[str] = (),
           commitments: Iterable[str] = (), actor: str, calendar: WorkingCalendar | None = None,
           answer_problems: Iterable[str] = (), notices: Path | None = None) -> Acceptance:
    """Accept a case if everything is in order; otherwise say everything that is not, at once.

    ``answer_problems`` are the answers check's findings (made by the caller, who has the
    bundle); ``notices`` is the folder where the notice is written (``<notices>/<case>/``, or
    ``<notices>/<bundle>-<date>-not-accepted/`` when there is no case); None writes none.
    """
    calendar = calendar or _default_calendar()
    now, today = store.clock.now(), store.clock.today()
    check = check_materials(manifest, materials, commitments)
    problems = list(answer_problems)
    result = Acceptance("accepted", manifest.bundle.id, warnings=check.unknown_notes(manifest))
    id_number, name = applicant_id(manifest, answers)
    context: dict[str, Any] = {
        "bundle_id": manifest.bundle.id, "bundle_title": _label(manifest.bundle.title, manifest.bundle.id),
        "applicant": mask_name(name) if name else (mask_id_number(id_number) if id_number else None),
        "date": today.isoformat(), "actor": actor, "case_number": None,
        "window": _label(manifest.bundle.window.name, "") if manifest.bundle.window else None,
    }
    refusal = _refusal_reason(manifest)
    if refusal is not None:
        result.outcome, result.reason = "refused", refusal
        titles = {e.id: e.id for e in manifest.selection.excluded if e.reason == "condition_false"}
        if notices is not None:
            result.notices = _write(_fresh(notices, f"{manifest.bundle.id}-{today:%Y%m%d}-not-accepted"), "refusal",
                                    {**context, "reason": refusal, "excluded": sorted(titles)})
        return result
    if check.missing or problems:
        result.outcome = "supplement"
        result.problems, result.missing = problems, [m.id for m in check.missing]
        if notices is not None:
            listed = [{"id": m.id, "name": _label(m.name, m.id),
                       "note": _label(m.notes, "") if m.notes else (
                           _("or sign the commitment (告知承诺)") if m.status == "commitment" else "")}
                      for m in check.missing]
            result.notices = _write(_fresh(notices, f"{manifest.bundle.id}-{today:%Y%m%d}-supplement"), "supplement",
                                    {**context, "missing": listed, "problems": problems})
        return result

    planned = _schedule(manifest, calendar, today, frozenset(m.id for m in check.tolerated_missing))
    result.suspended = {k: list(v) for k, v in planned.suspended.items()}
    result.warnings += planned.warnings
    case_due, statutory_due = planned.case_due, planned.statutory_due
    rows = [dict(r, updated_at=now) for r in planned.rows]
    with store.write() as conn:
        digest = _stored_manifest(conn, manifest, now, store.stored_manifests)
        number = next_case_number(conn, case_prefix(manifest), today)
        case_id = conn.execute(_INSERT_CASE, {
            "number": number, "bundle_id": manifest.bundle.id, "manifest_hash": digest, "answers": dict(answers),
            "selection": list(manifest.selection.optional_chosen),
            "applicant_digest": applicant_digest(id_number) if id_number else None,
            "status": "accepted", "flagged": False, "accepted_on": today,
            "due_on": case_due.date if case_due else None, "statutory_due_on": statutory_due, "actor": actor,
            "created_at": now, "updated_at": now}).inserted_primary_key[0]
        for row in rows:
            row["case_id"] = case_id
            row["idempotency_key"] = idempotency_key(number, row["item"])
        _INSERT_STEPS.run(conn, rows)
        _INSERT_MATERIALS.run(conn, [
            {"case_id": case_id, "material": mid, "status": status, "supplement_due_on": planned.supplement_due.get(mid),
             "supplied_on": None} for mid, status in check.statuses.items()])
        append_event(conn, kind="case", actor=actor, at=now, case_number=number, to_status="accepted", data={
            "manifest": digest, "steps": {r["item"]: r["status"] for r in rows},
            "materials": dict(sorted(check.statuses.items()))})
    store.stored_manifests.add(digest)  # committed: later cases under it need not look
    result.case_number, result.manifest_hash = number, digest
    result.due_on, result.statutory_due_on = (case_due.date if case_due else None), statutory_due
    result.steps = [{"item": r["item"], "department": r["department"], "stage": r["stage"], "status": r["status"],
                     "due_on": r["due_on"].isoformat() if r.get("due_on") else None} for r in rows]
    supplement_due = planned.supplement_due
    if notices is not None:
        depts = manifest.bundle.departments
        result.notices = _write(notices / number, "acceptance", {
            **context, "case_number": number, "due_on": case_due.date.isoformat() if case_due else None,
            "warnings": result.warnings,
            "steps": [{"name": _label(manifest.plan.steps[s["item"]].name, s["item"]),
                       "department": _label(depts.get(s["department"]), s["department"]),
                       "status": s["status"], "due_on": s["due_on"]} for s in result.steps],
            "missing": [{"id": m.id, "name": _label(m.name, m.id), "due_on": supplement_due[m.id].isoformat()}
                        for m in check.tolerated_missing],
            "committed": [{"id": m.id, "name": _label(m.name, m.id)} for m in manifest.materials
                          if check.statuses.get(m.id) == "committed"]})
    return result


_STEP_COLUMNS = ("case_id", "item", "department", "stage", "status", "attempts", "idempotency_key", "reason",
                 "clock_started_on", "due_on", "statutory_due_on", "supplement_due_on", "updated_at")
_INSERT_CASE = cases.insert()
_INSERT_STEPS = Bulk(steps.insert(), _STEP_COLUMNS)
_INSERT_MATERIALS = Bulk(case_materials.insert(),
                         ("case_id", "material", "status", "supplement_due_on", "supplied_on"))
_MANIFEST_STORED = select(manifests.c.hash).where(manifests.c.hash == bindparam("digest"))


@dataclass(frozen=True)
class _Schedule:
    """The steps a manifest's case starts with on a given day: the same for every case accepted
    under that manifest that day with the same missing tolerated materials — so worked out once."""

    rows: tuple[dict[str, Any], ...]  # steps without case, key and timestamp
    suspended: dict[str, tuple[str, ...]]
    supplement_due: dict[str, date]
    case_due: Any  # DueDate | None
    statutory_due: date | None
    warnings: tuple[str, ...]


_SCHEDULES: dict[tuple[int, int, date, frozenset[str]], tuple[Manifest, WorkingCalendar, _Schedule]] = {}


def _schedule(manifest: Manifest, calendar: WorkingCalendar, today: date, missing: frozenset[str]) -> _Schedule:
    key = (id(manifest), id(calendar), today, missing)
    known = _SCHEDULES.get(key)
    if known is None or known[0] is not manifest or known[1] is not calendar:
        if len(_SCHEDULES) >= 256:
            _SCHEDULES.clear()
        known = _SCHEDULES[key] = (manifest, calendar, _work_out_schedule(manifest, calendar, today, missing))
    return known[2]


def _work_out_schedule(manifest: Manifest, calendar: WorkingCalendar, today: date,
                       missing_ids: frozenset[str]) -> _Schedule:
    offsets = finish_offsets(manifest)
    statutory = finish_offsets(manifest, statutory=True)
    tolerated = [m for m in manifest.materials if m.id in missing_ids]
    supplement_due = {m.id: _supplement_due(calendar, today, m) for m in tolerated}
    before = predecessors(manifest)
    warnings: list[Any] = []
    notes: list[str] = []
    suspended: dict[str, tuple[str, ...]] = {}
    rows: list[dict[str, Any]] = []
    for item in plan_order(manifest):
        step = manifest.plan.steps[item]
        waiting = sorted(set(step.inputs.materials) & missing_ids)
        row: dict[str, Any] = {"item": item, "department": step.department, "stage": step.stage,
                               "status": "suspended" if waiting else ("blocked" if before[item] else "ready"),
                               "attempts": 0, "reason": None, "supplement_due_on": None,
                               "clock_started_on": None, "due_on": None, "statutory_due_on": None}
        if waiting:
            row["reason"] = _("waiting for {materials} (容缺)").format(materials=", ".join(waiting))
            row["supplement_due_on"] = max(supplement_due[m] for m in waiting)
            suspended[item] = tuple(waiting)
        else:
            row["clock_started_on"] = today
            if offsets[item] is not None:  # unknown limit: no due date rather than a guessed one
                due = calendar.add_working_days(today, offsets[item])
                warnings.extend(due.warnings)
                row["due_on"] = due.date
            if statutory[item] is not None:
                row["statutory_due_on"] = calendar.add_working_days(today, statutory[item]).date
        rows.append(row)
    known = [v for v in offsets.values() if v is not None]
    case_due = (calendar.add_working_days(today, max(known, default=0))
                if len(known) == len(offsets) and not suspended else None)
    if case_due is not None:
        warnings.extend(case_due.warnings)
    elif len(known) != len(offsets):
        notes.append(_("no committed due date for the case: the time limit of {items} is unknown").format(
            items=", ".join(i for i, v in offsets.items() if v is None)))
    else:  # 容缺: the suspended steps' clock has not started; supplement sets the case's due date
        notes.append(_("the case's due date is set when the missing materials are supplied"))
    known_statutory = [v for v in statutory.values() if v is not None]
    statutory_due = (calendar.add_working_days(today, max(known_statutory)).date
                     if known_statutory and len(known_statutory) == len(statutory) else None)
    return _Schedule(tuple(rows), suspended, supplement_due, case_due, statutory_due,
                     tuple(notes + warning_texts(warnings)))


_CALENDAR: list[WorkingCalendar] = []
_DIGESTS: dict[int, tuple[Manifest, str]] = {}


def _default_calendar() -> WorkingCalendar:
    """One calendar for the process: it remembers the days it has decided."""
    if not _CALENDAR:
        _CALENDAR.append(WorkingCalendar())
    return _CALENDAR[0]


def _stored_manifest(conn: Any, manifest: Manifest, now: Any, stored: set[str]) -> str:
    """The manifest's hash, storing it if new; serialised once per manifest object.

    A window accepts thousands of cases under a handful of manifests: serialising one to
    hash it again for every case would cost more than the rest of the acceptance. (A manifest
    is not changed after it is compiled.)
    """
    known = _DIGESTS.get(id(manifest))
    if known is None or known[0] is not manifest:
        if len(_DIGESTS) > 64:
            _DIGESTS.clear()
        known = _DIGESTS[id(manifest)] = (manifest, manifest_hash(manifest.to_json()))
    if known[1] not in stored and conn.execute(_MANIFEST_STORED, {"digest": known[1]}).first() is None:
        put_manifest(conn, manifest, now)
    return known[1]


def _supplement_due(calendar: WorkingCalendar, today: date, material: MaterialOut) -> date:
    tolerated = material.tolerated
    days = tolerated.supplement_days if tolerated else 0
    if tolerated is None or tolerated.unit == "working_days":
        return calendar.add_working_days(today, days).date
    return today + timedelta(days=days)


def _fresh(parent: Path, name: str) -> Path:
    """``parent/name``, or ``name-2``, ``name-3`` …: a notice never overwrites another applicant's."""
    folder, n = parent / name, 1
    while folder.exists():
        n += 1
        folder = parent / f"{name}-{n}"
    return folder


def _write(folder: Path, kind: str, context: dict[str, Any]) -> list[Path]:
    from onething.runtime.notices import write_notice

    return write_notice(folder, kind, context)
