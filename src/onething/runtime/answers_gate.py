"""SEAM — the answers check at the window, until ``onething.render.answers_check`` lands.

Another helper is writing the forms issue's ``answers check`` (every problem of an answers
file at once: unknown keys, types, required fields, patterns). Until it is on main, the
window checks what the DSL already knows: unknown keys and question types (E208/E504, done
by the compiler when it reads the answers), questions the conditions need but nobody
answered, and the combined form's unconditional required fields. Replace
:func:`answer_problems` with a call to ``answers_check`` when it lands; its callers
(``acceptance.accept`` and the ``submit`` command) only need the list of problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from onething.compiler.manifest import FormField, Manifest
from onething.dsl.i18n import _


def _fields(fields: Iterable[FormField]) -> Iterable[FormField]:
    for f in fields:
        yield f
        if f.fields and f.type != "group":
            yield from _fields(f.fields)


def answer_problems(manifest: Manifest, answers: Mapping[str, Any]) -> list[str]:
    """Every problem with ``answers`` for this manifest, as sentences for the supplement notice."""
    problems: list[str] = []
    for key in manifest.selection.undecided:
        problems.append(_("the question {key} is not answered; the material list depends on it").format(key=key))
    for section in manifest.form.sections:
        for f in _fields(section.fields):
            if not f.required or f.when is not None:
                continue
            value = answers.get(f.key)
            if value is None or (isinstance(value, str) and not value.strip()):
                label = f.label.get("zh") or f.label.get("en") or f.key
                problems.append(_("the field {key} ({label}) is required").format(key=f.key, label=label))
    return problems
