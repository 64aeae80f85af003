"""Library wording never reaches the author: pydantic's and Python's sentences become the DSL's,
with key paths as written (1-based, named by id), in English and in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource
from onething.dsl.i18n import set_language
from onething.dsl.validation import written_path

CATALOG = """\
departments:
  - id: health
    name: {zh: 卫生健康委员会, en: Health Commission}
items:
  - id: demo_item
    name: {zh: 测试事项, en: Test item}
    type: 公共服务
    department: health
"""

HEAD = """\
bundle: demo
version: "1"
title: {zh: 测试, en: Test}
lead: health
questions:
  - key: parent
    label: {zh: 由谁申请, en: Which parent applies}
    type: enum
    options:
      - {value: mother, label: {zh: 母亲, en: The mother}}
      - {value: father, label: {zh: 父亲, en: The father}}
"""


def diagnostics(tmp_path: Path, bundle: str, catalog: str = CATALOG, lang: str = "en") -> list[str]:
    set_language(lang)
    (tmp_path / "catalog").mkdir(exist_ok=True)
    (tmp_path / "catalog" / "catalog.yaml").write_text(catalog, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(bundle, encoding="utf-8")
    ws = Workspace()
    loaded = ws.load_bundle(BundleSource(tmp_path / "b.yaml", "b.yaml", tmp_path / "catalog"))
    diags = loaded.diagnostics + ws.catalog(tmp_path / "catalog").diagnostics
    return sorted(d.render().replace(str(tmp_path) + "/", "") for d in diags)


INLINE_ITEMS = """\
items:
  - use: demo_item
  - id: second
    name: {zh: 第二事项, en: Second}
    type: 行政确任
    department: health
"""


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "b.yaml:16:11: error E104: items[2] (id: second).type: '行政确任' is not one of the allowed values: "
           "行政许可, 行政确认, 行政给付, 行政裁决, 行政奖励, 行政备案, 公共服务, 其他\n    hint: did you mean '行政确认'?"),
    ("zh", "b.yaml:16:11: 错误 E104: items[2] (id: second).type：'行政确任' 不是允许的取值；可选："
           "行政许可, 行政确认, 行政给付, 行政裁决, 行政奖励, 行政备案, 公共服务, 其他\n    提示：是否应为 '行政确认'？"),
])
def test_an_enum_value_names_the_allowed_values_and_the_nearest(tmp_path, lang, expected):
    assert diagnostics(tmp_path, HEAD + INLINE_ITEMS, lang=lang) == [expected]


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "b.yaml:14:15: error E102: items[1] (use: demo_item).optional should be true or false, not a list"),
    ("zh", "b.yaml:14:15: 错误 E102: items[1] (use: demo_item).optional 应为true 或 false，而不是列表"),
])
def test_a_wrong_type_says_what_is_expected_in_the_authors_words(tmp_path, lang, expected):
    bundle = HEAD + "items:\n  - use: demo_item\n    optional: [yes]\n"
    assert diagnostics(tmp_path, bundle, lang=lang) == [expected]


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "b.yaml:10:8: error E102: questions[1] (key: parent).options[1] should be a mapping, not nothing (empty)"),
    ("zh", "b.yaml:10:8: 错误 E102: questions[1] (key: parent).options[1] 应为映射，而不是空值"),
])
def test_an_empty_value_is_not_called_null(tmp_path, lang, expected):
    bundle = HEAD.replace("      - {value: mother, label: {zh: 母亲, en: The mother}}\n", "      -\n") + \
        "items:\n  - use: demo_item\n"
    assert diagnostics(tmp_path, bundle, lang=lang) == [expected]


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "b.yaml:6:10: error E104: questions[1] (key: Parent).key: 'Parent' is not "
           "a lower_snake_case id (a-z, 0-9 and _, starting with a letter)"),
    ("zh", "b.yaml:6:10: 错误 E104: questions[1] (key: Parent).key：'Parent' 不是"
           "小写下划线格式的 id（a-z、0-9 和 _，以字母开头）"),
])
def test_a_pattern_is_described_not_shown(tmp_path, lang, expected):
    bundle = HEAD.replace("key: parent", "key: Parent") + "items:\n  - use: demo_item\n"
    assert diagnostics(tmp_path, bundle, lang=lang) == [expected]


def test_no_library_wording_in_any_bad_fixture(tmp_path):
    """pydantic's sentences and 0-based dotted paths never reach the author."""
    from click.testing import CliRunner

    from onething.cli.main import main

    bad = Path(__file__).parent / "fixtures" / "bad"
    for lang in ("en", "zh"):
        out = CliRunner().invoke(main, ["--lang", lang, "validate", *map(str, sorted(bad.iterdir()))]).output
        for phrase in ("Input should", "of type 'null'", "items.0", "options.0", "Value error", "[type="):
            assert phrase not in out, (lang, phrase)


def test_written_path_counts_from_one_and_names_entries():
    data = {"items": [{"use": "a"}, {"id": "b", "materials": [{"ref": "m"}]}]}
    assert written_path(data, ("items", 1, "materials", 0, "ref")) == "items[2] (id: b).materials[1].ref"
    assert written_path(data, ("items", 0, "list[str]", 1)) == "items[1] (use: a)[2]"
    assert written_path({"id": "x"}, ("name",), ("items", 4)) == "items[5] (id: x).name"
    assert written_path(data, ()) == ""
    # one mapping where one entry or a list is allowed (`fee: {…}`): no entry number
    assert written_path({"fee": {"unit": "x"}}, ("fee", 0, "unit")) == "fee.unit"


# ---- conditions ---------------------------------------------------------------------------

def _when(condition: str) -> str:
    return HEAD + f'items:\n  - use: demo_item\n    when: "{condition}"\n'


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "b.yaml:14:19: error E301: a single `=` is not a comparison: \"parent = 'mother'\"\n"
           "    hint: write `==` to compare: parent == 'mother'"),
    ("zh", "b.yaml:14:19: 错误 E301: 单个 `=` 不是比较：\"parent = 'mother'\"\n"
           "    提示：比较请写 `==`：parent == 'mother'"),
])
def test_a_single_equals_sign_hints_at_double(tmp_path, lang, expected):
    assert diagnostics(tmp_path, _when("parent = 'mother'"), lang=lang) == [expected]


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "b.yaml:14:23: error E301: the bracket '(' opened here is not closed: "
           "\"parent and (parent == 'mother' or parent == 'father'\"\n    hint: add the closing ')'"),
    ("zh", "b.yaml:14:23: 错误 E301: 此处的括号 '(' 没有闭合：\"parent and (parent == 'mother' or parent == 'father'\"\n"
           "    提示：补上右括号 ')'"),
])
def test_an_unclosed_bracket_is_reported_where_it_opens(tmp_path, lang, expected):
    # the `(` is the 12th character of the condition, which starts at column 12 (after the quote)
    assert diagnostics(tmp_path, _when("parent and (parent == 'mother' or parent == 'father'"), lang=lang) == [expected]


def test_an_unclosed_list_and_a_stray_closing_bracket(tmp_path):
    assert diagnostics(tmp_path, _when("parent in ['mother', 'father'")) == [
        "b.yaml:14:22: error E301: the bracket '[' opened here is not closed: \"parent in ['mother', 'father'\"\n"
        "    hint: add the closing ']'"]
    assert diagnostics(tmp_path, _when("parent == 'mother')")) == [
        "b.yaml:14:30: error E301: ')' closes a bracket that was not opened: \"parent == 'mother')\"\n"
        "    hint: write a condition like `a and not b`, `x == 'v'` or `x in ['a', 'b']`"]


def test_other_syntax_errors_name_the_place_not_pythons_words(tmp_path):
    [d] = diagnostics(tmp_path, _when("parent == == 'mother'"))
    assert d.startswith("b.yaml:14:22: error E301: not a valid condition: unexpected \"== 'mother'\"")
    [d] = diagnostics(tmp_path, _when("parent == 'mother' and"))
    assert "not a valid condition: it ends too early" in d


# ---- YAML syntax ---------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "y.yaml:2:8: error E005: a list in [ ] is not closed, or lacks a comma\n"
           "    hint: close it with the matching bracket, or separate its entries with commas"),
    ("zh", "y.yaml:2:8: 错误 E005: [ ] 中的列表没有闭合，或缺少逗号\n"
           "    提示：用配对的括号闭合，或用逗号分隔各项"),
])
def test_an_unclosed_yaml_list_is_reported_where_it_opens(lang, expected):
    from onething.dsl.loader import load_text

    set_language(lang)
    [d] = load_text("bundle: demo\nsteps: [受理, 审核,\n  办结\nlead: health\n", "y.yaml").diagnostics
    assert d.render() == expected


def test_libyaml_wording_is_replaced():
    from onething.dsl.loader import load_text

    [d] = load_text("a: b: c\n", "y.yaml").diagnostics
    assert d.render() == ("y.yaml:1:5: error E005: a ': ' (colon and space) where no key can start\n"
                          "    hint: a value containing ': ' must be quoted, or the indentation is off")
