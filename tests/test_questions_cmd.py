"""`onething questions`: the situation questions and optional items, and the answers template
that a clerk fills in and `compile --answers` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from compile_support import bundle_path, cli
from rich.cells import cell_len
from shipped_support import ROOT, SHIPPED, resolved, shipped

from onething.compiler.form import SITUATION
from onething.views.questions import answers_template

BIRTH = ROOT / "bundles" / "birth.yaml"


@pytest.fixture(autouse=True)
def _piped(monkeypatch):
    monkeypatch.setenv("ONETHING_TTY", "0")


def test_table_lists_questions_with_labels_and_the_optional_items():
    result = cli("questions", bundle_path("core"))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "测试出生一件事 / Test birth bundle  (core 2024.1)"
    row = next(line for line in lines if " employed " in f" {line} ")
    assert row.split() == ["Is", "the", "mother", "employee-insured", "employed", "true", "or", "false"]
    card = next(line for line in lines if " card " in f" {line} ")
    assert card.split()[-4:] == ["card", "Medical", "Insurance", "Bureau"]
    assert "--select ITEM,..." in result.stdout
    assert max(cell_len(line) for line in lines) <= 100


def test_table_shows_enum_options_by_value_and_label():
    out = cli("questions", BIRTH).stdout
    assert "applicant_parent" in out
    assert "mother = The mother" in out and "father = The father" in out


def _template(path: Path) -> str:
    result = cli("questions", path, "--format", "yaml")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_template_holds_every_question_optional_item_and_form_field():
    text = _template(BIRTH)
    data = yaml.safe_load(text)
    m = shipped(BIRTH)[1]
    questions = [f.key for s in m.form.sections if s.id == SITUATION for f in s.fields]
    fields = [f.key for s in m.form.sections if s.id != SITUATION for f in s.fields]
    assert list(data) == questions + fields  # questions first, then the form in its order
    assert all(v is None for v in data.values())  # nothing pre-answered
    # choices and labels are comments beside the keys
    assert "#   father: 父亲(须母亲授权) / The father (with the mother's authorization)\napplicant_parent:\n" in text
    assert "# 父母是否已办理结婚登记 / Are the parents married — true or false\n" in text
    assert "child.name:  # 子女姓名 / Child's name; required\n" in text
    assert "#   [ ] ssc_apply: 社会保障卡申领 / Social security card application\n" in text
    assert "--select parenting_guidance,childbirth_registration,ssc_apply\n" in text


def test_the_blank_template_is_accepted_and_decides_nothing(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(_template(BIRTH), encoding="utf-8")
    result = cli("compile", BIRTH, "--answers", answers)
    assert result.exit_code == 0, result.stderr
    selection = json.loads(result.stdout)["selection"]
    assert selection["answers"] == {}
    assert selection["undecided"] == [
        "applicant_parent", "ethnicities_differ", "hukou_follows", "joins_other_household",
        "mother_employee_insured", "parents_married"]


def _fill(text: str, values: dict[str, str]) -> str:
    """What a clerk does: write a value after the key's colon, keeping the comment."""
    out = []
    for line in text.splitlines():
        key = line.split(":", 1)[0]
        if not line.startswith("#") and key in values:
            line = line.replace(f"{key}:", f"{key}: {values[key]}", 1)
        out.append(line)
    return "\n".join(out) + "\n"


def test_the_filled_in_template_is_accepted_by_compile_answers(tmp_path):
    filled = _fill(_template(BIRTH), {
        "applicant_parent": "father", "parents_married": "true", "hukou_follows": "father",
        "joins_other_household": "false", "ethnicities_differ": "false", "mother_employee_insured": "false",
        "child.name": "张三", "child.sex": "male", "mother.name": "李四",
    })
    answers = tmp_path / "answers.yaml"
    answers.write_text(filled, encoding="utf-8")
    result = cli("compile", BIRTH, "--answers", answers, "--select", "ssc_apply")
    assert result.exit_code == 0, result.stderr
    m = json.loads(result.stdout)
    assert m["selection"]["answers"] == {
        "applicant_parent": "father", "ethnicities_differ": False, "hukou_follows": "father",
        "joins_other_household": False, "mother_employee_insured": False, "parents_married": True}
    assert m["selection"]["undecided"] == []
    assert {"id": "maternity_benefit", "reason": "condition_false"} in m["selection"]["excluded"]
    assert "张三" not in result.stdout  # field values never reach a manifest
    plan = cli("plan", BIRTH, "--answers", answers)
    assert plan.exit_code == 0 and "maternity_benefit" not in plan.stdout


def test_a_wrong_answer_in_the_template_is_still_an_error(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(_fill(_template(BIRTH), {"parents_married": "yes"}), encoding="utf-8")
    result = cli("compile", BIRTH, "--answers", answers)
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(answers.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("parents_married:"))
    assert f"answers.yaml:{line}:" in result.stderr and "E504" in result.stderr


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_bundle_has_a_template_that_answers_accept(path, tmp_path):
    from onething.dsl.answers import read_answers

    source, m = shipped(path)
    text = answers_template(m, source.display)
    data = yaml.safe_load(text)
    questions = [f.key for s in m.form.sections if s.id == SITUATION for f in s.fields]
    assert list(data)[: len(questions)] == questions
    answers = tmp_path / "answers.yaml"
    answers.write_text(text, encoding="utf-8")
    rb = resolved(path)
    got, diags = read_answers(answers, "answers.yaml", rb.questions, rb.field_keys(), rb.bundle.bundle)
    assert (got, diags) == ({}, [])


def test_questions_of_a_bad_bundle_exit_1_with_its_diagnostics():
    result = cli("questions", bundle_path("cycle"), "--format", "yaml")
    assert result.exit_code == 1 and result.stdout == ""
    assert "E502" in result.stderr


def test_a_repeatable_group_is_one_key_with_its_members_listed(tmp_path):
    text = _template(ROOT / "bundles" / "after_death.yaml")
    assert "\nheirs:  # 全部继承人 / All heirs; required; " in text
    assert "\n#   - heir.name:  继承人姓名 / Heir's name\n" in text
    filled = _fill(text, {"death_type": "natural", "heirs": "[{heir.name: 王五, heir.relation: 子女}]"})
    answers = tmp_path / "a.yaml"
    answers.write_text(filled, encoding="utf-8")
    result = cli("compile", ROOT / "bundles" / "after_death.yaml", "--answers", answers)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["selection"]["answers"] == {"death_type": "natural"}
