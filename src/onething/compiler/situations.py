"""Situations: every combination of answers that can tell a set of conditions apart (issue 15).

A figure that depends on unanswered questions (the days of a route-dependent special
procedure, a time limit chosen by situation) is given as a range; a list of time-limit
alternatives is checked for gaps and overlaps. Both need the answers a question can take
that make a difference to the conditions at hand: a yes/no question's two, an enum
question's options, a number question's values at and beside every number it is compared
with, a text question's compared texts and one other. Beyond MAX_SITUATIONS combinations
the callers fall back to bounds (ranges) or stay silent (lints) rather than take long.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from typing import Any

from onething.dsl.conditions import Condition, _literal
from onething.dsl.models.bundle import Question

MAX_SITUATIONS = 1024
"""Combinations enumerated at most; a real bundle's conditional facts need a handful."""

_OTHER_TEXT = "…"  # a text answer that no condition names


def _domain(question: Question, literals: list[Any]) -> list[Any]:
    if question.type == "boolean":
        return [False, True]
    if question.type == "enum":
        return [o.value for o in question.options or []]
    if question.type == "integer":
        points: set[int] = set()
        for v in literals:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                points |= {math.floor(v) - 1, math.floor(v), math.ceil(v), math.ceil(v) + 1}
        return sorted(points) or [0]
    texts = sorted({v for v in literals if isinstance(v, str)})
    return [*texts, _OTHER_TEXT]


def domains(conditions: Iterable[Condition], questions: dict[str, Question],
            answered: Iterable[str] = ()) -> dict[str, list[Any]]:
    """The values worth trying for each unanswered question the conditions name."""
    conditions = list(conditions)
    skip = set(answered)
    literals: dict[str, list[Any]] = {}
    for c in conditions:
        for name, _op, lit in c.comparisons():
            literals.setdefault(name, []).extend(lit if isinstance(lit, tuple) else (lit,))
    names = sorted({n for c in conditions for n in c.names} - skip)
    return {n: _domain(questions[n], literals.get(n, [])) for n in names if n in questions}


def situations(conditions: Iterable[Condition], questions: dict[str, Question],
               answers: dict[str, Any]) -> Iterator[dict[str, Any]] | None:
    """The answers completed in every way that matters to the conditions; None when too many."""
    dom = domains(conditions, questions, answers)
    if math.prod(len(v) for v in dom.values()) > MAX_SITUATIONS:
        return None
    names = list(dom)
    return ({**answers, **dict(zip(names, combo, strict=True))} for combo in itertools.product(*dom.values()))


def describe(situation: dict[str, Any], names: Iterable[str]) -> str:
    """A situation in the condition language, e.g. ``route == 'ordinary' and premises_area == 49``."""
    parts = []
    for n in sorted(names):
        v = situation.get(n)
        if v is True:
            parts.append(n)
        elif v is False:
            parts.append(f"not {n}")
        elif v == _OTHER_TEXT:
            parts.append(f"{n} has another value")
        else:
            parts.append(f"{n} == {_literal(v)}")
    return " and ".join(parts) or "always"
