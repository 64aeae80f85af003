"""Facts that depend on the applicant's situation (issue 15): time limits chosen by situation,
special procedures, fee lines and appointments with a `when:` of their own.

The answers decide what they can. What they do not decide stays in the manifest with its
condition, and the figures count only what is decided (an undecided limit counts 0, an
undecided procedure or appointment is not counted); beside each figure a range says what
the missing answers could make of it (``{min, max}``), found by trying every situation that
tells the conditions apart (compiler/situations.py), or, when there are too many, by bounds
that still contain every outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onething.compiler.manifest import Span
from onething.compiler.plan import Graph, critical_path, to_working_days, working_days
from onething.compiler.resolve import ResolvedBundle, ResolvedItem
from onething.compiler.selection import Selection
from onething.compiler.situations import describe, situations
from onething.dsl.conditions import Condition
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.models.catalog import TimeLimit

Lint = tuple[Diagnostic, list[str], list[tuple[str, int]]]


@dataclass
class LimitChoice:
    """Which time-limit alternative applies under the answers.

    decided: the answers settle it (``limit`` is the one that applies; None = none does);
    otherwise ``candidates`` are the alternatives still possible, in order, each with what is
    left of its condition (None for one that holds whenever the ones before it do not).
    """

    decided: bool
    limit: TimeLimit | None = None
    index: int | None = None
    candidates: list[tuple[int, TimeLimit, str | None]] = field(default_factory=list)


def choose_limit(ri: ResolvedItem, answers: dict[str, Any]) -> LimitChoice:
    candidates: list[tuple[int, TimeLimit, str | None]] = []
    for i, tl in enumerate(ri.model.time_limit or []):
        cond = ri.fact_when.get(("time_limit", i))
        verdict = True if cond is None else cond.evaluate(answers)
        if verdict is False:
            continue
        if verdict is True:
            if not candidates:
                return LimitChoice(True, tl, i)
            candidates.append((i, tl, None))
            return LimitChoice(False, candidates=candidates)
        candidates.append((i, tl, cond.residual(answers)))  # type: ignore[union-attr]
    if not candidates:
        return LimitChoice(True)
    return LimitChoice(False, candidates=candidates)


def decided_weight(ri: ResolvedItem, answers: dict[str, Any]) -> int:
    """The item's counted limit in working days; unknown or undecided counts 0."""
    choice = choose_limit(ri, answers)
    return working_days(choice.limit) if choice.decided else 0


def _holds(ri: ResolvedItem, element: str, index: int, answers: dict[str, Any]) -> bool:
    """True only when decided true (or unconditional): what the figures count."""
    cond = ri.fact_when.get((element, index))
    return cond is None or cond.evaluate(answers) is True


@dataclass(frozen=True)
class Figures:
    """The figures that conditional facts move, under one set of answers."""

    days_separate: int
    days_bundled: int
    special_days: int
    trips_separate: int
    appointments: int


def figures(sel: Selection, gr: Graph, answers: dict[str, Any]) -> Figures:
    weight = {ri.id: decided_weight(ri, answers) for ri in sel.items}
    special = 0
    trips = 0
    appointments = 0
    for ri in sel.items:
        m = ri.model
        special += sum(to_working_days(sp.days, sp.unit) for i, sp in enumerate(m.special_procedures or [])
                       if _holds(ri, "special_procedures", i, answers))
        own = sum(1 for i, _a in enumerate(m.appointments or []) if _holds(ri, "appointments", i, answers))
        appointments += own
        # an item that does not give its visits: one window visit plus its own appointments
        trips += m.visits if m.visits is not None else 1 + own
    return Figures(sum(weight.values()), critical_path(gr, weight)[1], special, trips, appointments)


@dataclass
class Ranges:
    """``{min, max}`` of each figure over the situations the missing answers leave open."""

    days_separate: Span
    days_bundled: Span
    special_days: Span
    trips_separate: Span
    appointments: Span


def _conditions(sel: Selection) -> list[Condition]:
    return [c for ri in sel.items for c in ri.fact_when.values() if c.evaluate(sel.answers) is None]


def ranges(rb: ResolvedBundle, sel: Selection, gr: Graph) -> Ranges | None:
    """None when the answers decide every conditional fact of the selected items."""
    conds = _conditions(sel)
    if not conds:
        return None
    each = situations(conds, rb.questions, sel.answers)
    if each is None:
        return _bounds(sel, gr)
    seen = [figures(sel, gr, s) for s in each]

    def span(attr: str) -> Span:
        values = [getattr(f, attr) for f in seen]
        return Span(min=min(values), max=max(values))

    return Ranges(*(span(a) for a in ("days_separate", "days_bundled", "special_days", "trips_separate",
                                       "appointments")))


def _bounds(sel: Selection, gr: Graph) -> Ranges:
    """Too many situations to try: each fact at its least and its most, independently (wider
    than the true range, but every outcome lies within it)."""
    low: dict[str, int] = {}
    high: dict[str, int] = {}
    special = [0, 0]
    trips = [0, 0]
    appointments = [0, 0]
    for ri in sel.items:
        choice = choose_limit(ri, sel.answers)
        if choice.decided:
            low[ri.id] = high[ri.id] = working_days(choice.limit)
        else:
            options = [working_days(tl) for _i, tl, _w in choice.candidates]
            if choice.candidates[-1][2] is not None:
                options.append(0)  # every candidate may turn out false: no limit applies
            low[ri.id], high[ri.id] = min(options), max(options)
        m = ri.model
        for i, sp in enumerate(m.special_procedures or []):
            days = to_working_days(sp.days, sp.unit)
            cond = ri.fact_when.get(("special_procedures", i))
            verdict = True if cond is None else cond.evaluate(sel.answers)
            special[0] += days if verdict is True else 0
            special[1] += days if verdict is not False else 0
        sure = sum(1 for i, _a in enumerate(m.appointments or []) if _holds(ri, "appointments", i, sel.answers))
        maybe = sum(1 for i, _a in enumerate(m.appointments or [])
                    if (c := ri.fact_when.get(("appointments", i))) is not None and c.evaluate(sel.answers) is None)
        appointments[0] += sure
        appointments[1] += sure + maybe
        trips[0] += m.visits if m.visits is not None else 1 + sure
        trips[1] += m.visits if m.visits is not None else 1 + sure + maybe
    return Ranges(
        Span(min=sum(low.values()), max=sum(high.values())),
        Span(min=critical_path(gr, low)[1], max=critical_path(gr, high)[1]),
        Span(min=special[0], max=special[1]),
        Span(min=trips[0], max=trips[1]),
        Span(min=appointments[0], max=appointments[1]),
    )


# ---------------------------------------------------------------- W640 / W641


def alternative_lints(rb: ResolvedBundle, sel: Selection) -> list[Lint]:
    """W640: time-limit alternatives that can all be false where the item applies (its limit is
    then unknown); W641: two alternatives that can both hold (only the first applies)."""
    out: list[Lint] = []
    for ri in sel.items:
        alts = ri.model.time_limit or []
        conds = [ri.fact_when.get(("time_limit", i)) for i in range(len(alts))]
        if not any(conds):
            continue
        considered = [c for c in [*conds, ri.when] if c is not None]
        each = situations(considered, rb.questions, {})
        if each is None:
            continue  # too many combinations to check
        names = {n for c in considered for n in c.names}
        gap: dict[str, Any] | None = None
        overlap: tuple[int, int, dict[str, Any]] | None = None
        for s in each:
            if ri.when is not None and ri.when.evaluate(s) is not True:
                continue
            holding = [i for i, c in enumerate(conds) if c is None or c.evaluate(s) is True]
            if not holding and gap is None:
                gap = s
            # a last alternative without `when:` is the "otherwise": overlapping is its job
            real = [i for i in holding if not (conds[i] is None and i == len(alts) - 1)]
            if len(real) > 1 and overlap is None:
                overlap = (real[0], real[1], s)
        if gap is not None:
            out.append((make(
                "W640",
                _("item {item!r}: no time-limit alternative applies when {situation}; the limit is then "
                  "unknown").format(item=ri.id, situation=describe(gap, names)),
                ri.loc("time_limit"),
                _("add an alternative for that situation, or end the list with one without `when:` "
                  "(otherwise)"),
            ), [ri.id], []))
        if overlap is not None:
            first, second, s = overlap
            out.append((make(
                "W641",
                _("item {item!r}: time-limit alternatives {a} and {b} both hold when {situation}; only "
                  "alternative {a} applies").format(item=ri.id, a=first + 1, b=second + 1,
                                                    situation=describe(s, names)),
                ri.loc("time_limit", second, "when"),
                _("make the conditions exclusive, or order the alternatives so that the first one that "
                  "holds is the one meant"),
            ), [ri.id], []))
    return out


def conditional_limits(sel: Selection) -> list[str]:
    """Items whose time limit the answers do not decide (counted as 0 days)."""
    return [ri.id for ri in sel.items if not choose_limit(ri, sel.answers).decided]

