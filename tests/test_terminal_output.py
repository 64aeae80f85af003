"""Output for people: plan fits 100 display cells, conditions in words, colours and bars only
on a terminal, reviewed warnings folded, JSON diagnostics when JSON is asked, the project
root found from a subfolder, and compile's terminal summary."""

from __future__ import annotations

import json
import shutil
import unicodedata
from collections import Counter

import pytest
from compile_support import FIXTURES, bundle_path, cli, manifest
from rich.cells import cell_len
from shipped_support import ROOT, SHIPPED, shipped

from onething.cli import terminal
from onething.dsl import i18n
from onething.views.plan_table import plan_renderables
from onething.views.words import condition_words, questions_of

CORE = bundle_path("core")


@pytest.fixture
def lang():
    """Switch the language for one test; always back to English after it."""
    yield i18n.set_language
    i18n.set_language("en")


@pytest.fixture
def piped(monkeypatch):
    monkeypatch.setenv("ONETHING_TTY", "0")


@pytest.fixture
def tty(monkeypatch):
    """A terminal without a terminal: the decision is injectable through ONETHING_TTY."""
    monkeypatch.setenv("ONETHING_TTY", "1")
    monkeypatch.setenv("NO_COLOR", "1")


def _east_asian_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


# ---------------------------------------------------------------- plan fits 100 cells


def _fits(text: str, width: int = 100) -> list[tuple[int, str]]:
    return [(cell_len(line), line) for line in text.splitlines()
            if max(cell_len(line), _east_asian_width(line)) > width]


def test_onething_plan_birth_fits_100_display_cells(piped, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = cli("plan", "bundles/birth.yaml")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) > 20
    assert _fits(result.stdout) == []


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_plan_of_every_shipped_bundle_fits_100_display_cells(path, language, lang, piped):
    lang(language)
    _, m = shipped(path)
    text = terminal.render(plan_renderables(m, 100))  # what `onething plan` prints when piped
    assert len(text.splitlines()) > 10
    assert _fits(text) == []
    # wrapping loses nothing: every CJK character of every step's name and condition is there
    wanted = Counter()
    qs = questions_of(m)
    for step in m.plan.steps.values():
        texts = [step.name.get(language) or step.name.get("zh", ""),
                 condition_words(step.when, qs) if step.when else ""]
        for t in texts:
            wanted.update(ch for ch in t if unicodedata.east_asian_width(ch) in "WF")
    got = Counter(ch for ch in text if unicodedata.east_asian_width(ch) in "WF")
    assert wanted - got == Counter()


def test_birth_plan_in_chinese_shows_its_condition_with_the_question_label(lang, tty, monkeypatch):
    lang("zh")
    monkeypatch.setenv("ONETHING_LANG", "zh")  # the command chooses its language itself
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: nothing wraps
    out = cli("plan", ROOT / "bundles" / "birth.yaml").stdout
    assert "母亲是否参加职工基本医疗保险(生育保险) = " + i18n._("yes") in out
    assert "mother_employee_insured" not in out
    # optional items are marked beside their names, and listed once below
    assert "社会保障卡申领 （可选）" in out
    assert "可选事项（联办，用 --select 选择）：parenting_guidance, childbirth_registration, ssc_apply" in out


def test_plan_width_follows_the_terminal(tty, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    out = cli("plan", ROOT / "bundles" / "birth.yaml").stdout
    assert max(cell_len(line) for line in out.splitlines()) <= 60
    assert max(cell_len(line) for line in out.splitlines()) > 50  # it used the width it has
    monkeypatch.setenv("ONETHING_TTY", "0")  # piped: 100 whatever the terminal says
    out = cli("plan", ROOT / "bundles" / "birth.yaml").stdout
    assert 60 < max(cell_len(line) for line in out.splitlines()) <= 100


# ---------------------------------------------------------------- conditions in words


@pytest.fixture(scope="module")
def birth_questions():
    return questions_of(shipped(ROOT / "bundles" / "birth.yaml")[1])


@pytest.mark.parametrize(("source", "words"), [
    ("parents_married", "Are the parents married = yes"),
    ("not parents_married", "Are the parents married = no"),
    ("applicant_parent == 'father'", "Which parent applies = The father (with the mother's authorization)"),
    ("'father' == applicant_parent", "Which parent applies = The father (with the mother's authorization)"),
    ("hukou_follows != 'mother'", "Whose household the child joins is not The mother's"),
    ("hukou_follows in ['father', 'mother']", "Whose household the child joins is one of The father's / The mother's"),
    ("parents_married and (ethnicities_differ or joins_other_household)",
     "Are the parents married = yes and (Do the parents' ethnicities differ = yes or Does the child join a "
     "household headed by someone other than the parent = yes)"),
    ("not (parents_married and ethnicities_differ)",
     "not (Are the parents married = yes and Do the parents' ethnicities differ = yes)"),
    ("parents_married == false", "Are the parents married = no"),
    ("unknown_key", "unknown_key = yes"),  # never in a manifest (E3xx), but shown as written
    ("a ==", "a =="),  # not a condition: as written
])
def test_conditions_in_words(source, words, birth_questions):
    assert condition_words(source, birth_questions) == words


def test_conditions_in_words_take_the_labels_of_the_language(birth_questions, lang):
    lang("zh")
    assert condition_words("parents_married", birth_questions).startswith("父母是否已办理结婚登记 = ")
    assert condition_words("hukou_follows == 'father'", birth_questions) == "新生儿随父还是随母落户 = 随父落户"


# ---------------------------------------------------------------- colours and progress bars


def test_colours_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    from rich.text import Text

    styled = [Text("x", style="red")]
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("ONETHING_TTY", "0")
    assert terminal.render(styled) == "x\n"
    monkeypatch.setenv("ONETHING_TTY", "1")
    assert "\x1b[" in terminal.render(styled)
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal.render(styled) == "x\n"


def test_a_progress_bar_only_on_a_terminal_and_only_for_several(monkeypatch, capsys):
    monkeypatch.setenv("ONETHING_TTY", "0")
    items = ["a", "b", "c"]
    assert terminal.progress(items, "compile") is items  # untouched: no bar, nothing printed
    monkeypatch.setenv("ONETHING_TTY", "1")
    assert terminal.progress(["a"], "compile") == ["a"]
    assert list(terminal.progress(items, "compile")) == items
    assert "compile" in capsys.readouterr().err  # drawn on stderr
    assert capsys.readouterr().out == ""


def test_compile_over_a_folder_shows_progress_only_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("ONETHING_TTY", "0")
    result = cli("compile", FIXTURES / "core", bundle_path("producers"), "-o", tmp_path / "a")
    assert result.exit_code == 0
    assert "2/2" not in result.stderr and "wrote 2 manifest(s)" in result.stderr  # no progress in a log
    monkeypatch.setenv("ONETHING_TTY", "1")
    result = cli("compile", FIXTURES / "core", bundle_path("producers"), "-o", tmp_path / "b")
    assert result.exit_code == 0 and "2/2" in result.stderr


# ---------------------------------------------------------------- JSON diagnostics


def test_plan_with_format_json_reports_errors_as_json():
    result = cli("plan", bundle_path("cycle"), "--format", "json")
    assert result.exit_code == 1 and result.stdout == ""
    [error] = json.loads(result.stderr)
    assert error["code"] == "E502" and error["location"]["file"].endswith("cycle/catalog/catalog.yaml")


def test_compile_to_a_folder_with_format_json_reports_diagnostics_as_json(tmp_path):
    result = cli("compile", CORE, bundle_path("cycle"), "-o", tmp_path, "--format", "json")
    assert result.exit_code == 1
    codes = [d["code"] for d in json.loads(result.stderr)]
    assert codes.count("E502") == 1 and "W604" in codes
    summary = json.loads(result.stdout)
    assert [b["status"] for b in summary["bundles"]] == ["ok", "error"]


def test_compile_and_validate_fold_reviewed_warnings_unless_verbose(tmp_path):
    shutil.copytree(FIXTURES / "suppressed", tmp_path / "s")
    result = cli("compile", tmp_path / "s" / "suppressed.yaml", "-o", tmp_path / "out")
    assert "2 suppressed warnings not shown (reviewed; -v shows them)" in result.stderr
    assert "warning (suppressed)" not in result.stderr
    verbose = cli("compile", tmp_path / "s" / "suppressed.yaml", "-o", tmp_path / "out", "-v")
    assert verbose.stderr.count("warning (suppressed)") == 2
    # validate runs the lints too: its output (stdout) has no reviewed warning, stderr counts them
    v = cli("validate", tmp_path / "s" / "suppressed.yaml")
    assert v.exit_code == 0 and v.stdout == ""
    assert v.stderr == ("found 1 bundle file(s), 1 catalog file(s), 0 scenario file(s)\n"
                        "2 suppressed warnings not shown (reviewed; -v shows them)\n0 error(s), 0 warning(s)\n")
    v = cli("validate", tmp_path / "s" / "suppressed.yaml", "-v")
    assert v.stdout.count("warning (suppressed)") == 2 and "not shown" not in v.stderr
    # JSON lists them all, suppressed or not
    j = cli("validate", tmp_path / "s" / "suppressed.yaml", "--format", "json")
    assert [d["suppressed"] is not None for d in json.loads(j.stdout)] == [True, True]


# ---------------------------------------------------------------- the project root


@pytest.fixture
def project(tmp_path):
    """A project (its catalog, two bundles, birth's scenarios), with a subfolder to work in."""
    shutil.copytree(ROOT / "bundles" / "catalog", tmp_path / "bundles" / "catalog")
    (tmp_path / "bundles" / "scenarios").mkdir()
    for name in ("birth.yaml", "school_entry.yaml", "scenarios/birth.yaml"):
        shutil.copy(ROOT / "bundles" / name, tmp_path / "bundles" / name)
    (tmp_path / "docs" / "notes").mkdir(parents=True)
    return tmp_path


def test_commands_work_from_a_subfolder(project, monkeypatch, piped):
    monkeypatch.chdir(project / "docs" / "notes")
    n = 2
    v = cli("validate")
    assert v.exit_code == 0, v.stdout + v.stderr
    c = cli("compile", "-o", "out")
    assert c.exit_code == 0, c.stderr
    # the default bundles/ is the project's; an explicit path (-o out) stays where the user is
    assert len(list((project / "docs" / "notes" / "out").glob("*.json"))) == n
    assert not (project / "out").exists()
    t = cli("test", "-q")
    assert t.exit_code == 0, t.stdout
    assert "failed" in t.stdout and ", 0 failed" in t.stdout
    r = cli("report", "--format", "json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["bundles"]) == n
    # explicit paths are relative to the working folder, and shown as typed
    e = cli("plan", "../../bundles/birth.yaml")
    assert e.exit_code == 0
    assert cli("plan", "bundles/birth.yaml").exit_code == 2  # there is no bundles/ here


def test_from_inside_bundles_the_defaults_still_mean_the_project(project, monkeypatch, piped):
    monkeypatch.chdir(project / "bundles" / "scenarios")
    assert cli("validate").exit_code == 0
    assert cli("test", "-q").exit_code == 0


def test_outside_any_project_the_default_is_reported_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("validate")
    assert result.exit_code == 2
    assert "path does not exist: bundles" in result.stderr


# ---------------------------------------------------------------- compile: summary on a terminal


def test_compile_to_a_terminal_prints_a_summary_and_how_to_get_the_json(tty):
    result = cli("compile", CORE, bundle_path("producers"))
    assert result.exit_code == 0
    assert "{" not in result.stdout
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "materials" in line).split()
    assert header == ["bundle", "materials", "fields", "days", "errors", "warnings"]
    m = manifest("core")
    row = next(line for line in lines if line.strip().startswith("core ")).split()
    mt = m.metrics
    assert row == ["core", str(mt.materials.separate), "→", str(mt.materials.bundled),
                   str(mt.fields.separate), "→", str(mt.fields.bundled),
                   str(mt.days.separate), "→", str(mt.days.bundled), "0", "1"]  # W604 of core
    text = " ".join(result.stdout.split())
    assert "-o DIR" in text and "| jq ." in text


def test_compile_to_a_terminal_shows_a_failed_bundle(tty):
    result = cli("compile", CORE, bundle_path("cycle"))
    assert result.exit_code == 1
    row = next(line for line in result.stdout.splitlines() if "cycle" in line)
    assert "not compiled" in row and row.split()[-2:] == ["1", "0"]
    assert "error E502" in result.stderr


def test_compile_piped_writes_json_as_before(piped):
    assert json.loads(cli("compile", CORE).stdout)["bundle"]["id"] == "core"


def test_compile_with_format_json_writes_json_even_to_a_terminal(tty):
    assert json.loads(cli("compile", CORE, "--format", "json").stdout)["bundle"]["id"] == "core"


def test_without_the_override_the_stream_decides(monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("ONETHING_TTY", raising=False)
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert terminal.is_tty() is True
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert terminal.is_tty() is False
    assert terminal.width() == 100
