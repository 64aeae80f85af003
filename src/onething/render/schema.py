"""The combined form as JSON Schema (draft 2020-12): one source for every channel (同源发布).

A mini-program or a regional platform renders and validates the same form from it: types,
enums with their labels (``oneOf`` of ``const`` + ``title``), lengths, patterns, bounds,
``required``, and the conditional requirements as ``if``/``then`` over the situation
questions' answers. The answers object is flat (``"child.name"``), as in an answers file;
a repeatable group is an array of objects of its member keys.

Citizen ID numbers carry a pattern and the custom ``format: cn-resident-id`` (GB 11643 check
digit, see onething.render.formats); a validator that does not know the format still checks
the pattern. Keys starting ``x-`` carry labels in every language and other hints for renderers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from onething.render import conditions
from onething.render.formats import ID_NUMBER_FORMAT, PATTERNS
from onething.render.manifest_view import fields, sections

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _number(text: str) -> int | float:
    value = Decimal(str(text))
    return int(value) if value == value.to_integral_value() else float(value)


def _labelled(target: dict[str, Any], label: Mapping[str, str] | None, help_: Mapping[str, str] | None) -> None:
    if label:
        target["title"] = label.get("zh") or next(iter(label.values()))
        target["x-labels"] = dict(label)
    if help_:
        target["description"] = help_.get("zh") or next(iter(help_.values()))
        target["x-help"] = dict(help_)


def property_schema(f: Mapping[str, Any]) -> dict[str, Any]:
    """One field's schema (a group: an array of objects, or one object without `repeat`)."""
    ftype = f["type"]
    out: dict[str, Any] = {}
    if ftype == "group":
        members = f.get("fields") or []
        item = {
            "type": "object",
            "properties": {m["key"]: property_schema(m) for m in members},
            "required": [m["key"] for m in members if m.get("required")],
            "additionalProperties": False,
        }
        repeat = f.get("repeat")
        if repeat is None:
            out.update(item)
        else:
            out.update({"type": "array", "items": item, "minItems": int(repeat.get("min") or 0)})
            if repeat.get("max") is not None:
                out["maxItems"] = int(repeat["max"])
    elif ftype == "boolean":
        out["type"] = "boolean"
    elif ftype == "enum":
        out["type"] = "string"
        out["oneOf"] = []
        for o in f.get("options") or []:
            choice: dict[str, Any] = {"const": o["value"]}
            _labelled(choice, o["label"], None)
            out["oneOf"].append(choice)
    elif ftype in ("integer", "decimal"):
        out["type"] = "integer" if ftype == "integer" else "number"
        if f.get("minimum") is not None:
            out["minimum"] = _number(f["minimum"])
        if f.get("maximum") is not None:
            out["maximum"] = _number(f["maximum"])
    else:
        out["type"] = "string"
        if ftype == "date":
            out["format"] = "date"
        elif ftype == "email":
            out["format"] = "email"
        elif ftype == "id_number":
            out["format"] = ID_NUMBER_FORMAT
        if ftype in PATTERNS and not f.get("pattern"):
            out["pattern"] = PATTERNS[ftype]
        if f.get("pattern"):
            out["pattern"] = f["pattern"]
        out["minLength"] = max(int(f.get("min_length") or 0), 1)  # an empty text is no answer
        if f.get("max_length"):
            out["maxLength"] = int(f["max_length"])
    _labelled(out, f.get("label"), f.get("help"))
    out["x-type"] = ftype
    if f.get("sensitive"):
        out["x-sensitive"] = True
    if f.get("when"):
        out["x-when"] = f["when"]
    return out


def form_schema(manifest: Mapping[str, Any]) -> dict[str, Any]:
    bundle = manifest["bundle"]
    all_fields = fields(manifest)
    required = [k for k, f in all_fields.items() if f.get("required") and not f.get("when")]
    by_condition: dict[str, list[str]] = {}
    for key, f in all_fields.items():
        if f.get("required") and f.get("when"):
            by_condition.setdefault(f["when"], []).append(key)
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": f"urn:onething:form:{bundle['id']}:{bundle['version']}",
        "$comment": f"format {ID_NUMBER_FORMAT}: GB 11643 citizen ID number (pattern, ISO 7064 MOD 11-2 "
                    "check digit, a real birth date not in the future); see docs/clerks.md",
        "title": bundle["title"].get("zh"),
        "x-labels": dict(bundle["title"]),
        "x-version": bundle["version"],
        "type": "object",
        "properties": {k: property_schema(f) for k, f in all_fields.items()},
        "required": required,
        "additionalProperties": False,
        "x-sections": [
            {"id": s["id"], "title": dict(s["title"]), "fields": [f["key"] for f in s["fields"]]}
            for s in sections(manifest)
        ],
    }
    if by_condition:
        schema["allOf"] = [
            {"if": conditions.schema(when), "then": {"required": keys}}
            for when, keys in by_condition.items()
        ]
    return schema
