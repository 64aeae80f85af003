"""The condition language of `when:`: parsing, three-valued evaluation, refused constructs."""

from __future__ import annotations

import gc
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onething.dsl import conditions
from onething.dsl.conditions import ConditionError, parse

# ---------------------------------------------------------------- parse and evaluate


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("married", {"married": True}, True),
        ("married", {"married": False}, False),
        ("not married", {"married": False}, True),
        ("a and b", {"a": True, "b": True}, True),
        ("a and b", {"a": True, "b": False}, False),
        ("a or b", {"a": False, "b": True}, True),
        ("a or b", {"a": False, "b": False}, False),
        ("kind == 'father'", {"kind": "father"}, True),
        ('kind == "father"', {"kind": "mother"}, False),
        ("kind != 'father'", {"kind": "mother"}, True),
        ("kind in ['father', 'mother']", {"kind": "mother"}, True),
        ("kind in ['father', 'mother']", {"kind": "other"}, False),
        ("kind not in ('father',)", {"kind": "mother"}, True),
        ("n >= 3", {"n": 3}, True),
        ("n > 3", {"n": 3}, False),
        ("n < 3", {"n": 2}, True),
        ("n <= -1", {"n": -1}, True),
        ("1 < n < 3", {"n": 2}, True),
        ("1 < n < 3", {"n": 3}, False),
        ("n == 2.5", {"n": 2.5}, True),
        ("married == true", {"married": True}, True),
        ("married == false", {"married": True}, False),
        ("kind == null", {"kind": None}, True),
        ("(a or b) and not c", {"a": False, "b": True, "c": False}, True),
        ("a and (b or c)", {"a": True, "b": False, "c": True}, True),
        ("true", {}, True),
        ("false or a", {"a": True}, True),
        # a comparison between a number and text is simply false, never an exception
        ("n < 'x'", {"n": 1}, False),
        ("n in 5", {"n": 1}, False),
    ],
)
def test_evaluate(source: str, answers: dict[str, Any], expected: bool) -> None:
    assert parse(source).evaluate(answers) is expected


T, F, U = True, False, None  # U: undecided (a needed answer is missing)


@pytest.mark.parametrize(
    ("a", "b", "and_", "or_"),
    [
        (T, T, T, T), (T, F, F, T), (T, U, U, T),
        (F, T, F, T), (F, F, F, F), (F, U, F, U),
        (U, T, U, T), (U, F, F, U), (U, U, U, U),
    ],
)
def test_three_valued_logic(a: bool | None, b: bool | None, and_: bool | None, or_: bool | None) -> None:
    answers = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
    assert parse("a and b").evaluate(answers) is and_
    assert parse("a or b").evaluate(answers) is or_
    assert parse("not a").evaluate(answers) is (None if a is None else not a)


@pytest.mark.parametrize(
    "source",
    ["kind == 'father'", "kind in ['a']", "n >= 3", "1 < n < 3", "not married", "married and n > 1"],
)
def test_a_missing_answer_leaves_the_condition_undecided(source: str) -> None:
    assert parse(source).evaluate({}) is None


def test_an_answer_of_none_counts_as_unanswered_except_for_equality() -> None:
    assert parse("married").evaluate({"married": None}) is None
    assert parse("n > 1").evaluate({"n": None}) is None
    assert parse("kind == 'x'").evaluate({"kind": None}) is False


def test_names_and_comparisons() -> None:
    cond = parse("  (a and not b) or kind in ['x', 'y'] or 'z' == other or n >= 3  ")
    assert cond.source == "(a and not b) or kind in ['x', 'y'] or 'z' == other or n >= 3"
    assert cond.names == {"a", "b", "kind", "other", "n"}
    assert cond.comparisons() == [("kind", "in", ("x", "y")), ("other", "==", "z"), ("n", ">=", 3)]


# ---------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("source", "code", "offset"),
    [
        ("", "E301", 0),
        ("   ", "E301", 0),
        ("kind ==", "E301", 5),  # at the operator left without a right-hand side
        ("a and (b", "E301", 6),
        ("a = 1", "E301", 2),
        ("x ＝＝ 1", "E301", 2),  # full-width ＝
        ("import os", "E301", 0),
        ("a; b", "E301", 1),
        ("x.__class__", "E303", 0),
        ("().__class__.__base__", "E303", 0),
        ("().__class__.__base__.__subclasses__()", "E303", 0),
        ("open('f')", "E303", 0),
        ("a and open('f')", "E303", 6),
        ("__import__('os').system('ls')", "E303", 0),
        ("a and b.c", "E303", 6),
        ("  a and b.c", "E303", 8),  # leading blanks count
        ("x == '父亲' and y.z", "E303", 14),  # columns count characters, not UTF-8 bytes
        ("x[0]", "E303", 0),
        ("x if y else z", "E303", 0),
        ("lambda: 1", "E303", 0),
        ("[x for x in y]", "E303", 0),
        ("{'a': 1}", "E303", 0),
        ("f'{x}'", "E303", 0),
        ("x is None", "E303", 0),
        ("x + 1 > 2", "E303", 0),
        ("-x", "E303", 0),
        ("~x", "E303", 0),
        ("x == b'a'", "E303", 5),
        ("x == 1j", "E303", 5),
        ("x in [y]", "E303", 6),
        ("x in [[1]]", "E303", 6),
        ("(x := 1)", "E303", 1),
        ("x == ...", "E303", 5),
    ],
)
def test_refused(source: str, code: str, offset: int) -> None:
    with pytest.raises(ConditionError) as err:
        parse(source)
    assert (err.value.code, err.value.offset) == (code, offset), err.value.message


@pytest.mark.parametrize(
    "source",
    ["not " * 5000 + "x", "not " * 100 + "x", "(" * 300 + "x" + ")" * 300, "x\x00", "x == '\ud800'",
     "a\n.b", "'\\N{NO SUCH NAME}'"],
    ids=["5000-nots", "100-nots", "300-parentheses", "nul", "surrogate", "newline", "bad-escape"],
)
def test_hostile_input_is_a_condition_error_not_a_crash(source: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse(source)
    assert err.value.code in ("E301", "E303")


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert parse("not " * 40 + "x").evaluate({"x": True}) is True


def test_a_multi_line_condition_points_at_its_start() -> None:
    with pytest.raises(ConditionError) as err:
        parse("(a and\n b.c)")
    assert (err.value.code, err.value.offset) == ("E303", 0)


# ---------------------------------------------------------------- properties

NAMES = ["a", "b", "married", "kind", "n"]
_text = st.text(alphabet="abcxyz 父母'\"\\", max_size=6)
_literal_value = st.one_of(
    _text, st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(), st.none(),
)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


_atom = st.one_of(st.sampled_from(NAMES), _literal_value.map(_literal))
_list = st.lists(_literal_value.map(_literal), max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
_cmp = st.one_of(
    st.tuples(_atom, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), _atom).map(" ".join),
    st.tuples(st.sampled_from(NAMES), st.sampled_from(["in", "not in"]), _list).map(" ".join),
    st.tuples(_atom, st.sampled_from(["<", "=="]), _atom, st.sampled_from(["<=", "!="]), _atom).map(" ".join),
)
expressions = st.recursive(
    st.one_of(st.sampled_from(NAMES), _cmp),
    lambda inner: st.one_of(
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"({e})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    ),
    max_leaves=12,
)
answers = st.dictionaries(st.sampled_from(NAMES), _literal_value, max_size=len(NAMES))

_AUDIT: list[str] = []
_AUDITING = False


# audit events that running code, importing, or touching files, processes or the network raise
_DANGEROUS = {"exec", "compile", "import", "open", "builtins.input", "builtins.breakpoint",
              "code.__new__", "function.__new__", "sys.addaudithook", "object.__setattr__"}
_DANGEROUS_PREFIXES = ("os.", "subprocess.", "socket.", "shutil.", "ctypes.", "pickle.", "marshal.",
                       "urllib.", "http.", "glob.", "tempfile.")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _AUDITING and (event in _DANGEROUS or event.startswith(_DANGEROUS_PREFIXES)):
        _AUDIT.append(event)


sys.addaudithook(_audit)  # cannot be removed; it records only while _AUDITING is set

_ALLOWED_C_CALLS = {"any", "all", "dict.get", "isinstance", "bool", "setprofile"}


def _evaluate_watched(cond: conditions.Condition, given: dict[str, Any]) -> tuple[Any, set[str]]:
    """Evaluate, recording every function called and every audit event raised meanwhile."""
    global _AUDITING
    events: list[tuple[Any, str, Any]] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        events.append((frame, event, arg))  # looked at afterwards: reading f_code is audited

    _AUDIT.clear()
    gc.disable()  # a collection would run other code's gc callbacks in the middle
    sys.setprofile(profile)
    _AUDITING = True
    try:
        result = cond.evaluate(given)
    finally:
        _AUDITING = False
        sys.setprofile(None)
        gc.enable()
    calls = set(_AUDIT)
    for frame, event, arg in events:
        where = frame.f_code.co_filename
        if event == "call" and where != conditions.__file__:
            calls.add(f"{where}:{frame.f_code.co_name}")
        elif event == "c_call" and where == conditions.__file__:
            name = getattr(arg, "__qualname__", repr(arg))
            if name not in _ALLOWED_C_CALLS:
                calls.add(name)
    return result, calls


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, answers)
def test_grammar_expressions_parse_and_evaluate_without_calling_anything(source: str, given: dict) -> None:
    cond = parse(source)
    assert cond.names <= set(NAMES)
    result, calls = _evaluate_watched(cond, given)
    assert result in (True, False, None)
    assert calls == set(), f"evaluation called {calls}"


@settings(max_examples=100, deadline=None, database=None)
@given(expressions, answers, answers)
def test_a_decided_condition_stays_decided_when_more_is_answered(source: str, first: dict, more: dict) -> None:
    cond = parse(source)
    decided = cond.evaluate(first)
    if decided is not None:
        assert cond.evaluate({**more, **first}) is decided


@settings(max_examples=150, deadline=None, database=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_code(source: str) -> None:
    try:
        cond = parse(source)
    except ConditionError as err:
        assert err.code in ("E301", "E303")
        assert 0 <= err.offset <= len(source)
    else:
        assert cond.evaluate({}) in (True, False, None)


@pytest.mark.parametrize(
    ("source", "given", "left"),
    [
        ("married and stage == 'b'", {"married": True}, "stage == 'b'"),
        ("a or b and c", {"a": False, "c": True}, "b"),
        ("not (a and b)", {"a": True}, "not b"),
        ("(a or b) and (c or d)", {"a": False, "d": False}, "b and c"),
        ("(a or b) and (c or d)", {"c": True}, "a or b"),
        ("kind in ['x', 'y'] and not n", {"n": False}, "kind in ['x', 'y']"),
        ("a and  b", {}, "a and  b"),  # nothing answered: the author's text, as written
    ],
)
def test_residual_keeps_only_what_the_answers_leave_open(source: str, given: dict, left: str) -> None:
    cond = parse(source)
    assert cond.evaluate(given) is None
    assert cond.residual(given) == left


@settings(max_examples=150, deadline=None, database=None)
@given(expressions, answers, answers)
def test_the_residual_means_what_the_condition_means(source: str, first: dict, more: dict) -> None:
    cond = parse(source)
    if cond.evaluate(first) is not None:
        return
    rest = parse(cond.residual(first))
    assert rest.names <= cond.names
    both = {**more, **first}
    assert rest.evaluate(both) == cond.evaluate(both)
