"""What one department receives (部门办件单): data minimisation made visible.

Only the department's own items, only the fields and materials those items declare
(`plan.steps[].inputs`), with the applicant's values in full (the department processes
them; the page is marked for official use), the electronic certificates it fetches itself,
and the upstream results it waits for. Nothing else of the answers reaches the packet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.render.env import render
from onething.render.labels import Labels
from onething.render.manifest_view import department, fields, item_name, material_index


class UnknownDepartment(ValueError):
    """The department has no item in this compile; ``choices`` are those that have."""

    def __init__(self, dept: str, choices: list[str]) -> None:
        super().__init__(dept)
        self.dept = dept
        self.choices = choices


@dataclass
class PacketOptions:
    labels: Labels = field(default_factory=Labels)
    answers: Mapping[str, Any] | None = None
    templates: Path | None = None


def departments(manifest: Mapping[str, Any]) -> list[str]:
    """The departments with at least one selected item, in plan order."""
    steps = manifest["plan"]["steps"]
    return list(dict.fromkeys(steps[i]["department"] for i in manifest["selection"]["items"]))


def packet_data(manifest: Mapping[str, Any], dept: str, answers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The packet as plain data (the JSON format, and the HTML page's context)."""
    if dept not in departments(manifest):
        raise UnknownDepartment(dept, departments(manifest))
    steps = manifest["plan"]["steps"]
    mine = [i for i in manifest["selection"]["items"] if steps[i]["department"] == dept]
    form = fields(manifest)
    answers = answers or {}
    keys: list[str] = []
    material_ids: list[str] = []
    upstream: dict[str, list[str]] = {}
    for item in mine:
        inputs = steps[item]["inputs"]
        keys += [k for k in inputs["fields"] if k not in keys]
        material_ids += [m for m in inputs["materials"] if m not in material_ids]
        for source, mats in inputs["upstream"].items():
            if source not in mine:
                upstream.setdefault(source, [])
                upstream[source] += [m for m in mats if m not in upstream[source]]
    index = material_index(manifest)
    handed, fetched, generated = [], [], []
    for mid in material_ids:
        m = index.get(mid)
        if m is None:
            continue
        row = {"id": mid, "name": m["name"], "status": m["status"]}
        if m["status"] != "waived":
            if m.get("commitment"):
                row["commitment"] = m["commitment"]
            handed.append(row)
        elif m.get("reason") == "e_certificate":
            row["issued_by"] = department(manifest, m.get("waived_by") or "")
            fetched.append(row)
        elif m.get("reason") == "generated":
            generated.append(row)
    return {
        "bundle": {"id": manifest["bundle"]["id"], "version": manifest["bundle"]["version"],
                   "title": manifest["bundle"]["title"]},
        "department": {"id": dept, "name": department(manifest, dept)},
        "official_use": True,
        "items": [{"id": i, "name": steps[i]["name"], "code": steps[i].get("code"), "stage": steps[i]["stage"] + 1}
                  for i in mine],
        "fields": [
            {"key": k, "label": form[k]["label"] if k in form else {"zh": k, "en": k},
             "type": form[k]["type"] if k in form else None,
             "members": [{"key": m["key"], "label": m["label"]} for m in (form.get(k) or {}).get("fields") or []],
             "value": answers.get(k)}
            for k in keys
        ],
        "materials": handed,
        "fetched": fetched,
        "generated": generated,
        "upstream": [{"item": s, "name": item_name(manifest, s), "materials": [
            {"id": m, "name": index[m]["name"] if m in index else {"zh": m, "en": m}} for m in mats]}
            for s, mats in upstream.items()],
    }


def render_packet(manifest: Mapping[str, Any], dept: str, fmt: str = "html", opts: PacketOptions | None = None) -> str:
    opts = opts or PacketOptions()
    data = packet_data(manifest, dept, opts.answers)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    return render("packet.html.j2", {"L": opts.labels, "p": data}, opts.templates)
