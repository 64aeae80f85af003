"""Bundles of arbitrary shape never crash the pipeline: 1,000 generated bundles, each loaded,
validated, resolved and (when valid) compiled in-process, with no exception escaping.

Each shape is a valid bundle with up to three broken parts put in (unknown keys and ids, wrong
types, long and invisible ids, hostile conditions, huge numbers, nesting), so that a good share
stays valid and goes through the whole compile: the test
counts how many reach the compile stage and asserts at least 30%, so it cannot pass by
stopping every example at the first error. Derandomized: the same examples every run.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onething.compiler import compile_bundle
from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource

CATALOG = Path(__file__).resolve().parent / "fixtures" / "good" / "catalog"
ITEMS = ["birth_certificate_issue", "hukou_birth_registration"]
FIELDS = ["child.name", "child.sex", "mother.id_number"]
MATERIALS = ["birth_medical_certificate", "hukou_birth_form", "mother_authorization"]
EXAMPLES = 1000


QUESTIONS = [
    {"key": "q1", "label": {"zh": "问题一", "en": "Q1"}},
    {"key": "q2", "label": {"zh": "问题二", "en": "Q2"}, "type": "enum",
     "options": [{"value": "a", "label": {"zh": "甲", "en": "A"}}, {"value": "b", "label": {"zh": "乙", "en": "B"}}]},
    {"key": "married", "label": {"zh": "已婚", "en": "Married"}},
]
GOOD_CONDITIONS = ["q1", "not q2 == 'a'", "q1 and married", "q2 == 'a'", "q2 in ['a', 'b']", "married or q1"]
BAD_CONDITIONS = ["q1 ==", "__import__('os')", "q1.x", "ｑ1", "q2 == 0x10", "q2 > 1e999", "(" * 60 + "q1" + ")" * 60,
                  "q2 == " + "9" * 50, "unknown", "q1 if q2 else q1", "q2 == 'c'"]
JUNK = [-(10**40), 10**40, "", None, True, [1, 2], {"nested": {"deep": [1, {"x": None}]}}, "a\x1b]0;t\x07",
        "\u200b", "x" * 200, 1.5, "Q1", "\x7f"]

condition = st.sampled_from(GOOD_CONDITIONS)
material_use = st.one_of(
    st.sampled_from(MATERIALS),
    st.fixed_dictionaries({"ref": st.sampled_from(MATERIALS)},
                          optional={"when": condition, "tolerated": st.just({"supplement_days": 5}),
                                    "copies": st.integers(0, 3)}),
)
item = st.fixed_dictionaries(
    {"use": st.sampled_from(ITEMS)},
    optional={
        "optional": st.booleans(),
        "when": condition,
        "needs": st.lists(st.sampled_from(ITEMS), max_size=2, unique=True),
        "fields": st.lists(st.fixed_dictionaries({"key": st.sampled_from(FIELDS)}, optional={"when": condition}),
                           max_size=3),
        "materials": st.lists(material_use, max_size=3),
        "visits": st.integers(0, 3),
        "time_limit": st.fixed_dictionaries({"committed": st.integers(0, 30)}),
        "suppress": st.lists(st.fixed_dictionaries({"code": st.sampled_from(["W604", "W601"]),
                                                    "reason": st.just("reviewed")}), max_size=1),
    },
)
valid = st.fixed_dictionaries(
    {
        "bundle": st.sampled_from(["demo", "birth", "a_b"]),
        "version": st.just("1"),
        "title": st.fixed_dictionaries({"zh": st.sampled_from(["出生", "测试|表", "a\x1b]0;t\x07"]),
                                        "en": st.sampled_from(["Birth", "x\ny", '"q"'])}),
        "lead": st.just("health"),
        "questions": st.just(QUESTIONS),
        "items": st.lists(item, min_size=1, max_size=4, unique_by=lambda i: i["use"]),
    },
    optional={"cooperating": st.just(["public_security"]),
              "suppress": st.just([{"code": "W604", "reason": "ok"}])},
)
# a mutation: (where, key, value) — where is "top", "item" (the first item), "question" (the first)
mutation = st.tuples(
    st.sampled_from(["top", "item", "question"]),
    st.sampled_from(["bundle", "version", "title", "lead", "items", "questions", "when", "use", "needs", "fields",
                     "materials", "visits", "time_limit", "key", "label", "type", "bogus"]),
    st.one_of(st.sampled_from(JUNK), st.sampled_from(BAD_CONDITIONS), st.sampled_from(["unknown_item", "Bad Id"])),
)


@st.composite
def bundles(draw: st.DrawFn) -> dict:
    """A valid bundle, and in about half the examples one to three broken parts."""
    data = draw(valid)
    for where, key, value in draw(st.lists(mutation, max_size=3)):
        target = data if where == "top" else data["items"][0] if where == "item" else data["questions"][0]
        if isinstance(target, dict):
            if where == "question":
                data["questions"] = [dict(q) for q in data["questions"]]
                target = data["questions"][0]
            target[key] = value
    return data


def test_generated_bundles_never_crash_and_many_compile(tmp_path: Path) -> None:
    ws = Workspace()
    path = tmp_path / "bundle.yaml"
    seen = {"examples": 0, "compiled": 0}

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(data=bundles())
    def run(data: dict) -> None:
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
        loaded = ws.load_bundle(BundleSource(path, "bundle.yaml", CATALOG))
        seen["examples"] += 1
        for d in loaded.diagnostics:  # every diagnostic points at a line of a file
            assert d.location is not None and d.location.line > 0, d
        if loaded.resolved is None:
            assert any(d.is_error for d in loaded.diagnostics)
            return
        result = compile_bundle(loaded.resolved, path)
        seen["compiled"] += 1
        assert result.manifest is not None or any(d.is_error for d in result.diagnostics)

    run()
    assert seen["examples"] >= EXAMPLES
    assert seen["compiled"] >= 0.3 * seen["examples"], seen
