"""`onething form --format json-schema`: every shipped bundle's form as a JSON Schema that a real
validator (jsonschema, draft 2020-12, with `cn-resident-id` registered) uses to accept good answers
and refuse bad ones — and the answers check agrees with it."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from render_support import SHIPPED, UG, compile_path, run, shipped

from onething.render.answers_check import check_answers
from onething.render.formats import ID_NUMBER_FORMAT, PATTERNS, id_check_digit, is_resident_id
from onething.render.schema import form_schema

CHECKER = FormatChecker()
CHECKER.checks(ID_NUMBER_FORMAT)(is_resident_id)
NAMES = [p.stem for p in SHIPPED]
ID = "11010519491231002X"
EXAMPLES = {PATTERNS["phone"]: "13812345678", PATTERNS["uscc"]: "91350100M000100Y43",
            PATTERNS["datetime"]: "2020-01-01 08:30", PATTERNS["id_number"]: ID}


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=CHECKER)


def example(prop: dict[str, Any]) -> Any:
    """A value the property's own schema allows (derived from the schema, not from the manifest)."""
    if "oneOf" in prop:
        return prop["oneOf"][0]["const"]
    kind = prop["type"]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return prop.get("minimum", prop.get("maximum", 1))
    if kind == "array":
        return [example(prop["items"]) for _ in range(max(prop.get("minItems", 1), 1))]
    if kind == "object":
        return {k: example(v) for k, v in prop["properties"].items()}
    if prop.get("format") == ID_NUMBER_FORMAT:
        return ID
    if prop.get("format") == "date":
        return "2020-01-01"
    if prop.get("format") == "email":
        return "clerk@example.org"
    if "pattern" in prop:
        pattern = prop["pattern"]
        return EXAMPLES.get(pattern) or find(st.from_regex(pattern, fullmatch=True), lambda s: True)
    return "测" * max(prop.get("minLength", 1), 1)


def full_answers(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: example(v) for k, v in schema["properties"].items()}


def errors(schema: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    return sorted(f"{e.validator}:{e.message}" for e in validator(schema).iter_errors(answers))


@pytest.fixture(scope="module", params=NAMES)
def bundle(request):
    m = shipped(request.param)
    return m, form_schema(m)


def test_schema_is_valid_draft_2020_12(bundle):
    _m, schema = bundle
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_accepts_answers_derived_from_the_schema(bundle):
    m, schema = bundle
    answers = full_answers(schema)
    assert errors(schema, answers) == []
    assert check_answers(m, answers) == []  # the answers check agrees


def test_rejects_a_wrong_id_check_digit(bundle):
    m, schema = bundle
    answers = full_answers(schema)
    keys = [k for k, p in schema["properties"].items() if p.get("format") == ID_NUMBER_FORMAT]
    if not keys:  # an enterprise bundle: its identifier is the unified social credit code
        uscc = next(k for k, p in schema["properties"].items() if p.get("x-type") == "uscc")
        answers[uscc] = "91350100M000100YI3"  # I is not in the code's alphabet
        assert [e.split(":")[0] for e in errors(schema, answers)] == ["pattern"]
        assert [p.code for p in check_answers(m, answers)] == ["uscc"]
        return
    answers[keys[0]] = ID[:17] + ("0" if ID[17] != "0" else "1")
    found = errors(schema, answers)
    assert len(found) == 1 and found[0].startswith("format:")
    assert [p.code for p in check_answers(m, answers)] == ["id_check"]


def test_rejects_a_missing_required_field(bundle):
    m, schema = bundle
    answers = full_answers(schema)
    key = next((k for k in schema["required"] if "." in k), schema["required"][0])  # a field if any
    del answers[key]
    assert errors(schema, answers) == [f"required:{key!r} is a required property"]
    assert [(p.key, p.code) for p in check_answers(m, answers)] == [(key, "missing")]


def _situations(schema: dict[str, Any], m: dict[str, Any]):
    """Every combination of answers to the situation questions."""
    qs = [f for s in m["form"]["sections"] if s["id"] == "situation" for f in s["fields"]]
    choices = [[True, False] if q["type"] == "boolean" else [o["value"] for o in q["options"]]
               if q.get("options") else [0, 50, 51, 1000] for q in qs]
    for combo in itertools.product(*choices):
        yield dict(zip([q["key"] for q in qs], combo, strict=True))


def test_rejects_a_missing_conditionally_required_field(bundle):
    m, schema = bundle
    rules = schema.get("allOf", [])
    if not rules:
        pytest.skip("no conditional field in this bundle")
    rule = rules[0]
    base = full_answers(schema)
    for situation in _situations(schema, m):
        answers = {**base, **situation}
        if validator(rule["if"]).is_valid(answers):
            break
    else:
        pytest.fail("no situation makes the first condition true")
    assert errors(schema, answers) == []
    key = rule["then"]["required"][0]
    del answers[key]
    assert errors(schema, answers) == [f"required:{key!r} is a required property"]
    assert [(p.key, p.code) for p in check_answers(m, answers)] == [(key, "missing")]
    # and when the condition is false the field may be left out
    for situation in _situations(schema, m):
        other = {**answers, **situation}
        if not validator(rule["if"]).is_valid(other):
            assert not [e for e in errors(schema, other) if key in e]
            break


def test_most_shipped_bundles_exercise_ids_and_conditions():
    schemas = [form_schema(shipped(n)) for n in NAMES]
    with_ids = [s for s in schemas if any(p.get("format") == ID_NUMBER_FORMAT for p in s["properties"].values())]
    with_rules = [s for s in schemas if s.get("allOf")]
    assert len(with_ids) >= len(schemas) - 2 and len(with_rules) >= len(schemas) // 2


def test_enums_carry_their_labels_and_groups_their_sizes():
    schema = form_schema(compile_path(UG))
    sex = schema["properties"]["child.sex"]
    assert sex["oneOf"][1] == {"const": "female", "title": "女", "x-labels": {"zh": "女", "en": "Female", "ug": "قىز"}}
    siblings = schema["properties"]["siblings"]
    assert (siblings["type"], siblings["minItems"], siblings["maxItems"]) == ("array", 1, 5)
    assert siblings["items"]["required"] == ["sibling.name", "sibling.birth_date"]
    assert schema["properties"]["mother.id_number"]["x-sensitive"] is True
    assert {"if": {"required": ["has_siblings"], "properties": {"has_siblings": {"const": True}}},
            "then": {"required": ["siblings"]}} in schema["allOf"]


def test_id_format_check_digit_and_birth_date():
    assert id_check_digit("11010519491231002") == "X"
    assert is_resident_id(ID) and is_resident_id("11010519491231002x")
    assert not is_resident_id("110105194912310021")  # wrong check digit
    bad_birth = "11010519491331002"  # month 13
    assert not is_resident_id(bad_birth + id_check_digit(bad_birth))
    future = "11010530000101002"
    assert not is_resident_id(future + id_check_digit(future))


def test_cli_writes_the_schema_deterministically(tmp_path):
    a = run("form", UG, "--format", "json-schema")
    b = run("form", UG, "--format", "json-schema")
    assert a.exit_code == 0 and a.output == b.output
    assert json.loads(a.output)["$id"] == "urn:onething:form:ug_demo:2026.1"
    assert copy.deepcopy(json.loads(a.output)) == form_schema(compile_path(UG))


def _value_strategy(prop: dict[str, Any]):
    good = st.just(example(prop))
    if prop.get("x-type") == "group":
        row = st.fixed_dictionaries(
            {k: _value_strategy(v) for k, v in prop["items"]["properties"].items()},
            optional={"sibling.nickname": st.just("x")})
        good_row = example(prop["items"])
        sizes = st.sampled_from([0, 1, 5, 6]).map(lambda k: [good_row] * k)  # around min and max
        return sizes | st.lists(row, max_size=3) | st.just("not a list")
    kind = prop["type"]
    if kind == "boolean":
        return st.booleans() | st.just("yes")
    if kind in ("integer", "number"):
        return good | st.integers(-10, 10000) | st.sampled_from([1.5, True, "12"])
    if "oneOf" in prop:
        return st.sampled_from([o["const"] for o in prop["oneOf"]] + ["bogus", 1])
    fixed = ["", "x" * 201, ID, "110105194912310021", "13812345678", "12345", "2020-02-30", "2026-01-05", 7]
    return good | st.sampled_from(fixed) | st.text(max_size=4)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_answers_check_and_the_schema_agree_on_every_answers_file(data):
    """Invariant: the JSON Schema validator and the answers check find problems with the same
    keys (the two are the same rules for two kinds of reader)."""
    m, schema = _UG
    answers = {}
    for key, prop in schema["properties"].items():
        mode = data.draw(st.integers(0, 30), label=f"how {key}")  # mostly the good value
        if 1 <= mode <= 3:
            answers[key] = data.draw(_value_strategy(prop), label=key)
        elif mode > 1:
            answers[key] = example(prop)
    if data.draw(st.integers(0, 9), label="unknown key") == 0:
        answers["child.nmae"] = "x"
    assert _schema_keys(schema, answers) == {p.key.split("[")[0] for p in check_answers(m, answers)}


def _schema_keys(schema: dict[str, Any], answers: dict[str, Any]) -> set[str]:
    """The top-level keys the JSON Schema validator finds a problem with."""
    import re

    keys: set[str] = set()
    for e in validator(schema).iter_errors(answers):
        if e.absolute_path:
            keys.add(str(e.absolute_path[0]))
        elif e.validator == "required":
            keys.add(re.match(r"'(.+)' is a required property", e.message).group(1))
        elif e.validator == "additionalProperties":
            keys |= set(re.findall(r"'([^']+)'", e.message))
        else:
            keys.add(f"?{e.validator}")
    return keys


_UG_MANIFEST = compile_path(UG)
_UG = (_UG_MANIFEST, form_schema(_UG_MANIFEST))
