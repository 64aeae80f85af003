"""An applicant's answers file: question answers (the situation) and form field values.

Shape: one mapping (YAML or JSON) with flat keys — question keys (``parents_married``)
and dotted field keys (``child.name``; a nested ``child: {name: …}`` reads the same). The
compiler uses and records only the answers to the bundle's questions; field values are for
forms and submission, never manifests. A key left blank (null, as in the template of
``onething questions --format yaml``) is not answered. Any other key is an error (E208): a misspelt
question would otherwise leave its condition undecided and the material list wrong.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.limits import MAX_ANSWER_KEYS
from onething.dsl.loader import load_file
from onething.dsl.models.bundle import Question
from onething.dsl.source import Location, Unquoted, YMap
from onething.dsl.validation import suggest


def _coerce(q: Question, value: Any) -> tuple[Any, str | None]:
    if q.type == "boolean":
        if isinstance(value, bool):
            return value, None
        return None, _("{key} is a yes/no question; answer true or false").format(key=repr(q.key))
    if q.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, _("{key} takes a whole number").format(key=repr(q.key))
    text = str(value) if isinstance(value, (str, Unquoted)) else value
    if q.type == "enum":
        allowed = [o.value for o in q.options or []]
        if text in allowed:
            return text, None
        return None, _("{value} is not an option of {key} (options: {options})").format(
            value=repr(value), key=repr(q.key), options=", ".join(allowed))
    if isinstance(text, str):
        return text, None
    return None, _("{key} takes text").format(key=repr(q.key))


def _flat(data: YMap, known: Collection[str], prefix: str = "") -> Iterator[tuple[str, Any, Location]]:
    """(key, value, where the key is written), nested mappings read as dotted keys.

    ``child: {name: …}`` is ``child.name``, unless ``child`` itself is a known key.
    """
    for key, value in data.items():
        full = f"{prefix}{key}"
        if full not in known and isinstance(value, YMap) and value:
            yield from _flat(value, known, full + ".")
        else:
            yield full, value, data.key_loc(key) or data.loc


def unknown_answer(key: str, questions: Collection[str], fields: Collection[str], bundle_id: str,
                   loc: Location) -> Diagnostic:
    """E208: the key is neither a question nor a field of the bundle; suggest the nearest."""
    guess = suggest(key, [*questions, *fields])
    hint = (_("did you mean {guess!r}?").format(guess=guess) if guess
            else _("questions: {keys}").format(keys=", ".join(sorted(questions)) or "-"))
    return make("E208", _("answer key {key!r} is neither a question nor a field of bundle {bundle!r}").format(
        key=key, bundle=bundle_id), loc, hint)


def check_answers(data: YMap, questions: dict[str, Question], fields: Collection[str],
                  bundle_id: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The answers to ``questions``; field values are known but left out; any other key is E208."""
    diags: list[Diagnostic] = []
    out: dict[str, Any] = {}
    known = set(questions) | set(fields)
    for key, value, loc in _flat(data, known):
        q = questions.get(key)
        if q is None:
            if key not in known:
                diags.append(unknown_answer(key, questions, fields, bundle_id, loc))
            continue  # a form field value: for forms and submission, never the manifest
        if value is None:
            continue  # left blank (a template's `key:`): not answered, so its conditions stay undecided
        coerced, problem = _coerce(q, value)
        if problem:
            guess = suggest(str(value), [o.value for o in q.options or []]) if q.type == "enum" else None
            diags.append(make("E504", problem, loc, _("did you mean {guess!r}?").format(guess=guess) if guess
                              else _("see the bundle's questions")))
            continue
        out[key] = coerced
    return out, diags


def read_answers(path: Path, display: str, questions: dict[str, Question], fields: Collection[str],
                 bundle_id: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The answers to ``questions`` from the file; every key must be a question or a field of the bundle."""
    loaded = load_file(path, display)
    diags = list(loaded.diagnostics)
    if loaded.data is None:
        return {}, diags
    data = loaded.data
    if isinstance(data, YMap) and set(data) == {"answers"} and isinstance(data["answers"], YMap):
        data = data["answers"]
    if not isinstance(data, YMap):
        diags.append(make("E504", _("an answers file is one mapping of keys to values"),
                          getattr(data, "loc", Location(display)), _("write `question_key: value` lines")))
        return {}, diags
    if len(data) > MAX_ANSWER_KEYS:
        diags.append(make("E504", _("the answers file has {n:,} keys; the limit is {limit:,}").format(
            n=len(data), limit=MAX_ANSWER_KEYS), data.loc, _("keep one applicant's answers in one file")))
        return {}, diags
    out, problems = check_answers(data, questions, fields, bundle_id)
    return out, diags + problems
