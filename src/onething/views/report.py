"""The bundle report: one row per bundle with its size, completeness and savings."""

from __future__ import annotations

import csv
import io
from typing import Any

from onething.compiler.manifest import Manifest, dumps
from onething.dsl.i18n import _
from onething.dsl.models.bundle_facts import AREAS, BATCHES
from onething.views.coverage import coverage, coverage_md, to_confirm, to_confirm_md
from onething.views.escape import markdown_cell

METRICS = ("materials", "fields", "steps", "trips", "days")
PUBLISHED = ("steps", "materials", "trips", "days")  # the figures announcements carry (no fields)


def row(m: Manifest) -> dict[str, Any]:
    r: dict[str, Any] = {
        "bundle": m.bundle.id,
        "title_zh": m.bundle.title.get("zh", ""),
        "title_en": m.bundle.title.get("en", ""),
        "version": m.bundle.version,
        "items": len(m.selection.items),
        "departments": len({s.department for s in m.plan.steps.values()} | {m.bundle.lead}),
        "stages": len(m.plan.stages),
        "completeness": m.completeness.score,
        "suppressed": sum(1 for d in m.diagnostics if d.suppressed),
        "warnings": sum(1 for d in m.diagnostics if d.severity == "warning" and not d.suppressed),
    }
    for name in METRICS:
        fig = getattr(m.metrics, name)
        r[f"{name}_separate"] = fig.separate
        r[f"{name}_bundled"] = fig.bundled
    r.update(measured(m))
    r.update(_facts(m))
    return r


# --- issue 8 §3: measured, not assumed -----------------------------------------------------

ONLINE_TARGET = 0.8  # 阿政发〔2023〕6号: “全程网办”事项覆盖率达到80%以上


def measured(m: Manifest) -> dict[str, Any]:
    """全程网办 coverage (items fully online / items) and the count of tolerated (容缺) materials."""
    on = m.metrics.online
    return {
        "online_items": on.online,
        "online_share": on.share,
        "tolerated": m.metrics.tolerated_materials,
    }


def _online_cell(r: dict[str, Any]) -> str:
    mark = "" if r["online_share"] >= ONLINE_TARGET else " ⚠"
    return f"{r['online_items']}/{r['items']} ({r['online_share']:.0%}){mark}"


# --- end issue 8 §3 ------------------------------------------------------------------------


# --- bundle facts (issue 8 §2): code, 32号 area, batch, provenance, published figures ---


def _facts(m: Manifest) -> dict[str, Any]:
    """The bundle's own facts as report columns; None (an empty CSV cell) = unknown."""
    b = m.bundle
    steps = m.plan.steps.values()
    r: dict[str, Any] = {
        "code": b.code,
        "area": b.area,
        "batch": b.batch,
        "sourced_items": round(sum(1 for s in steps if s.sources) / len(steps), 3) if steps else 0.0,
    }
    p = b.published
    for name in PUBLISHED:
        fig = getattr(p, name) if p else None
        r[f"published_{name}_before"] = fig.before if fig else None
        r[f"published_{name}_after"] = fig.after if fig else None
    r["published_days_unit"] = p.days.unit if p and p.days else None
    return r


def _arrow(before: Any, after: Any) -> str:
    if before is None and after is None:
        return "—"
    return f"{'?' if before is None else before} → {'?' if after is None else after}"


def published_md(rows: list[dict[str, Any]]) -> list[str]:
    """Published figures beside ours, one row per bundle."""
    unit = {"working_days": " wd", "calendar_days": " cd", None: ""}
    lines = [
        "",
        _("## Published figures beside ours (公布数据对照)"),
        "",
        _("What the bundle's owners announced (`published:` in the bundle file), before → after, beside"),
        _("our figures (separate → bundled). — = not announced (unknown); ? = one side not announced."),
        _("Published days are in the unit announced (wd working days, cd calendar days; none = not said)."),
        "",
        _("| bundle | 环节 steps | published | 材料 materials | published | 跑动 trips | published | 时限 days | published |"),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = []
        for n in PUBLISHED:
            theirs = _arrow(r[f"published_{n}_before"], r[f"published_{n}_after"])
            if n == "days" and theirs != "—":
                theirs += unit[r["published_days_unit"]]
            cells += [f"{r[f'{n}_separate']} → {r[f'{n}_bundled']}", theirs]
        lines.append(f"| `{r['bundle']}` | " + " | ".join(cells) + " |")
    return lines


def area_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each 国办发〔2022〕32号 area with the bundles serving it (and their later batch, if any)."""
    return [
        {"area": a, "zh": zh, "en": en, "sector": sector,
         "bundles": [{"bundle": r["bundle"], "batch": r["batch"]} for r in rows if r["area"] == a]}
        for a, (zh, en, sector) in AREAS.items()
    ]


def areas_md(rows: list[dict[str, Any]]) -> list[str]:
    sector = {"enterprise": _("企业 enterprise"), "person": _("个人 individual")}
    lines = [
        "",
        _("## 国办发〔2022〕32号 areas (领域对照)"),
        "",
        _("The 18 areas of 国办发〔2022〕32号 and the bundles that serve them (`area:` in the bundle file)."),
        _("A bundle also on a later national list carries its batch (`batch:`) in brackets."),
        "",
        _("| # | sector | area (领域) | id | bundles |"),
        "|---:|---|---|---|---|",
    ]
    for i, a in enumerate(area_table(rows), 1):
        bundles = ", ".join(
            f"`{b['bundle']}`" + (f" ({b['batch']})" if b["batch"] else "") for b in a["bundles"]) or "—"
        lines.append(f"| {i} | {sector[a['sector']]} | {a['zh']} {a['en']} | `{a['area']}` | {bundles} |")
    later = [r for r in rows if r["area"] is None and r["batch"] is not None]
    if later:
        lines += ["", _("Bundles from a later national batch, no 32号 area given:"), "",
                  _("| batch | list | bundles |"), "|---|---|---|"]
        for batch, (zh, _en) in BATCHES.items():
            names = [f"`{r['bundle']}`" for r in later if r["batch"] == batch]
            if names:
                lines.append(f"| {batch} | {zh} | {', '.join(names)} |")
    unknown = [f"`{r['bundle']}`" for r in rows if r["area"] is None and r["batch"] is None]
    if unknown:
        lines += ["", _("Area and batch unknown: {bundles}.").format(bundles=", ".join(unknown))]
    return lines


# ---


def report_json(rows: list[dict[str, Any]], facts: list[dict[str, Any]] | None = None) -> str:
    data: dict[str, Any] = {"bundles": rows, "areas": area_table(rows)}
    if facts is not None:
        data["coverage"] = coverage(facts)
        data["to_confirm"] = to_confirm(facts)
    return dumps(data)


def report_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()


def report_md(rows: list[dict[str, Any]], facts: list[dict[str, Any]] | None = None) -> str:
    lines = [
        "# Bundles (一件事) at a glance",
        "",
        "Generated by `onething report bundles --format md`; do not edit by hand (a test keeps it in sync).",
        "Every optional item selected, no answers given (conditional items counted). Figures are",
        "separate → bundled: materials the applicant brings (材料), fields filled in (填写项), steps",
        "met (环节), trips to a window (跑动) and committed working days (时限, critical path;",
        "special procedures such as card making not counted). Definitions: docs/compiling.md.",
        "Steps count what the applicant meets (one application at the one window); trips are the window",
        "visit (none when everything is online) plus every in-person appointment the window cannot absorb.",
        "全程网办 online: items that can be handled fully online over all items (⚠ below the Artux",
        "plan's 80% target); 容缺 tolerated: materials that may be missing at acceptance.",
        "",
        _("Sourced: the share of items that name a source (`sources:`)."),
        "",
        "| bundle | 一件事 | title | items | depts | stages | completeness | sourced | suppressed | 材料 materials | 填写项 fields | 环节 steps | 跑动 trips | 时限 days | 全程网办 online | 容缺 tolerated |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---|---|---|---:|---:|",
    ]
    for r in rows:
        figs = " | ".join(f"{r[f'{n}_separate']} → {r[f'{n}_bundled']}" for n in METRICS)
        lines.append(
            f"| `{r['bundle']}` | {markdown_cell(r['title_zh'])} | {markdown_cell(r['title_en'])} | {r['items']} | {r['departments']} | "
            f"{r['stages']} | {r['completeness']:.0%} | {r['sourced_items']:.0%} | {r['suppressed']} | {figs} | "
            f"{_online_cell(r)} | {r['tolerated']} |"
        )
    if rows:
        total = {n: (sum(r[f"{n}_separate"] for r in rows), sum(r[f"{n}_bundled"] for r in rows)) for n in METRICS}
        lines.append(
            f"| **all {len(rows)}** | | | {sum(r['items'] for r in rows)} | | | | | {sum(r['suppressed'] for r in rows)} | "
            + " | ".join(f"{a} → {b}" for a, b in total.values()) + " | "
            + _online_cell({"online_items": sum(r["online_items"] for r in rows), "items": sum(r["items"] for r in rows),
                            "online_share": sum(r["online_items"] for r in rows) / max(1, sum(r["items"] for r in rows))})
            + f" | {sum(r['tolerated'] for r in rows)} |"
        )
    if rows:
        lines += published_md(rows)
        lines += areas_md(rows)
    if facts:
        lines += coverage_md(facts)
        lines += to_confirm_md(facts)
    return "\n".join(lines) + "\n"
