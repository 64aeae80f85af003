"""The runtime commands as a clerk uses them: submit, work, cases, case, tasks, complete,
supplement, withdraw, deliver, evaluate, audit, demo — errors as messages, personal data masked."""

from __future__ import annotations

import json
import os
import re

import pytest
from click.testing import CliRunner
from runtime_support import BIRTH, DEMO_ANSWERS, MOTHER_ID, birth, handed_in

from onething.cli.main import main
from onething.runtime.store import open_store

MOTHER_PHONE = "13899990001"


@pytest.fixture
def env(tmp_path, monkeypatch, fresh_store_url):
    store = fresh_store_url
    monkeypatch.setenv("ONETHING_STORE", store)
    monkeypatch.setenv("ONETHING_ACTOR", "clerk 7")
    monkeypatch.delenv("ONETHING_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def _submit(env, materials=None):
    manifest, _ = birth()
    result = run("submit", BIRTH, "--answers", DEMO_ANSWERS, "--notices", env / "notices",
                 "--materials", ",".join(materials or handed_in(manifest)))
    return result.stdout.strip()


def _config(env, text):
    path = env / "runtime.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_case_from_the_window_to_the_evaluation(env):
    number = _submit(env)
    assert re.fullmatch(r"birth-\d{8}-0001", number)
    assert (env / "notices" / number / "acceptance.html").is_file()
    config = _config(env, "default: {adapter: simulate}\ndepartments:\n  hrss: {adapter: manual}\n")
    run("work", "--until-idle", "--config", config)
    tasks = json.loads(run("tasks", "--format", "json").stdout)
    assert [(t["case"], t["item"], t["status"]) for t in tasks] == [(number, "ssc_apply", "pending")]
    run("complete", number, "ssc_apply", "--approve", "--output", "social_security_card=SSC-7")
    listed = json.loads(run("cases", "--format", "json").stdout)
    assert [(c["case"], c["status"]) for c in listed] == [(number, "completed")]
    run("deliver", number)
    run("evaluate", number, "--rating", "5", "--comment", f"很好 {MOTHER_PHONE}")
    again = run("evaluate", number, "--rating", "1", code=1)
    assert f"error: case {number} was evaluated already" in again.output
    detail = json.loads(run("case", number, "--format", "json").stdout)
    assert detail["status"] == "delivered" and detail["evaluation"]["rating"] == 5
    assert detail["actor"] == "clerk 7"
    assert {s["item"]: s["outputs"] for s in detail["steps"]}["ssc_apply"] == {"social_security_card": "SSC-7"}
    assert run("audit", "verify").stdout.startswith("audit log intact")


def test_personal_data_are_masked_in_every_human_output_unless_unmask_which_is_audited(env):
    number = _submit(env)
    texts = [run("case", number).stdout, run("case", number, "--format", "json").stdout,
             run("cases").stdout, run("tasks").stdout,
             (env / "notices" / number / "acceptance.txt").read_text(encoding="utf-8"),
             (env / "notices" / number / "acceptance.html").read_text(encoding="utf-8")]
    for text in texts:
        assert MOTHER_ID not in text and MOTHER_PHONE not in text and "古丽娜尔" not in text
    shown = run("case", number)
    assert "653***********0027" in shown.stdout and "138****0001" in shown.stdout and "古*****" in shown.stdout
    unmasked = run("case", number, "--unmask", "--actor", "supervisor")
    assert MOTHER_ID in unmasked.stdout
    history = json.loads(run("case", number, "--format", "json").stdout)["history"]
    assert [(e["kind"], e["actor"]) for e in history if e["kind"] == "unmask"] == [("unmask", "supervisor")]


def test_a_chinese_clerk_reads_statuses_and_dates_in_chinese_and_json_keeps_the_identifiers(env):
    number = _submit(env)
    config = _config(env, "default: {adapter: simulate}\ndepartments:\n  hrss: {adapter: manual}\n")
    run("work", "--until-idle", "--config", config)
    shown = run("--lang", "zh", "case", number).stdout
    assert "状态 办理中，" in shown
    assert re.search(r"\[0\] birth_certificate_issue +已办结 +midwifery_institution +办结期限 \d{4}-\d\d-\d\d", shown)
    assert re.search(r"\[2\] ssc_apply +部门办理中 +hrss", shown)
    assert re.search(r"newborn_medical_record +已提交\n", shown) and re.search(r"id_card +免提交\n", shown)
    assert "待派发→已派发" in shown
    assert " done " not in shown and " due " not in shown
    assert re.search(rf"{number}  办理中 +办结期限 \d{{4}}-", run("--lang", "zh", "cases").stdout)
    assert re.search(r"ssc_apply +部门办理中 +hrss +办结期限 ", run("--lang", "zh", "tasks").stdout)
    english = run("--lang", "en", "case", number).stdout
    assert re.search(r"\[2\] ssc_apply +pending +hrss +due \d{4}-", english)
    detail = json.loads(run("--lang", "zh", "case", number, "--format", "json").stdout)
    assert detail["status"] == "in_progress" and {s["status"] for s in detail["steps"]} == {"done", "pending"}


def test_a_worker_runs_with_the_garbage_collector_on(env, monkeypatch):
    """`onething work` may run for days: cycles its loop makes must be collected."""
    import gc

    import onething.runtime.workers as workers

    seen = []
    original = workers.run_workers

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(workers, "run_workers", spy)
    _submit(env)
    run("work", "--until-idle")
    assert seen == [True]


def test_runtime_errors_and_their_hints_come_in_the_clerk_s_language(env):
    number = _submit(env)
    wrong = number[:-1] + "9"
    zh = run("--lang", "zh", "case", wrong, code=1).output
    assert zh.startswith("错误：") and f"\n  提示：是否应为 {number}？" in zh
    en = run("--lang", "en", "case", wrong, code=1).output
    assert en.startswith(f"error: no case {wrong}\n  hint: did you mean {number}?")


def test_a_persons_cases_are_found_by_id_number(env):
    number = _submit(env)
    found = json.loads(run("cases", "--applicant", MOTHER_ID, "--format", "json").stdout)
    assert [c["case"] for c in found] == [number]
    assert json.loads(run("cases", "--applicant", "110101199001010011", "--format", "json").stdout) == []


def test_missing_materials_give_no_case_and_the_one_time_supplement_notice(env):
    result = run("submit", BIRTH, "--answers", DEMO_ANSWERS, "--notices", env / "notices",
                 "--materials", "newborn_medical_record", code=1)
    assert "not accepted (materials to supplement, 一次性补正)" in result.output
    assert "missing material: Signed notice on the issue of the medical birth certificate (issuance_notice)" \
        in result.output  # the clerk reads the name, and the id --materials takes
    assert "missing material: bank_account" not in result.output and "(bank_account)" in result.output
    (folder,) = (env / "notices").iterdir()
    assert folder.name.endswith("-supplement") and "一次性补正告知书" in (folder / "supplement.txt").read_text()
    assert json.loads(run("cases", "--format", "json").stdout) == []


def test_invalid_answers_are_listed_with_the_missing_materials(env):
    answers = env / "answers.yaml"
    answers.write_text(DEMO_ANSWERS.read_text(encoding="utf-8").replace("parents_married: true", "parents_maried: true"),
                       encoding="utf-8")
    result = run("submit", BIRTH, "--answers", answers, "--notices", env / "n", "--materials", "", code=1)
    assert "answer key 'parents_maried' is neither a question nor a field of bundle 'birth'" in result.output
    assert "did you mean 'parents_married'?" in result.output
    assert "(issuance_notice)" in result.output


@pytest.mark.parametrize("args, message", [
    (("case", "birth-20261201-9999"), "error: no case birth-20261201-9999"),
    (("deliver", "nope"), "error: no case nope"),
    (("complete", "{case}", "ssc_aply", "--approve"), "has no item ssc_aply\n  hint: did you mean ssc_apply?"),
    (("supplement", "{case}", "bank_account"), "is submitted, not missing"),
    (("deliver", "{case}"), "results are delivered once every step is finished"),
    (("evaluate", "{case}", "--rating", "4"), "it is evaluated after delivery"),
])
def test_bad_commands_give_clear_errors(env, args, message):
    number = _submit(env)
    result = run(*[a.format(case=number) for a in args], code=1)
    assert message in result.output


def test_a_corrupted_store_and_a_bad_config_are_clear_errors(env, tmp_path, monkeypatch):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database at all, just text" * 10)
    result = run("cases", "--store", bad, code=1)
    assert "the store file is corrupted or is not a SQLite database" in result.output
    config = _config(env, "default: {adapter: simulate}\ndepartments:\n  hrss: {adapter: manaul}\n")
    result = run("work", "--until-idle", "--config", config, code=1)
    assert "runtime.yaml:3:19: unknown adapter manaul\n  hint: did you mean manual?" in result.output
    config = _config(env, "default: {adapter: simulate}\nlease_second: 5\n")
    result = run("work", "--config", config, code=1)
    assert "runtime.yaml:2:1: unknown key lease_second\n  hint: did you mean lease_seconds?" in result.output


def test_audit_verify_names_an_edited_event_and_exits_1(env):
    number = _submit(env)
    run("work", "--until-idle", "--config", _config(env, "default: {adapter: simulate}\n"))
    head = run("audit", "head").stdout.split()
    assert int(head[0]) > 10 and len(head[1]) == 64
    with open_store(os.environ["ONETHING_STORE"]) as store, store.write() as conn:
        conn.exec_driver_sql("UPDATE events SET actor = 'someone else' WHERE seq = 4")
    result = run("audit", "verify", number, code=1)
    assert re.search(r"error: event 4 \(step, case birth-\d{8}-0001, item \w+\) was altered", result.output)
    report = json.loads(run("audit", "verify", "--format", "json", code=1).stdout)
    assert [(p["seq"], p["kind"]) for p in report["problems"]] == [(4, "edited")]


def test_the_demo_runs_a_birth_case_to_the_end(tmp_path):
    result = run("demo", "--dir", tmp_path / "demo")
    assert "accepted birth-" in result.stdout
    assert "case delivered; audit log intact" in result.stdout
    assert "社会保障卡申领" in result.stdout and "(2 attempts)" in result.stdout


def test_report_evaluations_aggregates_per_bundle_and_department(env):
    config = _config(env, "default: {adapter: simulate}\ndepartments:\n"
                          "  public_security: {adapter: simulate, reject: [hukou_birth_registration]}\n")
    first, second = _submit(env), _submit(env)
    run("work", "--until-idle", "--config", config)
    for number, rating in ((first, 5), (second, 2)):
        run("deliver", number)
        run("evaluate", number, "--rating", rating)
    summary = json.loads(run("report", "--evaluations", "--format", "json").stdout)
    assert summary["bundles"] == [{"bundle": "birth", "evaluations": 2, "mean": 3.5, "poor": 1,
                                   "ratings": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}]
    departments = {d["department"]: d["evaluations"] for d in summary["departments"]}
    assert departments["public_security"] == 2 and "hrss" not in departments  # ssc_apply was skipped
    assert "| birth | 2 | 3.5 | 1 | 0 | 1 | 0 | 0 | 1 |" in run("report", "--evaluations").stdout
