"""The language of user-facing text: messages are written in English and translated by gettext.

Every message, hint, table header and summary line is written as ``_("... {name} ...")``
with ``.format(name=...)`` after it (never an f-string inside ``_()``, which gettext cannot
extract). The language is chosen once per process by the CLI (``--lang``, ``ONETHING_LANG``,
else the locale: ``zh_*`` is Chinese, anything else English); see :func:`choose_language`.

The catalogues are ``onething/locale/<lang>/LC_MESSAGES/onething.po`` and the ``.mo`` compiled
from it, both committed (``scripts/i18n`` regenerates them; a test keeps them in step), so a
clean clone, an editable install and the wheel all find them without a build step. Only the
standard library's ``gettext`` reads them at run time: Babel is a developer tool.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

DOMAIN = "onething"
LANGUAGES = ("en", "zh")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANG_ENV = "ONETHING_LANG"

_language = "en"
_translations: dict[str, _gettext.NullTranslations] = {}
_active: _gettext.NullTranslations = _gettext.NullTranslations()


def _load(lang: str) -> _gettext.NullTranslations:
    if lang not in _translations:
        if lang == "en":  # the msgids are the English text
            _translations[lang] = _gettext.NullTranslations()
        else:
            # fallback=True: a missing catalogue shows English rather than failing
            _translations[lang] = _gettext.translation(
                DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return _translations[lang]


def set_language(lang: str) -> None:
    """Make ``lang`` (``en`` or ``zh``) the language of every later ``_()`` call."""
    global _language, _active
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _language = lang
    _active = _load(lang)


def current_language() -> str:
    return _language


def language_of_locale(name: str | None) -> str | None:
    """``zh_CN.UTF-8`` → zh, ``en_US``/``C``/``POSIX`` → en; None for an unset variable."""
    if not name:
        return None
    return "zh" if name.split(".")[0].lower().replace("-", "_").split("_")[0] == "zh" else "en"


def choose_language(option: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The language by precedence: --lang, ONETHING_LANG, the locale (LC_ALL, LC_MESSAGES, LANG)."""
    env = os.environ if environ is None else environ
    if option:
        return option
    wanted = env.get(LANG_ENV, "").strip().lower()
    if wanted:
        return language_of_locale(wanted) or "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        lang = language_of_locale(env.get(var))
        if lang is not None:
            return lang
    return "en"


class Translated(str):
    """Text in the chosen language that remembers its English original.

    Manifests record diagnostics in English whatever the language (same input, same bytes);
    ``.format()`` keeps the English side in step, its arguments' English sides included.
    """

    english: str

    def __new__(cls, text: str, english: str) -> Translated:
        obj = super().__new__(cls, text)
        obj.english = english
        return obj

    def __reduce__(self) -> tuple[type[Translated], tuple[str, str]]:
        # pickled with its English (compiler/halves.py hands diagnostics between processes)
        return Translated, (str(self), self.english)

    def format(self, *args: object, **kwargs: object) -> Translated:  # type: ignore[override]
        return Translated(str.format(self, *args, **kwargs), self.english.format(
            *[english(a) for a in args], **{k: english(v) for k, v in kwargs.items()}))


def english(text: object) -> object:
    """The English original of a translated text; any other value unchanged."""
    return text.english if isinstance(text, Translated) else text


def _(message: str) -> str:
    if _language == "en" or not message:  # gettext maps "" to the catalogue's header
        return message
    return Translated(_active.gettext(message), message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if _language == "en":
        return singular if n == 1 else plural
    return Translated(_active.ngettext(singular, plural, n), singular if n == 1 else plural)


def N_(message: str) -> str:
    """Mark text for extraction whose translation happens later, where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction whose ``ngettext`` happens elsewhere (click's own)."""
    return singular, plural
