"""`onething sheet`: every material exactly once with its status, and unknown facts said to be unknown."""

from __future__ import annotations

import pytest
from render_support import ROOT, SHIPPED, UG, Page, compile_path, run, shipped

from onething.render.form import render_form_html
from onething.render.labels import Labels
from onething.render.packet import departments, render_packet
from onething.render.sheet import SheetOptions, render_sheet


@pytest.mark.parametrize("name", ["birth", "after_death", "medical_reimbursement", "school_entry"])
def test_every_material_exactly_once_with_its_status(name):
    m = shipped(name)
    page = Page(render_sheet(m, "html"))
    rows = [(a["data-material"], a["data-status"]) for _, a in page.elements if "data-material" in a]
    assert sorted(rows) == sorted((x["id"], x["status"]) for x in m["materials"])
    assert len(rows) == len({r[0] for r in rows})
    for fmt in ("md", "text"):
        out = render_sheet(m, fmt)
        assert all(x["name"]["zh"] in out for x in m["materials"])


def test_sheet_says_what_is_waived_and_why_in_words():
    text = render_sheet(compile_path(UG), "text")
    assert "出生登记申请表: 由一表申请(联办申请表)自动生成" in text
    assert "出生医学证明: 由本次联办的“出生医学证明首次签发”出具，部门间共享" in text
    birth = render_sheet(shipped("birth"), "text")
    assert "居民身份证: 由阿图什市公安局通过电子证照共享获取" in birth


def test_tolerated_commitment_fees_nearby_appointments_and_savings():
    text = render_sheet(compile_path(UG), "text")
    assert " - 结婚证: 须在 5 个工作日内补交" in text
    assert "承诺内容：本人承诺在本市居住。" in text
    assert "承诺不实的后果：承诺不实的，撤销登记并记入失信记录。" in text
    assert "收费: 不收费" in text
    assert "收费: 申领居民身份证：20 元(每件)(发改价格〔2003〕2322号)" in text
    assert "就近办: 乡镇(街道)便民服务中心" in text
    assert " - 出生登记: 照相, 派出所" in text
    assert "居民身份证 — 原件 1, 复印件 1" in text and "出生登记: 须本人携带原件到场 父母双方身份证原件" in text
    assert "材料(份): 分别办理 6 → 一件事联办 3" in text
    assert "整体承诺办结时限：15 个工作日" in text
    assert "居民身份证 — 原件 1, 复印件 1; 原件收回或退还: 原件核验后退还" in text
    assert "办公时间: 周一至周五 9:30-13:30，16:00-19:30" in text
    assert "帮办代办: 提供，免费；老年人可预约上门" in text and "政务服务便民热线: 12345" in text
    assert "所属领域: 国办发〔2022〕32号：新生儿出生" in text


def test_unknown_facts_are_said_to_be_unknown_not_dropped():
    text = render_sheet(compile_path(UG), "text")
    assert "就近办: [待确认]" in text  # hukou_birth_registration has no nearby
    assert "法定时限: [待确认]" in text  # birth_certificate_issue has no statutory limit
    for line in ("地址: [待确认]", "咨询电话: [待确认]", "一件事编码: [待确认]"):
        assert line in text
    assert "母亲授权书 — 原件 [待确认], 复印件 [待确认]; 原件收回或退还: [待确认]" in text  # catalog silent
    m = compile_path(UG)
    m["bundle"]["window"]["assistance"] = None
    assert "帮办代办: [待确认]" in render_sheet(m, "text")
    next(x for x in m["materials"] if x["id"] == "mother_authorization")["originals"] = 0
    assert "原件 0, 复印件 [待确认]; 原件收回或退还: 无" in render_sheet(m, "text")
    m = compile_path(UG)
    for x in m["materials"]:
        if x["status"] == "commitment":
            x["commitment"]["consequence"] = None
    assert "承诺不实的后果：[待确认]" in render_sheet(m, "text")
    en = render_sheet(compile_path(UG), "md", SheetOptions(Labels(["en"])))
    assert "- Address: **to be confirmed**" in en


def test_with_answers_the_items_decided_out_are_listed_with_the_reason():
    answers = {"death_type": "natural", "cremated": True, "pension_scheme": "none", "has_dependants": False,
               "medical_insurance": "none", "has_housing_fund": False, "had_driving_license": False,
               "multiple_heirs": False}
    m = compile_path(ROOT / "bundles" / "after_death.yaml", answers=answers)
    text = render_sheet(m, "text")
    excluded = {e["id"]: e["reason"] for e in m["selection"]["excluded"]}
    assert excluded["pension_settlement"] == "condition_false"
    assert "不办理的事项:" in text
    assert " - pension_settlement: 按申请人的情形不适用" in text  # the manifest names excluded items by id only
    assert "尚未确认" not in text


def test_cli_sheet_formats_and_answers(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("applicant_parent: mother\nhas_siblings: false\n", encoding="utf-8")
    for fmt in ("html", "md", "text"):
        result = run("sheet", UG, "--format", fmt, "--answers", answers, "--labels", "zh+en")
        assert result.exit_code == 0, result.output
        assert "母亲授权书" not in result.output  # decided out by applicant_parent: mother
        assert "One-time notification sheet" in result.output
    html = run("sheet", UG).output
    assert Page(html).find("html")[0]["lang"] == "zh-CN"


@pytest.mark.parametrize("name", [p.stem for p in SHIPPED])
def test_every_shipped_bundle_renders_every_page(name):
    """Templates use StrictUndefined: a key a manifest leaves out must not break a page."""
    m = shipped(name)
    for fmt in ("html", "md", "text"):
        assert m["bundle"]["title"]["zh"] in render_sheet(m, fmt)
    assert m["bundle"]["title"]["zh"] in render_form_html(m)
    for dept in departments(m):
        assert render_packet(m, dept, "html").count("<section") == 5


def test_conditional_limits_fees_and_ranges_say_their_condition():
    """A time limit the answers leave open lists its alternatives, each with its condition in words."""
    text = render_sheet(shipped("restaurant_opening"), "text")
    assert ("承诺时限: 10 个工作日(仅当“消防安全检查办理方式”为“现场检查后许可”)；1 个工作日"
            "(仅当“消防安全检查办理方式”为“告知承诺") in text
    assert "实际可能更长" in text
    answered = compile_path(ROOT / "bundles" / "restaurant_opening.yaml",
                            answers={"premises_area": 80, "public_gathering_place": True, "fire_route": "inspection"})
    assert "仅当“消防安全检查办理方式”" not in render_sheet(answered, "text")
