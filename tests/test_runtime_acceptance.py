"""Acceptance at the one window: accepted, one-time supplement, refusal; 容缺 and commitments."""

from __future__ import annotations

from datetime import date

import pytest
from runtime_support import MOTHER_ID, NOW, birth, handed_in, with_materials
from sqlalchemy import func, select

from onething.runtime.acceptance import accept, check_materials, idempotency_key
from onething.runtime.answers_gate import answer_problems
from onething.runtime.audit import verify_chain
from onething.runtime.clerk import ClerkProblem, supplement
from onething.runtime.clock import FixedClock
from onething.runtime.store import open_store
from onething.runtime.store.tables import case_materials, cases, steps


@pytest.fixture
def store(fresh_store_url):
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as opened:
        yield opened


def _steps(store, number):
    with store.read() as conn:
        return {r.item: r for r in conn.execute(
            select(steps).join(cases, cases.c.id == steps.c.case_id).where(cases.c.number == number))}


def test_a_complete_case_is_accepted_with_steps_due_dates_and_its_notice(store, tmp_path):
    manifest, answers = birth()
    result = accept(store, manifest, answers, materials=handed_in(manifest), actor="clerk 7",
                    notices=tmp_path / "notices")
    assert result.outcome == "accepted" and result.case_number == "birth-20261201-0001"
    rows = _steps(store, result.case_number)
    assert {i: r.status for i, r in rows.items()} == {
        "birth_certificate_issue": "ready", "vaccination_record": "ready", "parenting_guidance": "ready",
        "childbirth_registration": "ready", "hukou_birth_registration": "blocked", "maternity_benefit": "blocked",
        "resident_medical_insurance": "blocked", "ssc_apply": "blocked"}
    # 5 working days after Tuesday 1 December 2026; the household registration waits for it (5 + 10)
    assert rows["birth_certificate_issue"].due_on == date(2026, 12, 8)
    assert rows["hukou_birth_registration"].due_on == date(2026, 12, 22)
    assert rows["birth_certificate_issue"].idempotency_key == idempotency_key(result.case_number, "birth_certificate_issue")
    assert result.due_on == date(2027, 1, 6)  # 25 working days, across 1 January 2027 (a partial year)
    assert any("2027: only the public holidays are known" in w for w in result.warnings)
    with store.read() as conn:
        case = conn.execute(select(cases)).one()
        assert (case.status, case.actor, case.answers["mother.id_number"]) == ("accepted", "clerk 7", MOTHER_ID)
        held = dict(conn.execute(select(case_materials.c.material, case_materials.c.status)).all())
        assert held["bank_account"] == "submitted" and held["id_card"] == "waived"
        assert verify_chain(conn).ok
    html, text = (tmp_path / "notices" / result.case_number / "acceptance.html"), (
        tmp_path / "notices" / result.case_number / "acceptance.txt")
    assert "受理通知书" in text.read_text() and "birth-20261201-0001" in html.read_text()
    assert "古***" in text.read_text()  # the applicant's name, masked
    assert MOTHER_ID not in html.read_text() + text.read_text()


def test_everything_missing_is_listed_at_once_in_the_supplement_notice_and_no_case_is_made(store, tmp_path):
    manifest, answers = birth()
    del answers["child.birth_hospital"], answers["bank.account_number"]
    problems = answer_problems(manifest, answers)
    assert problems == ["the field child.birth_hospital (出生医院(助产机构)) is required",
                        "the field bank.account_number (银行账号) is required"]
    result = accept(store, manifest, answers, materials=["newborn_medical_record", "bank_acount"], actor="clerk",
                    answer_problems=problems, notices=tmp_path)
    assert result.outcome == "supplement" and result.case_number is None
    assert result.missing == ["issuance_notice", "medical_invoices", "medical_cost_list", "diagnosis_certificate",
                              "bank_account"]
    assert result.warnings == ["bank_acount is not a material of this case (kept as an extra); "
                               "did you mean bank_account?"]
    text = (tmp_path / "birth-20261201-supplement" / "supplement.txt").read_text()
    assert "一次性补正告知书" in text and "issuance_notice" in text and "child.birth_hospital" in text
    second = accept(store, manifest, answers, materials=handed_in(manifest), actor="clerk", notices=tmp_path,
                    answer_problems=problems)
    assert second.notices[0].parent.name == "birth-20261201-supplement-2"  # the first applicant's is kept
    assert "issuance_notice" in text and "issuance_notice" not in second.notices[1].read_text()
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar() == 0


def test_a_bundle_whose_required_items_the_answers_decide_out_is_refused(store, tmp_path):
    manifest, answers = birth()
    data = manifest.model_dump(mode="json", exclude_none=True)
    for step in data["plan"]["steps"].values():
        step["optional"] = True
    data["selection"]["excluded"].append({"id": "maternity_benefit", "reason": "condition_false"})
    refused = accept(store, type(manifest).model_validate(data), answers, materials=handed_in(manifest),
                     actor="clerk", notices=tmp_path)
    assert refused.outcome == "refused" and "maternity_benefit" in refused.reason
    assert "不予受理告知书" in (tmp_path / "birth-20261201-not-accepted" / "refusal.txt").read_text()


def test_a_missing_tolerated_material_suspends_its_steps_until_supplied_and_their_clock_starts_then(store):
    manifest, answers = birth()
    manifest = with_materials(manifest, bank_account="tolerated")
    handed = [m for m in handed_in(manifest) if m != "bank_account"]
    result = accept(store, manifest, answers, materials=handed, actor="clerk")
    assert result.outcome == "accepted" and result.suspended == {"maternity_benefit": ["bank_account"]}
    row = _steps(store, result.case_number)["maternity_benefit"]
    assert (row.status, row.due_on, row.supplement_due_on) == ("suspended", None, date(2026, 12, 8))
    assert result.due_on is None  # the clock of the suspended step has not started
    assert "the case's due date is set when the missing materials are supplied" in result.warnings
    store.clock.set(NOW.replace(day=3))
    assert supplement(store, result.case_number, "bank_account", actor="clerk") == ["maternity_benefit"]
    row = _steps(store, result.case_number)["maternity_benefit"]
    # its prerequisite is not done yet, so it waits blocked; 5 + 20 working days from 3 December
    assert (row.status, row.clock_started_on, row.due_on) == ("blocked", date(2026, 12, 3), date(2027, 1, 8))
    with store.read() as conn:
        assert conn.execute(select(cases.c.due_on)).scalar() == date(2027, 1, 8)
    with pytest.raises(ClerkProblem, match="bank_account of case birth-20261201-0001 is supplied, not missing"):
        supplement(store, result.case_number, "bank_account", actor="clerk")
    with pytest.raises(ClerkProblem, match="no material bank_acount") as info:
        supplement(store, result.case_number, "bank_acount", actor="clerk")
    assert info.value.hint == "did you mean bank_account?"


def test_a_commitment_material_is_accepted_with_the_commitment_and_missing_without(store):
    manifest, answers = birth()
    manifest = with_materials(manifest, medical_invoices="commitment")
    handed = [m for m in handed_in(manifest) if m != "medical_invoices"]
    assert [m.id for m in check_materials(manifest, handed).missing] == ["medical_invoices"]
    check = check_materials(manifest, handed, committed=["medical_invoices"])
    assert check.missing == [] and check.statuses["medical_invoices"] == "committed"
    assert accept(store, manifest, answers, materials=handed, commitments=["medical_invoices"],
                  actor="clerk").outcome == "accepted"
