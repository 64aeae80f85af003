"""Readable views of a manifest: the plan as a table, the dependency graph as Mermaid or DOT."""

from __future__ import annotations

import unicodedata

from onething.compiler.manifest import Manifest, TimeLimitOut
from onething.dsl.i18n import _


def _zh(label: dict[str, str] | None) -> str:
    return (label or {}).get("zh", "")


def _en(label: dict[str, str] | None) -> str:
    return (label or {}).get("en", "")


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plan_text(m: Manifest) -> str:
    b = m.bundle
    lines = [f"{_zh(b.title)} / {_en(b.title)}  ({b.id} {b.version})", ""]
    rows = [["stage", "item", "事项", "department", "limit (wd)", "needs", "when"]]
    for i, stage in enumerate(m.plan.stages, 1):
        for item in stage:
            s = m.plan.steps[item]
            tl = s.time_limit
            limit = "?" if tl.committed_working_days is None else str(tl.committed_working_days)
            if tl.statutory is not None:
                limit += f" (法定 {tl.statutory}{_unit_mark(tl.statutory_unit, tl.statutory)})"
            rows.append([str(i), item, _zh(s.name), _zh(b.departments.get(s.department)) or s.department,
                         limit, ", ".join(s.needs) or "-", s.when or ""])
    lines += _table(rows)
    lines.append("")
    lines.append(f"critical path: {' → '.join(m.plan.critical_path)} = {m.plan.committed_days} working days")
    if m.plan.unknown_limits:
        lines.append(f"  at least: no time limit known for {', '.join(m.plan.unknown_limits)} (counted as 0)")
    lines += _facts_lines(m)
    if m.plan.special_procedures:
        lines.append("special procedures (not counted):")
        for sp in m.plan.special_procedures:
            unit = "calendar days" if sp.unit == "calendar_days" else "working days"
            lines.append(f"  {sp.item}: {_zh(sp.name)} {sp.days if sp.days is not None else '?'} {unit}")
    lines.append("")
    mt = m.metrics
    rows = [["metric", "separate", "bundled", "saved"]]
    for name, zh in (("materials", "材料"), ("fields", "填写项"), ("steps", "环节"), ("trips", "跑动"), ("days", "时限")):
        fig = getattr(mt, name)
        rows.append([f"{name} {zh}", str(fig.separate), str(fig.bundled), str(fig.separate - fig.bundled)])
    lines += _table(rows)
    return "\n".join(lines) + "\n"


# --- issue 8 §2 (items): units, appointments, dropped needs -------------------------------


def _unit_mark(unit: str | None, days: int) -> str:
    """'' for working days, 'd' for calendar days, '?' for a unit not given (0 needs none)."""
    if unit == "calendar_days":
        return "d"
    return "?" if unit is None and days else ""


def _facts_lines(m: Manifest) -> list[str]:
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
            place = f" @ {_zh(a.place)}" if a.place else ""
            lines.append(f"  {a.item}: {_zh(a.name)} ({a.kind}){place}")
    return lines


def _given_units(tl: TimeLimitOut) -> tuple[str | None, ...]:
    return tuple(u for days, u in ((tl.statutory, tl.statutory_unit), (tl.committed, tl.committed_unit)) if days)


# --- end issue 8 §2 -----------------------------------------------------------------------


def _q(text: str) -> str:
    return text.replace('"', "'")


def _clusters(m: Manifest) -> list[tuple[str, str, list[str]]]:
    """(department id, its name, its items in plan order), departments sorted by id."""
    order = [i for st in m.plan.stages for i in st]
    return [
        (d, _zh(m.bundle.departments.get(d)) or d, [i for i in order if m.plan.steps[i].department == d])
        for d in sorted({s.department for s in m.plan.steps.values()})
    ]


def _edge_label(m: Manifest, why: str) -> str | None:
    """None for an explicit `needs`, else the name of the material that flows."""
    if why == "needs":
        return None
    return next((_zh(mat.name) for mat in m.materials if mat.id == why), why)


def graph_mermaid(m: Manifest) -> str:
    lines = ["flowchart LR"]
    for d, name, items in _clusters(m):
        lines.append(f'  subgraph dept_{d}["{_q(name)}"]')
        for item in items:
            s = m.plan.steps[item]
            shape = f'{item}("{_q(_zh(s.name))}")' if s.when or s.optional else f'{item}["{_q(_zh(s.name))}"]'
            lines.append(f"    {shape}")
        lines.append("  end")
    for src, dst, why in m.plan.edges:
        label = _edge_label(m, why)
        lines.append(f"  {src} --> {dst}" if label is None else f'  {src} -- "{_q(label)}" --> {dst}')
    return "\n".join(lines) + "\n"


def graph_dot(m: Manifest) -> str:
    lines = [f'digraph "{m.bundle.id}" {{', "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];']
    for d, name, items in _clusters(m):
        lines.append(f'  subgraph "cluster_{d}" {{')
        lines.append(f'    label="{_q(name)}";')
        for item in items:
            s = m.plan.steps[item]
            style = ", style=dashed" if s.when or s.optional else ""
            lines.append(f'    "{item}" [label="{_q(_zh(s.name))}\\n{item}"{style}];')
        lines.append("  }")
    for src, dst, why in m.plan.edges:
        label = _edge_label(m, why)
        lines.append(f'  "{src}" -> "{dst}"' + ("" if label is None else f' [label="{_q(label)}"]') + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"
