"""The combined application form (一表申请) as one HTML page: on screen and on A4.

The page is built from the manifest's `form` (situation questions first, then its sections
in order) and `materials` (commitments, tolerated materials). Every value reaches the page
through the autoescaping template; the page's script gets its rules as JSON in a
`<script type="application/json">` block, escaped by `tojson`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.render import conditions
from onething.render.env import render
from onething.render.formats import PATTERNS, mask
from onething.render.labels import UNITS, WORDING, Labels
from onething.render.manifest_view import SITUATION, questions, sections

_INPUT = {
    "string": "text", "address": "text", "integer": "number", "decimal": "number", "date": "date",
    "datetime": "datetime-local", "phone": "tel", "email": "email", "id_number": "text", "uscc": "text",
}
_HINT = {"date": "format_date", "datetime": "format_datetime", "id_number": "format_id_number",
         "phone": "format_phone", "uscc": "format_uscc"}


@dataclass
class FormOptions:
    labels: Labels = field(default_factory=Labels)
    answers: Mapping[str, Any] | None = None
    unmask: bool = False
    large_print: bool = False
    templates: Path | None = None


def html_id(key: str, *row: int) -> str:
    suffix = "".join(f"-{r}" for r in row)
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key) + suffix


def _attrs(f: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    ftype = f["type"]
    if f.get("max_length"):
        out["maxlength"] = str(f["max_length"])
    if f.get("min_length"):
        out["minlength"] = str(f["min_length"])
    pattern = f.get("pattern") or PATTERNS.get(ftype) if ftype not in ("date", "datetime") else None
    if pattern:
        # HTML anchors the pattern itself; the manifest's own ^…$ are harmless inside (?:…)
        out["pattern"] = pattern
    if ftype in ("integer", "decimal"):
        out["step"] = "1" if ftype == "integer" else "any"
        out["inputmode"] = "numeric" if ftype == "integer" else "decimal"
        if f.get("minimum") is not None:
            out["min"] = str(f["minimum"])
        if f.get("maximum") is not None:
            out["max"] = str(f["maximum"])
    if ftype == "id_number":
        out["data-format"] = "cn-resident-id"
        out["autocomplete"] = "off"
    if ftype == "phone":
        out["inputmode"] = "tel"
    return out


def _display(value: Any, ftype: str) -> str:
    if value is None:
        return ""
    if ftype == "datetime":
        return str(value).replace(" ", "T")[:16]
    return str(value)


def _control(ftype: str, f: Mapping[str, Any]) -> str:
    if ftype == "enum":
        return "select"
    if ftype == "boolean":
        return "yesno" if f.get("required") else "checkbox"
    if ftype == "text":
        return "textarea"
    if ftype == "group":
        return "group"
    return "input"


def _view(f: Mapping[str, Any], qs: Mapping[str, Any], opts: FormOptions, value: Any, row: tuple[int, ...] = (),
          group: str | None = None) -> dict[str, Any]:
    ftype = f["type"]
    view: dict[str, Any] = {
        "key": f["key"], "id": html_id(f["key"], *row), "label": f["label"], "help": f.get("help"),
        "type": ftype, "control": _control(ftype, f), "input_type": _INPUT.get(ftype, "text"),
        "required": bool(f.get("required")), "when": f.get("when"), "attrs": _attrs(f),
        "hint": _HINT.get(ftype), "max_length": f.get("max_length"), "options": f.get("options") or [],
        "group": group, "row": row[-1] if row else None, "sensitive": bool(f.get("sensitive")),
        "value": "", "masked": None, "checked": None,
    }
    if f.get("when"):
        said = conditions.words_label(f["when"], qs)
        view["when_spans"] = opts.labels.spans(
            {lang: WORDING["fill_when"][lang].format(condition=text) for lang, text in said.items()})
        view["when_tree"] = conditions.tree(f["when"])
    if ftype == "group":
        rows = value if isinstance(value, list) else []
        repeat = f.get("repeat") or {}
        count = max(len(rows), int(repeat.get("min") or 0), 1)
        view["repeat"] = {"min": int(repeat.get("min") or 0), "max": repeat.get("max")}
        view["rows"] = [
            [_view(m, qs, opts, (rows[i] if i < len(rows) and isinstance(rows[i], Mapping) else {}).get(m["key"]),
                   (*row, i), f["key"]) for m in f.get("fields") or []]
            for i in range(count)
        ]
        return view
    if value is None:
        return view
    if view["sensitive"] and not opts.unmask:
        view["masked"] = mask(value, ftype)
        return view
    if ftype == "boolean":
        view["checked"] = value is True
    else:
        view["value"] = _display(value, ftype)
    return view


def form_context(manifest: Mapping[str, Any], opts: FormOptions) -> dict[str, Any]:
    qs = questions(manifest)
    answers = opts.answers or {}
    out_sections = []
    for s in sections(manifest):
        out_sections.append({
            "id": s["id"], "title": s["title"], "situation": s["id"] == SITUATION,
            "fields": [_view(f, qs, opts, answers.get(f["key"])) for f in s["fields"]],
        })
    materials = manifest["materials"]
    return {
        "L": opts.labels,
        "bundle": manifest["bundle"],
        "sections": out_sections,
        "commitments": [m for m in materials if m["status"] == "commitment"],
        "tolerated": [m for m in materials if m["status"] == "tolerated"],
        "large_print": opts.large_print,
        "units": UNITS,
        "prefilled": bool(opts.answers),
        "script_data": {
            "bundle": manifest["bundle"]["id"],
            "version": manifest["bundle"]["version"],
            "messages": {k: opts.labels.word_text(k) for k in (
                "err_required", "err_invalid", "err_id_check", "errors_title", "all_ok")},
        },
    }


def render_form_html(manifest: Mapping[str, Any], opts: FormOptions | None = None) -> str:
    opts = opts or FormOptions()
    return render("form.html.j2", form_context(manifest, opts), opts.templates)
