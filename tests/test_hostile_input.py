"""Hostile and runaway input: each class gets a diagnostic with its code and place, never a
traceback, a hang or a read of more than the limits allow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from compile_support import cli

from onething.dsl import limits
from onething.dsl.catalog import load_catalog
from onething.views.escape import dot_label, markdown_cell, mermaid_label, terminal_safe

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
BASE = BAD / "condition_hex"  # a bundle folder with a minimal catalog (health, demo_item)
HEAD = 'bundle: demo\nversion: "1"\ntitle: {zh: 测试, en: Test}\nlead: health\n'


@pytest.fixture
def tree(tmp_path, monkeypatch):
    shutil.copytree(BASE / "catalog", tmp_path / "catalog")
    (tmp_path / "bundle.yaml").write_text(HEAD + "items:\n  - use: demo_item\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _codes(output: str) -> list[str]:
    return [line.split(" error ")[1][:4] for line in output.splitlines() if " error E" in line]


def test_a_fifo_is_refused_by_type_without_blocking(tree):
    os.mkfifo(tree / "pipe.yaml")
    result = subprocess.run([sys.executable, "-m", "onething", "validate", "."], cwd=tree, capture_output=True,
                            text=True, timeout=60)
    assert "pipe.yaml: error E013: this is a device, FIFO or socket, not a regular file" in result.stdout
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_a_sparse_file_of_a_gigabyte_is_refused_before_it_is_read(tree):
    with (tree / "huge.yaml").open("wb") as fh:
        fh.truncate(1 << 30)  # claims 1 GiB, occupies nothing
    result = cli("validate", "huge.yaml")
    assert result.exit_code == 1
    assert "huge.yaml: error E003: the file is 1024.0 MiB; the limit is 2 MiB" in result.stdout


def test_a_catalog_too_large_in_total_is_refused_before_reading(tree, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CATALOG_BYTES", 100)
    catalog = load_catalog(tree / "catalog", "catalog")
    assert [(d.code, str(d.location)) for d in catalog.diagnostics] == [("E014", "catalog")]
    assert not catalog.items


def test_the_catalog_limit_is_raised_by_the_pipeline_not_by_the_yaml(tree, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CATALOG_BYTES", 100)
    monkeypatch.setenv("ONETHING_MAX_CATALOG_MIB", "1")  # a province: whoever runs compile raises it
    assert load_catalog(tree / "catalog", "catalog").items
    for wrong in ("0", "65", "8MiB", "-1"):
        monkeypatch.setenv("ONETHING_MAX_CATALOG_MIB", wrong)
        (d,) = load_catalog(tree / "catalog", "catalog").diagnostics
        assert (d.code, d.message) == ("E014", f"ONETHING_MAX_CATALOG_MIB={wrong!r} is not a whole number of MiB "
                                               "from 1 to 64")
    monkeypatch.delenv("ONETHING_MAX_CATALOG_MIB")
    (d,) = load_catalog(tree / "catalog", "catalog").diagnostics
    assert d.code == "E014" and "ONETHING_MAX_CATALOG_MIB" in d.hint


def test_a_refused_catalog_is_one_error_not_one_per_reference_into_it(tree, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CATALOG_BYTES", 100)
    result = cli("validate", "bundle.yaml")
    assert result.exit_code == 1
    assert [line.split(": error ")[1][:4] for line in result.stdout.splitlines() if ": error " in line] == ["E014"]


def test_a_file_name_that_is_not_utf8_is_named_not_a_crash(tree):
    name = os.fsencode(tree) + b"/b\xff.yaml"
    with open(name, "w", encoding="utf-8") as fh:
        fh.write(HEAD + "items:\n  - use: demo_item\n")
    result = subprocess.run([sys.executable, "-m", "onething", "validate", "."], cwd=tree, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert "b\\xff.yaml: error E015: the file name b\\xff.yaml is not valid UTF-8" in result.stdout
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_diagnostics_per_file_are_capped_and_the_rest_counted(tree):
    row = "{use: demo_item, " + ", ".join(f"bad{i}: 1" for i in range(40)) + "}"
    (tree / "bundle.yaml").write_text(HEAD + f"r: &r {row}\nitems: [" + ", ".join(["*r"] * 100) + "]\n",
                                      encoding="utf-8")
    result = cli("validate", "bundle.yaml")
    assert result.exit_code == 1
    lines = [ln for ln in result.stdout.splitlines() if not ln.startswith(" ")]
    assert len(lines) == limits.MAX_DIAGNOSTICS_PER_FILE + 1
    assert "warning W690: and 3,801 more diagnostics in this file (3,801 errors) not shown" in result.stdout


def test_a_group_that_contains_itself_is_an_error_not_a_recursion(tree):
    cat = tree / "catalog" / "catalog.yaml"
    cat.write_text(cat.read_text(encoding="utf-8") + textwrap_groups(), encoding="utf-8")
    (tree / "bundle.yaml").write_text(HEAD + "items:\n  - use: demo_item\n    fields:\n      - key: a.g\n",
                                      encoding="utf-8")
    result = cli("compile", "bundle.yaml")
    assert result.exit_code == 1
    assert "catalog/catalog.yaml:13:14: error E211: field group 'a.g' contains itself: a.g → a.h → a.g" in result.stderr
    assert "Traceback" not in result.stderr


def textwrap_groups() -> str:
    return ("fields:\n"
            "  - key: a.g\n    label: {zh: 甲, en: G}\n    type: group\n    fields: [a.h]\n"
            "  - key: a.h\n    label: {zh: 乙, en: H}\n    type: group\n    fields: [a.g]\n")


def test_nested_groups_that_multiply_fields_are_e016(tree):
    lines = ["fields:"]
    for level in range(6):  # 6 levels of 8 members: 8^6 = 262,144 fields once expanded
        for m in range(8):
            members = "" if level == 5 else f"\n    type: group\n    fields: [{', '.join(f'g.l{level + 1}_{k}' for k in range(8))}]"
            kind = "" if members else "\n    type: string"
            lines.append(f"  - key: g.l{level}_{m}\n    label: {{zh: 字段{level}{m}, en: F{level}{m}}}{members}{kind}")
    cat = tree / "catalog" / "catalog.yaml"
    cat.write_text(cat.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    (tree / "bundle.yaml").write_text(HEAD + "items:\n  - use: demo_item\n    fields:\n      - key: g.l0_0\n",
                                      encoding="utf-8")
    result = cli("compile", "bundle.yaml")
    assert result.exit_code == 1
    assert ("bundle.yaml:1:9: error E016: the combined form expands to more than 5,000 fields once groups are "
            "expanded") in result.stderr


def test_too_many_answer_keys_is_e504(tree):
    answers = tree / "answers.yaml"
    answers.write_text("".join(f"k{i}: 1\n" for i in range(limits.MAX_ANSWER_KEYS + 1)), encoding="utf-8")
    result = cli("compile", "bundle.yaml", "--answers", "answers.yaml")
    assert result.exit_code == 1
    assert "answers.yaml:1:1: error E504: the answers file has 10,001 keys; the limit is 10,000" in result.stderr


def test_a_300_character_id_with_check_is_an_error_not_a_traceback(tree):
    (tree / "bundle.yaml").write_text(HEAD.replace("demo", "a" * 300) + "items:\n  - use: demo_item\n",
                                      encoding="utf-8")
    result = cli("compile", "bundle.yaml", "-o", "out", "--check")
    assert result.exit_code == 1
    assert "bundle.yaml:1:9: error E017: bundle: an id of 300 characters; the limit is 100" in result.stderr


def test_terminal_output_carries_no_control_sequences(tree):
    evil = "出生\x1b]0;pwned\x07\x1b[2J\u202eevil"
    (tree / "bundle.yaml").write_text(HEAD.replace("测试", f'"{evil}"'.encode("unicode_escape").decode()
                                                   .replace("\\\\u", "\\u")) + "items:\n  - use: demo_item\n",
                                      encoding="utf-8")
    result = cli("plan", "bundle.yaml")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "出生<U+202E>evil" in result.stdout


def test_terminal_safe_strips_escapes_and_shows_bidi_controls():
    assert terminal_safe("a\x1b[31mred\x1b[0m\x1b]0;title\x07b\x1b]8;;http://x\x1b\\c\x9b2Jd\x07\ttab\nnl") == \
        "aredbcd\ttab\nnl"
    assert terminal_safe("x\u202ey\u2066") == "x<U+202E>y<U+2066>"


def test_each_format_escapes_what_its_parser_would_read():
    assert markdown_cell("a|b\\c\n<script>*x*") == "a\\|b\\\\c<br>&lt;script&gt;\\*x\\*"
    # escaped by hand as html.escape(quote=False) would (the html module is not imported)
    assert markdown_cell("&amp; <b> \"q\" 'a'") == "&amp;amp; &lt;b&gt; \"q\" 'a'"
    assert dot_label('say "hi"\\ \nnext') == 'say \\"hi\\"\\\\ \\nnext'
    assert mermaid_label('a "b" <c> #1\nd') == "a #quot;b#quot; #lt;c#gt; #35;1<br>d"
    assert dot_label("\x1b[2Jx") == mermaid_label("\x1b[2Jx") == "x"
