"""The item facts authors could not write before (issue 8 §2) and the figures derived from them (§3).

facts/  four items: limits each with its own unit (and one without a unit), fee lines (the list
        form and the older single mapping), 就近办 levels, an in-person appointment, a
        commitment without its consequence, per-item requirement notes, a `needs:` on an
        item a condition excludes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compile_support import (
    FIXTURES,
    ROOT,
    bundle_path,
    cli,
    compile_case,
    line_of,
    manifest,
    materials,
)

from onething.compiler import compile_bundle
from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource, display_path
from onething.dsl.models.catalog import ItemDef

CATALOG = FIXTURES / "facts" / "catalog" / "catalog.yaml"
FACTS = bundle_path("facts")


# ---------------------------------------------------------------- time limits


def test_each_limit_keeps_its_own_unit():
    tl = manifest("facts").plan.steps["register"].time_limit
    assert tl.model_dump() == {
        "statutory": 15, "statutory_unit": "calendar_days",
        "committed": 3, "committed_unit": "working_days", "committed_working_days": 3, "alternatives": None,
    }


def test_a_limit_without_a_unit_is_unknown_in_days_and_null_in_the_manifest():
    m = manifest("facts")
    assert m.plan.unknown_limits == ["assess", "inspect"]
    data = json.loads(m.to_json())
    assert data["plan"]["steps"]["assess"]["time_limit"] == {
        "statutory": None, "statutory_unit": None,
        "committed": 10, "committed_unit": None, "committed_working_days": None,
    }
    assert data["plan"]["steps"]["inspect"]["time_limit"] == dict.fromkeys(
        ["statutory", "statutory_unit", "committed", "committed_unit", "committed_working_days"])


def test_w630_a_limit_without_a_unit_says_what_to_write():
    [d] = [d for d in compile_case("facts").diagnostics if d.code == "W630"]
    assert d.message == "item 'assess': the committed limit 10 has no unit, so it is not counted in working days"
    assert d.location.file.endswith("facts/catalog/catalog.yaml")
    assert (d.location.line, d.location.col) == (line_of(CATALOG, "time_limit: {committed: 10}"), 29)
    assert d.hint.startswith("write `committed_unit: working_days` (工作日) or `committed_unit: calendar_days`")


def test_committed_above_statutory_across_units_is_w632_not_e401():
    diags = compile_case("facts").diagnostics
    assert "E401" not in {d.code for d in diags}
    [d] = [d for d in diags if d.code == "W632"]
    assert d.message == ("item 'withdraw': committed limit 6 working days exceeds the statutory limit 5 "
                         "calendar days (6 working days span at least 6 calendar days)")
    assert d.location.line == line_of(CATALOG, "statutory: 5, statutory_unit: calendar_days")


@pytest.mark.parametrize("time_limit, message", [
    ("{statutory: 5, committed: 6, unit: working_days}",
     "item 'x': committed limit 6 exceeds the statutory limit 5 (working days)"),
    ("{statutory: 5, committed: 6}",  # written without units: one unit, as written
     "item 'x': committed limit 6 exceeds the statutory limit 5"),
    ("{statutory: 20, statutory_unit: working_days, committed: 25, committed_unit: calendar_days}", None),
])
def test_e401_compares_limits_in_the_same_unit_only(tmp_path: Path, time_limit, message):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "catalog.yaml").write_text(
        "departments:\n  - {id: d, name: {zh: 部门}}\n"
        "items:\n  - {id: x, name: {zh: 事项}, type: 其他, department: d, time_limit: " + time_limit + "}\n",
        encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        'bundle: b\nversion: "1"\ntitle: {zh: 测试}\nlead: d\nitems:\n  - use: x\n', encoding="utf-8")
    out = cli("validate", tmp_path).stdout
    assert (f"error E401: {message}" in out) if message else ("E401" not in out), out


def test_calendar_day_limits_are_listed_as_estimates():
    m = manifest("facts")
    assert m.plan.converted_limits == []  # both counted limits are in working days
    core = manifest("core")
    assert core.plan.converted_limits == ["insure"]


# ---------------------------------------------------------------- fees, 就近办


def test_fee_lines_with_unit_condition_and_basis():
    steps = manifest("facts").plan.steps
    assert [f.model_dump() for f in steps["register"].fees] == [
        {"amount": "80", "unit": "per_case", "condition": {"zh": "住宅", "en": "Residential"},
         "basis": "发改价格规〔2016〕2559号", "when": None},
        {"amount": "10.5", "unit": "per_extra_certificate", "condition": None, "basis": "发改价格规〔2016〕2559号",
         "when": None},
    ]


def test_the_older_single_fee_mapping_is_one_line_and_free_is_stated_not_assumed():
    data = json.loads(manifest("facts").to_json())["plan"]["steps"]
    assert data["assess"]["fees"] == [{"amount": "0", "unit": None}]  # `fee: {amount: 0}`
    assert data["inspect"]["fees"] is None  # no fee given: unknown, not free


def test_nearby_levels_city_only_and_unknown():
    data = json.loads(manifest("facts").to_json())["plan"]["steps"]
    assert data["register"]["nearby"] == ["township", "village"]
    assert data["assess"]["nearby"] == []
    assert data["inspect"]["nearby"] is None


def test_an_empty_fee_list_and_an_unknown_level_are_errors():
    with pytest.raises(ValueError, match="at least 1 item"):
        ItemDef.model_validate({"id": "x", "name": {"zh": "x"}, "type": "其他", "department": "d", "fee": []})
    with pytest.raises(ValueError, match="'township' or 'village'"):
        ItemDef.model_validate({"id": "x", "name": {"zh": "x"}, "type": "其他", "department": "d",
                                "nearby": ["county"]})


# ---------------------------------------------------------------- appointments and trips


def test_appointments_are_listed_per_step_and_for_the_plan():
    m = manifest("facts")
    [a] = m.plan.appointments
    assert (a.item, a.kind, a.name["zh"], a.place["zh"]) == ("assess", "assessment", "指定医疗机构评残", "指定医疗机构")
    assert m.plan.steps["assess"].appointments == [a]
    assert m.plan.steps["register"].appointments == []


def test_bundled_trips_are_the_window_visit_plus_every_appointment():
    m = manifest("facts")
    # register wants the ID card shown in person: one window visit; assess: one appointment
    assert (m.metrics.trips.separate, m.metrics.trips.bundled) == (5, 2)
    online_only = manifest("facts", answers={"has_site": False})
    assert online_only.metrics.trips.bundled == 2


def test_a_bundle_applied_for_online_still_counts_its_appointments(tmp_path: Path):
    # every item online, nothing in person: no window visit, but the assessment is a trip
    m = manifest("facts", answers={"has_site": False})
    assert "register" in m.selection.items
    catalog = CATALOG.read_text(encoding="utf-8").replace("in_person: true, ", "")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "catalog.yaml").write_text(catalog, encoding="utf-8")
    path = tmp_path / "facts.yaml"
    path.write_text(FACTS.read_text(encoding="utf-8").replace("  - {use: inspect, when: has_site}\n", "")
                    .replace("needs: [inspect, register]", "needs: [register]"), encoding="utf-8")
    loaded = Workspace().load_bundle(BundleSource(path, display_path(path), tmp_path / "catalog"))
    result = compile_bundle(loaded.resolved, path)
    assert result.manifest.metrics.trips.bundled == 1


def test_the_disability_bundle_reports_its_in_person_assessment_as_a_trip():
    path = ROOT / "bundles" / "disability_services.yaml"
    loaded = Workspace().load_bundle(BundleSource(path, display_path(path), path.parent / "catalog"))
    for variant, trips in [("new", 1), ("grade_change", 1), ("renewal", 0)]:
        m = compile_bundle(loaded.resolved, path, None, {"certificate_variant": variant}).manifest
        assert m.metrics.trips.bundled == trips, variant
    new = compile_bundle(loaded.resolved, path, None, {"certificate_variant": "new"}).manifest
    assert [(a.item, a.kind) for a in new.plan.appointments] == [("disability_certificate_new", "assessment")]


def test_online_coverage_counts_items_fully_online():
    on = manifest("facts").metrics.online
    # register: an ID card shown in person; assess: an appointment; inspect: no handling_form
    assert on.model_dump() == {"items": 4, "online": 1, "unknown": 1, "share": 0.25}
    assert manifest("core").metrics.tolerated_materials == 1


# ---------------------------------------------------------------- commitments and requirements


def test_a_commitment_without_its_consequence_is_null_and_w631():
    result = compile_case("facts")
    mat = materials(result.manifest)["income_proof"]
    assert mat.status == "commitment"
    assert json.loads(result.manifest.to_json())["materials"][1]["commitment"] == {
        "text": {"zh": "本人承诺收入情况属实", "en": "I declare my income truthfully"}, "consequence": None}
    [d] = [d for d in result.diagnostics if d.code == "W631"]
    assert d.message == ("item 'register': the commitment replacing 'income_proof' does not state the legal "
                         "consequence of a false commitment")
    assert d.location.line == line_of(CATALOG, "commitment:", after="ref: income_proof")


def test_requirement_notes_and_in_person_reach_each_step():
    steps = manifest("facts").plan.steps
    assert [r.model_dump() for r in steps["register"].inputs.requirements] == [
        {"material": "id_card", "in_person": True, "note": {"zh": "核验身份证原件", "en": "The original ID card is checked"},
         "when": None}]
    assert [r.model_dump() for r in steps["withdraw"].inputs.requirements] == [
        {"material": "id_card", "in_person": False, "note": {"zh": "复印件即可", "en": "A copy will do"}, "when": None}]
    assert steps["assess"].inputs.requirements == []


# ---------------------------------------------------------------- dropped needs


def test_a_needs_on_an_excluded_item_is_dropped_and_shown():
    full = manifest("facts")
    assert full.plan.dropped_needs == []  # undecided: inspect stays, withdraw waits for it
    assert full.plan.steps["withdraw"].needs == ["register", "inspect"]
    m = manifest("facts", answers={"has_site": False})
    assert [d.model_dump() for d in m.plan.dropped_needs] == [
        {"item": "withdraw", "needs": "inspect", "reason": "condition_false"}]
    assert m.plan.steps["withdraw"].needs == ["register"]


def test_plan_text_shows_units_dropped_needs_and_appointments(tmp_path: Path):
    answers = tmp_path / "a.yaml"
    answers.write_text("has_site: false\n", encoding="utf-8")
    out = cli("plan", FACTS, "--answers", answers).stdout
    lines = out.splitlines()

    def limit_cell(item: str) -> list[str]:
        """The limit column beside an item: its row's last word, then the lines below it."""
        n = next(i for i, line in enumerate(lines) if line.split()[:1] == [item])
        return [lines[n - 1].split()[-1], " ".join(lines[n].split()[-2:]), lines[n + 1].strip()]

    assert limit_cell("register") == ["3", "statutory 15", "calendar days"]
    withdraw = limit_cell("withdraw")
    assert withdraw[:2] == ["6", "statutory 5"] and withdraw[2].endswith("calendar days")
    assert next(line for line in lines if "Disability assessment" in line).split()[-1] == "?"
    assert "  limit without a unit (W630), not counted in days: assess\n" in out
    assert "needs dropped (the needed item is not in this plan):\n  withdraw needs inspect: its condition is false\n" in out
    assert ("in-person appointments (each a trip of its own):\n"
            "  assess: Assessment at the designated hospital (assessment) @ The designated hospital\n") in out
    data = json.loads(cli("plan", FACTS, "--answers", answers, "--format", "json").stdout)
    assert data["plan"]["dropped_needs"] == [{"item": "withdraw", "needs": "inspect", "reason": "condition_false"}]
    assert data["plan"]["steps"]["assess"]["time_limit"]["committed_unit"] is None


def test_an_error_inside_a_single_fee_mapping_points_at_the_value(tmp_path: Path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "catalog.yaml").write_text(
        "departments:\n  - {id: d, name: {zh: 部门}}\n"
        "items:\n  - id: x\n    name: {zh: 事项}\n    type: 其他\n    department: d\n"
        "    fee: {amount: 5, unit: per_cse}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        'bundle: b\nversion: "1"\ntitle: {zh: 测试}\nlead: d\nitems:\n  - use: x\n', encoding="utf-8")
    out = cli("validate", tmp_path).stdout
    assert "catalog.yaml:8:28: error E104: items[1] (id: x).fee.unit: 'per_cse' is not one of the allowed values: " in out, out
