"""Bad input, table-driven: every fixture under tests/fixtures/bad/ gives one exact diagnostic.

Each case runs ``python -m onething validate <fixture>`` in a subprocess (working directory: a
fresh temporary folder) and checks the exit status, the ``file:line:col: error CODE`` line,
that every reported diagnostic has that code, and that nothing printed a traceback. A generous
timeout turns a hang into a failure; no test asserts a timing.

The subprocesses of the selected cases start together (a few at a time) the first time a case
needs its result, so the suite stays quick without giving up one process per fixture.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BAD = HERE / "fixtures" / "bad"
TIMEOUT = 60  # seconds per command: a hang fails the test, nothing is timed
MARKER = "onething-marker.txt"  # what python_object.yaml would create if its tags ran


@dataclass(frozen=True)
class Case:
    fixture: str  # the path under tests/fixtures/bad/ given to `onething validate`
    code: str  # the one diagnostic code reported
    file: str  # the reported file ends with this
    line: int  # 1-based; 0 = the problem is the whole file (no position)
    col: int
    hint: str | None = None  # a piece of the hint, e.g. the "did you mean" suggestion
    count: int = 1  # how many diagnostics (all with `code`); the first is at line:col

    def __str__(self) -> str:
        return self.fixture


CASES: list[Case] = [
    # reading the file (E0xx)
    Case("yaml_syntax.yaml", "E005", "bad/yaml_syntax.yaml", 5, 20, "must be quoted"),
    Case("tab_indent.yaml", "E006", "bad/tab_indent.yaml", 5, 1, "spaces only"),
    Case("duplicate_key", "E007", "duplicate_key/bundle.yaml", 6, 1, "keep one"),
    Case("python_object.yaml", "E008", "bad/python_object.yaml", 5, 8, "remove the tag", count=2),
    Case("alias_bomb.yaml", "E009", "bad/alias_bomb.yaml", 8, 10, "alias bomb"),
    Case("deep_nesting.yaml", "E010", "bad/deep_nesting.yaml", 3, 73, "flatten"),
    Case("empty.yaml", "E004", "bad/empty.yaml", 0, 0),
    Case("not_utf8.yaml", "E002", "bad/not_utf8.yaml", 3, 13, "UTF-8"),
    Case("two_documents.yaml", "E011", "bad/two_documents.yaml", 8, 1, "one document"),
    Case("no_catalog/bundle.yaml", "E001", "no_catalog/bundle.yaml", 0, 0, "--catalog"),
    Case("no_bundles", "E012", "bad/no_bundles", 0, 0, "bundle:"),
    Case("long_number/bundle.yaml", "E019", "long_number/bundle.yaml", 8, 13, "quote it"),
    Case("id_too_long/bundle.yaml", "E017", "id_too_long/bundle.yaml", 2, 9, "lower_snake_case"),
    Case("too_many_items/bundle.yaml", "E022", "too_many_items/bundle.yaml", 6, 1, "split it into several bundles"),
    Case("zero_width_id/bundle.yaml", "E018", "zero_width_id/bundle.yaml", 7, 11, "retype"),
    Case("duplicate_bundle_id", "E205", "duplicate_bundle_id/demo.yml", 2, 1, "its own `bundle:` id"),
    # the shape of the data (E1xx)
    Case("unknown_key_item.yaml", "E101", "bad/unknown_key_item.yaml", 8, 5, "did you mean 'optional'?"),
    Case("misspelt_bundle_key.yaml", "E101", "bad/misspelt_bundle_key.yaml", 2, 1, "did you mean 'bundle'?"),
    Case("unknown_key_catalog_item/bundle.yaml", "E101", "unknown_key_catalog_item/catalog/catalog.yaml",
         9, 5, "did you mean 'visits'?"),
    Case("catalog_unknown_top_key/bundle.yaml", "E101", "catalog_unknown_top_key/catalog/catalog.yaml",
         9, 1, "did you mean 'materials'?"),
    Case("wrong_type.yaml", "E102", "bad/wrong_type.yaml", 6, 14),
    Case("missing_required.yaml", "E103", "bad/missing_required.yaml", 2, 1),
    Case("invalid_value.yaml", "E104", "bad/invalid_value.yaml", 9, 11),
    Case("unquoted_item_code.yaml", "E105", "bad/unquoted_item_code.yaml", 8, 11, 'quote it: "000107001000"'),
    Case("unquoted_number_code.yaml", "E105", "bad/unquoted_number_code.yaml", 8, 11, 'quote it: "110107001000"'),
    Case("unquoted_version.yaml", "E105", "bad/unquoted_version.yaml", 3, 10, 'quote it: "2023.10"'),
    Case("unquoted_option.yaml", "E105", "bad/unquoted_option.yaml", 11, 17, 'quote it: "no"', count=2),
    Case("missing_zh.yaml", "E106", "bad/missing_zh.yaml", 4, 8, "zh"),
    Case("not_a_bundle.yaml", "E107", "bad/not_a_bundle.yaml", 2, 1, "bundle: <id>"),
    Case("bundle_in_catalog/bundle.yaml", "E107", "bundle_in_catalog/catalog/stray_bundle.yaml", 2, 1,
         "move it out of catalog/"),
    Case("tolerated_in_no_tolerance_bundle/bundle.yaml", "E108", "tolerated_in_no_tolerance_bundle/bundle.yaml",
         11, 33, "`no_tolerance:`"),
    Case("generated_not_form/bundle.yaml", "E109", "generated_not_form/catalog/catalog.yaml", 13, 16,
         "set `kind: form`"),
    Case("original_without_originals/bundle.yaml", "E110", "original_without_originals/bundle.yaml", 9, 52),
    Case("bundle_id_is_item_id/bundle.yaml", "E111", "bundle_id_is_item_id/bundle.yaml", 9, 10,
         "rename the bundle"),
    # references and identity (E2xx)
    Case("unknown_department/bundle.yaml", "E201", "unknown_department/bundle.yaml", 5, 7,
         "did you mean 'health'?"),
    Case("unknown_field/bundle.yaml", "E202", "unknown_field/bundle.yaml", 8, 14, "did you mean 'child.name'?"),
    Case("unknown_material/bundle.yaml", "E203", "unknown_material/bundle.yaml", 9, 9,
         "did you mean 'birth_medical_certificate'?"),
    Case("unknown_item/bundle.yaml", "E204", "unknown_item/bundle.yaml", 7, 10, "did you mean 'demo_item'?"),
    Case("duplicate_id/bundle.yaml", "E205", "duplicate_id/catalog/b.yaml", 3, 9, "keep one definition"),
    Case("duplicate_question/bundle.yaml", "E205", "duplicate_question/bundle.yaml", 12, 10),
    Case("needs_unknown_item/bundle.yaml", "E206", "needs_unknown_item/bundle.yaml", 8, 13,
         "did you mean 'demo_item'?"),
    Case("incomplete_inline_item/bundle.yaml", "E207", "incomplete_inline_item/bundle.yaml", 8, 5),
    # a folder's scenarios/ are validated too: answers, selection, expectations and bundle by id
    Case("scenario_unknown_answer", "E208", "scenario_unknown_answer/scenarios/bundle.yaml", 7, 9,
         "did you mean 'parent'?"),
    Case("scenario_unknown_id", "E209", "scenario_unknown_id/scenarios/bundle.yaml", 9, 22,
         "did you mean 'extra_item'?"),
    Case("scenario_unknown_bundle", "E210", "scenario_unknown_bundle/scenarios/bundle.yaml", 4, 13,
         "did you mean 'bundle'?"),
    Case("scenario_select_typo", "E503", "scenario_select_typo/scenarios/bundle.yaml", 6, 16,
         "did you mean 'extra_item'?"),
    Case("group_cycle/bundle.yaml", "E211", "group_cycle/catalog/catalog.yaml", 15, 28, "remove one member",
         count=2),
    # conditions (E3xx); a quoted condition's column is that of its first character
    Case("condition_syntax/bundle.yaml", "E301", "condition_syntax/bundle.yaml", 15, 31),  # the dangling `and`
    Case("condition_unknown_question/bundle.yaml", "E302", "condition_unknown_question/bundle.yaml", 15, 12,
         "did you mean 'parent'?"),
    Case("condition_attribute/bundle.yaml", "E303", "condition_attribute/bundle.yaml", 15, 12),
    Case("condition_dunder_base/bundle.yaml", "E303", "condition_dunder_base/bundle.yaml", 15, 12),
    Case("condition_call/bundle.yaml", "E303", "condition_call/bundle.yaml", 15, 35),  # at open(
    Case("condition_fullwidth/bundle.yaml", "E301", "condition_fullwidth/bundle.yaml", 18, 12),
    Case("condition_hex/bundle.yaml", "E303", "condition_hex/bundle.yaml", 18, 23),
    Case("condition_long_number/bundle.yaml", "E019", "condition_long_number/bundle.yaml", 18, 23, "realistic"),
    Case("condition_impossible_value/bundle.yaml", "E304", "condition_impossible_value/bundle.yaml", 15, 12,
         "'mother', 'father'"),
    # time limits (E4xx), compiling-stage checks that validate runs (E5xx)
    Case("time_limit_too_long/bundle.yaml", "E104", "time_limit_too_long/catalog/catalog.yaml", 9, 29,
         "limits are listed"),
    Case("committed_above_statutory/bundle.yaml", "E401", "committed_above_statutory/catalog/catalog.yaml",
         9, 44),
    Case("field_conflict/bundle.yaml", "E501", "field_conflict/bundle.yaml", 7, 10),
    Case("dependency_cycles/bundle.yaml", "E502", "dependency_cycles/bundle.yaml", 10, 13, "remove one edge",
         count=2),
    # warnings: exit status 0, and the same exact location
    Case("misnamed_bundle/bundle.yaml", "W607", "misnamed_bundle/bundle.yaml", 2, 9, "rename the file"),
]

# A few cases are also checked in --format json.
JSON_CASES = [
    "unknown_department/bundle.yaml",
    "python_object.yaml",
    "empty.yaml",
]

# Produced by tests other than the table (generated input, usage errors).
GENERATED_CODES = {
    "E003": "test_file_of_20_mb",
    # tests/test_hostile_input.py and test_hostile_output.py: inputs git cannot hold (a FIFO, a
    # non-UTF-8 file name), or too large to commit, or the output folder rather than the input
    "E013": "test_a_fifo_is_refused_by_type_without_blocking",
    "E014": "test_a_catalog_too_large_in_total_is_refused_before_reading",
    "E015": "test_a_file_name_that_is_not_utf8_is_named_not_a_crash",
    "E016": "test_nested_groups_that_multiply_fields_are_e016",
    "E021": "test_one_unwritable_manifest_does_not_stop_the_others",
}

_DIAG = re.compile(r"^(?P<where>.*?): (?P<sev>error|warning)(?: \(suppressed\))? (?P<code>[EW]\d{3}): ", re.M)


def run_onething(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m onething ARGS`` in ``cwd``; a hang raises TimeoutExpired (a failure)."""
    return subprocess.run(
        [sys.executable, "-m", "onething", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"},
    )


def _key(fixture: str, fmt: str) -> str:
    return f"{fmt}:{fixture}"


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Start the CLI for every selected case at once; each test waits for its own run."""
    wanted: list[tuple[str, str]] = []
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if getattr(item, "module", None) is not sys.modules[__name__]:
            continue
        if "case" in params:
            wanted.append((params["case"].fixture, "text"))
        if "json_fixture" in params:
            wanted.append((params["json_fixture"], "json"))
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    futures: dict[str, Future[tuple[Path, subprocess.CompletedProcess[str]]]] = {}

    def start(fixture: str, fmt: str) -> None:
        key = _key(fixture, fmt)
        if key in futures:
            return
        cwd = tmp_path_factory.mktemp(re.sub(r"\W+", "_", key))

        def job() -> tuple[Path, subprocess.CompletedProcess[str]]:
            args = ["validate", str(BAD / fixture)] + (["--format", "json"] if fmt == "json" else [])
            return cwd, run_onething(*args, cwd=cwd)

        futures[key] = pool.submit(job)

    for fixture, fmt in wanted:
        start(fixture, fmt)

    def get(fixture: str, fmt: str = "text") -> tuple[Path, subprocess.CompletedProcess[str]]:
        start(fixture, fmt)
        return futures[_key(fixture, fmt)].result()

    yield get
    pool.shutdown(wait=True, cancel_futures=True)


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout and "Traceback" not in proc.stderr, proc.stdout + proc.stderr


def test_every_fixture_is_in_the_table() -> None:
    listed = {c.fixture.split("/")[0] for c in CASES}
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == listed
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_fixture(case: Case, runs) -> None:
    cwd, proc = runs(case.fixture)
    out = proc.stdout
    _no_traceback(proc)
    error = case.code.startswith("E")
    assert proc.returncode == (1 if error else 0), out + proc.stderr

    reported = list(_DIAG.finditer(out))
    assert [m["code"] for m in reported] == [case.code] * case.count, out
    assert all(m["sev"] == ("error" if error else "warning") for m in reported), out

    first = reported[0]
    where = first["where"]
    position = f":{case.line}:{case.col}" if case.line else ""
    assert where.endswith(case.file + position), f"expected {case.file}{position}, got {where}\n{out}"
    if case.hint is not None:
        block = out[first.start():]
        hints = re.findall(r"^    hint: (.*)$", block, re.M)
        assert hints and case.hint in hints[0], out
    assert (f"{case.count} error(s)" if error else f"0 error(s), {case.count} warning(s)") in proc.stderr

    if case.fixture == "python_object.yaml":
        # the tags were refused, not executed: nothing created the marker file anywhere
        assert not (cwd / MARKER).exists()
        assert not (BAD / MARKER).exists()
        assert not (HERE.parent / MARKER).exists()


@pytest.mark.parametrize("json_fixture", JSON_CASES)
def test_bad_fixture_json(json_fixture: str, runs) -> None:
    case = next(c for c in CASES if c.fixture == json_fixture)
    _, proc = runs(json_fixture, "json")
    _no_traceback(proc)
    assert proc.returncode == 1
    diags = json.loads(proc.stdout)
    assert [d["code"] for d in diags] == [case.code] * case.count
    first = diags[0]
    assert set(first) >= {"code", "severity", "location", "message", "hint"}
    assert first["severity"] == "error"
    assert first["location"]["file"].endswith(case.file)
    assert (first["location"]["line"], first["location"]["col"]) == (case.line, case.col)
    assert first["message"]
    if case.hint is not None:
        assert case.hint in first["hint"]


def test_python_tags_would_run_if_loaded_unsafely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The python_object fixture is live: PyYAML's unsafe loader does create the marker."""
    import yaml

    monkeypatch.chdir(tmp_path)
    data = yaml.unsafe_load((BAD / "python_object.yaml").read_text(encoding="utf-8"))
    data["title"].close()
    assert (tmp_path / MARKER).exists()


def test_file_of_20_mb(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    line = "# " + "x" * 97 + "\n"
    with big.open("w", encoding="utf-8") as fh:
        fh.write("bundle: big\n")
        fh.write(line * (20 * 1024 * 1024 // len(line) + 1))
    assert big.stat().st_size > 20 * 1024 * 1024
    proc = run_onething("validate", str(big), cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 1
    assert re.search(r"^\S*big\.yaml: error E003: the file is 20\.0 MiB", proc.stdout, re.M), proc.stdout


def test_missing_path_exits_2_naming_it(tmp_path: Path) -> None:
    proc = run_onething("validate", "no/such/bundle.yaml", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 2
    assert "no/such/bundle.yaml" in proc.stderr


def test_missing_catalog_folder_exits_2_naming_it(tmp_path: Path) -> None:
    proc = run_onething("validate", str(BAD / "no_catalog" / "bundle.yaml"), "--catalog", "nowhere",
                        cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 2
    assert "nowhere" in proc.stderr
