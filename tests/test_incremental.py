"""`onething compile -o DIR` skips bundles whose inputs and manifest are unchanged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from compile_support import FIXTURES, cli, manifest

from onething.compiler import buildstate
from onething.compiler.buildstate import (
    BuildState,
    decode_diagnostic,
    encode_diagnostic,
    state_path,
)
from onething.dsl.diagnostics import Diagnostic
from onething.dsl.source import Location


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Copies of the `core` and `producers` compile fixtures to edit; the working directory."""
    for case in ("core", "producers"):
        shutil.copytree(FIXTURES / case, tmp_path / case)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "core"


def _compile(*args: object) -> tuple[int, dict[str, bool], str]:
    """Exit code, {bundle: compiled?} and stderr of `compile ... --format json`."""
    result = cli("compile", *args, "--format", "json")
    summary = json.loads(result.stdout)
    return result.exit_code, {b["bundle"]: b.get("compiled") for b in summary["bundles"]}, result.stderr


def test_a_second_run_compiles_nothing_and_replays_the_diagnostics(project):
    first = cli("compile", "core/core.yaml", "-o", "out")
    assert first.exit_code == 0
    written = (project.parent / "out" / "core.json").read_bytes()
    state = state_path(project.parent / "out").read_bytes()
    second = cli("compile", "core/core.yaml", "-o", "out")
    assert second.exit_code == 0
    assert second.stderr.splitlines()[:-1] == first.stderr.splitlines()[:-1]  # same W604, same words
    assert "warning W604: material 'household_book'" in second.stderr
    assert second.stderr.splitlines()[-1] == "wrote 0 manifest(s) in out; 1 up to date"
    assert (project.parent / "out" / "core.json").read_bytes() == written == manifest("core").to_json().encode()
    assert state_path(project.parent / "out").read_bytes() == state  # nothing changed, nothing rewritten


def test_json_summary_tells_compiled_from_up_to_date(project):
    assert _compile("core/core.yaml", "-o", "out")[:2] == (0, {"core": True})
    assert _compile("core/core.yaml", "-o", "out")[:2] == (0, {"core": False})


def test_editing_a_catalog_file_recompiles_the_bundles_over_it(project):
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}
    fields = project / "catalog" / "fields.yaml"
    fields.write_text(fields.read_text(encoding="utf-8") + "\n# a comment changes the bytes\n", encoding="utf-8")
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": False}


def test_a_new_catalog_file_recompiles(project):
    _compile("core/core.yaml", "-o", "out")
    (project / "catalog" / "extra.yaml").write_text("departments: []\n", encoding="utf-8")
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}


def test_editing_the_bundle_recompiles_only_that_bundle(project):
    code, compiled, _ = _compile("core/core.yaml", "producers/producers.yaml", "-o", "out")
    assert code == 0 and compiled == {"core": True, "producers": True}
    bundle = project.parent / "producers" / "producers.yaml"
    bundle.write_text(bundle.read_text(encoding="utf-8").replace("version:", "# edited\nversion:", 1), encoding="utf-8")
    assert _compile("core/core.yaml", "producers/producers.yaml", "-o", "out")[1] == {"core": False, "producers": True}


def test_a_manifest_edited_or_deleted_by_hand_is_written_again(project):
    _compile("core/core.yaml", "producers/producers.yaml", "-o", "out")
    out = project.parent / "out"
    good = (out / "core.json").read_bytes()
    (out / "core.json").write_text("{}\n", encoding="utf-8")
    (out / "producers.json").unlink()
    assert _compile("core/core.yaml", "producers/producers.yaml", "-o", "out")[1] == {"core": True, "producers": True}
    assert (out / "core.json").read_bytes() == good
    assert (out / "producers.json").is_file()


def test_force_recompiles_but_leaves_identical_manifests_untouched(project):
    _compile("core/core.yaml", "-o", "out")
    target = project.parent / "out" / "core.json"
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    assert _compile("core/core.yaml", "-o", "out", "--force")[1] == {"core": True}
    assert target.stat().st_mtime_ns == 1_000_000_000  # same bytes: not rewritten


def test_force_without_an_output_folder_is_a_usage_error(project):
    result = cli("compile", "core/core.yaml", "--force")
    assert result.exit_code == 2
    assert "--force applies to -o DIR" in result.stderr


def test_strict_still_fails_on_a_replayed_warning(project):
    _compile("core/core.yaml", "-o", "out")
    result = cli("compile", "core/core.yaml", "-o", "out", "--strict")
    assert result.exit_code == 1
    assert "warning W604: material 'household_book' is issued by police" in result.stderr
    assert "[--strict]" in result.stderr


def test_a_damaged_state_file_is_ignored_and_rewritten(project):
    _compile("core/core.yaml", "-o", "out")
    state = state_path(project.parent / "out")
    for damage in ("not json", '{"format": 1, "bundles": {"core/core.yaml": {"fingerprint": 3}}}',
                   '{"format": 999, "bundles": {}}', "[]"):
        state.write_text(damage, encoding="utf-8")
        code, compiled, stderr = _compile("core/core.yaml", "-o", "out")
        assert (code, compiled) == (0, {"core": True}), stderr
        assert "Traceback" not in stderr
        assert json.loads(state.read_text(encoding="utf-8"))["format"] == buildstate.STATE_FORMAT


def test_a_bundle_with_errors_is_never_taken_as_up_to_date(project):
    bundle = project / "core.yaml"
    bundle.write_text(bundle.read_text(encoding="utf-8").replace("lead: health", "lead: nowhere"), encoding="utf-8")
    for _ in range(2):
        result = cli("compile", "core/core.yaml", "-o", "out")
        assert result.exit_code == 1
        assert "E2" in result.stderr
    assert not (project.parent / "out" / "core.json").exists()


def test_an_error_drops_the_earlier_entry(project):
    _compile("core/core.yaml", "-o", "out")
    bundle = project / "core.yaml"
    good = bundle.read_text(encoding="utf-8")
    bundle.write_text(good.replace("lead: health", "lead: nowhere"), encoding="utf-8")
    assert cli("compile", "core/core.yaml", "-o", "out").exit_code == 1
    state = json.loads(state_path(project.parent / "out").read_text(encoding="utf-8"))
    assert state["bundles"] == {}
    bundle.write_text(good, encoding="utf-8")  # back as it was: the old manifest is still right
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}


def test_changed_answers_or_selection_recompile(project):
    answers = project / "answers.yaml"
    answers.write_text("married: true\n", encoding="utf-8")
    assert _compile("core/core.yaml", "-o", "out", "--answers", answers)[1] == {"core": True}
    assert _compile("core/core.yaml", "-o", "out", "--answers", answers)[1] == {"core": False}
    answers.write_text("married: false\n", encoding="utf-8")
    assert _compile("core/core.yaml", "-o", "out", "--answers", answers)[1] == {"core": True}
    assert _compile("core/core.yaml", "-o", "out", "--answers", answers, "--select", "card")[1] == {"core": True}
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}  # without answers: another manifest


def test_a_new_onething_recompiles(project, monkeypatch):
    _compile("core/core.yaml", "-o", "out")
    monkeypatch.setattr(buildstate, "_toolchain", b"another version of onething")
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}


def test_check_ignores_the_state_and_compiles(project):
    _compile("core/core.yaml", "-o", "out")
    state = state_path(project.parent / "out")
    state.write_text("not json", encoding="utf-8")
    result = cli("compile", "core/core.yaml", "-o", "out", "--check")
    assert result.exit_code == 0
    assert "checked 1 manifest(s)" in result.stderr
    assert state.read_text(encoding="utf-8") == "not json"  # --check writes nothing


def test_an_up_to_date_run_imports_no_parser_models_or_graph_library(project):
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}
    probe = (
        "import sys\n"
        "from onething.cli.main import main\n"
        "try:\n"
        "    main(['compile', 'core/core.yaml', '-o', 'out'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(sorted(m for m in ('yaml', 'pydantic', 'pydantic_core', 'networkx', 'jinja2') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=project.parent, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    assert run.stderr.splitlines()[-1] == "wrote 0 manifest(s) in out; 1 up to date"


def test_diagnostics_round_trip_through_the_state():
    d = Diagnostic("W601", "probably the same question", Location("a.yaml", 3, 5), "merge them",
                   (Location("b.yaml", 7, 1),), "reviewed")
    back = decode_diagnostic(json.loads(json.dumps(encode_diagnostic(d))))
    assert back == d and back.suppressed == "reviewed" and back.related == d.related
    with pytest.raises(ValueError):
        decode_diagnostic({**encode_diagnostic(d), "code": "X999"})


def test_state_of_a_missing_folder_is_empty(tmp_path):
    assert BuildState.read(tmp_path / "nowhere").entries == {}


def test_the_state_is_kept_out_of_the_output_folder(project, tmp_path):
    _compile("core/core.yaml", "-o", "out")
    assert [p.name for p in (project.parent / "out").iterdir()] == ["core.json"]  # safe to commit
    state = state_path(project.parent / "out")
    assert state.parent == Path(os.environ["ONETHING_CACHE_DIR"])
    data = json.loads(state.read_text(encoding="utf-8"))
    assert data["output"] == str((project.parent / "out").resolve())
    assert list(data["bundles"]) == ["core/core.yaml"]


def test_another_output_folder_has_its_own_state(project):
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": True}
    assert _compile("core/core.yaml", "-o", "elsewhere")[1] == {"core": True}
    assert _compile("core/core.yaml", "-o", "out")[1] == {"core": False}


def test_an_unwritable_cache_only_turns_skipping_off(project, monkeypatch):
    blocker = project.parent / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("ONETHING_CACHE_DIR", str(blocker / "cache"))
    for _ in range(2):
        code, compiled, stderr = _compile("core/core.yaml", "-o", "out")
        assert (code, compiled) == (0, {"core": True}), stderr
    assert (project.parent / "out" / "core.json").is_file()


def test_the_cache_folder_follows_xdg_when_not_set(monkeypatch, tmp_path):
    from onething.compiler.buildstate import cache_dir

    monkeypatch.delenv("ONETHING_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "onething"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "onething"
