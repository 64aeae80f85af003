"""The dispatch plan for a terminal: stages, items, departments, limits, conditions in words.

Built as rich renderables so that it fits the width it is drawn at (CJK characters take two
display cells; long cells wrap inside their column) and colours only where the console has
them. Text goes in as ``rich.text.Text``, never as markup: a title holding ``[bold]`` is
shown as written.
"""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from onething.compiler.manifest import FormField, Manifest, TimeLimitOut
from onething.dsl.i18n import _
from onething.views.words import condition_words, label_text, questions_of

# SIMPLE_HEAD drawn with "-": box-drawing characters are of ambiguous width, two cells wide
# on many CJK terminals, which would break the columns there.
ASCII_HEAD = box.Box(
    "    \n"
    "    \n"
    " -- \n"
    "    \n"
    "    \n"
    "    \n"
    "    \n"
    "    \n",
    ascii=True,
)


def _table(*headers: str) -> Table:
    table = Table(box=ASCII_HEAD, header_style="bold", expand=False, padding=(0, 1, 0, 0))
    for h in headers:
        table.add_column(h, overflow="fold")
    return table


def fit_table(table: Table, width: int, minimum: int = 4) -> Table:
    """Fix each column's width so that the table fits ``width`` display cells.

    Every column gets its natural width (its longest line); while the sum is too wide the
    widest column gives up a cell, never below ``minimum`` or a no-wrap column's width.
    rich can shrink columns itself, but with CJK text its second measuring pass can end
    wider than the console, which then crops the last column's lines (a character lost at
    every wrap); fixed widths leave it nothing to guess.
    """
    n = len(table.columns)
    overhead = 2 + (n - 1) + n  # the two edges, the dividers, each column's right padding
    natural = []
    for column in table.columns:
        lines = [column.header if isinstance(column.header, str) else str(column.header)]
        for cell in column.cells:
            lines += (cell.plain if isinstance(cell, Text) else str(cell)).split("\n")
        longest = max(cell_len(line) for line in lines)
        natural.append(min(longest, column.max_width) if column.max_width else longest)
    widths = list(natural)
    floors = [w if c.no_wrap else min(w, minimum) for w, c in zip(natural, table.columns, strict=True)]
    while sum(widths) + overhead > width:
        candidates = [i for i in range(n) if widths[i] > floors[i]]
        if not candidates:
            break  # too narrow for anything readable: rich folds what it must
        widest = max(candidates, key=lambda i: (widths[i], -i))
        widths[widest] -= 1
    for column, w in zip(table.columns, widths, strict=True):
        column.width = w
    return table


def plan_renderables(m: Manifest, width: int = 100) -> list[RenderableType]:
    """The plan table (fitted to ``width`` display cells), the critical path, special procedures
    and the savings table."""
    b = m.bundle
    qs = questions_of(m)
    names = [n for n in ((b.title or {}).get("zh"), (b.title or {}).get("en")) if n] or [b.id]
    title = Text(f"{' / '.join(names)}  ({b.id} {b.version})", style="bold")
    out: list[RenderableType] = [title]

    table = _table(_("stage"), _("item"), _("department"), _("limit (wd)"), _("when"))
    table.columns[0].no_wrap = True
    table.columns[3].max_width = 14  # "statutory 60" fits, "calendar days" goes below it
    for n, stage in enumerate(m.plan.stages, 1):
        if n > 1:
            table.add_section()
        for item in stage:
            s = m.plan.steps[item]
            tl = s.time_limit
            limit = "?" if tl.committed_working_days is None else str(tl.committed_working_days)
            if tl.alternatives:
                limit = _alternatives_cell(tl)
            elif tl.statutory is not None:
                limit += "\n" + _("statutory {limit}").format(limit=_days(tl.statutory, tl.statutory_unit))
            cell = Text(label_text(s.name) or item)
            if s.optional:
                cell.append(" " + _("(optional)"), style="cyan")
            cell.append("\n" + item, style="dim")
            if s.needs:
                cell.append("\n" + _("needs: {items}").format(items=", ".join(s.needs)), style="dim")
            when = condition_words(s.when, qs) if s.when else ""
            table.add_row(Text(str(n)), cell, Text(label_text(b.departments.get(s.department)) or s.department),
                          Text(limit), Text(when, style="yellow" if when else ""))
    out.append(fit_table(table, width))  # the box's edges are the blank lines around it
    out.append(Text(_("critical path: {path} = {days} working days").format(
        path=" → ".join(m.plan.critical_path), days=m.plan.committed_days)))
    if m.plan.unknown_limits:
        out.append(Text("  " + _("at least: no time limit known for {items} (counted as 0)").format(
            items=", ".join(m.plan.unknown_limits))))
    out += [Text(line) for line in _facts_lines(m, qs)]
    if m.plan.special_procedures:
        out.append(Text(_("special procedures (not counted):")))
        for sp in m.plan.special_procedures:
            days = str(sp.days) if sp.days is not None else "?"
            unit = _("{days} calendar days") if sp.unit == "calendar_days" else _("{days} working days")
            out.append(Text(f"  {sp.item}: {label_text(sp.name)} {unit.format(days=days)}" + _when(sp.when, qs)))
        rng = m.metrics.special_procedure_days_range
        if rng is not None:
            out.append(Text(_("  {decided} working days decided; {low}–{high} depending on the answers").format(
                decided=m.metrics.special_procedure_days, low=rng.min, high=rng.max)))
    optional = [i for st in m.plan.stages for i in st if m.plan.steps[i].optional]
    if optional:
        out.append(Text(_("optional items (联办, chosen with --select): {items}").format(items=", ".join(optional))))
    mt = m.metrics
    metrics = _table(_("metric"), _("separate"), _("bundled"), _("saved"))
    for fig, name in ((mt.materials, _("materials")), (mt.fields, _("fields")), (mt.steps, _("steps")),
                      (mt.trips, _("trips")), (mt.days, _("days"))):
        metrics.add_row(name, str(fig.separate), str(fig.bundled), str(fig.separate - fig.bundled))
    out.append(fit_table(metrics, width))
    out += [Text(line) for line in _range_lines(m)]
    return out


def _days(days: int, unit: str | None) -> str:
    """Working days bare (the column's unit), calendar days named, a missing unit said (0 needs none)."""
    if unit == "calendar_days":
        return _("{days} calendar days").format(days=days)
    if unit is None and days:
        return _("{days}, unit unknown").format(days=days)
    return str(days)


def _facts_lines(m: Manifest, qs: dict[str, FormField]) -> list[str]:
    """Estimated limits, limits without a unit, needs dropped from the plan, appointments."""
    p = m.plan
    lines = []
    if p.converted_limits:
        lines.append(_("  estimated: {items} in calendar days, counted as 5 working days per 7")
                     .format(items=", ".join(p.converted_limits)))
    no_unit = [i for st in p.stages for i in st
               if (p.steps[i].time_limit.committed or p.steps[i].time_limit.statutory)
               and None in (_given_units(p.steps[i].time_limit))]
    if no_unit:
        lines.append(_("  limit without a unit (W630), not counted in days: {items}").format(items=", ".join(no_unit)))
    if p.dropped_needs:
        lines.append(_("needs dropped (the needed item is not in this plan):"))
        for d in p.dropped_needs:
            why = _("its condition is false") if d.reason == "condition_false" else _("not selected")
            lines.append(_("  {item} needs {needs}: {why}").format(item=d.item, needs=d.needs, why=why))
    if p.appointments:
        lines.append(_("in-person appointments (each a trip of its own):"))
        for a in p.appointments:
            place = f" @ {label_text(a.place)}" if a.place else ""
            lines.append(f"  {a.item}: {label_text(a.name)} ({a.kind}){place}" + _when(a.when, qs))
    return lines + _conditional_lines(m, qs)


def _given_units(tl: TimeLimitOut) -> tuple[str | None, ...]:
    return tuple(u for days, u in ((tl.statutory, tl.statutory_unit), (tl.committed, tl.committed_unit)) if days)


# --- issue 15 (conditional facts): conditions in words, figures as ranges -----------------


def _when(when: str | None, qs: dict[str, FormField]) -> str:
    return _(" — when {condition}").format(condition=condition_words(when, qs)) if when else ""


def _alternatives_cell(tl: TimeLimitOut) -> str:
    days = ["?" if a.committed_working_days is None else str(a.committed_working_days) for a in tl.alternatives or []]
    return " or ".join(days) + "\n" + _("by answers")


def _conditional_lines(m: Manifest, qs: dict[str, FormField]) -> list[str]:
    """Limits the answers leave open (each alternative with its condition), fee lines by situation."""
    p = m.plan
    lines = []
    if p.conditional_limits:
        lines.append(_("limits by situation (counted as 0 until answered):"))
        for item in p.conditional_limits:
            parts = [("?" if a.committed_working_days is None else str(a.committed_working_days))
                     + (_(" when {condition}").format(condition=condition_words(a.when, qs)) if a.when
                        else _(" otherwise"))
                     for a in p.steps[item].time_limit.alternatives or []]
            lines.append(f"  {item}: " + "; ".join(parts))
    fees = [(i, f) for st in p.stages for i in st for f in p.steps[i].fees or [] if f.when]
    if fees:
        lines.append(_("fee lines by situation:"))
        for item, f in fees:
            amount = "?" if f.amount is None else f.amount
            lines.append(f"  {item}: {amount} {f.unit or ''}".rstrip() + _when(f.when, qs))
    return lines


def _range_lines(m: Manifest) -> list[str]:
    """What the unanswered questions can make of each figure."""
    lines = []
    for name, fig in ((_("trips"), m.metrics.trips), (_("days"), m.metrics.days)):
        if fig.range is not None:
            r = fig.range
            lines.append(_("  {metric} depends on the answers: separate {s_min}–{s_max}, bundled {b_min}–{b_max}")
                         .format(metric=name, s_min=r.separate.min, s_max=r.separate.max,
                                 b_min=r.bundled.min, b_max=r.bundled.max))
    return lines


# --- end issue 15 -------------------------------------------------------------------------
