"""`onething plan`, `graph`, `report` and `test`, and the pytest plugin for scenario files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from compile_support import FIXTURES, bundle_path, cli, cli_json, line_of

CORE = bundle_path("core")
SCENARIOS = FIXTURES / "core" / "scenario_files"


# ---------------------------------------------------------------- plan


PLAN_TEXT = """\
测试出生一件事 / Test birth bundle  (core 2024.1)

 stage  item                      department                limit (wd)    when
 --------------------------------------------------------------------------------------------------
 1      Issue of the medical      Health Commission         5
        birth certificate
        issue_cert

 2      Birth registration        Public Security Bureau    10
        register                                            statutory 20
        needs: issue_cert
 2      Maternity benefit         Medical Insurance Bureau  20            Is the mother
        benefit                                             statutory 30  employee-insured = yes
        needs: issue_cert

 3      Resident medical          Medical Insurance Bureau  11
        insurance
        insure
        needs: register
 3      Social security card      Medical Insurance Bureau  0
        (optional)
        card
        needs: register

critical path: issue_cert → register → insure = 26 working days
  estimated: insure in calendar days, counted as 5 working days per 7
special procedures (not counted):
  card: Card making 20 working days
optional items (联办, chosen with --select): card

 metric     separate  bundled  saved
 ------------------------------------
 materials  14        6        8
 fields     15        8        7
 steps      14        1        13
 trips      6         1        5
 days       46        26       20
"""


def test_plan_text():
    result = cli("plan", CORE)
    assert result.exit_code == 0
    assert result.stdout == PLAN_TEXT


def test_plan_with_selection_and_answers(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("employed: false\n", encoding="utf-8")
    out = cli("plan", CORE, "--select", "", "--answers", answers).stdout
    assert "benefit" not in out and "card" not in out
    assert "critical path: issue_cert → register → insure = 26 working days\n" in out
    assert "special procedures" not in out


def test_plan_json():
    data = cli_json("plan", CORE, "--format", "json")
    assert data["plan"]["stages"] == [["issue_cert"], ["register", "benefit"], ["insure", "card"]]
    assert data["plan"]["critical_path"] == ["issue_cert", "register", "insure"]
    assert data["metrics"]["days"] == {"separate": 46, "bundled": 26}


def test_plan_of_a_bad_bundle_exits_1_with_the_diagnostics():
    result = cli("plan", bundle_path("cycle"))
    assert result.exit_code == 1
    assert "error E502: dependency cycle" in result.stderr  # diagnostics on stderr, no plan on stdout
    assert result.stdout == ""


def test_plan_of_a_folder_is_a_usage_error():
    assert cli("plan", FIXTURES / "core").exit_code == 2


# ---------------------------------------------------------------- graph


MERMAID = """\
flowchart LR
  subgraph dept_health["卫生健康委员会"]
    issue_cert["出生医学证明签发"]
  end
  subgraph dept_insurance["医疗保障局"]
    benefit("生育津贴申领")
    insure["城乡居民医保参保登记"]
    card("社会保障卡申领")
  end
  subgraph dept_police["公安局"]
    register["出生登记"]
  end
  issue_cert -- "出生医学证明" --> register
  issue_cert -- "出生医学证明" --> benefit
  register -- "户口登记信息" --> insure
  register --> card
"""

DOT = """\
digraph "core" {
  rankdir=LR;
  node [shape=box, fontname="sans-serif"];
  subgraph "cluster_health" {
    label="卫生健康委员会";
    "issue_cert" [label="出生医学证明签发\\nissue_cert"];
  }
  subgraph "cluster_insurance" {
    label="医疗保障局";
    "benefit" [label="生育津贴申领\\nbenefit", style=dashed];
    "insure" [label="城乡居民医保参保登记\\ninsure"];
    "card" [label="社会保障卡申领\\ncard", style=dashed];
  }
  subgraph "cluster_police" {
    label="公安局";
    "register" [label="出生登记\\nregister"];
  }
  "issue_cert" -> "register" [label="出生医学证明"];
  "issue_cert" -> "benefit" [label="出生医学证明"];
  "register" -> "insure" [label="户口登记信息"];
  "register" -> "card";
}
"""


def test_graph_mermaid_is_the_default():
    result = cli("graph", CORE)
    assert result.exit_code == 0
    assert result.stdout == MERMAID
    assert cli("graph", CORE, "--format", "mermaid").stdout == MERMAID


def test_graph_dot():
    result = cli("graph", CORE, "--format", "dot")
    assert result.exit_code == 0
    assert result.stdout == DOT
    assert result.stdout.count("{") == result.stdout.count("}")


def test_graph_follows_the_selection():
    out = cli("graph", CORE, "--select", "", "--format", "dot").stdout
    assert '"card"' not in out
    assert "register -- " not in out


# ---------------------------------------------------------------- report


ROW = {
    "bundle": "core", "title_zh": "测试出生一件事", "title_en": "Test birth bundle", "version": "2024.1",
    "items": 5, "departments": 3, "stages": 3, "completeness": 0.353, "suppressed": 0, "warnings": 1,
    "materials_separate": 14, "materials_bundled": 6, "fields_separate": 15, "fields_bundled": 8,
    "steps_separate": 14, "steps_bundled": 1, "trips_separate": 6, "trips_bundled": 1,
    "days_separate": 46, "days_bundled": 26,
    "online_items": 0, "online_share": 0.0, "tolerated": 1,  # no item declares online handling
    # bundle facts: none given in the core fixture, so unknown
    "code": None, "area": None, "batch": None, "sourced_items": 0.0,
    "published_steps_before": None, "published_steps_after": None,
    "published_materials_before": None, "published_materials_after": None,
    "published_trips_before": None, "published_trips_after": None,
    "published_days_before": None, "published_days_after": None, "published_days_unit": None,
}


def test_report_json():
    data = cli_json("report", FIXTURES / "core", "--format", "json")
    assert data["bundles"] == [ROW]
    assert len(data["areas"]) == 18 and all(a["bundles"] == [] for a in data["areas"])


def test_report_csv():
    result = cli("report", FIXTURES / "core", "--format", "csv")
    assert result.exit_code == 0
    header, row, *rest = result.stdout.splitlines()
    assert rest == []
    assert header.split(",") == list(ROW)
    assert row.split(",") == ["" if v is None else str(v) for v in ROW.values()]  # unknown: an empty cell


def test_report_shows_published_figures_beside_ours_and_the_32_areas():
    data = cli_json("report", FIXTURES / "bundle_facts", "--format", "json")
    [row] = data["bundles"]
    assert (row["area"], row["batch"], row["code"]) == ("newborn", "2024-1", None)
    assert row["sourced_items"] == 0.333  # register names a source; record and inline_check do not
    assert (row["published_steps_before"], row["published_steps_after"]) == (7, 1)
    assert row["published_materials_before"] is None
    [newborn] = [a for a in data["areas"] if a["area"] == "newborn"]
    assert newborn["bundles"] == [{"bundle": "bundle_facts", "batch": "2024-1"}]
    md = cli("report", FIXTURES / "bundle_facts").stdout.splitlines()
    assert "| `bundle_facts` | 9 → 1 | 7 → 1 | 9 → 8 | — | 3 → 1 | — | 0 → 0 | 72 → 5 |" in md
    assert "| 8 | 个人 individual | 新生儿出生 Newborn birth | `newborn` | `bundle_facts` (2024-1) |" in md
    assert "| 2 | 企业 enterprise | 工程建设 Construction projects | `construction_project` | — |" in md


def test_report_markdown_is_the_default():
    result = cli("report", FIXTURES / "core")
    assert result.exit_code == 0
    assert result.stdout == cli("report", FIXTURES / "core", "--format", "md").stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "# Bundles (一件事) at a glance"
    assert ("| `core` | 测试出生一件事 | Test birth bundle | 5 | 3 | 3 | 35% | 0% | 0 | "
            "14 → 6 | 15 → 8 | 14 → 1 | 6 → 1 | 46 → 26 | 0/5 (0%) ⚠ | 1 |") in lines
    assert "| **all 1** | | | 5 | | | | | 0 | 14 → 6 | 15 → 8 | 14 → 1 | 6 → 1 | 46 → 26 | 0/5 (0%) ⚠ | 1 |" in lines
    assert "Area and batch unknown: `core`." in lines


def test_report_counts_suppressed_lints():
    [row] = cli_json("report", FIXTURES / "lints", "--format", "json")["bundles"]
    assert (row["suppressed"], row["warnings"]) == (4, 4)


def test_report_of_a_bad_bundle_exits_1():
    result = cli("report", FIXTURES / "cycle", "--format", "json")
    assert result.exit_code == 1
    assert [d["code"] for d in json.loads(result.stderr)] == ["E502"]  # JSON asked, JSON diagnostics
    text = cli("report", FIXTURES / "cycle")
    assert text.exit_code == 1 and "error E502: dependency cycle" in text.stderr
    assert result.stdout == ""  # no partial report when a bundle fails


# ---------------------------------------------------------------- onething test


def test_onething_test_passing():
    result = cli("test", SCENARIOS / "passing.yaml")
    assert result.exit_code == 0
    path = result.stdout.split(" ")[1].rsplit(":", 3)[0]
    assert path.endswith("scenario_files/passing.yaml")
    assert result.stdout.splitlines() == [
        f"PASS {path}:{line_of(SCENARIOS / 'passing.yaml', '- name: married')}:5: core: married, not employee-insured, no card",
        f"PASS {path}:{line_of(SCENARIOS / 'passing.yaml', '- name: everything')}:5: core: everything selected, nothing answered",
        "scenarios: 2 passed, 0 failed",
    ]


def test_onething_test_failing_shows_expected_and_got_at_file_line():
    result = cli("test", SCENARIOS / "failing.yaml")
    assert result.exit_code == 1
    line = line_of(SCENARIOS / "failing.yaml", "- name: wrong on purpose")
    lines = result.stdout.splitlines()
    fail = next(i for i, text in enumerate(lines) if text.startswith("FAIL "))
    assert lines[fail].endswith(f"scenario_files/failing.yaml:{line}:5: core: wrong on purpose")
    assert lines[fail + 1:] == [
        "    submit: expected ['hospital_record', 'id_card'], got ['bank_card', 'hospital_record', "
        "'household_book', 'id_card', 'income_statement'] (unexpected ['bank_card', 'household_book', "
        "'income_statement'])",
        "    waived: 'marriage_cert' is not in the material list",
        "    stages: expected [['issue_cert', 'register'], ['insure']], "
        "got [['issue_cert'], ['register', 'benefit'], ['insure', 'card']]",
        "    committed_days: expected 30, got 26",
        "    metrics.trips.bundled: expected 0, got 1",
        "scenarios: 1 passed, 1 failed",
    ]


def test_onething_test_quiet_and_json_over_a_folder():
    result = cli("test", SCENARIOS, "-q")
    assert result.exit_code == 1
    assert "PASS" not in result.stdout and "FAIL" in result.stdout
    assert result.stdout.splitlines()[-1] == "scenarios: 3 passed, 1 failed"
    data = json.loads(cli("test", SCENARIOS, "--format", "json").stdout)
    assert (data["passed"], data["failed"]) == (3, 1)
    [failed] = [s for s in data["scenarios"] if not s["passed"]]
    assert failed["name"] == "wrong on purpose" and len(failed["failures"]) == 5


def test_onething_test_checks_answers_like_compile(tmp_path):
    shutil.copytree(FIXTURES / "core", tmp_path / "core")
    path = tmp_path / "core" / "scenario_files" / "bad.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: bad answers\n"
        "    bundle: core\n"
        "    given:\n"
        "      answers: {category: studnet, married: \"yes\", nosuch: true}\n"
        "    expect: {committed_days: 26}\n", encoding="utf-8")
    result = cli("test", path)
    assert result.exit_code == 1
    assert "E504: 'studnet' is not an option of 'category' (options: resident, student)" in result.stdout
    assert "E504: 'married' is a yes/no question; answer true or false" in result.stdout
    assert "E208: answer key 'nosuch' is neither a question nor a field of bundle 'core'" in result.stdout
    assert f"{path}:5:" in result.stdout


def test_onething_test_with_a_missing_path_is_a_usage_error(tmp_path):
    assert cli("test", tmp_path / "nope").exit_code == 2


# ---------------------------------------------------------------- pytest plugin


def test_the_pytest_plugin_collects_scenario_files(tmp_path):
    bundles = tmp_path / "bundles"
    shutil.copytree(FIXTURES / "core", bundles, ignore=shutil.ignore_patterns("scenario_files"))
    (bundles / "scenarios").mkdir()
    shutil.copy(SCENARIOS / "passing.yaml", bundles / "scenarios" / "core.yaml")
    shutil.copy(SCENARIOS / "failing.yaml", bundles / "scenarios" / "more.yaml")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"),
            "--rootdir", str(tmp_path)]

    # one run (a pytest start-up costs seconds): -v names every collected item with its outcome
    run = subprocess.run([*base, "-v", "bundles/scenarios"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    outcomes = [line.split(" [")[0].strip().rsplit(" ", 1) for line in run.stdout.splitlines()
                if line.startswith("bundles/scenarios/") and "::" in line]
    assert outcomes == [
        ["bundles/scenarios/core.yaml::married, not employee-insured, no card", "PASSED"],
        ["bundles/scenarios/core.yaml::everything selected, nothing answered", "PASSED"],
        ["bundles/scenarios/more.yaml::passes", "PASSED"],
        ["bundles/scenarios/more.yaml::wrong on purpose", "FAILED"],
    ]
    assert "1 failed, 3 passed" in run.stdout
    assert "FAIL bundles/scenarios/more.yaml:" in run.stdout
    assert "committed_days: expected 30, got 26" in run.stdout
