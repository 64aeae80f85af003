"""Hostile text in labels, catalog text and answers comes out escaped and inert in every format.

The fixture bundle is copied and its labels, option, section, material, commitment and help
text replaced by a payload with `<script>`, quotes, `</textarea>` and `{{ 7*7 }}`; the answers
carry it too. Autoescape is on and no template is built from data, so the payload is text.
"""

from __future__ import annotations

import json
import shutil

import pytest
from render_support import RENDER, Page, compile_path, run

from onething.render.answers_check import check_answers
from onething.render.form import FormOptions, render_form_html
from onething.render.packet import PacketOptions, render_packet
from onething.render.schema import form_schema
from onething.render.sheet import render_sheet

PAYLOAD = "<script>alert(1)</script>\"'</textarea>{{ 7*7 }}"
REPLACED = ["新生儿姓名", "女", "新生儿信息", "结婚证", "本人承诺在本市居住。", "出生登记申请表", "卫生健康委员会",
            "出生医学证明首次签发"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(RENDER, root / "render")
    for path in (root / "render").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for word in REPLACED:
            text = text.replace(f": {word},", f": {json.dumps(PAYLOAD + word)},").replace(
                f": {word}}}", f": {json.dumps(PAYLOAD + word)}}}")
        path.write_text(text, encoding="utf-8")
    bundle = root / "render" / "ug_demo.yaml"
    m = compile_path(bundle)
    assert m["form"]["sections"][1]["fields"][0]["label"]["zh"] == PAYLOAD + "新生儿姓名"
    return bundle, m


ANSWERS = {"child.name": PAYLOAD, "child.notes": PAYLOAD, "applicant_parent": "mother"}


def _inert_html(html: str, own_scripts: int) -> None:
    assert html.count("<script") == own_scripts  # only the page's own script blocks
    assert "</textarea>{{" not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49新生儿" not in html


def test_form_html_escapes_labels_and_answers(hostile):
    _, m = hostile
    html = render_form_html(m, FormOptions(answers=ANSWERS))
    _inert_html(html, own_scripts=2)
    page = Page(html)
    assert page.find("input", id="f-child-name")[0]["value"] == PAYLOAD  # an attribute, quotes escaped
    assert PAYLOAD + "新生儿姓名" in page.text  # text, not markup
    assert page.find("option", value="female")  # the option still exists, its label escaped
    block = html.split('<script type="application/json" id="onething-data">')[1].split("</script>")[0]
    assert json.loads(block)["bundle"] == "ug_demo"  # the page's data block stays valid JSON


def test_sheet_in_every_format(hostile):
    _, m = hostile
    _inert_html(render_sheet(m, "html"), own_scripts=0)
    md = render_sheet(m, "md")
    assert "<script" not in md and "</textarea>" not in md and "{{ 7\\*7 }}" in md
    text = render_sheet(m, "text")
    assert PAYLOAD + "结婚证" in text  # plain text: the payload verbatim, never evaluated
    assert "49" not in text.replace("2026", "")


def test_packet_html_and_json(hostile):
    _, m = hostile
    _inert_html(render_packet(m, "health", "html", PacketOptions(answers=ANSWERS)), own_scripts=0)
    data = json.loads(render_packet(m, "health", "json", PacketOptions(answers=ANSWERS)))
    assert {f["key"]: f["value"] for f in data["fields"]}["child.name"] == PAYLOAD


def test_schema_and_answers_check_keep_the_text(hostile):
    _, m = hostile
    schema = form_schema(m)
    assert schema["properties"]["child.name"]["title"] == PAYLOAD + "新生儿姓名"
    problems = check_answers(m, {"child.sex": PAYLOAD})
    sex = next(p for p in problems if p.key == "child.sex")
    assert sex.code == "option" and "<script>alert(1)</script>" in sex.message  # data, never markup


def test_cli_outputs(hostile, tmp_path):
    bundle, _ = hostile
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(ANSWERS), encoding="utf-8")
    form = run("form", bundle, "--answers", answers)
    assert form.exit_code == 0, form.output
    _inert_html(form.output, own_scripts=2)
    schema = run("form", bundle, "--format", "json-schema")
    assert json.loads(schema.output)["properties"]["child.name"]["title"].startswith(PAYLOAD)


def test_no_template_is_built_from_data():
    import ast
    from pathlib import Path

    import onething.render as package

    for path in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
                 for n in ast.walk(tree) if isinstance(n, ast.Call)}
        assert not calls & {"from_string", "Template", "eval", "exec"}, path.name
    from onething.render.env import environment

    env = environment(None)
    assert env.autoescape("form.html.j2") and env.autoescape("sheet.md.j2")
    assert env.undefined.__name__ == "StrictUndefined"
