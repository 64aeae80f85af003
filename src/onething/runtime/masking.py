"""Masking personal data (个人信息去标识化) in everything a person reads.

Clerk and department output shows ID numbers, phone numbers and names masked unless the
reader asks to see them (``--unmask``, itself audited). The rules keep just enough to tell
two people apart at a window:

- citizen ID number (公民身份号码, 18 characters, or the old 15 digits): the first 3 and the
  last 4 characters stay — ``110***********123X``;
- mobile phone (11 digits starting with 1): the first 3 and the last 4 stay — ``138****5678``;
  any other number keeps only its last 4;
- person's name: the first character stays (the surname, for a Chinese name) and each other
  character becomes ``*`` — ``张*``, ``欧**``, ``J*** *****``.

:func:`mask_text` finds ID numbers and mobile numbers inside free text (reasons, comments,
outputs); :func:`mask_answers` masks an answers mapping by the combined form's field types
and ``sensitive`` flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "*"

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")
_NAME_KEY = re.compile(r"(?:^|[._])(?:name|姓名)$")


def mask_id_number(value: str) -> str:
    text = str(value).strip()
    if len(text) <= 7:
        return MASK * len(text)
    return text[:3] + MASK * (len(text) - 7) + text[-4:]


def mask_phone(value: str) -> str:
    text = str(value).strip()
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) >= 11 and digits[-11] == "1":
        mobile = digits[-11:]
        return mobile[:3] + MASK * 4 + mobile[-4:]
    if len(digits) <= 4:
        return MASK * len(digits)
    return MASK * (len(digits) - 4) + digits[-4:]


def mask_name(value: str) -> str:
    text = str(value).strip()
    return "".join(c if i == 0 or c.isspace() else MASK for i, c in enumerate(text))


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number that appears in free text."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def mask_value(value: Any, field_type: str | None, key: str = "", sensitive: bool = False) -> Any:
    """Mask one answer by its field's type; a sensitive field of another type is hidden whole."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list):
        return [mask_value(v, field_type, key, sensitive) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, None, k) for k, v in value.items()}
    if field_type == "id_number":
        return mask_id_number(str(value))
    if field_type == "phone":
        return mask_phone(str(value))
    if _NAME_KEY.search(key) and isinstance(value, str):
        return mask_name(value)
    if sensitive:
        return MASK * 4
    return mask_text(value) if isinstance(value, str) else value


def mask_answers(answers: Mapping[str, Any], fields: Iterable[Any]) -> dict[str, Any]:
    """A copy of flat dotted answers with personal data masked.

    ``fields`` are the manifest's form fields (objects with ``key``, ``type``, ``sensitive``
    and, for groups, ``fields``); an answer without a field is treated as free text.
    """
    known: dict[str, tuple[str, bool]] = {}

    def walk(items: Iterable[Any]) -> None:
        for f in items:
            known[f.key] = (f.type, bool(getattr(f, "sensitive", False)))
            walk(getattr(f, "fields", None) or ())

    walk(fields)
    out: dict[str, Any] = {}
    for key, value in answers.items():
        field_type, sensitive = known.get(key, (None, False))
        if isinstance(value, list) and field_type == "group":
            out[key] = [_mask_group_entry(entry, known) for entry in value]
        else:
            out[key] = mask_value(value, field_type, key, sensitive)
    return out


def _mask_group_entry(entry: Any, known: dict[str, tuple[str, bool]]) -> Any:
    if not isinstance(entry, dict):
        return mask_value(entry, None)
    out = {}
    for key, value in entry.items():
        field_type, sensitive = known.get(key, (None, False))
        out[key] = mask_value(value, field_type, key, sensitive)
    return out
