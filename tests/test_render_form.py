"""`onething form --format html`: the combined form's structure, accessibility, prefill and masking."""

from __future__ import annotations

import json
import re

import pytest
from render_support import RENDER, ROOT, UG, Page, compile_path, run, shipped

from onething.render.form import FormOptions, render_form_html
from onething.render.labels import Labels
from onething.render.manifest_view import fields


def _page(manifest, **kw) -> Page:
    return Page(render_form_html(manifest, FormOptions(**kw)))


@pytest.mark.parametrize("name", ["birth", "school_entry", "after_death"])
def test_one_control_per_field_with_a_label(name):
    m = shipped(name)
    page = _page(m)
    keys = {a["data-key"] for _, a in page.controls() if "data-group" not in a}
    assert keys == set(fields(m)) - {f["key"] for f in fields(m).values() if f["type"] == "group"}
    ids = [a["id"] for _, a in page.controls()]
    assert len(ids) == len(set(ids))
    labelled = {a["for"] for a in page.find("label")}
    assert [i for i in ids if i not in labelled] == []


def test_sections_in_manifest_order_situation_first_and_header():
    m = shipped("birth")
    page = _page(m)
    sections = [a["id"] for a in page.find("section")]
    expected = ["section-" + s["id"] for s in m["form"]["sections"]]
    assert sections[: len(expected)] == expected
    assert sections[0] == "section-situation"
    assert sections[-1] == "section-declaration"
    assert page.find("html")[0]["lang"] == "zh-CN"
    text = page.text
    assert "出生一件事" in text and "版本 2026.1" in text and "受理编号" in text
    assert "申请人(签字)" in text


def test_required_is_said_in_text_and_conditions_in_words():
    m = compile_path(UG)
    page = _page(m)
    text = page.text
    assert text.count("(必填)") == sum(1 for f in fields(m).values() if f["required"]) + 2  # 2 group members
    assert "仅在以下情形填写：“由谁申请”为“父亲”" in text
    assert "仅在以下情形填写：“是否有兄弟姐妹”为“是”" in text
    box = page.find("div", data_field="father.id_number")[0]
    assert json.loads(box["data-when"]) == ["cmp", "==", "applicant_parent", "father"]
    # a conditional field is not `required` in HTML (the script decides), an unconditional one is
    father = page.find("input", id="f-father-id_number")[0]
    assert "required" not in father and "required" in page.find("input", id="f-child-birth_date")[0]


def test_controls_follow_field_types():
    page = _page(compile_path(UG))
    assert page.find("select", id="f-child-sex")
    assert page.find("input", id="f-child-birth_date")[0]["type"] == "date"
    weight = page.find("input", id="f-child-weight_grams")[0]
    assert (weight["type"], weight["min"], weight["max"], weight["step"]) == ("number", "300", "8000", "1")
    assert page.find("textarea", id="f-child-notes")[0]["maxlength"] == "200"
    assert page.find("input", id="f-mother-insured")[0]["type"] == "checkbox"  # optional boolean
    assert {a["value"] for a in page.find("input", name="f-has_siblings")} == {"true", "false"}  # required
    idn = page.find("input", id="f-mother-id_number")[0]
    assert idn["data-format"] == "cn-resident-id" and idn["pattern"].startswith("^[1-9]")
    assert page.find("input", id="f-mother-phone")[0]["type"] == "tel"
    group = page.find("fieldset", data_group_key="siblings")[0]
    assert (group["data-min"], group["data-max"]) == ("1", "5")
    assert page.find("input", id="f-sibling-name-0")[0]["data-group"] == "siblings"


def test_commitment_and_tolerated_materials_are_on_the_form():
    text = _page(compile_path(UG)).text
    assert "以承诺代替材料：居住证明" in text and "本人承诺在本市居住。" in text
    assert "承诺不实的后果：承诺不实的，撤销登记并记入失信记录。" in text
    assert "结婚证" in text and "须在 5 个工作日内补交" in text


ANSWERS = {
    "applicant_parent": "father", "has_siblings": True, "child.name": "古丽", "child.sex": "female",
    "child.birth_date": "2026-01-05", "child.weight_grams": 3200, "mother.id_number": "11010519491231002X",
    "mother.phone": "13812345678", "father.id_number": "110105198001010016", "mother.insured": True,
    "siblings": [{"sibling.name": "阿依", "sibling.birth_date": "2020-03-01"}],
}


def test_answers_prefill_and_sensitive_values_are_masked_unless_unmasked():
    m = compile_path(UG)
    page = _page(m, answers=ANSWERS)
    assert page.find("input", id="f-child-birth_date")[0]["value"] == "2026-01-05"
    assert page.find("input", id="f-child-weight_grams")[0]["value"] == "3200"
    assert "checked" in page.find("input", id="f-has_siblings-yes")[0]
    assert "checked" in page.find("input", id="f-mother-insured")[0]
    assert "selected" in page.find("option", value="female")[0]
    assert page.find("input", id="f-sibling-name-0")[0]["value"] == "阿依"
    html = render_form_html(m, FormOptions(answers=ANSWERS))
    assert "11010519491231002X" not in html and "13812345678" not in html
    assert "110***********002X" in html and "138****5678" in html
    unmasked = render_form_html(m, FormOptions(answers=ANSWERS, unmask=True))
    assert 'value="11010519491231002X"' in unmasked and 'value="13812345678"' in unmasked


def test_ug_labels_are_right_to_left_and_missing_ones_fall_back_to_zh():
    page = _page(compile_path(UG), labels=Labels(["ug"]))
    root = page.find("html")[0]
    assert (root["lang"], root["dir"]) == ("ug", "rtl")
    spans = [a for t, a in page.elements if t == "span" and "lang" in a]
    assert {"dir": "rtl", "lang": "ug"} in [{"dir": a["dir"], "lang": a["lang"]} for a in spans]
    # a label with no ug text (and all page wording) falls back to zh, marked zh-CN and ltr
    html = render_form_html(compile_path(UG), FormOptions(labels=Labels(["ug"])))
    assert '<span lang="ug" dir="rtl">بوۋاقنىڭ ئىسمى</span>' in html
    assert '<span lang="zh-CN" dir="ltr">出生日期</span>' in html
    assert '<span lang="zh-CN" dir="ltr">必填</span>' in html


def test_zh_en_labels_carry_both_languages():
    html = render_form_html(shipped("birth"), FormOptions(labels=Labels(["zh", "en"])))
    assert '<span lang="zh-CN" dir="ltr">子女姓名</span>' in html
    assert '<span lang="en" dir="ltr">Child&#39;s name</span>' in html


def test_large_print_page_and_offline_page():
    html = render_form_html(shipped("birth"), FormOptions(large_print=True))
    assert '<body class="large-print">' in html
    assert "@page { size: A4" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no CDN, remote script, font or style
    assert "@import" not in html and "url(" not in html


def test_cli_form_writes_html_and_refuses_an_unknown_label_language(tmp_path):
    out = tmp_path / "form.html"
    result = run("form", UG, "--labels", "zh+ug", "-o", out)
    assert result.exit_code == 0, result.output
    assert "بوۋاقنىڭ ئىسمى" in out.read_text(encoding="utf-8")
    bad = run("form", UG, "--labels", "uh")
    assert bad.exit_code == 2
    assert "'uh'" in bad.output and "languages: en, ug, zh" in bad.output


def test_cli_form_prefills_from_the_answers_file_and_decides_the_selection(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("applicant_parent: mother\nhas_siblings: false\nchild:\n  name: 古丽\n", encoding="utf-8")
    result = run("form", UG, "--answers", answers)
    assert result.exit_code == 0, result.output
    page = Page(result.output)
    assert page.find("input", id="f-child-name")[0]["value"] == "古丽"
    assert not page.find("input", id="f-father-id_number")  # decided out by the answers
    assert not page.find("fieldset", data_group_key="siblings")


def test_templates_folder_overrides_a_shipped_template(tmp_path):
    (tmp_path / "form.css").write_text("body { color: #000000; } /* centre's own */\n", encoding="utf-8")
    result = run("form", UG, "--templates", tmp_path)
    assert result.exit_code == 0
    assert "/* centre's own */" in result.output and "--ink" not in result.output


def test_templates_ship_inside_the_wheel():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"share/onething/forms"' in text
    assert RENDER.is_dir()
