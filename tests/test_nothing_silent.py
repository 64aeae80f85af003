"""Nothing wrong passes silently: answers, scenario names and what `validate` checks (issue 8 §1).

The bad fixtures (tests/test_bad_fixtures.py) pin the exact code and location of each
mistake in `validate`; these tests cover the commands that take answers, the warnings that
keep a run going, and the registry's record of which codes need answers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from compile_support import FIXTURES, cli

from onething.dsl.diagnostics import REGISTRY, registry_markdown

PROJECT = Path(__file__).resolve().parent / "fixtures" / "project" / "bundles"
BIRTH = PROJECT / "birth.yaml"


def _answers(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["compile", "plan", "graph"])
def test_a_misspelt_answer_key_fails_without_strict(command: str, tmp_path: Path) -> None:
    path = _answers(tmp_path, "applicant_parent: father\nparents_marred: true\nchild.name: 测试\n")
    result = cli(command, BIRTH, "--answers", path)
    assert result.exit_code == 1
    out = result.stderr
    assert f"{path}:2:1: error E208: answer key 'parents_marred' is neither a question nor a field of bundle 'birth'" in out
    assert "hint: did you mean 'parents_married'?" in out
    assert result.stdout == ""  # no manifest, plan or graph built on a wrong answer


def test_nested_answers_read_as_dotted_field_keys(tmp_path: Path) -> None:
    path = _answers(tmp_path, "parents_married: true\nchild:\n  name: 测试\n  nmae: 测试\nmother: {phone: '13800000000'}\n")
    result = cli("compile", BIRTH, "--answers", path)
    assert result.exit_code == 1
    assert f"{path}:4:3: error E208: answer key 'child.nmae'" in result.stderr
    assert "did you mean 'child.name'?" in result.stderr
    assert result.stderr.count("E208") == 1  # child.name and mother.phone are fields of the bundle


def test_a_value_for_a_deselected_optional_item_is_fine(tmp_path: Path) -> None:
    # ssc.bank belongs to ssc_apply only, an optional item the applicant did not choose
    path = _answers(tmp_path, "parents_married: true\nssc.bank: 工商银行\n")
    result = cli("compile", BIRTH, "--select", "parenting_guidance", "--answers", path)
    assert result.exit_code == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert "ssc_apply" not in manifest["selection"]["items"]
    assert manifest["selection"]["answers"] == {"parents_married": True}
    assert "工商银行" not in result.stdout


def test_a_scenario_naming_its_bundle_by_file_name_warns_and_still_runs(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    shutil.copytree(PROJECT, bundles)
    (bundles / "birth.yaml").rename(bundles / "birth_2026.yaml")  # the id stays `birth`
    scenarios = bundles / "scenarios" / "birth.yaml"
    text = scenarios.read_text(encoding="utf-8")
    first = text.index("bundle: birth")
    scenarios.write_text(text[:first] + "bundle: birth_2026" + text[first + len("bundle: birth"):], encoding="utf-8")

    result = cli("test", scenarios)
    assert result.exit_code == 0, result.stdout  # a warning: the scenario runs by the file name
    assert "warning W608: scenario names bundle 'birth_2026' by its file name; its id is 'birth'" in result.stdout
    assert "hint: write `bundle: birth`" in result.stdout

    v = cli("validate", bundles)
    assert v.exit_code == 0
    assert "warning W607: bundle 'birth' is in file 'birth_2026.yaml'; name the file 'birth.yaml'" in v.stdout
    assert "warning W608" in v.stdout
    assert "0 error(s), 2 warning(s)" in v.stderr


def test_scenarios_name_bundles_by_id_whatever_the_file_is_called(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    shutil.copytree(PROJECT, bundles)
    (bundles / "school_entry.yaml").rename(bundles / "school.yaml")
    result = cli("test", bundles / "scenarios" / "school_entry.yaml")
    assert result.exit_code == 0, result.stdout
    assert "W608" not in result.stdout


def test_an_unknown_metric_in_a_scenario_is_an_error(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    shutil.copytree(PROJECT, bundles)
    path = bundles / "scenarios" / "extra.yaml"
    path.write_text("scenarios:\n  - name: typo\n    bundle: birth\n    expect:\n"
                    "      metrics: {trisp: {bundled: 1}}\n      fields_absent: [child.nmae]\n", encoding="utf-8")
    result = cli("test", path)
    assert result.exit_code == 1
    assert f"{path}:5:17: error E209: expectation names unknown metric 'trisp'" in result.stdout
    assert "did you mean 'trips'?" in result.stdout
    assert f"{path}:6:23: error E209: expectation names unknown field 'child.nmae'" in result.stdout


def test_validate_reports_the_lints_a_compile_without_answers_reports() -> None:
    folder = FIXTURES / "lints"
    v = cli("validate", folder)
    c = cli("compile", folder / "lints.yaml")

    def lints(text: str) -> list[str]:
        return sorted(line for line in text.splitlines() if " W6" in line and not line.startswith(" "))

    assert [x for x in lints(v.stdout) if "W602" in x]
    assert lints(v.stdout) == lints(c.stderr)


def test_validate_reports_every_dependency_cycle(tmp_path: Path) -> None:
    v = cli("validate", FIXTURES / "cycle")
    assert v.exit_code == 1
    assert v.stdout.count("error E502: dependency cycle") >= 1
    c = cli("compile", FIXTURES / "cycle" / "cycle.yaml")
    assert [line for line in v.stdout.splitlines() if "E502" in line] == \
        [line for line in c.stderr.splitlines() if "E502" in line]


def test_the_registry_says_which_codes_need_answers() -> None:
    assert sorted(c.code for c in REGISTRY.values() if c.needs_answers) == ["E208", "E503", "E504"]
    page = registry_markdown()
    assert "| code | severity | meaning | how to fix | needs answers |" in page
    assert [row for row in page.splitlines() if row.startswith("| E208 |")][0].endswith("| yes |")
    assert [row for row in page.splitlines() if row.startswith("| W602 |")][0].endswith("|  |")
    listed = json.loads(cli("codes", "--format", "json").stdout)
    assert {c["code"] for c in listed if c["needs_answers"]} == {"E208", "E503", "E504"}


def test_bundle_only_keys_are_keys_of_the_bundle_model():
    """A file with one of these top-level keys is sniffed as a bundle even without `bundle:`."""
    from onething.dsl.discovery import BUNDLE_ONLY_KEYS, CATALOG_KEYS
    from onething.dsl.models.bundle import Bundle

    assert BUNDLE_ONLY_KEYS <= set(Bundle.model_fields) - set(CATALOG_KEYS)
