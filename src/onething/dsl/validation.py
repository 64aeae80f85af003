"""Turning pydantic validation errors into diagnostics with file:line:col and a hint."""

from __future__ import annotations

import difflib
import unicodedata
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.limits import MAX_DIAGNOSTICS_PER_FILE, MAX_ID_LENGTH
from onething.dsl.source import Location, locate

_TYPE_CODES = {
    "string_too_long": "E017",
    "extra_forbidden": "E101",
    "missing": "E103",
    "unquoted_code": "E105",
    "missing_zh": "E106",
    # facts authors write about materials (issue 8 §2)
    "generated_not_form": "E109",
    "original_without_originals": "E110",
}
# errors about one key that a model-level check finds: reported at that key, with a hint
_AT_KEY = {"generated_not_form": "generated", "original_without_originals": "original"}


def _key_hint(etype: str) -> str | None:
    if etype == "generated_not_form":
        return _("remove `generated:`, or set `kind: form` if it is a form")
    if etype == "original_without_originals":
        return _("remove `original:`, or give the number of originals brought (`originals: 1`)")
    if etype == "less_than_equal":
        return _("a value beyond any real one; the limits are listed in docs/diagnostics.md")
    return None

_WRONG_TYPE = {
    "string_type", "int_type", "int_parsing", "int_from_float", "float_type", "float_parsing",
    "bool_type", "bool_parsing", "list_type", "dict_type", "model_type", "model_attributes_type",
    "decimal_type", "decimal_parsing", "date_type", "date_parsing", "tuple_type", "none_required",
}
_TYPE_NAMES = {
    str: "text", int: "a whole number", float: "a number", bool: "true/false",
    list: "a list", dict: "a mapping", type(None): "nothing (empty)",
}


@cache
def _schema(cls: type[BaseModel]) -> dict[str, Any]:
    return cls.model_json_schema()


def _deref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    for alt in node.get("anyOf", []):
        alt = _deref(schema, alt)
        if alt.get("type") in ("object", "array"):
            return alt
    return node


def known_keys(cls: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at ``path`` (for "did you mean" hints)."""
    schema = _schema(cls)
    node = _deref(schema, schema)
    for step in path:
        if isinstance(step, int):
            node = _deref(schema, node.get("items", {}))
        else:
            node = _deref(schema, node.get("properties", {}).get(step, {}))
    return sorted(node.get("properties", {}))


def suggest(word: str, candidates: list[str] | set[str] | tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def invisible_characters(value: Any) -> list[str]:
    """Zero-width, bidi and other format or invisible characters in a text, named (U+200B ZERO WIDTH SPACE)."""
    if not isinstance(value, str):
        return []
    out: list[str] = []
    for ch in dict.fromkeys(value):
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") or (cat == "Zs" and ch != " "):
            out.append(f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}")
    return out


def _describe(value: Any) -> str:
    for t, name in _TYPE_NAMES.items():
        if type(value) is t:
            return name
    # the loader's YMap / YList / Unquoted are dicts, lists and text to the author
    for t in (bool, str, dict, list):
        if isinstance(value, t):
            return _TYPE_NAMES[t]
    return type(value).__name__


def _written(value: Any) -> str:
    """How YAML shows a plain number or boolean (the loader keeps only canonical ones)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def pydantic_diagnostics(
    exc: ValidationError, cls: type[BaseModel], data: Any, file: str, prefix: tuple[Any, ...] = ()
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    errors = exc.errors(include_url=False)
    if len(errors) > MAX_DIAGNOSTICS_PER_FILE:
        # an alias-amplified or generated file: turn only what can be shown into diagnostics
        # (each takes a lookup and a did-you-mean); the rest are counted
        hidden = len(errors) - MAX_DIAGNOSTICS_PER_FILE
        errors = errors[:MAX_DIAGNOSTICS_PER_FILE]
        out.append(make("W690", _("and {n:,} more diagnostics in this file ({errors:,} errors) not shown").format(
            n=hidden, errors=hidden), locate(data, ()) or Location(file),
            _("fix the ones shown first; the exit status counts them all")))
    for err in errors:
        loc_path = tuple(err["loc"])
        etype = err["type"]
        if etype in _AT_KEY:
            loc_path += (_AT_KEY[etype],)
        full = prefix + loc_path
        code = _TYPE_CODES.get(etype) or ("E102" if etype in _WRONG_TYPE else "E104")
        if etype == "string_type" and isinstance(err.get("input"), int):
            # a plain 110107001000 or true where text belongs: YAML made it a number or
            # boolean; the rule for code-like values is "quote it" (E105), as for 000107
            code = "E105"
            err = {**err, "msg": f"{_written(err['input'])} is written without quotes; "
                                  "YAML reads it as a number or boolean"}
        dotted = ".".join(str(p) for p in full) or "(document)"
        hint: str | None = None
        if code == "E101":
            key = str(loc_path[-1])
            location = locate(data, loc_path, key=True) or Location(file)
            allowed = known_keys(cls, loc_path[:-1])
            guess = suggest(key, allowed)
            message = f"unknown key {key!r} in {'.'.join(str(p) for p in full[:-1]) or 'the document'}"
            hint = f"did you mean {guess!r}?" if guess else (
                f"allowed here: {', '.join(allowed)}" if allowed else None)
        elif code == "E103":
            location = locate(data, loc_path) or Location(file)
            parent = ".".join(str(p) for p in full[:-1]) or "the document"
            message = f"missing required key {str(loc_path[-1])!r} in {parent}"
            hint = "add it; see docs/authoring.md for what it holds"
        elif code == "E102":
            location = locate(data, loc_path) or Location(file)
            value = err.get("input")
            message = f"{dotted}: {err['msg'].rstrip('.')} (got {_describe(value)})"
            hint = "quote text that looks like a number" if isinstance(value, (int, float)) else None
        elif code == "E105":
            location = locate(data, loc_path) or Location(file)
            message = f"{dotted}: {err['msg']}"
            hint = f'quote it: "{_written(err.get("input"))}"'
        elif code == "E106":
            location = locate(data, loc_path) or Location(file)
            message = f"{dotted}: {err['msg']}"
            hint = "labels are {zh: 中文, en: English}"
        elif code == "E017":
            location = locate(data, loc_path) or Location(file)
            value = err.get("input")
            message = _("{path}: an id of {n:,} characters; the limit is {limit}").format(
                path=dotted, n=len(value) if isinstance(value, str) else 0, limit=MAX_ID_LENGTH)
            hint = _("ids are short lower_snake_case words")
        else:
            location = locate(data, loc_path) or Location(file)
            value = err.get("input")
            hidden = invisible_characters(value) if etype == "string_pattern_mismatch" else []
            if hidden:
                code = "E018"
                message = _("{path}: {value} holds the invisible character {chars}").format(
                    path=dotted, value=ascii(value), chars=", ".join(hidden))
                hint = _("retype the id without it (it was probably pasted along)")
            else:
                message = f"{dotted}: {err['msg'].rstrip('.')}"
                hint = _key_hint(etype)
        out.append(make(code, message, location, hint))
    return out
