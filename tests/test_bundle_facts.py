"""Facts authors could not write before (issue 8 §2), on tests/fixtures/compile/bundle_facts/.

- unknown is not a default: copies, originals and item type left out are null in the manifest
  and counted missing; the merge of several requirements keeps the numbers given;
- whether an original is kept or shown and returned;
- a form the applicant signs separately (`generated: false`) is submitted, not waived;
- what the bundle itself asks (`requires:`) joins the form and the material list;
- the bundle's code, 32号 area, batch, published figures, window help, no-tolerance statement;
- sources on bundles, items and materials.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compile_support import FIXTURES, cli, compile_case, form_fields, line_of, manifest, materials

from onething.compiler.manifest import Manifest
from onething.dsl.models.bundle_facts import AREAS, BATCHES

FACTS = FIXTURES / "bundle_facts" / "bundle_facts.yaml"


@pytest.fixture(scope="module")
def m() -> Manifest:
    return manifest("bundle_facts")


@pytest.fixture(scope="module")
def text() -> dict:
    """The manifest as `onething compile` prints it."""
    result = cli("compile", FACTS)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- unknown is not a default


def test_copies_and_originals_no_one_gives_are_null_not_a_default(m: Manifest, text: dict) -> None:
    mats = materials(m)
    # neither the material nor a requirement gives copies / originals
    assert (mats["family_record"].originals, mats["family_record"].copies) == (None, None)
    assert (mats["hospital_record"].originals, mats["hospital_record"].copies) == (1, None)
    # the printed manifest says so with an explicit null, although it drops other empty keys
    printed = {x["id"]: x for x in text["materials"]}
    assert printed["family_record"]["copies"] is None and "copies" in printed["family_record"]
    assert printed["family_record"]["original"] is None and "original" in printed["family_record"]
    assert "when" not in printed["family_record"]


def test_a_requirement_without_a_number_adds_no_known_need(m: Manifest) -> None:
    mats = materials(m)
    # photo: register asks 2 copies, record (and the material) say nothing → 2
    assert mats["photo"].copies == 2 and mats["photo"].originals == 0
    # id_card: the material 1 original; record asks 1 copy, the others none → 1
    assert (mats["id_card"].originals, mats["id_card"].copies) == (1, 1)


def test_original_kept_when_any_keeps_it_returned_only_when_all_return_it(m: Manifest) -> None:
    mats = materials(m)
    assert mats["hospital_record"].original == "kept"  # register returns it, record keeps it
    assert mats["id_card"].original == "returned"  # the material says returned, no one keeps it
    assert mats["residence_proof"].original is None  # register returns it, record does not say
    assert mats["photo"].original is None  # no original is brought


def test_material_completeness_counts_the_unknown_facts_of_what_is_brought(m: Manifest) -> None:
    c = m.completeness.materials
    assert c.missing == {
        "family_record": ["originals", "copies", "original"],
        "hospital_record": ["copies"],
        "residence_proof": ["original"],
    }
    # 8 materials brought; 3 facts each, but `original` is moot for photo (originals: 0) → 23 facts, 5 unknown
    assert c.score == round(18 / 23, 3)


def test_an_item_type_may_be_unknown(m: Manifest, text: dict) -> None:
    assert m.plan.steps["inline_check"].type is None
    assert "type" in m.completeness.items["inline_check"].missing
    assert text["plan"]["steps"]["inline_check"]["type"] is None
    assert m.plan.steps["register"].type == "行政确认"


# ---------------------------------------------------------------- forms signed separately


def test_a_form_is_generated_unless_it_says_generated_false(m: Manifest) -> None:
    mats = materials(m)
    assert (mats["bundle_form"].status, mats["bundle_form"].reason) == ("waived", "generated")
    assert mats["signed_declaration"].kind == "form"
    assert (mats["signed_declaration"].status, mats["signed_declaration"].reason) == ("submit", None)


# ---------------------------------------------------------------- what the bundle itself asks


def test_bundle_requirements_join_the_form_with_the_bundle_as_used_by(m: Manifest) -> None:
    f = form_fields(m)
    assert f["applicant.name"].used_by == ["bundle_facts", "register", "record"]
    assert (f["agent.name"].used_by, f["agent.name"].when, f["agent.name"].required) == (["bundle_facts"], "by_agent", True)
    assert m.selection.undecided == ["by_agent"]


def test_bundle_requirements_join_the_material_list_first(m: Manifest) -> None:
    assert [x.id for x in m.materials][:5] == [
        "bundle_form", "agent_authorization", "id_card", "family_record", "police_certificate"]
    mats = materials(m)
    assert mats["agent_authorization"].required_by == ["bundle_facts"]
    assert mats["agent_authorization"].when == "by_agent"
    assert mats["id_card"].required_by == ["bundle_facts", "register", "record"]
    # the plan's inputs stay the items' own (data minimisation)
    assert "agent_authorization" not in m.plan.steps["register"].inputs.materials


def test_what_the_bundle_asks_is_never_waived_as_produced(m: Manifest) -> None:
    # register produces family_record, but the bundle needs it at acceptance, before register runs
    assert materials(m)["family_record"].status == "submit"


def test_answers_decide_the_bundle_requirements() -> None:
    no_agent = manifest("bundle_facts", answers={"by_agent": False})
    assert "agent.name" not in form_fields(no_agent)
    assert "agent_authorization" not in materials(no_agent)
    agent = manifest("bundle_facts", answers={"by_agent": True})
    assert form_fields(agent)["agent.name"].when is None
    assert materials(agent)["agent_authorization"].when is None


def test_a_lint_on_a_bundle_requirement_is_suppressed_where_it_stands(m: Manifest) -> None:
    [w604] = [d for d in m.diagnostics if d.code == "W604"]
    assert w604.suppressed == "not yet shared electronically in this region"
    assert not [d for d in m.diagnostics if d.code == "W605"]


def test_a_definition_nothing_asks_says_what_to_write_instead(m: Manifest) -> None:
    [w620] = [d for d in m.diagnostics if d.code == "W620"]
    assert w620.location == {"file": "bundle_facts.yaml", "line": line_of(FACTS, "id: leftover_form"), "col": 9}
    assert w620.hint.startswith("to ask it for the whole bundle write `requires: {materials: [leftover_form]}`")


def test_bundle_requirement_metrics(m: Manifest) -> None:
    # bundled materials: the submit list, the 3 the bundle alone asks included (its form is generated)
    assert m.metrics.materials.bundled == sum(1 for x in m.materials if x.status in ("submit", "tolerated"))
    assert m.metrics.materials.bundled == 8
    # separate figures count the items only: the bundle's own form does not exist apart from it
    assert m.metrics.materials.separate == 9  # register 5, record 4
    assert m.metrics.fields.separate == 5 and m.metrics.fields.bundled == 4


# ---------------------------------------------------------------- bundle metadata and sources


def test_bundle_metadata_reaches_the_manifest(m: Manifest, text: dict) -> None:
    b = m.bundle
    assert (b.code, b.area, b.batch) == (None, "newborn", "2024-1")
    assert b.no_tolerance == {"zh": "测试:不适用容缺受理", "en": "Test: nothing may be tolerated"}
    assert b.window.assistance.free is True and b.window.hotline == "12345"
    p = text["bundle"]["published"]
    assert p["steps"] == {"before": 7, "after": 1}
    assert p["days"] == {"before": 72, "after": 5, "unit": None}
    assert p["materials"] is None and p["trips"] is None  # not announced: unknown, printed as null
    assert text["bundle"]["code"] is None and "code" in text["bundle"]
    assert [s.origin for s in p_sources(m)] == ["other_province"]


def p_sources(m: Manifest) -> list:
    assert m.bundle.published is not None
    return m.bundle.published.sources


def test_sources_on_the_bundle_items_and_materials(m: Manifest) -> None:
    assert [(s.origin, s.url) for s in m.bundle.sources] == [("national", "https://example.gov.cn/x")]
    [src] = m.plan.steps["register"].sources
    assert (src.number, src.issuer, src.date, src.origin) == ("阿政发〔2023〕6号", "阿图什市人民政府", "2023-02-14", "local")
    assert m.plan.steps["record"].sources is None
    [msrc] = materials(m)["hospital_record"].sources
    assert (msrc.origin, msrc.date) == ("other_province", "2024")


def test_areas_are_the_18_of_the_2022_notice_and_batches_the_later_lists() -> None:
    assert len(AREAS) == 18
    assert [a for a, (_, _, sector) in AREAS.items() if sector == "enterprise"] == [
        "enterprise_startup", "construction_project", "production_operation", "policy_benefits",
        "employee_hiring", "real_estate_registration", "enterprise_deregistration"]
    assert AREAS["resale_housing_utilities"][0] == "二手房交易及水电气联动过户"
    assert list(BATCHES) == ["2024-1", "2024-2", "2025-1", "2025-2"]


def _write(tmp: Path, bundle: str, catalog: str) -> Path:
    (tmp / "catalog").mkdir()
    (tmp / "catalog" / "catalog.yaml").write_text(catalog, encoding="utf-8")
    (tmp / "b.yaml").write_text(bundle, encoding="utf-8")
    return tmp / "b.yaml"


_CATALOG = """\
departments:
  - {id: health, name: {zh: 卫生健康委员会, en: Health}}
items:
  - id: demo_item
    name: {zh: 测试事项, en: Test item}
    department: health
"""
_BUNDLE = """\
bundle: b
version: "1"
title: {zh: 测试, en: Test}
lead: health
items:
  - use: demo_item
"""


@pytest.mark.parametrize("extra, message", [
    ("area: newbron\n", "area: 'newbron' is not one of the allowed values: enterprise_startup, "),
    ("batch: 2024-3\n", "batch: '2024-3' is not one of the allowed values: 2024-1, 2024-2, 2025-1, 2025-2"),
    ("sources:\n  - {title: x, origin: this_region}\n",
     "sources[1].origin: 'this_region' is not one of the allowed values: local, national, other_province"),
    ("sources:\n  - {title: x}\n", "missing required key 'origin'"),
    ("sources:\n  - {title: x, origin: local, date: 2023-02-14}\n", "2023-02-14 is written without quotes"),
    ("sources:\n  - {title: x, origin: local, url: www.example.cn}\n", "sources[1].url: 'www.example.cn' is not a web address starting with http:// or https://"),
    ("published: {steps: {before: 7, afterwards: 1}}\n", "unknown key 'afterwards'"),
    ("requires: {material: [x]}\n", "unknown key 'material' in requires"),
])
def test_bad_bundle_facts_are_errors(tmp_path: Path, extra: str, message: str) -> None:
    path = _write(tmp_path, _BUNDLE + extra, _CATALOG)
    result = cli("validate", path)
    assert result.exit_code == 1
    assert message in result.stderr + result.stdout


def test_a_bundle_requirement_naming_an_unknown_material_or_question_is_an_error(tmp_path: Path) -> None:
    bundle = _BUNDLE + "requires:\n  materials:\n    - {ref: powr_of_attorney, when: by_agnt}\n"
    catalog = _CATALOG + "materials:\n  - {id: power_of_attorney, name: {zh: 授权委托书}, kind: proof}\n"
    path = _write(tmp_path, bundle, catalog)
    out = cli("validate", path)
    assert out.exit_code == 1
    shown = out.stderr + out.stdout
    assert "b.yaml:9:13: error E203: unknown material 'powr_of_attorney'" in shown
    assert "did you mean 'power_of_attorney'?" in shown
    assert "b.yaml:9:37: error E302: condition 'by_agnt' names unknown question 'by_agnt'" in shown


def test_a_catalog_item_tolerating_a_material_breaks_a_no_tolerance_bundle(tmp_path: Path) -> None:
    catalog = _CATALOG + (
        "    materials:\n      - {ref: lease, tolerated: {supplement_days: 5}}\n"
        "materials:\n  - {id: lease, name: {zh: 租赁合同}, kind: contract}\n")
    path = _write(tmp_path, _BUNDLE + "no_tolerance: {reason: {zh: 涉及公共安全}}\n", catalog)
    out = cli("validate", path)
    shown = out.stderr + out.stdout
    assert out.exit_code == 1
    assert "catalog/catalog.yaml:8:33: error E108: material 'lease' of item 'demo_item' is tolerated" in shown
    assert "b.yaml:7:15" in shown.split("see also ", 1)[1]  # the statement
    assert "hint: the catalog's item tolerates it: restate the item's `materials:` in the bundle" in shown
    # without the statement the same catalog is fine
    path.write_text(_BUNDLE, encoding="utf-8")
    assert cli("validate", path).exit_code == 0


def test_an_inline_item_without_a_type_validates(tmp_path: Path) -> None:
    bundle = _BUNDLE + "  - id: inline\n    name: {zh: 内联}\n    department: health\n"
    path = _write(tmp_path, bundle, _CATALOG)
    assert cli("validate", path).exit_code == 0
    result = compile_case_at(path)
    assert result.manifest is not None and result.manifest.plan.steps["inline"].type is None


def compile_case_at(path: Path):
    from onething.compiler import compile_bundle
    from onething.compiler.workspace import Workspace
    from onething.dsl.discovery import BundleSource, display_path

    loaded = Workspace().load_bundle(BundleSource(path, display_path(path), path.parent / "catalog"))
    assert loaded.resolved is not None
    return compile_bundle(loaded.resolved, path)


def test_the_facts_fixture_compiles_without_unexpected_diagnostics() -> None:
    result = compile_case("bundle_facts")
    assert result.ok
    assert sorted((d.code, d.suppressed is not None) for d in result.diagnostics) == [
        ("W604", True), ("W620", False)]


def test_w620_spares_group_members_produced_materials_and_what_requires_asks(tmp_path: Path) -> None:
    bundle = _BUNDLE + """\
  - id: inline
    name: {zh: 内联}
    department: health
    fields: [heirs]
    produces: [receipt]
fields:
  - {key: heirs, label: {zh: 继承人}, type: group, fields: [heir.name]}
  - {key: heir.name, label: {zh: 继承人姓名}, type: string}
  - {key: extra.note, label: {zh: 备注}, type: text}
materials:
  - {id: receipt, name: {zh: 回执}, kind: certificate}
  - {id: own_form, name: {zh: 本事项申请表}, kind: form}
  - {id: stray, name: {zh: 无人要求的材料}, kind: proof}
requires:
  materials: [own_form]
"""
    path = _write(tmp_path, bundle, _CATALOG)
    result = compile_case_at(path)
    assert result.manifest is not None
    w620 = sorted(d.message for d in result.diagnostics if d.code == "W620")
    assert w620 == [
        "field 'extra.note' is defined by the bundle, but no item and not the bundle itself asks it",
        "material 'stray' is defined by the bundle, but no item and not the bundle itself asks it",
    ]


def test_a_field_only_the_bundle_asks_is_a_known_answer_key(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("by_agent: true\nagent.name: 张三\n", encoding="utf-8")
    result = cli("compile", FACTS, "--answers", answers)
    assert result.exit_code == 0, result.stderr
    assert "E208" not in result.stderr
    answers.write_text("by_agent: true\nagent.nmae: 张三\n", encoding="utf-8")
    bad = cli("compile", FACTS, "--answers", answers)
    assert bad.exit_code == 1 and "E208" in bad.stderr and "did you mean 'agent.name'?" in bad.stderr
