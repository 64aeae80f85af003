"""An item's own facts in the plan: time limits with their units, fee lines, 就近办, in-person
appointments, per-item requirement notes, and the `needs:` a compile drops (issue 8 §2).

Unknown stays unknown: a fact the source does not give is None here and null in the manifest.
The lints beside them (W630–W632) ask the author for the missing half of a fact.
"""

from __future__ import annotations

from onething.compiler.conditional_facts import choose_limit
from onething.compiler.manifest import (
    AppointmentOut,
    DroppedNeed,
    FeeOut,
    LimitAlternativeOut,
    RequirementOut,
    SpecialProcedureOut,
    TimeLimitOut,
)
from onething.compiler.plan import known_working_days
from onething.compiler.resolve import ResolvedBundle, ResolvedItem
from onething.compiler.selection import Selection
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.models.catalog import TimeLimit

Lint = tuple[Diagnostic, list[str], list[tuple[str, int]]]

UNIT_WORDS = {"working_days": "working days", "calendar_days": "calendar days"}


def _limit_fields(tl: TimeLimit | None) -> dict[str, int | str | None]:
    if tl is None:
        return {}
    return dict(
        statutory=tl.statutory,
        statutory_unit=tl.unit_of("statutory") if tl.statutory is not None else None,
        committed=tl.committed,
        committed_unit=tl.unit_of("committed") if tl.committed is not None else None,
        committed_working_days=known_working_days(tl),
    )


def time_limit_out(ri: ResolvedItem, sel: Selection) -> TimeLimitOut:
    """The limit that applies; while the answers leave the choice open, null limits and the
    alternatives still possible, each with its condition (issue 15)."""
    choice = choose_limit(ri, sel.answers)
    if choice.decided:
        return TimeLimitOut(**_limit_fields(choice.limit))  # type: ignore[arg-type]
    return TimeLimitOut(alternatives=[
        LimitAlternativeOut(**_limit_fields(tl), when=when)  # type: ignore[arg-type]
        for _i, tl, when in choice.candidates
    ])


def fees_of(ri: ResolvedItem, sel: Selection) -> list[FeeOut] | None:
    """The fee lines that apply (null = unknown); an undecided line keeps its condition."""
    if ri.model.fee is None:
        return None
    out = []
    for i, f in enumerate(ri.model.fee):
        applies, when = sel.decide_own(ri, "fee", i)
        if applies:
            out.append(FeeOut(
                amount=None if f.amount is None else format(f.amount, "f"),
                unit=f.unit,
                condition=dict(f.condition) if f.condition else None,
                basis=f.basis,
                when=when,
            ))
    return out


def appointments_of(ri: ResolvedItem, sel: Selection) -> list[AppointmentOut]:
    out = []
    for i, a in enumerate(ri.model.appointments or []):
        applies, when = sel.decide_own(ri, "appointments", i)
        if applies:
            out.append(AppointmentOut(
                item=ri.id, kind=a.kind, name=dict(a.name),
                place=dict(a.place) if a.place else None, note=dict(a.note) if a.note else None, when=when,
            ))
    return out


def special_procedures_of(ri: ResolvedItem, sel: Selection) -> list[SpecialProcedureOut]:
    out = []
    for i, sp in enumerate(ri.model.special_procedures or []):
        applies, when = sel.decide_own(ri, "special_procedures", i)
        if applies:
            out.append(SpecialProcedureOut(item=ri.id, name=dict(sp.name), days=sp.days, unit=sp.unit, when=when))
    return out


def requirements_of(ri: ResolvedItem, sel: Selection) -> list[RequirementOut]:
    """The requirements of this item that say more than the list: in person, or a note."""
    out = []
    for _j, mu, parts in sel.material_uses(ri):
        if mu.in_person or mu.note:
            own = [p for p in parts if p != sel.item_when.get(ri.id)]  # the step has its own when
            out.append(RequirementOut(
                material=mu.ref, in_person=mu.in_person, note=dict(mu.note) if mu.note else None,
                when=" and ".join(f"({p})" if " or " in p else p for p in own) or None,
            ))
    return out


def dropped_needs(rb: ResolvedBundle, sel: Selection) -> list[DroppedNeed]:
    """`needs:` of selected items naming an item this compile excludes (its `when:` is false,
    or it is an unselected optional item): the plan cannot wait for it, so the edge is dropped."""
    excluded = dict(sel.excluded)
    return [
        DroppedNeed(item=ri.id, needs=need, reason=excluded[need])  # type: ignore[arg-type]
        for ri in sel.items for need in ri.needs if need in excluded
    ]


def limit_lints(sel: Selection) -> list[Lint]:
    """W630: a limit without a unit (unknown in days); W632: committed certainly above statutory
    across units; W631: a commitment (告知承诺) that does not state the consequence of a false one."""
    out: list[Lint] = []
    for ri in sel.items:
        alternatives = ri.model.time_limit or []
        for i, tl in enumerate(alternatives):
            for which in ("statutory", "committed"):
                days = getattr(tl, which)
                if days and tl.unit_of(which) is None:  # type: ignore[arg-type]
                    out.append((make(
                        "W630",
                        _("item {item!r}: the {which} limit {days} has no unit, so it is not counted in "
                          "working days").format(item=ri.id, which=which, days=days),
                        ri.loc("time_limit", i, which),
                        _("write `{which}_unit: working_days` (工作日) or `{which}_unit: calendar_days` "
                          "(自然日) beside it, as the source says; `unit:` gives both limits one unit")
                        .format(which=which),
                    ), [ri.id], []))
            s_unit, c_unit = tl.unit_of("statutory"), tl.unit_of("committed")
            if (tl.statutory is not None and tl.committed is not None and s_unit == "calendar_days"
                    and c_unit == "working_days" and tl.committed > tl.statutory):
                out.append((make(
                    "W632",
                    _("item {item!r}: committed limit {c} working days exceeds the statutory limit {s} "
                      "calendar days ({c} working days span at least {c} calendar days)")
                    .format(item=ri.id, c=tl.committed, s=tl.statutory),
                    ri.loc("time_limit", i, "committed"),
                    _("the committed (承诺) limit must be within the statutory (法定) one; check both "
                      "numbers and units against the source"),
                ), [ri.id], []))
        for j, mu, _parts in sel.material_uses(ri):
            if mu.commitment is not None and mu.commitment.consequence is None:
                out.append((make(
                    "W631",
                    _("item {item!r}: the commitment replacing {material!r} does not state the legal "
                      "consequence of a false commitment").format(item=ri.id, material=mu.ref),
                    ri.loc("materials", j, "commitment", key=True),
                    _("add `consequence: {zh: …, en: …}` under `commitment:` as the published "
                      "commitment letter states it (告知承诺须明确违反承诺应承担的法律责任)"),
                ), [ri.id], [(ri.id, j)]))
    return out
