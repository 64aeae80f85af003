"""The language of user-facing text: messages are written in English and translated by gettext.

Every message, hint, table header and summary line is written as ``_("... {name} ...")``
with ``.format(name=...)`` after it (never an f-string inside ``_()``, which gettext cannot
extract). The language is chosen once per process by the CLI (``--lang``, ``ONETHING_LANG``,
else the locale).

SKELETON: translation catalogues are added by the i18n work; until then ``_`` returns the
English text unchanged.
"""

from __future__ import annotations

_language = "en"


def set_language(lang: str) -> None:
    global _language
    _language = lang


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural
