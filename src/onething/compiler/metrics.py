"""Savings figures (减材料、减环节、减时限、减跑动) and the completeness of standard elements.

separate = every selected item applied for on its own, one after another;
bundled  = the same items through the one window. Definitions in docs/compiling.md.
"""

from __future__ import annotations

from onething.compiler.conditional_facts import Figures, Ranges
from onething.compiler.manifest import (
    Completeness,
    Figure,
    FigureRange,
    ItemCompleteness,
    MaterialCompleteness,
    MaterialOut,
    Metrics,
    OnlineCoverage,
    Span,
)
from onething.compiler.resolve import ResolvedItem
from onething.compiler.selection import Selection
from onething.dsl.models.catalog import ItemDef

# 实施清单 standard elements (阿政发〔2023〕6号): element → how to tell it is filled.
STANDARD_ELEMENTS: dict[str, object] = {
    "name": lambda m: bool(m.name),
    "code": lambda m: bool(m.code),
    "type": lambda m: bool(m.type),
    "legal_basis": lambda m: bool(m.legal_basis),
    "department": lambda m: bool(m.department),
    "acceptance_conditions": lambda m: bool(m.acceptance_conditions),
    "service_object": lambda m: bool(m.service_object),
    # a limit without its unit is not known in days (issue 8 §2)
    # (every alternative of a limit by situation: issue 15)
    "statutory_limit": lambda m: m.time_limit is not None and all(
        tl.statutory is not None and (tl.statutory == 0 or tl.unit_of("statutory") is not None)
        for tl in m.time_limit),
    "result": lambda m: m.result is not None,
    "result_sample": lambda m: m.result is not None and bool(m.result.sample),
    # every fee line's amount known; every line that is not stated free has its basis
    "fee": lambda m: m.fee is not None and all(f.amount is not None for f in m.fee),
    "fee_basis": lambda m: m.fee is not None and all(f.basis or f.amount == 0 for f in m.fee),
    "materials": lambda m: bool(m.materials),
    "process": lambda m: bool(m.steps),
    "handling_form": lambda m: bool(m.handling_form),
    "review_standard": lambda m: bool(m.review_standard),
    "scope": lambda m: bool(m.scope),
}


def item_completeness(model: ItemDef) -> ItemCompleteness:
    missing = [name for name, filled in STANDARD_ELEMENTS.items() if not filled(model)]  # type: ignore[operator]
    total = len(STANDARD_ELEMENTS)
    return ItemCompleteness(score=round((total - len(missing)) / total, 3), missing=missing)


def completeness(sel: Selection, materials: MaterialCompleteness) -> Completeness:
    items = {ri.id: item_completeness(ri.model) for ri in sel.items}
    total = len(STANDARD_ELEMENTS) * len(items)
    filled = sum(len(STANDARD_ELEMENTS) - len(c.missing) for c in items.values())
    return Completeness(score=round(filled / total, 3) if total else 0.0, items=items, materials=materials)


def metrics(
    sel: Selection,
    materials: list[MaterialOut],
    item_fields: dict[str, list[str]],
    item_materials: dict[str, list[str]],
    unique_fields: int,
    decided: Figures,
    spans: Ranges | None,
) -> Metrics:
    """The figures; conditional facts (issue 15) count as ``decided`` says, ``spans`` their range."""
    items = sel.items
    separate_materials = sum(len(item_materials.get(ri.id, [])) for ri in items)
    bundled_materials = sum(1 for m in materials if m.status in ("submit", "tolerated"))
    separate_fields = sum(len(item_fields.get(ri.id, [])) for ri in items)
    separate_steps = sum(len(ri.model.steps) if ri.model.steps else 3 for ri in items)
    # 跑动 (issue 8 §3): the window visit, none when every item is online and nothing must be
    # shown in person, plus every in-person appointment the window cannot absorb (issue 15: the
    # decided ones; an item without `visits:` counts 1 plus its decided appointments alone)
    online = online_coverage(sel)
    applied_online = all(
        ri.model.handling_form and "online" in ri.model.handling_form for ri in items
    ) and not any(m.in_person for m in materials)
    window_visit = 0 if applied_online else 1
    bundled_trips = window_visit + decided.appointments if items else 0
    trips_range = days_range = special_range = None
    if spans is not None:
        trips_range = FigureRange(separate=spans.trips_separate, bundled=Span(
            min=window_visit + spans.appointments.min if items else 0,
            max=window_visit + spans.appointments.max if items else 0))
        days_range = FigureRange(separate=spans.days_separate, bundled=spans.days_bundled)
        special_range = spans.special_days
    return Metrics(
        materials=Figure(separate=separate_materials, bundled=bundled_materials),
        fields=Figure(separate=separate_fields, bundled=unique_fields),
        steps=Figure(separate=separate_steps, bundled=1 if items else 0),
        trips=Figure(separate=decided.trips_separate, bundled=bundled_trips,
                     range=_changing(trips_range, decided.trips_separate, bundled_trips)),
        days=Figure(separate=decided.days_separate, bundled=decided.days_bundled,
                    range=_changing(days_range, decided.days_separate, decided.days_bundled)),
        special_procedure_days=decided.special_days,
        special_procedure_days_range=None if special_range is None or (
            special_range.min == special_range.max == decided.special_days) else special_range,
        online=online,
        tolerated_materials=sum(1 for m in materials if m.status == "tolerated"),
    )


def _changing(r: FigureRange | None, separate: int, bundled: int) -> FigureRange | None:
    """A range only where the missing answers can make a side of the figure other than it is."""
    if r is None or (r.separate.min == r.separate.max == separate and r.bundled.min == r.bundled.max == bundled):
        return None
    return r


def is_online(sel: Selection, ri: ResolvedItem) -> bool:
    """全程网办: offered online, nothing to show in person, no appointment of its own."""
    m = ri.model
    return (
        bool(m.handling_form) and "online" in m.handling_form  # type: ignore[operator]
        # an appointment whose condition is false does not take place (issue 15)
        and not any(sel.decide_own(ri, "appointments", i)[0] for i in range(len(m.appointments or [])))
        and not any(mu.in_person for _, mu, _ in sel.material_uses(ri))
    )


def online_coverage(sel: Selection) -> OnlineCoverage:
    items = len(sel.items)
    online = sum(1 for ri in sel.items if is_online(sel, ri))
    unknown = sum(1 for ri in sel.items if not ri.model.handling_form)
    return OnlineCoverage(items=items, online=online, unknown=unknown,
                          share=round(online / items, 3) if items else 0.0)

