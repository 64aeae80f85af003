"""Facts that depend on the applicant's situation (issue 15): time limits chosen by situation,
special procedures, fee lines and appointments with a `when:`; their figures as ranges; the
W640/W641 lints on limit alternatives; W605 for catalog suppressions a bundle's override drops.

routes/      a deregistration: notice, limit, fee line and appointment depend on the route
limit_gaps/  alternatives with a gap (W640), an overlap (W641) and one covered everywhere
orphaned/    catalog suppressions on an item and its requirement, both lists replaced by the bundle
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from compile_support import FIXTURES, bundle_path, cli, compile_case, line_of, manifest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onething.cli import terminal
from onething.compiler import compile_bundle
from onething.compiler.scenarios import run_file
from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource
from onething.dsl.models.catalog import ItemDef
from onething.views.plan_table import plan_renderables

ROUTES_CATALOG = FIXTURES / "routes" / "catalog" / "catalog.yaml"


# ---------------------------------------------------------------- special procedures by route


@pytest.mark.parametrize("route, days, names", [
    ("simplified", 15, ["简易注销公告"]),  # 20 calendar days → 15 working days
    ("ordinary", 33, ["债权人公告"]),  # 45 calendar days → 33 working days
])
def test_each_route_counts_its_own_special_procedure(route, days, names):
    m = manifest("routes", answers={"route": route})
    assert m.metrics.special_procedure_days == days
    assert m.metrics.special_procedure_days_range is None
    assert [sp.name["zh"] for sp in m.plan.special_procedures] == names
    assert all(sp.when is None for sp in m.plan.special_procedures)


def test_without_answers_special_procedure_days_are_a_range_and_each_keeps_its_condition():
    m = manifest("routes")
    assert m.metrics.special_procedure_days == 0  # nothing decided
    assert m.metrics.special_procedure_days_range.model_dump() == {"min": 15, "max": 33}
    assert [(sp.name["zh"], sp.when) for sp in m.plan.special_procedures] == [
        ("简易注销公告", "route == 'simplified'"), ("债权人公告", "route == 'ordinary'")]


# ---------------------------------------------------------------- time limits by situation


@pytest.mark.parametrize("route, limit, days", [("simplified", 1, 3), ("ordinary", 3, 5)])
def test_the_first_alternative_that_holds_is_the_limit(route, limit, days):
    m = manifest("routes", answers={"route": route})
    tl = m.plan.steps["deregister"].time_limit
    assert tl.committed_working_days == limit and tl.alternatives is None
    assert m.plan.committed_days == days  # tax clearance 2, then deregistration
    assert m.plan.conditional_limits == []
    assert m.metrics.days.range is None


def test_an_undecided_limit_lists_its_alternatives_counts_0_and_gives_the_days_as_a_range():
    m = manifest("routes")
    data = json.loads(m.to_json())
    assert data["plan"]["steps"]["deregister"]["time_limit"] == {
        "statutory": None, "statutory_unit": None, "committed": None, "committed_unit": None,
        "committed_working_days": None,
        "alternatives": [
            {"statutory": None, "statutory_unit": None, "committed": 1, "committed_unit": "working_days",
             "committed_working_days": 1, "when": "route == 'simplified'"},
            {"statutory": 10, "statutory_unit": "working_days", "committed": 3,
             "committed_unit": "working_days", "committed_working_days": 3, "when": "route == 'ordinary'"},
        ],
    }
    assert m.plan.conditional_limits == ["deregister"]
    assert m.plan.unknown_limits == []
    assert m.plan.committed_days == 2
    assert data["metrics"]["days"] == {
        "separate": 2, "bundled": 2,
        "range": {"separate": {"min": 3, "max": 5}, "bundled": {"min": 3, "max": 5}},
    }


def test_a_single_limit_mapping_is_still_one_alternative():
    item = ItemDef.model_validate({"id": "x", "name": {"zh": "事项"}, "type": "其他", "department": "d",
                                   "time_limit": {"committed": 3, "unit": "working_days"}})
    assert [tl.committed for tl in item.time_limit] == [3]


# ---------------------------------------------------------------- fee lines and appointments


@pytest.mark.parametrize("answers, lines", [
    ({"paper_copy": True}, [("0", None), ("20", None)]),
    ({"paper_copy": False}, [("0", None)]),
    ({}, [("0", None), ("20", "paper_copy")]),
])
def test_fee_lines_apply_by_their_condition(answers, lines):
    fees = manifest("routes", answers=answers).plan.steps["deregister"].fees
    assert [(f.amount, f.when) for f in fees] == lines


def test_appointments_by_route_and_the_trips_they_make():
    ordinary = manifest("routes", answers={"route": "ordinary"})
    assert [(a.item, a.kind, a.when) for a in ordinary.plan.appointments] == [("deregister", "signing", None)]
    assert ordinary.metrics.trips.model_dump(exclude_none=True) == {"separate": 3, "bundled": 1}
    simplified = manifest("routes", answers={"route": "simplified"})
    assert simplified.plan.appointments == []
    assert simplified.metrics.trips.model_dump(exclude_none=True) == {"separate": 2, "bundled": 0}
    open_ = manifest("routes")
    assert [a.when for a in open_.plan.appointments] == ["route == 'ordinary'"]
    assert open_.metrics.trips.model_dump(exclude_none=True) == {
        "separate": 2, "bundled": 0,
        "range": {"separate": {"min": 2, "max": 3}, "bundled": {"min": 0, "max": 1}}}


def plan_text(m: Any) -> str:
    return terminal.render(plan_renderables(m, 200), width_=200)  # wide: no line wraps


def test_the_plan_text_says_each_condition_in_words_and_the_ranges():
    text = plan_text(manifest("routes"))
    assert "  1 or 3" in text and " by answers" in text  # the limit cell, on two lines
    assert ("  deregister: 1 when Deregistration route = Simplified; 3 when Deregistration route = Ordinary\n"
            in text)
    assert ("  deregister: Public notice of simplified deregistration 20 calendar days — when Deregistration "
            "route = Simplified\n") in text
    assert "  0 working days decided; 15–33 depending on the answers\n" in text
    assert ("  deregister: Signing by the liquidation group (signing) — when Deregistration route = Ordinary\n"
            in text)
    assert "  deregister: 20 per_copy — when Is a paper copy wanted = yes\n" in text
    assert "  trips depends on the answers: separate 2–3, bundled 0–1\n" in text
    assert "  days depends on the answers: separate 3–5, bundled 3–5\n" in text
    decided = plan_text(manifest("routes", answers={"route": "ordinary", "paper_copy": True}))
    assert "— when" not in decided and "by answers" not in decided and "depend" not in decided


def test_plan_json_carries_the_conditions():
    result = cli("plan", bundle_path("routes"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [sp["when"] for sp in data["plan"]["special_procedures"]] == [
        "route == 'simplified'", "route == 'ordinary'"]
    assert data["metrics"]["special_procedure_days_range"] == {"min": 15, "max": 33}


def test_a_condition_on_a_fact_is_checked_like_any_other(tmp_path: Path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "catalog.yaml").write_text(
        "departments:\n  - {id: d, name: {zh: 部门}}\n"
        "items:\n  - id: x\n    name: {zh: 事项}\n    type: 其他\n    department: d\n"
        "    time_limit:\n      - {when: \"rout == 'a'\", committed: 1, unit: working_days}\n"
        "      - {when: \"route == 'c'\", statutory: 1, committed: 2, unit: working_days}\n"
        "    appointments:\n      - {kind: other, name: {zh: 面谈}, when: \"route.x\"}\n",
        encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        'bundle: b\nversion: "1"\ntitle: {zh: 测试}\nlead: d\n'
        "questions:\n  - key: route\n    type: enum\n    label: {zh: 方式}\n"
        "    options: [{value: a, label: {zh: 甲}}, {value: b, label: {zh: 乙}}]\nitems:\n  - use: x\n",
        encoding="utf-8")
    out = cli("validate", tmp_path).stdout
    assert "catalog.yaml:9:17: error E302: condition \"rout == 'a'\" names unknown question 'rout'" in out
    assert "hint: did you mean 'route'?" in out
    assert "catalog.yaml:10:17: error E304: condition \"route == 'c'\": 'c' is not an option of 'route'" in out
    assert "catalog.yaml:10:57: error E401: item 'x': committed limit 2 exceeds the statutory limit 1" in out
    assert "catalog.yaml:12:46: error E303: attribute access is not allowed in a condition" in out


# ---------------------------------------------------------------- W640 / W641


def test_w640_alternatives_that_can_all_be_false_name_the_situation():
    diags = [d for d in compile_case("limit_gaps").diagnostics if d.code == "W640"]
    assert [d.message for d in diags] == [
        "item 'gap': no time-limit alternative applies when size == 'large' and not urgent; "
        "the limit is then unknown"]
    catalog = FIXTURES / "limit_gaps" / "catalog" / "catalog.yaml"
    assert diags[0].location.line == line_of(catalog, "when: \"size == 'small'\", committed: 1")


def test_w641_overlapping_alternatives_and_the_otherwise_alternative_does_not_count():
    diags = [d for d in compile_case("limit_gaps").diagnostics if d.code == "W641"]
    assert [d.message for d in diags] == [
        "item 'overlap': time-limit alternatives 1 and 2 both hold when size == 'large' and urgent; "
        "only alternative 1 applies"]
    catalog = FIXTURES / "limit_gaps" / "catalog" / "catalog.yaml"
    assert (diags[0].location.line, diags[0].location.col) == (line_of(catalog, "when: \"size == 'large'\", committed: 10"), 17)


def test_alternatives_covering_every_situation_once_are_clean():
    diags = compile_case("limit_gaps").diagnostics
    assert not [d for d in diags if "'fine'" in d.message]
    assert not [d for d in compile_case("routes").diagnostics if d.code in ("W640", "W641")]


def test_an_items_own_condition_bounds_where_its_alternatives_must_apply(tmp_path: Path):
    """The restaurant's fire check runs only for public gathering places: no gap elsewhere."""
    m = manifest_of(Path("bundles/restaurant_opening.yaml"))
    assert not [d for d in m.diagnostics if d.code in ("W640", "W641")]


# ---------------------------------------------------------------- orphaned suppressions


def test_a_catalog_suppression_a_bundle_replaces_is_w605_where_it_was_written():
    diags = [d for d in compile_case("orphaned").diagnostics if d.code == "W605"]
    catalog = FIXTURES / "orphaned" / "catalog" / "catalog.yaml"
    bundle = bundle_path("orphaned")
    assert [(d.message, d.location.line, d.location.col) for d in diags] == [
        ("suppression of W602 on catalog item 'only' silences nothing in bundle 'orphaned': the bundle "
         "replaces the item's `suppress:`", line_of(catalog, "{code: W602"), 9),
        ("suppression of W604 on the requirement 'paper' of catalog item 'only' silences nothing in bundle "
         "'orphaned': the bundle replaces the item's `materials:`", line_of(catalog, "{code: W604"), 13),
    ]
    assert [(r.line, r.col) for d in diags for r in d.related] == [
        (line_of(bundle, "suppress: []"), 5), (line_of(bundle, "materials: [form]"), 5)]
    assert all(d.location.file.endswith("orphaned/catalog/catalog.yaml") for d in diags)


def test_validate_reports_the_orphaned_suppression():
    result = cli("validate", bundle_path("orphaned"))
    assert "warning W605: suppression of W604 on the requirement 'paper'" in result.stdout
    assert "0 error(s), 2 warning(s)" in result.stderr


def test_a_catalog_suppression_still_in_force_is_not_reported():
    assert not [d for d in compile_case("suppressed").diagnostics if d.code == "W605"]


# ---------------------------------------------------------------- scenario expectations


def _scenario(tmp_path: Path, expect: str) -> Any:
    bundles = tmp_path / "bundles"
    (bundles / "scenarios").mkdir(parents=True)
    for name in ("routes.yaml",):
        (bundles / name).write_text((FIXTURES / "routes" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (bundles / "catalog").mkdir()
    (bundles / "catalog" / "catalog.yaml").write_text(ROUTES_CATALOG.read_text(encoding="utf-8"), encoding="utf-8")
    path = bundles / "scenarios" / "routes.yaml"
    path.write_text("scenarios:\n  - name: s\n    bundle: routes\n    expect:\n" + expect, encoding="utf-8")
    [outcome] = run_file(Workspace(), path).outcomes
    return outcome


def test_scenarios_expect_conditional_limits_ranges_and_appointments(tmp_path: Path):
    outcome = _scenario(tmp_path, (
        "      limits: {deregister: null, tax_clearance: 2}\n"
        "      conditional_limits: [deregister]\n"
        "      special_procedure_days: 0\n"
        "      special_procedure_days_range: {min: 15, max: 33}\n"
        "      appointments: {deregister: 1}\n"
        "      metrics: {days: {bundled: 2, range: {bundled: {min: 3, max: 5}}}}\n"))
    assert outcome.passed, (outcome.failures, [d.render() for d in outcome.errors])


def test_scenario_failures_on_conditional_facts_say_what_differs(tmp_path: Path):
    outcome = _scenario(tmp_path, (
        "      limits: {deregister: 3}\n"
        "      special_procedure_days_range: {min: 15, max: 34}\n"
        "      metrics: {days: {range: {bundled: {min: 1, max: 5}}}, steps: {range: {bundled: {min: 1, max: 1}}}}\n"))
    assert outcome.failures == [
        "metrics.days.range.bundled: expected 1–5, got 3–5",
        "metrics.steps.range.bundled: expected 1–1, got none (decided)",
        "limits: 'deregister' expected 3, got None",
        "special_procedure_days_range: expected 15–34, got 15–33",
    ]


def test_unknown_items_in_the_new_expectations_are_e209(tmp_path: Path):
    outcome = _scenario(tmp_path, (
        "      limits: {deregistr: 1}\n"
        "      conditional_limits: [tax_clearence]\n"
        "      appointments: {nothing_like_it: 1}\n"))
    assert sorted((d.code, d.message) for d in outcome.errors) == [
        ("E209", "expectation names unknown item 'deregistr'"),
        ("E209", "expectation names unknown item 'nothing_like_it'"),
        ("E209", "expectation names unknown item 'tax_clearence'"),
    ]


# ---------------------------------------------------------------- the restaurant's one fire check


def manifest_of(path: Path, answers: dict[str, Any] | None = None) -> Any:
    root = Path(__file__).resolve().parent.parent
    full = root / path
    loaded = Workspace().load_bundle(BundleSource(full, str(path), full.parent / "catalog"))
    assert loaded.resolved is not None
    result = compile_bundle(loaded.resolved, full, None, answers)
    assert result.manifest is not None
    return result.manifest


@pytest.mark.parametrize("route, limit, procedure", [
    ("inspection", 10, "现场检查"), ("commitment", 1, "许可后现场核查")])
def test_the_restaurant_has_one_fire_check_whose_limit_follows_the_route(route, limit, procedure):
    m = manifest_of(Path("bundles/restaurant_opening.yaml"),
                    {"premises_area": 120, "public_gathering_place": True, "fire_route": route})
    fire = [i for i in m.selection.items if i.startswith("fire")]
    assert fire == ["fire_safety_check"]
    step = m.plan.steps["fire_safety_check"]
    assert step.time_limit.committed_working_days == limit
    assert [sp.name["zh"] for sp in step.special_procedures] == [procedure]
    letter = [mat for mat in m.materials if mat.id == "commitment_letter"]
    assert bool(letter) == (route == "commitment")


# ---------------------------------------------------------------- the property


POOL = [None, None, "q1", "not q1", "q2 == 'a'", "q2 in ['b', 'c']", "q3 > 2", "q1 and q3 <= 2"]
QUESTIONS = [
    {"key": "q1", "label": {"zh": "一"}},
    {"key": "q2", "type": "enum", "label": {"zh": "二"},
     "options": [{"value": v, "label": {"zh": v}} for v in "abc"]},
    {"key": "q3", "type": "integer", "label": {"zh": "三"}},
]
WHEN = st.sampled_from(POOL)


def _with_when(fact: dict[str, Any], when: str | None) -> dict[str, Any]:
    return {**fact, "when": when} if when else fact


@st.composite
def conditional_items(draw: st.DrawFn) -> list[dict[str, Any]]:
    items = []
    for i in range(draw(st.integers(1, 4))):
        item: dict[str, Any] = {"id": f"i{i}", "name": {"zh": f"事项{i}"}, "type": "其他", "department": "d"}
        alts = [_with_when({"committed": draw(st.integers(0, 20)),
                            "unit": draw(st.sampled_from(["working_days", "calendar_days"]))}, draw(WHEN))
                for _ in range(draw(st.integers(0, 3)))]
        if alts:
            item["time_limit"] = alts
        procs = [_with_when({"name": {"zh": "公告"}, "days": draw(st.integers(0, 60)),
                             "unit": draw(st.sampled_from(["working_days", "calendar_days"]))}, draw(WHEN))
                 for _ in range(draw(st.integers(0, 2)))]
        if procs:
            item["special_procedures"] = procs
        appts = [_with_when({"kind": "other", "name": {"zh": "面谈"}}, draw(WHEN)) for _ in range(draw(st.integers(0, 2)))]
        if appts:
            item["appointments"] = appts
        if draw(st.booleans()):
            item["visits"] = draw(st.integers(0, 3))
        items.append(item)
    return items


def _compile(folder: Path, items: list[dict[str, Any]], needs: list[list[str]],
             answers: dict[str, Any] | None) -> Any:
    path = folder / "b.yaml"
    loaded = Workspace().load_bundle(BundleSource(path, "b.yaml", folder / "catalog"))
    assert loaded.resolved is not None, [d.render() for d in loaded.diagnostics]
    result = compile_bundle(loaded.resolved, path, None, answers)
    assert result.manifest is not None, [d.render() for d in result.diagnostics]
    return result.manifest


def _within(decided: int, span: Any, value: int) -> bool:
    low, high = (decided, decided) if span is None else (span.min, span.max)
    return decided <= low <= value <= high


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=conditional_items(), data=st.data())
def test_full_answers_give_figures_within_the_range_computed_without_answers(items, data):
    """Whatever the answers, each figure lies within the range a compile without them gives,
    and the decided figure without answers is never above it (it counts only what is sure)."""
    needs = [sorted(data.draw(st.sets(st.sampled_from([f"i{j}" for j in range(i)]))) if i else [])
             for i in range(len(items))]
    answers = {"q1": data.draw(st.booleans()), "q2": data.draw(st.sampled_from("abc")),
               "q3": data.draw(st.integers(0, 5))}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "catalog").mkdir()
        (folder / "catalog" / "catalog.yaml").write_text(yaml.safe_dump(
            {"departments": [{"id": "d", "name": {"zh": "部门"}}], "items": items}, allow_unicode=True),
            encoding="utf-8")
        (folder / "b.yaml").write_text(yaml.safe_dump({
            "bundle": "b", "version": "1", "title": {"zh": "测试"}, "lead": "d", "questions": QUESTIONS,
            "items": [{"use": it["id"], "needs": n} for it, n in zip(items, needs, strict=True)],
        }, allow_unicode=True), encoding="utf-8")
        open_ = _compile(folder, items, needs, None)
        full = _compile(folder, items, needs, answers)
    om, fm = open_.metrics, full.metrics
    assert full.plan.conditional_limits == [] and fm.days.range is None and fm.trips.range is None
    assert fm.special_procedure_days_range is None
    for name in ("days", "trips"):
        fig, got = getattr(om, name), getattr(fm, name)
        r = fig.range
        assert _within(fig.separate, r.separate if r else None, got.separate), (name, fig, got)
        assert _within(fig.bundled, r.bundled if r else None, got.bundled), (name, fig, got)
    assert _within(om.special_procedure_days, om.special_procedure_days_range, fm.special_procedure_days)
    assert open_.plan.committed_days == om.days.bundled
