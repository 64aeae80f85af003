"""An applicant's answers file: question answers (the situation) and form field values.

Shape: one mapping (YAML or JSON) with flat keys — question keys (``parents_married``)
and dotted field keys (``child.name``). The compiler uses and records only the answers
to the bundle's questions; field values are for forms and submission, never manifests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.loader import load_file
from onething.dsl.models.bundle import Question
from onething.dsl.source import Location, Unquoted, YMap


def _coerce(q: Question, value: Any) -> tuple[Any, str | None]:
    if q.type == "boolean":
        if isinstance(value, bool):
            return value, None
        return None, f"{q.key!r} is a yes/no question; answer true or false"
    if q.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, f"{q.key!r} takes a whole number"
    text = str(value) if isinstance(value, (str, Unquoted)) else value
    if q.type == "enum":
        allowed = [o.value for o in q.options or []]
        if text in allowed:
            return text, None
        return None, f"{value!r} is not an option of {q.key!r} (options: {', '.join(allowed)})"
    if isinstance(text, str):
        return text, None
    return None, f"{q.key!r} takes text"


def read_answers(path: Path, display: str, questions: dict[str, Question]) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The answers to ``questions`` from the file; other keys are field values and are left out."""
    loaded = load_file(path, display)
    diags = list(loaded.diagnostics)
    if loaded.data is None:
        return {}, diags
    data = loaded.data
    if isinstance(data, YMap) and set(data) == {"answers"} and isinstance(data["answers"], YMap):
        data = data["answers"]
    if not isinstance(data, YMap):
        diags.append(make("E504", "an answers file is one mapping of keys to values",
                          getattr(data, "loc", Location(display)), "write `question_key: value` lines"))
        return {}, diags
    out: dict[str, Any] = {}
    for key, value in data.items():
        q = questions.get(key)
        if q is None:
            continue  # a form field value or another bundle's question: not the compiler's business
        coerced, problem = _coerce(q, value)
        if problem:
            diags.append(make("E504", problem, data.value_locs.get(key, data.loc), "see the bundle's questions"))
            continue
        out[key] = coerced
    return out, diags
