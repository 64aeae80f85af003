"""Second runs of validate and plan replay what the first found (checkstate.py, manifest_cache.py, issue #14)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from onething.cli.main import main
from onething.compiler.buildstate import state_path

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


def _validate(*args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args], env=env)
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "bundles", tmp_path / "bundles")
    for bad in ("duplicate_bundle_id", "unknown_key_catalog_item", "dependency_cycles", "misnamed_bundle"):
        shutil.copytree(FIXTURES / "bad" / bad, tmp_path / bad)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def state_file(project: Path) -> Path:
    return state_path(project, "validate")


@pytest.mark.parametrize(("target", "code"), [
    ("bundles", None), ("bundles/birth.yaml", None), ("duplicate_bundle_id", "E205"),
    ("unknown_key_catalog_item", "E101"), ("dependency_cycles", "E502"), ("misnamed_bundle", "W607")])
def test_a_second_run_replays_exactly_what_a_check_prints(project: Path, target: str, code: str | None):
    for fmt in ("text", "json"):
        without = _validate("--format", fmt, target, ONETHING_NO_CACHE="1")
        first = _validate("--format", fmt, target)
        assert state_file(project).is_file()
        second = _validate("--format", fmt, target)
        assert first == without and second == without, fmt
    if code is None:
        assert without[0] == 0
    else:  # the bad fixtures' problems, replayed as found
        assert f'"code": "{code}"' in without[1]


def test_two_files_with_one_id_are_reported_when_replayed(project: Path):
    first = _validate("duplicate_bundle_id")
    second = _validate("duplicate_bundle_id")
    assert first == second and first[0] == 1
    assert "E205" in second[1] and "is also the id of" in second[1]


def test_an_edit_of_the_bundle_or_the_catalog_is_checked_again(project: Path):
    code, text = _validate("bundles/birth.yaml")
    assert code == 0
    birth = project / "bundles" / "birth.yaml"
    birth.write_text(birth.read_text(encoding="utf-8").replace("lead: ", "lead: no_such_department_", 1),
                     encoding="utf-8")
    code, text = _validate("bundles/birth.yaml")
    assert code == 1 and "E201" in text
    birth.write_text(birth.read_text(encoding="utf-8").replace("lead: no_such_department_", "lead: ", 1),
                     encoding="utf-8")
    assert _validate("bundles/birth.yaml")[0] == 0
    departments = project / "bundles" / "catalog" / "departments.yaml"
    departments.write_text(departments.read_text(encoding="utf-8") + "  - id: Bad Id\n    name: {zh: 坏}\n",
                           encoding="utf-8")
    code, text = _validate("bundles/birth.yaml")
    assert code == 1 and "departments.yaml" in text  # the catalog's own error, from the new catalog


def test_a_damaged_state_is_checked_again(project: Path):
    clean = _validate("bundles/birth.yaml")
    path = state_file(project)
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = data["bundles"]["bundles/birth.yaml"]
    entry["diagnostics"] = [{"code": "E999", "message": "planted"}]  # not a diagnostic it could print
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _validate("bundles/birth.yaml") == clean
    path.write_text("[" * 100_000, encoding="utf-8")
    assert _validate("bundles/birth.yaml") == clean


def test_a_replayed_run_imports_no_parser_models_or_graph_library(project: Path):
    assert _validate("bundles/birth.yaml")[0] == 0
    probe = (
        "import sys\n"
        "from onething.cli.main import main\n"
        "try:\n"
        "    main(['validate', 'bundles/birth.yaml'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(sorted(m for m in ('yaml', 'pydantic', 'pydantic_core', 'networkx', 'jinja2') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


# --- plan: the manifest of the last compile of the same inputs (compiler/manifest_cache.py) ---


def _plan(*args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["plan", *args], env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("bundle", sorted(p.name for p in (ROOT / "bundles").glob("*.yaml")))
def test_plan_draws_the_same_table_from_the_cached_manifest(project: Path, bundle: str):
    without = _plan(f"bundles/{bundle}", ONETHING_NO_CACHE="1")
    assert without[0] == 0
    assert _plan(f"bundles/{bundle}") == without  # compiled, manifest kept
    assert _plan(f"bundles/{bundle}") == without  # drawn from the kept manifest


def test_plan_with_answers_and_selection_is_keyed_by_them(project: Path):
    answers = project / "answers.yaml"
    answers.write_text("parents_married: false\n", encoding="utf-8")
    plain = _plan("bundles/birth.yaml", ONETHING_NO_CACHE="1")
    with_answers = _plan("bundles/birth.yaml", "--answers", "answers.yaml", ONETHING_NO_CACHE="1")
    assert plain != with_answers
    for _ in range(2):
        assert _plan("bundles/birth.yaml") == plain
        assert _plan("bundles/birth.yaml", "--answers", "answers.yaml") == with_answers
    answers.write_text("parents_married: true\n", encoding="utf-8")
    assert _plan("bundles/birth.yaml", "--answers", "answers.yaml") == _plan(
        "bundles/birth.yaml", "--answers", "answers.yaml", ONETHING_NO_CACHE="1")


def test_plan_of_an_edited_bundle_or_a_tampered_cache_is_compiled(project: Path):
    from onething.compiler import buildstate

    first = _plan("bundles/birth.yaml")
    kept = sorted(Path(buildstate.cache_dir()).glob("manifest-*.json"))
    assert len(kept) == 1
    raw = kept[0].read_bytes()
    header, payload = raw.split(b"\n", 1)
    forged = payload.replace(b'"stages":', b'"stages_":', 1)  # edited, sum not updated: ignored
    kept[0].write_bytes(header + b"\n" + forged)
    assert _plan("bundles/birth.yaml") == first
    import hashlib

    parts = header.split(b" ")
    parts[-1] = hashlib.sha256(forged).hexdigest().encode()  # sum updated: the Manifest model refuses it
    kept[0].write_bytes(b" ".join(parts) + b"\n" + forged)
    assert _plan("bundles/birth.yaml") == first
    birth = project / "bundles" / "birth.yaml"
    birth.write_text(birth.read_text(encoding="utf-8").replace("lead: ", "lead: no_such_department_", 1),
                     encoding="utf-8")
    code, text = _plan("bundles/birth.yaml")
    assert code == 1 and "E201" in text


def test_a_replayed_plan_imports_no_parser_bundle_models_or_graph_library(project: Path):
    assert _plan("bundles/birth.yaml")[0] == 0
    probe = (
        "import sys\n"
        "from onething.cli.main import main\n"
        "try:\n"
        "    main(['plan', 'bundles/birth.yaml'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(sorted(m for m in ('yaml', 'networkx', 'jinja2', 'onething.dsl.models', 'onething.dsl.loader')"
        " if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_the_language_is_part_of_the_key_even_without_a_catalog(project: Path):
    lone = project / "lone"
    lone.mkdir()
    (lone / "lone.yaml").write_text("bundle: lone\nversion: 2024.10\n", encoding="utf-8")  # no catalog/ beside it
    def run(lang: str, **env: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--lang", lang, "validate", "lone/lone.yaml"], env=env)
        return result.exit_code, result.output

    for lang in ("en", "zh", "en", "zh"):
        replayed = run(lang)
        assert replayed[0] == 1 and "E105" in replayed[1]
        assert replayed == run(lang, ONETHING_NO_CACHE="1"), lang
    from onething.dsl.i18n import set_language

    set_language("en")
