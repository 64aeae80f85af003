"""The answers check at the window that the runtime can make on its own.

The forms' ``answers check`` (``onething.render.answers_check``: types, patterns, ID check
digits, conditional requirements) is the full check; the runtime may not import the renderers,
so ``onething submit`` (the CLI) joins the two. What is here needs only the manifest: the
questions the material list still depends on, and the unconditional required fields (used by
``onething demo`` and by Python callers of :func:`acceptance.accept`).
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


def unanswered_questions(manifest: Manifest) -> list[str]:
    """The questions the material list still depends on, as sentences for the supplement notice."""
    return [_("the question {key} is not answered; the material list depends on it").format(key=key)
            for key in manifest.selection.undecided]


def answer_problems(manifest: Manifest, answers: Mapping[str, Any]) -> list[str]:
    """The window's minimal check (used by the demo and the Python API): unanswered questions and
    the unconditional required fields. ``onething submit`` uses the forms' full answers check."""
    problems = unanswered_questions(manifest)
    for section in manifest.form.sections:
        for f in _fields(section.fields):
            if not f.required or f.when is not None:
                continue
            value = answers.get(f.key)
            if value is None or (isinstance(value, str) and not value.strip()):
                label = f.label.get("zh") or f.label.get("en") or f.key
                problems.append(_("the field {key} ({label}) is required").format(key=f.key, label=label))
    return problems
