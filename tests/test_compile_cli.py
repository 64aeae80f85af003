"""`onething compile`: output, --check, --select, --answers, several bundles, --strict."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from compile_support import FIXTURES, bundle_path, cli, cli_json, line_of, manifest

CORE = bundle_path("core")


def _answers(tmp_path, text, name="answers.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- output and determinism


def test_one_bundle_prints_its_manifest_on_stdout():
    result = cli("compile", CORE)
    assert result.exit_code == 0
    assert result.stdout == manifest("core").to_json()
    data = json.loads(result.stdout)
    assert list(data) == sorted(data)  # sorted keys
    assert data["schema_version"] == "2.0"
    assert data["bundle"]["source"] == "core.yaml"
    assert len(data["bundle"]["source_hash"]) == 64
    # the warning goes to stderr, with the path as the user typed it
    assert "warning W604: material 'household_book'" in result.stderr


def test_compiling_twice_and_from_elsewhere_gives_the_same_bytes(tmp_path, monkeypatch):
    first = cli("compile", CORE).stdout
    assert cli("compile", CORE).stdout == first
    monkeypatch.chdir(tmp_path)
    assert cli("compile", CORE).stdout == first
    # a copy of the fixture elsewhere: locations are relative to the bundle's folder, never absolute
    shutil.copytree(FIXTURES / "core", tmp_path / "copy")
    assert cli("compile", tmp_path / "copy" / "core.yaml").stdout == first
    assert str(tmp_path) not in first and str(FIXTURES) not in first


def test_the_source_hash_follows_the_bundle_and_the_catalog_entries_it_uses(tmp_path):
    shutil.copytree(FIXTURES / "core", tmp_path / "core")
    path = tmp_path / "core" / "core.yaml"
    base = json.loads(cli("compile", path).stdout)["bundle"]["source_hash"]
    materials = tmp_path / "core" / "catalog" / "materials.yaml"
    # an entry the bundle does not use: same hash
    materials.write_text(materials.read_text(encoding="utf-8")
                         + "  - {id: unused, name: {zh: 无关材料}, kind: other}\n", encoding="utf-8")
    assert json.loads(cli("compile", path).stdout)["bundle"]["source_hash"] == base
    sections = tmp_path / "core" / "catalog" / "sections.yaml"
    sections.write_text(sections.read_text(encoding="utf-8")
                        + "  - {id: unused, title: {zh: 无关, en: Unused}}\n", encoding="utf-8")
    assert json.loads(cli("compile", path).stdout)["bundle"]["source_hash"] == base
    # each entry that shapes the manifest: a new hash
    seen = {base}
    for file, old, new in [
        (materials, "出生医学记录", "出生记录"),                            # a material an item asks
        (sections, "子女信息", "孩子信息"),                                 # a form section's title
        (tmp_path / "core" / "catalog" / "departments.yaml", "民政局", "民政部门"),  # an issuer only
    ]:
        file.write_text(file.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        data = json.loads(cli("compile", path).stdout)
        assert data["bundle"]["source_hash"] not in seen, f"{file.name}: {old} → {new}"
        seen.add(data["bundle"]["source_hash"])


def test_several_bundles_give_one_json_object_id_to_manifest():
    data = cli_json("compile", CORE, bundle_path("producers"))
    assert list(data) == ["core", "producers"]
    assert data["core"] == json.loads(manifest("core").to_json())
    assert data["producers"] == json.loads(manifest("producers").to_json())


def test_a_cycle_exits_1_without_a_manifest():
    result = cli("compile", bundle_path("cycle"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error E502: dependency cycle: a → b → c → a" in result.stderr


def test_json_format_puts_errors_on_stderr_and_warnings_inside_the_manifest():
    result = cli("compile", bundle_path("cycle"), "--format", "json")
    assert result.exit_code == 1 and result.stdout == ""
    [error] = json.loads(result.stderr)
    assert error["code"] == "E502" and error["related"]
    ok = cli("compile", CORE, "--format", "json")
    assert ok.exit_code == 0 and ok.stderr == ""
    assert [d["code"] for d in json.loads(ok.stdout)["diagnostics"]] == ["W604"]


# ---------------------------------------------------------------- -o and --check


def test_output_folder_and_check(tmp_path):
    out = tmp_path / "manifests"
    result = cli("compile", CORE, bundle_path("producers"), "-o", out)
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["core.json", "producers.json"]
    assert (out / "core.json").read_text(encoding="utf-8") == manifest("core").to_json()

    result = cli("compile", CORE, bundle_path("producers"), "-o", out, "--check")
    assert result.exit_code == 0, result.stderr
    assert "checked 2 manifest(s)" in result.stderr


def test_check_names_stale_and_missing_manifests(tmp_path):
    out = tmp_path / "manifests"
    assert cli("compile", CORE, bundle_path("producers"), "-o", out).exit_code == 0
    (out / "core.json").write_text("{}\n", encoding="utf-8")
    (out / "producers.json").unlink()
    result = cli("compile", CORE, bundle_path("producers"), "-o", out, "--check")
    assert result.exit_code == 1
    assert f"{out / 'core.json'}: stale" in result.stderr
    assert f"{out / 'producers.json'}: missing" in result.stderr
    assert "2 stale" in result.stderr
    # --check never writes
    assert (out / "core.json").read_text(encoding="utf-8") == "{}\n"
    assert not (out / "producers.json").exists()


def test_check_in_json_lists_the_stale_ones(tmp_path):
    out = tmp_path / "m"
    cli("compile", CORE, "-o", out)
    (out / "core.json").write_text("{}\n", encoding="utf-8")
    result = cli("compile", CORE, "-o", out, "--check", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["stale"] == [f"{out / 'core.json'}: stale"]


def test_check_without_an_output_folder_is_a_usage_error():
    result = cli("compile", CORE, "--check")
    assert result.exit_code == 2
    assert "--check needs -o DIR" in result.stderr


# ---------------------------------------------------------------- --select


def test_select_chooses_optional_items():
    data = cli_json("compile", CORE, "--select", "card")
    assert data["selection"]["optional_chosen"] == ["card"]
    data = cli_json("compile", CORE, "--select", "")
    assert data["selection"]["excluded"] == [{"id": "card", "reason": "not_selected"}]


@pytest.mark.parametrize("value, message", [
    ("card,nosuch", "--select names 'nosuch', which is not an item of bundle 'core'"),
    ("register", "--select names 'register', which is not optional (it is always included)"),
])
def test_select_unknown_or_not_optional_is_e503(value, message):
    result = cli("compile", CORE, "--select", value)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"error E503: {message}" in result.stderr
    assert "hint: optional items: card" in result.stderr


def test_select_with_several_bundles_is_a_usage_error():
    result = cli("compile", CORE, bundle_path("producers"), "--select", "card")
    assert result.exit_code == 2


# ---------------------------------------------------------------- --answers


ANSWERS = """\
# questions (the situation) and form field values, flat keys
married: true
employed: false
category: student
child.name: 测试宝宝
mother.id_number: "650100199001011234"
mother.name: 测试妈妈
applicant.phone: "13800000000"
"""


def test_answers_decide_conditions_and_only_question_answers_reach_the_manifest(tmp_path):
    path = _answers(tmp_path, ANSWERS)
    result = cli("compile", CORE, "--answers", path)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["selection"]["answers"] == {"category": "student", "employed": False, "married": True}
    assert "benefit" not in data["selection"]["items"]
    for value in ("测试宝宝", "650100199001011234", "测试妈妈", "13800000000"):
        assert value not in result.stdout
        assert value not in result.stderr


def test_answers_may_be_json_or_wrapped_in_answers(tmp_path):
    expected = cli_json("compile", CORE, "--answers", _answers(tmp_path, ANSWERS))
    as_json = _answers(tmp_path, json.dumps({"married": True, "employed": False, "category": "student",
                                             "child.name": "测试宝宝"}, ensure_ascii=False), "a.json")
    assert cli_json("compile", CORE, "--answers", as_json) == expected
    wrapped = _answers(tmp_path, "answers:\n" + "".join(f"  {line}\n" for line in ANSWERS.splitlines()), "w.yaml")
    assert cli_json("compile", CORE, "--answers", wrapped) == expected


@pytest.mark.parametrize("text, message", [
    ("category: teacher\n", "'teacher' is not an option of 'category' (options: resident, student)"),
    ("married: yes\n", "'married' is a yes/no question; answer true or false"),
    ("married: \"true\"\n", "'married' is a yes/no question; answer true or false"),
])
def test_a_bad_answer_is_e504_at_its_line(tmp_path, text, message):
    path = _answers(tmp_path, "employed: true\n" + text)
    result = cli("compile", CORE, "--answers", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}:2:" in result.stderr
    assert f"error E504: {message}" in result.stderr


def test_a_misspelt_option_gets_a_did_you_mean(tmp_path):
    """`category: studnet` is a typo of an option: the hint names it, as `answers check` does."""
    path = _answers(tmp_path, "employed: true\ncategory: studnet\n")
    result = cli("compile", CORE, "--answers", path)
    assert result.exit_code == 1
    assert (f"{path}:2:1: error E504: 'studnet' is not an option of 'category' (options: resident, student)\n"
            "    hint: did you mean 'student'?") in result.stderr


def test_an_answers_file_that_is_not_a_mapping_is_e504(tmp_path):
    result = cli("compile", CORE, "--answers", _answers(tmp_path, "- married\n"))
    assert result.exit_code == 1
    assert "E504: an answers file is one mapping of keys to values" in result.stderr


def test_a_missing_answers_file_is_a_usage_error(tmp_path):
    result = cli("compile", CORE, "--answers", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "answers file does not exist" in result.stderr


# ---------------------------------------------------------------- --strict


def test_strict_fails_on_an_unsuppressed_warning():
    assert cli("compile", CORE).exit_code == 0
    result = cli("compile", CORE, "--strict")
    assert result.exit_code == 1
    assert "warning W604: material 'household_book'" in result.stderr
    assert "[--strict]" in result.stderr
    # the manifest is still printed: it is valid, the gate is the exit status
    assert json.loads(result.stdout)["bundle"]["id"] == "core"


def test_strict_passes_when_every_warning_is_suppressed_and_the_manifest_keeps_them():
    result = cli("compile", bundle_path("suppressed"), "--strict")
    assert result.exit_code == 0, result.stderr
    diags = json.loads(result.stdout)["diagnostics"]
    catalog = FIXTURES / "suppressed" / "catalog" / "catalog.yaml"
    assert diags == [
        {"code": "W604", "severity": "warning",
         "location": {"file": "catalog/catalog.yaml", "line": line_of(catalog, "id: paper"), "col": 10},
         "message": "material 'paper' is issued by gov but is not shared as an electronic certificate: "
                    "the applicant must bring a government-issued paper (免证办 target)",
         "hint": "set e_certificate: true once the certificate is shared, or suppress with the reason",
         "suppressed": "the paper is not yet shared by the issuer"},
        {"code": "W602", "severity": "warning",
         "location": {"file": "catalog/catalog.yaml", "line": line_of(catalog, "steps:"), "col": 12},
         "message": "item 'only' has 4 steps (受理、审核、复核、办结); an item takes at most 3",
         "hint": "cut to 受理、审核、办结 or declare the extra steps as special_procedures; or suppress with the reason",
         "suppressed": "复核 is required by the regulation"},
    ]
    # reviewed warnings are one line unless -v asks for them
    assert result.stderr == "2 suppressed warnings not shown (reviewed; -v shows them)\n"
    verbose = cli("compile", bundle_path("suppressed"), "--strict", "-v")
    assert verbose.stderr.count("warning (suppressed) W60") == 2 and "[--strict]" not in verbose.stderr
    assert "reason: 复核 is required by the regulation" in verbose.stderr
    assert "not shown" not in verbose.stderr


def test_strict_fails_on_an_unused_suppression(tmp_path):
    shutil.copytree(FIXTURES / "suppressed", tmp_path / "s")
    path = tmp_path / "s" / "suppressed.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "suppress:\n  - {code: W601, reason: nothing to silence}\n",
                    encoding="utf-8")
    result = cli("compile", path, "--strict")
    assert result.exit_code == 1
    assert "warning W605: suppression of W601 silences nothing here [--strict]" in result.stderr


def test_a_broken_catalog_entry_fails_the_compile_instead_of_dropping_the_item(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "tests" / "fixtures" / "good", tmp_path / "good")
    bundle = next(p for p in (tmp_path / "good").glob("*.yaml"))
    catalog_file = next(p for p in (tmp_path / "good" / "catalog").glob("*.yaml") if "items:" in p.read_text(encoding="utf-8"))
    text = catalog_file.read_text(encoding="utf-8")
    marker = "\n  - id: "
    assert marker in text
    lines_before = text[: text.index(marker)].count("\n") + 2
    catalog_file.write_text(text.replace(marker, marker.replace("- id: ", "- bogus_key: 1\n    id: "), 1), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "onething", "compile", str(bundle)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1
    assert r.stdout == ""
    assert f"{catalog_file.name}:{lines_before}:5: error E101: unknown key 'bogus_key'" in r.stderr
    assert "Traceback" not in r.stderr


def test_an_output_folder_that_cannot_be_written_is_an_error_not_a_traceback(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = cli("compile", CORE, "-o", blocker / "manifests")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{blocker / 'manifests'}: error E021: cannot create the output folder: Not a directory")
    assert "wrote" not in result.stderr
    data = cli("compile", CORE, "-o", blocker / "manifests", "--format", "json")
    assert data.exit_code == 1
    (error,) = json.loads(data.stdout)["errors"]
    assert (error["code"], error["message"]) == ("E021", "cannot create the output folder: Not a directory")
