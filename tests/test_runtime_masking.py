"""Masking personal data for human output."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.compiler.manifest import FormField
from onething.runtime.masking import mask_answers, mask_id_number, mask_name, mask_phone, mask_text


@pytest.mark.parametrize(("value", "masked"), [
    ("11010119900307123X", "110***********123X"),
    ("110101900307123", "110********7123"),
    ("1234", "****"),
])
def test_id_numbers(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),
    ("+86 138-1234-5678", "138****5678"),
    ("0908-4221234", "*******1234"),
    ("110", "***"),
])
def test_phones(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"),
                                                ("阿依古丽·买买提", "阿*******"), ("John Smith", "J*** *****")])
def test_names(value, masked):
    assert mask_name(value) == masked


def test_free_text_masks_ids_and_mobiles_only():
    text = "申请人 11010119900307123X 电话 13812345678，出生证号 Q650012345，办件 birth-20261201-0001"
    assert mask_text(text) == ("申请人 110***********123X 电话 138****5678，出生证号 Q650012345，"
                               "办件 birth-20261201-0001")


def field(key: str, type_: str, sensitive: bool = False, fields: list[FormField] | None = None) -> FormField:
    return FormField(key=key, label={"zh": key}, type=type_, required=True, used_by=["x"],
                     sensitive=sensitive, fields=fields)


def test_answers_are_masked_by_field_type_and_sensitivity():
    fields = [field("mother.id_number", "id_number", True), field("mother.phone", "phone"),
              field("mother.name", "string"), field("mother.income", "integer", True),
              field("child.birth_date", "date"),
              field("heirs", "group", fields=[field("heir.name", "string"), field("heir.id_number", "id_number")])]
    answers = {"mother.id_number": "11010119900307123X", "mother.phone": "13812345678", "mother.name": "王芳",
               "mother.income": 5000, "child.birth_date": "2026-11-30", "parents_married": True,
               "heirs": [{"heir.name": "李四", "heir.id_number": "650101198001011234"}],
               "note": "call 13900001111"}
    assert mask_answers(answers, fields) == {
        "mother.id_number": "110***********123X", "mother.phone": "138****5678", "mother.name": "王*",
        "mother.income": "****", "child.birth_date": "2026-11-30", "parents_married": True,
        "heirs": [{"heir.name": "李*", "heir.id_number": "650***********1234"}],
        "note": "call 139****1111",
    }
    assert answers["mother.name"] == "王芳"  # the input is not changed


@settings(max_examples=50)
@given(st.integers(10**16, 10**17 - 1), st.sampled_from("0123456789X"))
def test_no_id_number_survives_free_text(body, check):
    number = f"{body}{check}"
    masked = mask_text(f"证件号码：{number}。")
    assert number not in masked
    assert masked == f"证件号码：{number[:3]}{'*' * 11}{number[-4:]}。"
