"""`onething answers check`: every problem of an answers file at once, field by field."""

from __future__ import annotations

import datetime as dt
import json

from render_support import UG, compile_path, run

from onething.render.answers_check import check_answers
from onething.render.labels import Labels

GOOD = {
    "applicant_parent": "mother", "has_siblings": False, "child.name": "古丽", "child.sex": "female",
    "child.birth_date": "2026-01-05", "child.weight_grams": 3200, "child.notes": "无",
    "mother.id_number": "11010519491231002X", "mother.phone": "0908-4222110",
}
TODAY = dt.date(2026, 2, 1)


def _codes(answers, **kw):
    return [(p.key, p.code) for p in check_answers(compile_path(UG), answers, today=TODAY, **kw)]


def test_good_answers_have_no_problem():
    assert _codes(GOOD) == []
    from onething.dsl.source import Unquoted

    # `weight_grams: 3200` read from YAML stays as written (Unquoted) and is a number; a quoted
    # "3200" is text, as in JSON and the JSON Schema
    assert _codes({**GOOD, "mother.insured": True, "child.weight_grams": Unquoted("3200")}) == []
    assert _codes({**GOOD, "child.weight_grams": "3200"}) == [("child.weight_grams", "type")]
    assert _codes({**GOOD, "child.name": ""}) == [("child.name", "empty")]


def test_every_problem_at_once_in_form_order():
    bad = {**GOOD, "applicant_parent": "fathr", "child.sex": 1, "child.birth_date": "2026-02-30",
           "child.weight_grams": 99999, "mother.id_number": "110105194912310021", "mother.phone": "12345",
           "mother.insured": "yes", "chld.notes": "x"}
    del bad["child.name"]
    assert _codes(bad) == [
        ("applicant_parent", "option"), ("child.name", "missing"), ("child.sex", "type"),
        ("child.birth_date", "date"), ("child.weight_grams", "range"), ("mother.id_number", "id_check"),
        ("mother.phone", "phone"), ("mother.insured", "type"), ("chld.notes", "unknown"),
    ]


def test_conditionally_required_fields_follow_the_situation():
    father = {**GOOD, "applicant_parent": "father"}
    assert _codes(father) == [("father.id_number", "missing")]
    assert _codes({**father, "father.id_number": "110105198001010016"}) == []
    siblings = {**GOOD, "has_siblings": True}
    assert _codes(siblings) == [("siblings", "missing")]


def test_groups_sizes_members_and_unknown_member_keys():
    rows = [{"sibling.name": "阿依", "sibling.birth_date": "2020-03-01"}] * 6
    assert _codes({**GOOD, "has_siblings": True, "siblings": rows}) == [("siblings", "group_size")]
    one = [{"sibling.name": "阿依", "sibling.birthdate": "2020-03-01"}]
    problems = check_answers(compile_path(UG), {**GOOD, "has_siblings": True, "siblings": one}, today=TODAY)
    assert [(p.key, p.code, p.hint) for p in problems] == [
        ("siblings[0].sibling.birth_date", "missing", None),
        ("siblings[0].sibling.birthdate", "unknown", "did you mean 'sibling.birth_date'?"),
    ]


def test_id_number_birth_date_must_be_real_and_past():
    future = "11010520270101002"  # born after TODAY
    from onething.render.formats import id_check_digit

    assert _codes({**GOOD, "mother.id_number": future + id_check_digit(future)}) == [("mother.id_number", "id_birth")]
    assert _codes({**GOOD, "mother.id_number": "1101051949123100"}) == [("mother.id_number", "id_number")]


def test_unknown_key_gets_a_did_you_mean_and_labels_follow_the_language():
    problems = check_answers(compile_path(UG), {**GOOD, "child.nmae": "x", "child.sex": "girl"},
                             labels=Labels(["en"]), today=TODAY)
    assert [(p.label, p.code) for p in problems] == [("Child's sex", "option"), ("child.nmae", "unknown")]
    assert problems[1].hint == "did you mean 'child.name'?"
    ug = check_answers(compile_path(UG), {**GOOD, "child.sex": "girl"}, labels=Labels(["ug"]), today=TODAY)
    assert ug[0].label == "بوۋاقنىڭ جىنسى"


def test_cli_reports_every_problem_with_file_line_and_exits_1(tmp_path):
    f = tmp_path / "answers.yaml"
    f.write_text("applicant_parent: fathr\nhas_siblings: false\nchild:\n  name: 古丽\n  sex: female\n"
                 "  birth_date: 2026-01-05\n  weight_grams: 3200\n  notes: 无\n"
                 "mother.id_number: '110105194912310021'\nmother.phone: '13812345678'\n", encoding="utf-8")
    result = run("answers", "check", UG, f)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{f}:1:1: 由谁申请 (applicant_parent): 'fathr' is not one of the options: mother, father"
    assert lines[1] == "    hint: did you mean 'father'?"
    assert lines[2].startswith(f"{f}:9:1: 母亲公民身份号码 (mother.id_number): the check digit is wrong")
    assert lines[-1] == "2 problems"
    as_json = run("answers", "check", UG, f, "--format", "json", "--lang", "en")
    assert [(p["key"], p["code"], p["label"]) for p in json.loads(as_json.output)] == [
        ("applicant_parent", "option", "Which parent applies"), ("mother.id_number", "id_check", "Mother's citizen ID number")]


def test_cli_good_file_exits_0(tmp_path):
    f = tmp_path / "answers.json"
    f.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    result = run("answers", "check", UG, f)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 problems"
