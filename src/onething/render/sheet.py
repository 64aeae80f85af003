"""The one-time notification sheet (一次性告知单): everything the applicant must know, once.

Every material appears exactly once with its status (bring, tolerated, commitment, not
needed and why); the items, departments and stages, time limits, fees, where to go and the
savings. A fact the manifest does not give is said to be unknown ("待确认 / to be
confirmed"), never left out. The context holds labels (dicts by language); the HTML,
Markdown and text templates only lay them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.render import conditions
from onething.render.env import render
from onething.render.labels import UNITS, UNKNOWN, Labels, compose
from onething.render.manifest_view import department, item_name, questions

FORMATS = {"html": "sheet.html.j2", "md": "sheet.md.j2", "text": "sheet.txt.j2"}
FEE_UNITS = {
    "per_case": {"zh": "每件", "en": "per case"},
    "per_extra_certificate": {"zh": "每增加一本证书", "en": "per extra certificate"},
    "per_certificate": {"zh": "每本证书", "en": "per certificate"},
}


@dataclass
class SheetOptions:
    labels: Labels = field(default_factory=Labels)
    templates: Path | None = None


def _limit(value: int | None, unit: str | None) -> dict[str, str] | None:
    if value is None:
        return None
    if not unit:
        return {"zh": f"{value}(单位待确认)", "en": f"{value} (unit to be confirmed)"}
    u = UNITS.get(unit, {"zh": unit, "en": unit})
    return {"zh": f"{value} 个{u['zh']}", "en": f"{value} {u['en']}"}


def fee_lines(fees: list[Mapping[str, Any]] | None, qs: Mapping[str, Any] | None = None
              ) -> list[dict[str, str]] | None:
    """Each fee line as a label (with what is left of its condition, in words); None when the
    manifest does not know the fees."""
    if fees is None:
        return None
    out = []
    for fee in fees:
        amount = fee.get("amount")
        if amount is None:
            text = dict(UNKNOWN)
        elif str(amount) in ("0", "0.0", "0.00"):
            text = compose("free")
        else:
            text = compose("fee_amount", amount=amount)
        unit = fee.get("unit")
        if unit:
            u = FEE_UNITS.get(unit, {"zh": unit, "en": unit})
            text = {lang: f"{text[lang]}({u[lang]})" if lang == "zh" else f"{text[lang]} ({u[lang]})" for lang in text}
        cond = fee.get("condition")
        if cond:
            text = {lang: f"{cond.get(lang) or cond['zh']}：{text[lang]}" if lang == "zh"
                    else f"{cond.get(lang) or cond['zh']}: {text[lang]}" for lang in text}
        if fee.get("basis"):
            text = {lang: f"{t}({fee['basis']})" if lang == "zh" else f"{t} ({fee['basis']})" for lang, t in text.items()}
        out.append(_with_when(text, fee.get("when"), qs or {}))
    return out


def _with_when(text: dict[str, str], when: str | None, qs: Mapping[str, Any]) -> dict[str, str]:
    """A label followed by the condition still left on it, in words."""
    if not when:
        return text
    said = conditions.words_label(when, qs)
    return {lang: f"{t}({compose('only_when', condition=said[lang])[lang]})" if lang == "zh"
            else f"{t} ({compose('only_when', condition=said[lang])[lang]})" for lang, t in text.items()}


def limit_text(tl: Mapping[str, Any], key: str, qs: Mapping[str, Any]) -> dict[str, str] | None:
    """The committed or statutory limit; when the answers leave several alternatives, each with
    its condition; None when unknown."""
    alternatives = tl.get("alternatives")
    if tl.get(key) is None and alternatives:
        parts = [_with_when(_limit(a.get(key), a.get(key + "_unit")) or dict(UNKNOWN), a.get("when"), qs)
                 for a in alternatives]
        return {lang: ("；" if lang == "zh" else "; ").join(p[lang] for p in parts) for lang in ("zh", "en")}
    return _limit(tl.get(key), tl.get(key + "_unit"))


def _nearby(levels: list[str] | None) -> list[dict[str, str]] | None:
    if levels is None:
        return None
    if not levels:
        return [compose("nearby_city_only")]
    return [compose("nearby_" + lvl) if ("nearby_" + lvl) in _NEARBY_KEYS else {"zh": lvl, "en": lvl}
            for lvl in levels]


_NEARBY_KEYS = {"nearby_township", "nearby_village"}


def original_fate(m: Mapping[str, Any]) -> dict[str, str] | None:
    """Whether the original is kept or handed back; None when the manifest does not say."""
    if m.get("originals") == 0:
        return compose("none")
    if m.get("original") == "kept":
        return compose("original_kept")
    if m.get("original") == "returned":
        return compose("original_returned")
    return None


def assistance(window: Mapping[str, Any]) -> dict[str, str] | None:
    """帮办代办 as the bundle states it; None (unknown) when it does not."""
    help_ = window.get("assistance")
    if not help_:
        return None
    free = help_.get("free")
    text = compose("assisted_free" if free else "assisted_paid" if free is False else "assisted_fee_unknown")
    note = help_.get("note")
    if note:
        text = {lang: f"{t}；{note.get(lang) or note['zh']}" if lang == "zh" else f"{t}; {note.get(lang) or note['zh']}"
                for lang, t in text.items()}
    return text


def area_label(bundle: Mapping[str, Any]) -> dict[str, str] | None:
    from onething.dsl.models.bundle_facts import AREAS, BATCHES

    area, batch = bundle.get("area"), bundle.get("batch")
    if area in AREAS:
        zh, en, _sector = AREAS[area]
        return {"zh": f"国办发〔2022〕32号：{zh}", "en": f"State Council 2022 No. 32: {en}"}
    if batch in BATCHES:
        zh, en = BATCHES[batch]
        return {"zh": zh, "en": en}
    return None


def source_line(src: Mapping[str, Any]) -> str:
    parts = [src.get("number"), src.get("title"), src.get("issuer"), src.get("date")]
    return "，".join(str(p) for p in parts if p) or "-"


def waived_reason(manifest: Mapping[str, Any], m: Mapping[str, Any]) -> dict[str, str]:
    reason, by = m.get("reason"), m.get("waived_by")
    if reason == "produced":
        return compose("why_produced", item=item_name(manifest, by or ""))
    if reason == "e_certificate":
        return compose("why_e_certificate", department=department(manifest, by or ""))
    if reason == "generated":
        return compose("why_generated")
    return dict(UNKNOWN)


def sheet_context(manifest: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    qs = questions(manifest)
    plan = manifest["plan"]
    steps = plan["steps"]

    def cond(when: str | None, key: str) -> dict[str, str] | None:
        if not when:
            return None
        said = conditions.words_label(when, qs)
        return {lang: compose(key, condition=said[lang])[lang] for lang in said}

    items = []
    for item_id in manifest["selection"]["items"]:
        step = steps[item_id]
        tl = step["time_limit"]
        items.append({
            "id": item_id, "name": step["name"], "department": department(manifest, step["department"]),
            "stage": step["stage"] + 1, "optional": step["optional"], "when": cond(step.get("when"), "applies_when"),
            "committed": limit_text(tl, "committed", qs),
            "statutory": limit_text(tl, "statutory", qs),
            "fees": fee_lines(step.get("fees"), qs), "nearby": _nearby(step.get("nearby")),
            "code": step.get("code"),
        })
    requirement_notes: dict[str, list[dict[str, Any]]] = {}
    for step in steps.values():
        for req in step["inputs"].get("requirements") or []:
            requirement_notes.setdefault(req["material"], []).append(
                {"item": step["name"], "in_person": req.get("in_person"), "note": req.get("note")})
    by_status: dict[str, list[dict[str, Any]]] = {"submit": [], "tolerated": [], "commitment": [], "waived": []}
    for m in manifest["materials"]:
        row = {
            "id": m["id"], "name": m["name"], "originals": m["originals"], "copies": m["copies"],
            "fate": original_fate(m), "in_person": m.get("in_person"), "notes": m.get("notes"),
            "when": cond(m.get("when"), "only_when"),
            "for": [item_name(manifest, i) for i in m["required_by"]],
            "requirements": requirement_notes.get(m["id"], []),
            "issued_by": department(manifest, m["issued_by"]) if m.get("issued_by") in manifest["bundle"]["departments"] else None,
        }
        if m["status"] == "waived":
            row["why"] = waived_reason(manifest, m)
        if m["status"] == "tolerated":
            t = m["tolerated"]
            row["deadline"] = compose("tolerated_deadline", days=t["supplement_days"], unit=UNITS.get(t["unit"], UNKNOWN))
        if m["status"] == "commitment":
            row["commitment"] = m["commitment"]
        by_status[m["status"]].append(row)
    excluded = [{"id": e["id"], "name": item_name(manifest, e["id"]) if e["id"] in steps else {"zh": e["id"], "en": e["id"]},
                 "why": compose(e["reason"]) if e["reason"] in ("not_selected", "condition_false") else dict(UNKNOWN)}
                for e in manifest["selection"]["excluded"]]
    undecided = [qs[q]["label"] if q in qs else {"zh": q, "en": q} for q in manifest["selection"]["undecided"]]
    stages = [[{"name": steps[i]["name"], "department": department(manifest, steps[i]["department"])}
               for i in stage] for stage in plan["stages"]]
    metrics = manifest["metrics"]
    def figure(k: str, side: str) -> str:
        span = (metrics[k].get("range") or {}).get(side)
        if span and span["min"] != span["max"]:
            return f"{span['min']}–{span['max']}"
        return str(metrics[k][side])

    savings = [(compose("m_" + k), figure(k, "separate"), figure(k, "bundled"))
               for k in ("materials", "fields", "steps", "trips", "days") if k in metrics]
    window = manifest["bundle"].get("window") or {}
    bundle = manifest["bundle"]
    return {
        "L": labels, "bundle": bundle, "items": items, "excluded": excluded, "undecided": undecided,
        "answered": bool(manifest["selection"]["answers"]),
        "bring": by_status["submit"], "tolerated": by_status["tolerated"],
        "commitments": by_status["commitment"], "waived": by_status["waived"],
        "stages": stages, "committed_days": plan["committed_days"],
        "lower_bound": bool(plan.get("unknown_limits") or plan.get("conditional_limits")),
        "special_procedures": [{"item": item_name(manifest, p["item"]), "name": _with_when(p["name"], p.get("when"), qs),
                                "days": _limit(p.get("days"), p.get("unit"))} for p in plan["special_procedures"]],
        "appointments": [{"item": item_name(manifest, a["item"]), "name": _with_when(a["name"], a.get("when"), qs),
                          "place": a.get("place"), "note": a.get("note")} for a in plan.get("appointments") or []],
        "window": {
            "name": window.get("name"), "address": window.get("address"), "hours": window.get("hours"),
            "phone": window.get("phone"), "online": window.get("online"),
        },
        "assisted": assistance(window),
        "hotline": window.get("hotline"),
        "area": area_label(bundle), "code": bundle.get("code"),
        "sources": [source_line(src) for src in bundle.get("sources") or []],
        "savings": savings, "UNKNOWN": UNKNOWN,
    }


def render_sheet(manifest: Mapping[str, Any], fmt: str = "html", opts: SheetOptions | None = None) -> str:
    opts = opts or SheetOptions()
    return render(FORMATS[fmt], sheet_context(manifest, opts.labels), opts.templates)
