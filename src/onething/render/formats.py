"""Formats of Chinese identifiers and numbers: one definition for the page, the JSON Schema
and the answers check, so every channel accepts and refuses the same values."""

from __future__ import annotations

import datetime as dt
import re

ID_NUMBER_FORMAT = "cn-resident-id"
"""Custom JSON Schema `format` (documented in docs/clerks.md): a GB 11643-1999 citizen ID number
(公民身份号码) — 17 digits and a check digit (0-9 or X) computed with the ISO 7064 MOD 11-2 weights,
an address code that does not start with 0, and a birth date that exists and is not in the future."""

PATTERNS = {
    "id_number": r"^[1-9][0-9]{16}[0-9Xx]$",
    "phone": r"^(\+?86-?)?1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?$",
    "uscc": r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "datetime": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
}
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str, today: dt.date | None = None) -> str | None:
    """None for a valid citizen ID number, else which rule it breaks: pattern, check, birth."""
    if not re.fullmatch(PATTERNS["id_number"], value):
        return "pattern"
    if id_check_digit(value[:17]) != value[17].upper():
        return "check"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth"
    if born.year < 1900 or born > (today or dt.date.today()):
        return "birth"
    return None


def is_resident_id(value: object) -> bool:
    """The `cn-resident-id` format checker (a non-string is left to the `type` keyword)."""
    return not isinstance(value, str) or id_number_problem(value) is None


def valid_date(value: str, with_time: bool = False) -> bool:
    if not re.fullmatch(PATTERNS["datetime" if with_time else "date"], value):
        return False
    try:
        if with_time:
            dt.datetime.fromisoformat(value.replace(" ", "T"))
        else:
            dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


MASK = "*"


def mask(value: object, field_type: str) -> str:
    """A sensitive value as printed without --unmask: enough to recognise, not to reuse."""
    text = str(value).strip()
    if field_type in ("id_number", "phone") and len(text) > 7:
        return text[:3] + MASK * (len(text) - 7) + text[-4:]
    return MASK * 4
