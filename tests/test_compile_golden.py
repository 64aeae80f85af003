"""Golden manifests of the fixture project's birth and school_entry bundles, with and without answers.

They compile tests/fixtures/project/ (a frozen copy), never the shipped bundles/.

A fresh compile must equal tests/golden/*.json byte for byte. When a bundle, the catalog or
the compiler changes on purpose, regenerate them with ONE command and review the diff:

    python tests/golden/regenerate.py && git diff tests/golden
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from compile_support import ROOT, cli

from onething.dsl.loader import load_file

GOLDEN = Path(__file__).resolve().parent / "golden"


def _regenerate_module():
    spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGENERATE = _regenerate_module()
CASES = sorted(REGENERATE.CASES)


def test_the_four_goldens_are_the_ones_asked_for():
    assert CASES == ["birth.answers.json", "birth.json", "school_entry.answers.json", "school_entry.json"]


@pytest.mark.parametrize("golden", CASES)
def test_golden_manifest_is_up_to_date(golden):
    fresh = REGENERATE.render(golden)
    stored = (GOLDEN / golden).read_bytes().decode("utf-8")
    assert fresh == stored, (
        f"tests/golden/{golden} differs from a fresh compile; if the change is intended run "
        "`python tests/golden/regenerate.py` and review `git diff tests/golden`")


@pytest.mark.parametrize("golden", ["birth.json", "school_entry.answers.json"])
def test_golden_equals_the_cli_output_from_any_folder(golden, tmp_path, monkeypatch):
    bundle, answers = REGENERATE.CASES[golden]
    monkeypatch.chdir(tmp_path)
    args = ["compile", str(ROOT / bundle)] + (["--answers", str(ROOT / answers)] if answers else [])
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / golden).read_text(encoding="utf-8")


@pytest.mark.parametrize("golden", ["birth.answers.json", "school_entry.answers.json"])
def test_golden_with_answers_records_the_questions_only(golden):
    bundle, answers = REGENERATE.CASES[golden]
    given = load_file(ROOT / answers).data
    text = (GOLDEN / golden).read_text(encoding="utf-8")
    manifest = json.loads(text)
    questions = {q["key"] for q in manifest["form"]["sections"][0]["fields"]}
    field_values = {k: v for k, v in given.items() if k not in questions}
    assert field_values, "the answers file should carry form field values too"
    assert manifest["selection"]["answers"] == {k: given[k] for k in sorted(given) if k in questions}
    options = {f["key"]: {o["value"] for o in f.get("options", [])}
               for s in manifest["form"]["sections"] for f in s["fields"]}
    for key, value in field_values.items():
        if str(value) in options.get(key, ()):
            continue  # an enum field's value is one of its options, which the form lists
        assert str(value) not in text, f"the value of form field {key} leaked into {golden}"


def test_goldens_carry_no_absolute_path():
    for golden in CASES:
        text = (GOLDEN / golden).read_text(encoding="utf-8")
        assert str(ROOT) not in text
        assert json.loads(text)["bundle"]["source"] == REGENERATE.CASES[golden][0].rsplit("/", 1)[-1]


def test_goldens_compile_the_fixture_project_not_the_shipped_bundles():
    for bundle, _answers in REGENERATE.CASES.values():
        assert bundle.startswith("tests/fixtures/project/bundles/"), bundle
