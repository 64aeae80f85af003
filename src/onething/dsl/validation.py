"""Turning pydantic validation errors into diagnostics with file:line:col and a hint."""

from __future__ import annotations

import difflib
import unicodedata
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import N_, _
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


# what the DSL expects, by pydantic's error type: the author's words, never pydantic's
_EXPECTED = {
    "string_type": N_("text"), "int_type": N_("a whole number"), "int_parsing": N_("a whole number"),
    "int_from_float": N_("a whole number"), "float_type": N_("a number"), "float_parsing": N_("a number"),
    "bool_type": N_("true or false"), "bool_parsing": N_("true or false"), "list_type": N_("a list"),
    "dict_type": N_("a mapping"), "model_type": N_("a mapping"), "model_attributes_type": N_("a mapping"),
    "decimal_type": N_("a number"), "decimal_parsing": N_("a number"), "date_type": N_("a date (YYYY-MM-DD)"),
    "date_parsing": N_("a date (YYYY-MM-DD)"), "tuple_type": N_("a list"), "none_required": N_("empty"),
}
_WRONG_TYPE = set(_EXPECTED)
_TYPE_NAMES = {
    str: N_("text"), int: N_("a whole number"), float: N_("a number"), bool: N_("true/false"),
    list: N_("a list"), dict: N_("a mapping"), type(None): N_("nothing (empty)"),
}
# the models' own checks (PydanticCustomError types), worded here so they can be translated
_CUSTOM = {
    "unquoted_code": N_("{value} is written without quotes; other YAML tools read it as a number or boolean"),
    "missing_zh": N_("a label needs a non-empty zh (Chinese) text"),
    "bad_language": N_("{lang} is not a language code like zh, en, ug or ky"),
    "enum_options": N_("an enum needs options"),
    "options_not_enum": N_("options are only for enum types"),
    "use_or_id": N_("an item needs either `use:` (a catalog item) or `id:` (an inline item)"),
    "group_fields": N_("a group field needs its member fields"),
    "tolerated_and_commitment": N_(
        "a material is either tolerated (容缺) or replaced by a commitment (告知承诺), not both"),
    "generated_not_form": N_(
        "`generated` is only for forms (kind: form): only a form is printed from the combined form"),
    "original_without_originals": N_(
        "`original: {original}` says what happens to the original, but `originals: 0` brings none"),
}
# the forms the patterns of models/common.py stand for
_PATTERNS = {
    "^[a-z][a-z0-9_]*$": N_("a lower_snake_case id (a-z, 0-9 and _, starting with a letter)"),
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$": N_("a dotted field key like mother.id_number"),
    "^[EW][0-9]{3}$": N_("a diagnostic code like W602"),
    r"^https?://\S+$": N_("a web address starting with http:// or https://"),
}
_BOUNDS = {
    "greater_than_equal": (N_("{path} must be at least {limit}"), "ge"),
    "greater_than": (N_("{path} must be more than {limit}"), "gt"),
    "less_than_equal": (N_("{path} must be at most {limit}"), "le"),
    "less_than": (N_("{path} must be less than {limit}"), "lt"),
}
# pydantic names the member of a union it tried in the error's path; these are not keys
_UNION_TAGS = frozenset({"str", "int", "float", "bool", "none", "list", "dict"})


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
            return _(name)
    # the loader's YMap / YList / Unquoted are dicts, lists and text to the author
    for t in (bool, str, dict, list):
        if isinstance(value, t):
            return _(_TYPE_NAMES[t])
    return type(value).__name__


def _written(value: Any) -> str:
    """How YAML shows a plain number or boolean (the loader keeps only canonical ones)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_tag(step: Any) -> bool:
    return isinstance(step, str) and ("[" in step or step in _UNION_TAGS)


def _entry_name(entry: Any) -> str:
    """`` (id: birth_registration)`` for a list entry that names itself, else nothing."""
    if isinstance(entry, dict):
        for key in ("id", "key", "use"):
            if isinstance(entry.get(key), str):
                return f" ({key}: {entry[key]})"
    return ""


def written_path(data: Any, path: tuple[Any, ...], prefix: tuple[Any, ...] = ()) -> str:
    """A data path as the author wrote it: keys by name, list entries counted from 1 and named
    by their id when they have one: ``items[9] (id: foo).type``. ``prefix`` leads to ``data``
    (a catalog entry validated on its own). Empty for the document itself."""
    parts: list[str] = []

    def key(step: Any) -> None:
        parts.append(("." if parts else "") + str(step))

    for i, step in enumerate(prefix):
        if isinstance(step, int):
            parts.append(f"[{step + 1}]" + (_entry_name(data) if i == len(prefix) - 1 else ""))
        else:
            key(step)
    node = data
    for step in path:
        if isinstance(step, int) and isinstance(node, dict) and step == 0:
            continue  # one mapping written where a list is allowed (`fee: {…}`): no entry number
        if isinstance(step, int):
            entry = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            parts.append(f"[{step + 1}]" + _entry_name(entry))
            node = entry
        elif isinstance(node, dict) and step in node:
            key(step)
            node = node[step]
        elif _is_tag(step):
            continue
        else:
            key(step)
            node = None
    return "".join(parts)


def allowed_values(cls: type[BaseModel], path: tuple[Any, ...]) -> list[Any]:
    """The values an enum (Literal) allows at ``path``, from the model's JSON Schema."""
    schema = _schema(cls)
    node = _deref(schema, schema)
    for step in path:
        if _is_tag(step):
            continue
        if isinstance(step, int):
            # a list, or a key that takes one entry or a list of them (`fee:`): the entry
            node = _deref(schema, node["items"]) if "items" in node else node
        else:
            node = _deref(schema, node.get("properties", {}).get(step, node.get("additionalProperties", {})))
    for alt in [node, *node.get("anyOf", [])]:
        alt = _deref(schema, alt)
        if "enum" in alt:
            return list(alt["enum"])
        if "const" in alt:
            return [alt["const"]]
    return []


def _value_text(value: Any) -> str:
    return repr(str(value)) if isinstance(value, str) else _written(value)


def pydantic_diagnostics(
    exc: ValidationError, cls: type[BaseModel], data: Any, file: str, prefix: tuple[Any, ...] = ()
) -> list[Diagnostic]:
    """pydantic's errors in the DSL's words: the key path as written, what was expected, a hint."""
    out: list[Diagnostic] = []
    wrong_types: dict[str, tuple[int, list[str]]] = {}  # a union's members each report: merged
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
        ctx = err.get("ctx") or {}
        value = err.get("input")
        code = _TYPE_CODES.get(etype) or ("E102" if etype in _WRONG_TYPE else "E104")
        path = written_path(data, loc_path, prefix)
        where = path or _("the document")
        location = locate(data, loc_path) or Location(file)
        hint: str | None = None
        if etype == "string_type" and isinstance(value, int):
            # a plain 110107001000 or true where text belongs: YAML made it a number or
            # boolean; the rule for code-like values is "quote it" (E105), as for 000107
            code = "E105"
            message = _("{path}: {value} is written without quotes; YAML reads it as a number or boolean"
                        ).format(path=where, value=_written(value))
            hint = _("quote it: {quoted}").format(quoted=f'"{_written(value)}"')
        elif code == "E101":
            key = str(loc_path[-1])
            location = locate(data, loc_path, key=True) or Location(file)
            allowed = known_keys(cls, loc_path[:-1])
            guess = suggest(key, allowed)
            parent = written_path(data, loc_path[:-1], prefix) or _("the document")
            message = _("unknown key {key} in {where}").format(key=repr(key), where=parent)
            hint = _("did you mean {guess}?").format(guess=repr(guess)) if guess else (
                _("allowed here: {keys}").format(keys=", ".join(allowed)) if allowed else None)
        elif code == "E103":
            parent = written_path(data, loc_path[:-1], prefix) or _("the document")
            message = _("missing required key {key} in {where}").format(key=repr(str(loc_path[-1])), where=parent)
            hint = _("add it; see docs/authoring.md for what it holds")
        elif code == "E102":
            expected = _(_EXPECTED[etype])
            if path in wrong_types:
                index, alternatives = wrong_types[path]
                alternatives.append(expected)
                first = out[index]
                out[index] = make("E102", _("{path} should be {expected}, not {got}").format(
                    path=where, expected=_(" or ").join(alternatives), got=_describe(value)),
                    first.location, first.hint)
                continue
            wrong_types[path] = (len(out), [expected])
            message = _("{path} should be {expected}, not {got}").format(
                path=where, expected=expected, got=_describe(value))
            hint = _("quote text that looks like a number") if isinstance(value, (int, float)) else None
        elif etype in _CUSTOM:
            message = _("{path}: {problem}").format(path=where, problem=_(_CUSTOM[etype]).format(**ctx))
            if code == "E105":
                hint = _("quote it: {quoted}").format(quoted=f'"{_written(value)}"')
            elif code == "E106":
                hint = _("labels are {example}").format(example="{zh: 中文, en: English}")
            else:
                hint = _key_hint(etype)
        elif etype == "literal_error" or etype == "enum":
            allowed = [str(v) for v in allowed_values(cls, loc_path)]
            message = _("{path}: {value} is not one of the allowed values: {allowed}").format(
                path=where, value=_value_text(value), allowed=", ".join(allowed) or ctx.get("expected", ""))
            guess = suggest(str(value), allowed) if isinstance(value, str) else None
            hint = _("did you mean {guess}?").format(guess=repr(guess)) if guess else None
        elif code == "E017":
            message = _("{path}: an id of {n:,} characters; the limit is {limit}").format(
                path=where, n=len(value) if isinstance(value, str) else 0, limit=MAX_ID_LENGTH)
            hint = _("ids are short lower_snake_case words")
        elif etype == "string_pattern_mismatch" and invisible_characters(value):
            code = "E018"
            message = _("{path}: {value} holds the invisible character {chars}").format(
                path=where, value=ascii(value), chars=", ".join(invisible_characters(value)))
            hint = _("retype the id without it (it was probably pasted along)")
        elif etype == "string_pattern_mismatch":
            form = _PATTERNS.get(str(ctx.get("pattern")))
            what = _(form) if form else _("of the form {pattern}").format(pattern=ctx.get("pattern"))
            message = _("{path}: {value} is not {what}").format(path=where, value=_value_text(value), what=what)
        elif etype in ("too_short", "string_too_short"):
            n = ctx.get("min_length", 1)
            message = (_("{path} must not be empty") if n == 1 else
                       _("{path} needs at least {n} entries").format(path=where, n=n)).format(path=where)
        elif etype in ("too_long", "string_too_long"):
            message = _("{path} holds at most {n}").format(path=where, n=ctx.get("max_length"))
        elif etype in _BOUNDS:
            text, bound = _BOUNDS[etype]
            message = _(text).format(path=where, limit=ctx.get(bound))
            hint = _key_hint(etype)
        else:
            # a check this module does not word yet: say where, never pydantic's sentence
            message = _("{path}: {value} is not a valid value here").format(path=where, value=_value_text(value))
        out.append(make(code, message, location, hint))
    return out
