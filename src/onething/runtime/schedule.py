"""When each step of a plan falls due: committed working days along the plan's dependencies.

A step can only start once every step it needs is done, so its due date counts its own
limit after the latest finish of its prerequisites (the plan's critical-path arithmetic,
per step). The clock starts the working day after the start date (acceptance with complete
materials, or the supplement of a missing tolerated material); the calendar decides which
days count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from onething.compiler.manifest import Manifest, Step
from onething.runtime.calendar import CalendarWarning, DueDate, WorkingCalendar


def predecessors(manifest: Manifest) -> dict[str, set[str]]:
    """Each plan item → the items it waits for (its ``needs`` and the producers of its inputs)."""
    plan = manifest.plan
    before: dict[str, set[str]] = {item: set(step.needs) & set(plan.steps) for item, step in plan.steps.items()}
    for src, dst, _why in plan.edges:
        if src in plan.steps and dst in before:
            before[dst].add(src)
    return before


def dependents(manifest: Manifest, item: str) -> list[str]:
    """Every item that waits, directly or through others, for ``item`` (in plan order)."""
    before = predecessors(manifest)
    found: set[str] = set()
    frontier = [item]
    while frontier:
        current = frontier.pop()
        for other, needs in before.items():
            if current in needs and other not in found:
                found.add(other)
                frontier.append(other)
    return [i for i in plan_order(manifest) if i in found]


def plan_order(manifest: Manifest) -> list[str]:
    """Plan items by stage, then in bundle order."""
    order = {item: n for n, item in enumerate(manifest.selection.items)}
    return sorted(manifest.plan.steps, key=lambda i: (manifest.plan.steps[i].stage, order.get(i, 0), i))


def _limit(step: Step, statutory: bool) -> int | None:
    """The step's limit in working days; None when unknown (never guessed)."""
    limit = step.time_limit
    if not statutory:
        return limit.committed_working_days
    if limit.statutory is None or limit.statutory_unit != "working_days":
        return None
    return limit.statutory


def finish_offsets(manifest: Manifest, statutory: bool = False) -> dict[str, int | None]:
    """Working days from the start to each step's finish; None where a limit on the way is unknown."""
    before = predecessors(manifest)
    out: dict[str, int | None] = {}
    for item in plan_order(manifest):  # stages order prerequisites first
        own = _limit(manifest.plan.steps[item], statutory)
        prior = [out.get(p) for p in before[item]]
        if own is None or any(p is None for p in prior):
            out[item] = None
            continue
        out[item] = own + max((p for p in prior if p is not None), default=0)
    return out


def due_date(calendar: WorkingCalendar, start: date, days: int | None) -> DueDate | None:
    return None if days is None else calendar.add_working_days(start, days)


def warning_texts(warnings: tuple[CalendarWarning, ...] | list[CalendarWarning]) -> list[str]:
    seen: list[str] = []
    for w in warnings:
        if w.message not in seen:
            seen.append(w.message)
    return seen


@dataclass(frozen=True)
class PlanIndex:
    """What the engine asks of a manifest's plan on every step, derived once per manifest.

    A manifest never changes once accepted (cases hold its hash), so this is computed once
    per process and manifest and kept: per item its prerequisites, everything that waits
    for it (plan order), its department, and the fields, materials and outputs it declares
    (the minimisation of what a department is sent).
    """

    order: tuple[str, ...]
    before: dict[str, frozenset[str]]
    after: dict[str, tuple[str, ...]]
    department: dict[str, str]
    fields: dict[str, tuple[str, ...]]
    materials: dict[str, tuple[str, ...]]
    outputs: dict[str, tuple[str, ...]]


def index_plan(manifest: Manifest) -> PlanIndex:
    before = predecessors(manifest)
    order = plan_order(manifest)
    plan = manifest.plan.steps
    return PlanIndex(
        order=tuple(order), before={i: frozenset(b) for i, b in before.items()},
        after={i: tuple(dependents(manifest, i)) for i in order},
        department={i: plan[i].department for i in order},
        fields={i: tuple(plan[i].inputs.fields) for i in order},
        materials={i: tuple(plan[i].inputs.materials) for i in order},
        outputs={i: tuple(plan[i].outputs) for i in order})


_INDEXES: dict[int, tuple[Manifest, PlanIndex]] = {}


def plan_index(manifest: Manifest) -> PlanIndex:
    """:func:`index_plan`, remembered per manifest object (held, so its id is not reused)."""
    known = _INDEXES.get(id(manifest))
    if known is None or known[0] is not manifest:
        if len(_INDEXES) >= 256:
            _INDEXES.clear()
        known = _INDEXES[id(manifest)] = (manifest, index_plan(manifest))
    return known[1]
