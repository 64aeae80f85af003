"""`onething packet`: each department receives exactly its items' values (data minimisation)."""

from __future__ import annotations

import json
import re

import pytest
from render_support import ROOT, UG, Page, compile_path, run, shipped

from onething.render.manifest_view import fields
from onething.render.packet import departments, packet_data, render_packet

CANARY = re.compile(r"CANARY-\d{4}")


def canaries(m):
    """A distinct canary value for every field (every group member too) and the keys they belong to."""
    answers, owner, n = {}, {}, 0
    for key, f in fields(m).items():
        if f["type"] == "group":
            row = {}
            for member in f.get("fields") or []:
                n += 1
                row[member["key"]] = f"CANARY-{n:04d}"
                owner[row[member["key"]]] = key
            answers[key] = [row]
        else:
            n += 1
            answers[key] = f"CANARY-{n:04d}"
            owner[answers[key]] = key
    return answers, owner


@pytest.mark.parametrize("name", ["birth", "after_death", "business_startup", "school_entry"])
def test_each_packet_holds_exactly_its_items_values(name):
    m = shipped(name)
    answers, owner = canaries(m)
    steps = m["plan"]["steps"]
    assert len(departments(m)) >= 2
    for dept in departments(m):
        declared = {k for i in m["selection"]["items"] if steps[i]["department"] == dept
                    for k in steps[i]["inputs"]["fields"]}
        expected = {c for c, key in owner.items() if key in declared}
        for fmt in ("json", "html"):
            found = set(CANARY.findall(render_packet(m, dept, fmt, _opts(answers))))
            assert found == expected, (dept, fmt)


def _opts(answers):
    from onething.render.packet import PacketOptions

    return PacketOptions(answers=answers)


def test_packet_lists_fetched_certificates_upstream_results_and_is_for_official_use():
    m = shipped("birth")
    data = packet_data(m, "public_security")
    assert [i["id"] for i in data["items"]] == ["hukou_birth_registration"]
    assert [u["item"] for u in data["upstream"]] == ["birth_certificate_issue"]
    assert [x["id"] for x in data["upstream"][0]["materials"]] == ["birth_medical_certificate"]
    assert "id_card" in [x["id"] for x in data["fetched"]]
    assert all(x["status"] != "waived" for x in data["materials"])
    html = render_packet(m, "public_security")
    assert "内部办件材料，仅供承办部门依法使用" in Page(html).text


def test_values_are_unmasked_for_the_department():
    m = compile_path(UG)
    html = render_packet(m, "health", "html", _opts({"mother.id_number": "11010519491231002X"}))
    assert "11010519491231002X" in html


def test_cli_packet_refuses_a_department_without_items():
    result = run("packet", UG, "public_securty")
    assert result.exit_code == 2
    assert "did you mean 'public_security'?" in result.output


def test_cli_packet_json_with_answers(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("child:\n  name: 古丽\nmother.phone: '13812345678'\n", encoding="utf-8")
    result = run("packet", UG, "public_security", "--format", "json", "--answers", answers)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    values = {f["key"]: f["value"] for f in data["fields"]}
    assert values["child.name"] == "古丽" and "mother.phone" not in values  # not a public_security field
    assert (ROOT / "forms" / "packet.html.j2").is_file()
