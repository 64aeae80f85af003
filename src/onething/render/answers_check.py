"""Checking an answers file against the combined form, every problem at once (一次告知).

A library function (the runtime's `submit` reuses it): :func:`check_answers` takes the
manifest and the flat answers and returns structured problems in form order, each naming
the field by key and by its label in the chosen language. The rules are the JSON Schema's
(onething.render.schema): types, options, lengths, bounds, patterns, citizen ID numbers
(check digit, birth date), phone numbers, dates, group sizes, required and conditionally
required fields; plus unknown keys with the nearest known key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from onething.dsl.conditions import parse
from onething.dsl.i18n import _
from onething.dsl.source import Unquoted
from onething.dsl.validation import suggest
from onething.render.formats import PATTERNS, id_number_problem, valid_date
from onething.render.labels import Labels
from onething.render.manifest_view import fields, questions

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field's answer."""

    key: str
    code: str
    label: str
    message: str
    location: str | None = None
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"key": self.key, "code": self.code, "label": self.label, "message": self.message}
        if self.location:
            out["location"] = self.location
        if self.hint:
            out["hint"] = self.hint
        return out

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.label} ({self.key}): {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


def _empty(value: Any) -> bool:
    """Not answered: a blank YAML value (null). An empty text is an answer, and not a valid one."""
    return value is None


def _number(value: Any, integer: bool) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    elif isinstance(value, Unquoted):  # `weight: 3200` in YAML; a quoted "3200" is text, as in JSON
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite() or (integer and number != number.to_integral_value()):
        return None
    return number


def _value_problems(f: Mapping[str, Any], value: Any, today: dt.date) -> list[tuple[str, str, str | None]]:
    """(code, message, hint) for a present value of field ``f``."""
    ftype = f["type"]
    if ftype == "boolean":
        return [] if isinstance(value, bool) else [("type", _("answer true or false"), None)]
    if ftype in ("integer", "decimal"):
        number = _number(value, ftype == "integer")
        if number is None:
            return [("type", _("a whole number is needed") if ftype == "integer" else _("a number is needed"), None)]
        out = []
        if f.get("minimum") is not None and number < Decimal(str(f["minimum"])):
            out.append(("range", _("the smallest allowed value is {n}").format(n=f["minimum"]), None))
        if f.get("maximum") is not None and number > Decimal(str(f["maximum"])):
            out.append(("range", _("the largest allowed value is {n}").format(n=f["maximum"]), None))
        return out
    if not isinstance(value, str):
        return [("type", _("text is needed"), None)]
    text = value  # as written: the JSON Schema counts and matches the same characters
    if not value:
        return [("empty", _("the text is empty: leave the key blank (or out) when there is no answer"), None)]
    if ftype == "enum":
        allowed = [o["value"] for o in f.get("options") or []]
        if text in allowed:
            return []
        guess = suggest(text, allowed)
        hint = _("did you mean {guess!r}?").format(guess=guess) if guess else None
        return [("option", _("{value!r} is not one of the options: {options}").format(
            value=text, options=", ".join(allowed)), hint)]
    out: list[tuple[str, str, str | None]] = []
    if f.get("max_length") and len(text) > int(f["max_length"]):
        out.append(("length", _("at most {n} characters (this has {m})").format(n=f["max_length"], m=len(text)), None))
    if f.get("min_length") and len(text) < int(f["min_length"]):
        out.append(("length", _("at least {n} characters").format(n=f["min_length"]), None))
    if ftype == "id_number":
        problem = id_number_problem(text, today)
        if problem == "pattern":
            out.append(("id_number", _("a citizen ID number is 17 digits and a check digit (0-9 or X)"), None))
        elif problem == "check":
            out.append(("id_check", _("the check digit is wrong: the number is mistyped"), None))
        elif problem == "birth":
            out.append(("id_birth", _("the birth date inside the ID number is not a real past date"), None))
    elif ftype == "phone" and not re.search(PATTERNS["phone"], text):
        out.append(("phone", _("not a phone number (11-digit mobile, or area code and number)"), None))
    elif ftype == "uscc" and not re.search(PATTERNS["uscc"], text):
        out.append(("uscc", _("not an 18-character unified social credit code"), None))
    elif ftype == "email" and not _EMAIL.match(text):
        out.append(("email", _("not an e-mail address"), None))
    elif ftype in ("date", "datetime") and not valid_date(text, ftype == "datetime"):
        out.append(("date", _("not a real date in the form YYYY-MM-DD") if ftype == "date"
                    else _("not a real date and time in the form YYYY-MM-DD HH:MM"), None))
    if f.get("pattern") and not re.search(f["pattern"], text):
        out.append(("pattern", _("does not have the required form {pattern}").format(pattern=f["pattern"]), None))
    return out


def check_answers(manifest: Mapping[str, Any], answers: Mapping[str, Any], labels: Labels | None = None,
                  locations: Mapping[str, Any] | None = None, today: dt.date | None = None) -> list[Problem]:
    """Every problem of ``answers`` (flat keys) against the manifest's combined form, in form order."""
    labels = labels or Labels()
    today = today or dt.date.today()
    locations = locations or {}
    form = fields(manifest)
    # only valid answers decide a condition: a wrong answer is reported once, at its question
    situation = {k: answers[k] for k, q in questions(manifest).items()
                 if k in answers and not _empty(answers[k]) and not _value_problems(q, answers[k], today)}
    problems: list[Problem] = []

    def add(key: str, f: Mapping[str, Any], code: str, message: str, hint: str | None = None,
            where: str | None = None) -> None:
        loc = locations.get(where or key)
        problems.append(Problem(key, code, labels.one(f.get("label")), message, str(loc) if loc else None, hint))

    def check_field(key: str, f: Mapping[str, Any], value: Any, needed: bool, where: str) -> None:
        if _empty(value):
            if needed:
                add(key, f, "missing", _("this field is required") if not f.get("when")
                    else _("this field is required in the applicant's situation"), where=where)
            return
        if f["type"] != "group":
            for code, message, hint in _value_problems(f, value, today):
                add(key, f, code, message, hint, where=where)
            return
        rows = value if isinstance(value, list) else None
        if rows is None or not all(isinstance(r, Mapping) for r in rows):
            add(key, f, "type", _("a list of entries is needed, each a mapping of the group's fields"), where=where)
            return
        repeat = f.get("repeat") or {}
        if repeat.get("min") and len(rows) < int(repeat["min"]):
            add(key, f, "group_size", _("at least {n} entries are needed (there are {m})").format(
                n=repeat["min"], m=len(rows)), where=where)
        if repeat.get("max") is not None and len(rows) > int(repeat["max"]):
            add(key, f, "group_size", _("at most {n} entries are allowed (there are {m})").format(
                n=repeat["max"], m=len(rows)), where=where)
        members = {m["key"]: m for m in f.get("fields") or []}
        for i, row in enumerate(rows):
            for mkey, member in members.items():
                check_field(f"{key}[{i}].{mkey}", member, row.get(mkey), bool(member.get("required")), where)
            for extra in row:
                if extra not in members:
                    guess = suggest(str(extra), list(members))
                    add(f"{key}[{i}].{extra}", f, "unknown", _("{key!r} is not a field of this group").format(
                        key=extra), _("did you mean {guess!r}?").format(guess=guess) if guess else None, where=where)

    for key, f in form.items():
        when = f.get("when")
        applies = True if not when else parse(when).evaluate(situation)
        check_field(key, f, answers.get(key), bool(f.get("required")) and applies is True, key)

    for key in answers:
        if key not in form:
            guess = suggest(key, list(form))
            hint = _("did you mean {guess!r}?").format(guess=guess) if guess else None
            loc = locations.get(key)
            problems.append(Problem(key, "unknown", key, _("not a question or field of this form"),
                                    str(loc) if loc else None, hint))
    return problems
