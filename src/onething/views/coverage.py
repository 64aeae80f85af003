"""Standard-element coverage over every item of every bundle, and what is still unknown.

Issue 12 §2 sets targets over all items of all bundles (each bundle's use of an item counts once:
a bundle may restate an element). What no source gave stays unknown; the departments are the
ones to confirm it, so the unknowns are listed per department (待部门确认), never filled in.
"""

from __future__ import annotations

from typing import Any

from onething.compiler.manifest import Manifest
from onething.compiler.metrics import STANDARD_ELEMENTS
from onething.dsl.i18n import _
from onething.views.escape import markdown_cell

SOURCES = "sources"  # not a 实施清单 element, but every item must name one (issue 12 §2)
TARGETS: dict[str, float] = {
    "legal_basis": 0.95, "statutory_limit": 0.80, "fee": 1.0, "fee_basis": 1.0, "result": 0.95,
    "result_sample": 0.95, "review_standard": 0.70, "scope": 0.70, SOURCES: 1.0,
}
ELEMENTS = (*STANDARD_ELEMENTS, SOURCES)


def item_facts(m: Manifest) -> list[dict[str, Any]]:
    """One entry per item of the compiled bundle: its department and the elements it lacks."""
    out = []
    for iid, c in sorted(m.completeness.items.items()):
        step = m.plan.steps[iid]
        missing = list(c.missing) + ([] if step.sources else [SOURCES])
        out.append({"bundle": m.bundle.id, "item": iid, "name_zh": step.name.get("zh", ""),
                    "department": step.department, "missing": missing})
    return out


def coverage(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each element: how many of the (bundle, item) uses have it, the share and the target (None: none set)."""
    n = len(facts)
    rows = []
    for e in ELEMENTS:
        filled = sum(1 for f in facts if e not in f["missing"])
        rows.append({"element": e, "filled": filled, "items": n,
                     "share": round(filled / n, 3) if n else 0.0, "target": TARGETS.get(e)})
    return rows


def to_confirm(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each item with an unknown element, once (the union over the bundles using it), by department."""
    merged: dict[str, dict[str, Any]] = {}
    for f in facts:
        e = merged.setdefault(f["item"], {"department": f["department"], "item": f["item"],
                                          "name_zh": f["name_zh"], "missing": set(), "bundles": []})
        e["missing"] |= set(f["missing"])
        e["bundles"].append(f["bundle"])
    return [
        {**e, "missing": [x for x in ELEMENTS if x in e["missing"]], "bundles": sorted(set(e["bundles"]))}
        for e in sorted(merged.values(), key=lambda e: (e["department"], e["item"]))
        if e["missing"]
    ]


def coverage_md(facts: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        _("## Standard elements over all items (要素覆盖率)"),
        "",
        _("Every item of every bundle (an item used by two bundles counts twice). Targets of issue 12 §2;"),
        _("a statutory limit counts only with its unit, a fee only with every line's amount."),
        "",
        _("| element | filled | items | share | target |"),
        "|---|---:|---:|---:|---:|",
    ]
    for r in coverage(facts):
        target = "" if r["target"] is None else f"{r['target']:.0%}"
        mark = " ⚠" if r["target"] is not None and r["share"] < r["target"] else ""
        lines.append(f"| `{r['element']}` | {r['filled']} | {r['items']} | {r['share']:.0%}{mark} | {target} |")
    return lines


def to_confirm_md(facts: list[dict[str, Any]]) -> list[str]:
    pending = to_confirm(facts)
    lines = [
        "",
        _("## To be confirmed by the departments (待部门确认)"),
        "",
        _("What no source read so far gives, per item: it stays unknown (never a guessed value) until the"),
        _("department confirms it. Local item codes (`code`) are known only to the departments' lists."),
        "",
    ]
    if not pending:
        return [*lines, _("Nothing: every element of every item is known.")]
    lines += [_("| department | item | 事项 | unknown |"), "|---|---|---|---|"]
    for e in pending:
        lines.append(f"| `{e['department']}` | `{e['item']}` | {markdown_cell(e['name_zh'])} | "
                     + ", ".join(e["missing"]) + " |")
    return lines
