"""The safe YAML loader: positions, code-like scalars, and every problem as a diagnostic."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from onething.dsl import loader
from onething.dsl.loader import load_file, load_text
from onething.dsl.models.bundle import Bundle
from onething.dsl.source import Location, Unquoted, YList, YMap, locate
from onething.dsl.validation import pydantic_diagnostics


def codes(result: loader.Loaded) -> list[str]:
    return [d.code for d in result.diagnostics]


# ---------------------------------------------------------------- positions


POSITIONS = """\
bundle: demo
title: {zh: 测试, en: Test}
items:
  - use: demo_item
    when: "parent == 'mother'"
  - use: other
    steps: [受理, 审核]
"""


def test_keys_and_values_know_their_line_and_column() -> None:
    data = load_text(POSITIONS, "b.yaml").data
    assert isinstance(data, YMap)
    assert data.loc == Location("b.yaml", 1, 1)
    assert data.key_locs["bundle"] == Location("b.yaml", 1, 1)
    assert data.value_locs["bundle"] == Location("b.yaml", 1, 9)
    title = data["title"]
    assert isinstance(title, YMap)
    assert title.loc == Location("b.yaml", 2, 8)
    assert title.key_locs["en"] == Location("b.yaml", 2, 17)  # columns count characters
    assert title.value_locs["zh"] == Location("b.yaml", 2, 13)
    items = data["items"]
    assert isinstance(items, YList)
    assert items.item_locs == [Location("b.yaml", 4, 5), Location("b.yaml", 6, 5)]
    assert items[1]["steps"].item_locs == [Location("b.yaml", 7, 13), Location("b.yaml", 7, 17)]


def test_a_quoted_value_is_located_at_its_first_character() -> None:
    # so that a column inside it (a condition's error) can be added to it exactly
    data = load_text(POSITIONS, "b.yaml").data
    first = data["items"][0]
    assert first.value_locs["when"] == Location("b.yaml", 5, 12)
    assert first.key_locs["when"] == Location("b.yaml", 5, 5)


def test_locate_points_at_the_nearest_existing_parent() -> None:
    data = load_text(POSITIONS, "b.yaml").data
    assert locate(data, ("items", 1, "steps", 1)) == Location("b.yaml", 7, 17)
    assert locate(data, ("items", 0, "use"), key=True) == Location("b.yaml", 4, 5)
    # a missing key: the mapping that lacks it
    assert locate(data, ("items", 0, "needs")) == Location("b.yaml", 4, 5)
    # a path that goes nowhere: the deepest place found (the list, at its first `-`)
    assert locate(data, ("items", 9, "x")) == Location("b.yaml", 4, 3)


def test_location_renders_as_file_line_col() -> None:
    assert str(Location("a/b.yaml", 3, 7)) == "a/b.yaml:3:7"
    assert str(Location("a/b.yaml")) == "a/b.yaml"


# ---------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    "written",
    ["000107001000", "0755", "2023.10", "1.0", ".5", "1e3", "1_000", "0x1F", "0b101", "12:30",
     "2023-10-01", ".inf", "-.inf", ".nan",
     "no", "No", "NO", "yes", "on", "off", "y", "n", "Y", "N"],
)
def test_code_like_plain_scalars_are_kept_as_written(written: str) -> None:
    value = load_text(f"code: {written}\n", "f.yaml").data["code"]
    assert isinstance(value, Unquoted)
    assert value == written


@pytest.mark.parametrize("written", ["000107001000", "2023.10", "no", "on", "true", "12", "~", ""])
def test_quoted_scalars_are_plain_text(written: str) -> None:
    for quoted in (f'"{written}"', f"'{written}'"):
        value = load_text(f"code: {quoted}\n", "f.yaml").data["code"]
        assert type(value) is str and value == written


@pytest.mark.parametrize(
    ("written", "expected"),
    [("12", 12), ("-3", -3), ("0", 0), ("true", True), ("False", False), ("null", None), ("~", None),
     ("", None), ("text", "text"), ("出生一件事", "出生一件事"), ("a: b", None)],
)
def test_other_plain_scalars(written: str, expected: object) -> None:
    if written == "a: b":
        data = load_text("code:\n  a: b\n", "f.yaml").data
        assert data["code"] == {"a": "b"}
        return
    value = load_text(f"code: {written}\n", "f.yaml").data["code"]
    assert value == expected and type(value) is type(expected)


def test_unquoted_values_are_reported_in_text_fields_and_accepted_in_number_fields() -> None:
    text = """\
bundle: demo
version: 2023.10
title: {zh: 测试}
lead: health
items:
  - use: demo_item
    code: 000107001000
    visits: 01
"""
    data = load_text(text, "b.yaml").data
    with pytest.raises(ValidationError) as err:
        Bundle.model_validate(data)
    diags = pydantic_diagnostics(err.value, Bundle, data, "b.yaml")
    assert [(d.code, str(d.location)) for d in diags] == [
        ("E105", "b.yaml:2:10"),
        ("E105", "b.yaml:7:11"),
    ]
    assert diags[1].hint == 'quote it: "000107001000"'


def test_a_plain_number_in_a_text_field_is_e105_too() -> None:
    data = load_text("bundle: demo\nversion: 2023\ntitle: {zh: 测试}\nlead: health\nitems: [{use: x}]\n",
                     "b.yaml").data
    with pytest.raises(ValidationError) as err:
        Bundle.model_validate(data)
    (diag,) = pydantic_diagnostics(err.value, Bundle, data, "b.yaml")
    assert (diag.code, str(diag.location), diag.hint) == ("E105", "b.yaml:2:10", 'quote it: "2023"')


# ---------------------------------------------------------------- many problems, one run


def test_all_duplicate_keys_are_reported_in_one_run() -> None:
    text = """\
bundle: demo
lead: a
title: {zh: 测试, zh: 再测}
items:
  - use: x
    use: y
    when: a
lead: b
"""
    result = load_text(text, "d.yaml")
    dups = [d for d in result.diagnostics if d.code == "E007"]
    assert [(str(d.location), d.related) for d in dups] == [
        ("d.yaml:3:17", (Location("d.yaml", 3, 9),)),
        ("d.yaml:6:5", (Location("d.yaml", 5, 5),)),
        ("d.yaml:8:1", (Location("d.yaml", 2, 1),)),
    ]
    # the data is still usable (the first of each key is kept) so later checks still run
    assert result.data["lead"] == "a" and result.data["items"][0]["use"] == "x"


def test_several_errors_in_one_file_are_reported_in_one_run(tmp_path: Path) -> None:
    from onething.compiler.workspace import Workspace
    from onething.dsl.discovery import BundleSource

    bundle = tmp_path / "b.yaml"
    bundle.write_text(
        """\
bundle: demo
version: 2023.10
title: {en: Test}
lead: health
lead: health
cooperating: health
items:
  - use: demo_item
    optinal: true
""",
        encoding="utf-8",
    )
    loaded = Workspace().load_bundle(BundleSource(bundle, "b.yaml", tmp_path / "catalog"))
    assert loaded.resolved is None
    assert sorted((d.code, str(d.location)) for d in loaded.diagnostics) == [
        ("E007", "b.yaml:5:1"),
        ("E101", "b.yaml:9:5"),
        ("E102", "b.yaml:6:14"),
        ("E105", "b.yaml:2:10"),
        ("E106", "b.yaml:3:8"),
    ]


# ---------------------------------------------------------------- refused input


def test_tags_are_refused_and_the_data_dropped() -> None:
    text = 'a: !!python/object/apply:os.system ["echo hi"]\nb: !!binary aGk=\nc: !custom {x: 1}\nd: !!str 1\n'
    result = load_text(text, "t.yaml")
    assert codes(result) == ["E008", "E008", "E008"]
    assert [str(d.location) for d in result.diagnostics] == ["t.yaml:1:4", "t.yaml:2:4", "t.yaml:3:4"]
    assert result.data is None


def test_standard_tags_are_allowed() -> None:
    data = load_text("a: !!str 0123\nb: !!int 5\nc: !!map {x: 1}\n", "t.yaml").data
    assert data == {"a": "0123", "b": 5, "c": {"x": 1}}


def test_alias_bomb_stops_early() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    result = load_text("\n".join(lines), "bomb.yaml")
    assert codes(result) == ["E009"]
    assert result.data is None


def test_ordinary_anchors_and_aliases_are_fine() -> None:
    data = load_text("base: &b {zh: 测试, en: Test}\ntitle: *b\nlist: [&s one, *s]\n", "a.yaml").data
    assert data["title"] == {"zh": "测试", "en": "Test"}
    assert data["list"] == ["one", "one"]


def test_an_alias_repeats_its_anchors_values_not_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # the anchored mapping is 7 values: itself, 1, 2, the list and its 3 entries (keys a, b, c
    # are not values); 10 aliases repeat 70, the 11th passes a limit of 70 — at its own position
    monkeypatch.setattr(loader, "MAX_ALIAS_NODES", 70)
    base = "base: &b {a: 1, b: 2, c: [x, y, z]}\n"
    ok = load_text(base + "l: [" + ", ".join(["*b"] * 10) + "]\n", "a.yaml")
    assert ok.ok and ok.data["l"][9] == {"a": 1, "b": 2, "c": ["x", "y", "z"]}
    bomb = load_text(base + "l: [" + ", ".join(["*b"] * 11) + "]\n", "a.yaml")
    assert codes(bomb) == ["E009"]
    assert str(bomb.diagnostics[0].location) == "a.yaml:2:45"


def test_a_duplicate_key_keeps_the_first_value_at_any_depth() -> None:
    result = load_text("a:\n  b: [1]\n  b: {c: 2}\nd: 3\nd: [4]\n", "d.yaml")
    assert codes(result) == ["E007", "E007"]
    assert [(str(x.location), str(x.related[0])) for x in result.diagnostics] == [
        ("d.yaml:3:3", "d.yaml:2:3"), ("d.yaml:5:1", "d.yaml:4:1")]
    assert result.data == {"a": {"b": [1]}, "d": 3}
    assert result.data.value_loc("d") == Location("d.yaml", 4, 4)


def test_unknown_alias_is_a_syntax_error() -> None:
    result = load_text("a: *nowhere\n", "a.yaml")
    assert codes(result) == ["E005"]


def test_deep_nesting_stops_at_the_limit() -> None:
    result = load_text("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "deep.yaml")
    assert codes(result) == ["E010"]
    assert result.data is None
    ok = load_text("a: " + "[" * (loader.MAX_DEPTH - 1) + "]" * (loader.MAX_DEPTH - 1) + "\n", "ok.yaml")
    assert ok.ok


def test_a_second_document_is_refused() -> None:
    result = load_text("a: 1\n---\nb: 2\n", "two.yaml")
    assert codes(result) == ["E011"]
    assert str(result.diagnostics[0].location) == "two.yaml:2:1"


@pytest.mark.parametrize(("text", "key"), [("\n\n   a: 1\n", "a"), ("# a comment first\na: 1\n", "a"),
                                         ("\u3000a: 1\n", "\u3000a")])  # an ideographic space is text to YAML
def test_content_after_blanks_or_comments_is_not_empty(text: str, key: str) -> None:
    result = load_text(text, "c.yaml")
    assert result.ok and result.data == {key: 1}


def test_a_complex_key_is_refused() -> None:
    assert codes(load_text("? [a, b]\n: c\n", "k.yaml")) == ["E005"]


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "---\n", "~\n",
                                  "\u3000\n\x0c  # a comment after odd blanks\n\u2028# another\n"])
def test_empty_documents(text: str) -> None:
    result = load_text(text, "e.yaml")
    assert codes(result) == ["E004"]
    assert result.data is None


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ("a: b: c\n", "E005", "e.yaml:1:5"),
        ("a: [1, 2\n", "E005", "e.yaml:1:4"),  # where the bracket opens
        ('a: "open\n', "E005", "e.yaml:1:4"),  # where the quote opens
        ("a:\n\tb: 1\n", "E006", "e.yaml:2:1"),
        ("a:\n  b: 1\n\t c: 2\n", "E006", "e.yaml:3:1"),
        ("- a\nb: 1\n", "E005", "e.yaml:2:1"),
    ],
)
def test_syntax_errors(text: str, code: str, where: str) -> None:
    result = load_text(text, "e.yaml")
    assert [(d.code, str(d.location)) for d in result.diagnostics] == [(code, where)]
    assert result.data is None


# ---------------------------------------------------------------- files


def test_file_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes(b"a: 1\nb: " + "出生".encode("gbk") + b"\n")
    result = load_file(gbk, "gbk.yaml")
    assert [(d.code, str(d.location)) for d in result.diagnostics] == [("E002", "gbk.yaml:2:4")]

    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"a: 1\x00\n")
    assert codes(load_file(nul)) == ["E002"]

    bom = tmp_path / "bom.yaml"
    bom.write_bytes("\ufeffa: 出生\n".encode())
    assert load_file(bom).data == {"a": "出生"}

    assert codes(load_file(tmp_path / "missing.yaml")) == ["E001"]
    assert codes(load_file(tmp_path)) == ["E013"]  # a folder is not a file

    monkeypatch.setattr(loader, "MAX_BYTES", 10)
    big = tmp_path / "big.yaml"
    big.write_text("a: 12345678901\n", encoding="utf-8")
    assert codes(load_file(big)) == ["E003"]


def test_load_file_shows_the_display_name(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("a: [\n", encoding="utf-8")
    (diag,) = load_file(f, "bundles/x.yaml").diagnostics
    assert diag.location.file == "bundles/x.yaml"


def test_positions_are_kept_compactly_and_located_on_demand() -> None:
    """A province's catalog has a million positions: no Location object is kept per value."""
    data = load_text(POSITIONS, "b.yaml").data
    items = data["items"]
    assert not hasattr(data, "__dict__") and not hasattr(items, "__dict__")
    assert [type(v) for v in (data._pos, items._pos)] == [type(data._pos)] * 2  # arrays of numbers
    assert data.key_loc("items") == Location("b.yaml", 3, 1)
    assert data.value_loc("title") == Location("b.yaml", 2, 8)
    assert data.key_loc("missing") is None
    assert items.item_loc(1) == Location("b.yaml", 6, 5)
    assert locate(data, ("items", 1, "steps", 1)) == Location("b.yaml", 7, 17)


def test_a_mapping_rebuilt_with_set_located_keeps_its_positions() -> None:
    """What workspace._salvage does: entries added with their positions, in another order."""
    data = load_text(POSITIONS, "b.yaml").data
    rest = YMap(data.loc)
    rest.set_located("stand_in", "x", data.loc, data.loc)
    for key in data:
        rest.set_located(key, data[key], data.key_loc(key), data.value_loc(key))
    assert rest.key_loc("title") == Location("b.yaml", 2, 1)
    assert rest.value_loc("stand_in") == data.loc
    kept = YList(data["items"].loc)
    kept.append_located(data["items"][1], data["items"].item_loc(1))
    assert kept.item_locs == [Location("b.yaml", 6, 5)]
