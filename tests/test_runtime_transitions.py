"""Step status moves: the allowed ones, the refused ones, and each recorded with the change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from compile_support import manifest
from runtime_support import NOW
from sqlalchemy import insert, select

from onething.runtime.audit import case_events, verify_chain
from onething.runtime.clock import FixedClock
from onething.runtime.store import open_store
from onething.runtime.store.applicants import applicant_digest
from onething.runtime.store.manifests import put_manifest
from onething.runtime.store.tables import STEP_STATUSES, cases, steps
from onething.runtime.transitions import (
    STEP_TRANSITIONS,
    TERMINAL,
    IllegalTransition,
    StepChanged,
    StepNotFound,
    check_step_transition,
    transition_step,
)

CASE = "core-20261201-0001"


@pytest.fixture
def store(fresh_store_url):
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as opened:
        with opened.write() as conn:
            digest = put_manifest(conn, manifest("core"), NOW)
            case_id = conn.execute(insert(cases).values(
                number=CASE, bundle_id="core", manifest_hash=digest, answers={"parents_married": True},
                selection=["insure"], applicant_digest=applicant_digest("11010119900307123x"), status="accepted",
                accepted_on=date(2026, 12, 1), actor="clerk-li", created_at=NOW, updated_at=NOW,
            )).inserted_primary_key[0]
            conn.execute(insert(steps), [
                {"case_id": case_id, "item": item, "department": "d", "stage": stage, "status": status,
                 "idempotency_key": f"key-{item}", "updated_at": NOW}
                for item, stage, status in (("issue_cert", 0, "ready"), ("register", 1, "blocked"))])
        yield opened


def step_id(store, item: str) -> int:
    with store.read() as conn:
        return conn.execute(select(steps.c.id).where(steps.c.item == item)).scalar_one()


def test_every_status_has_its_moves_and_finished_ones_have_none():
    assert set(STEP_TRANSITIONS) == set(STEP_STATUSES)
    assert TERMINAL == {"done", "rejected", "skipped"}
    assert all(targets <= set(STEP_STATUSES) for targets in STEP_TRANSITIONS.values())


def test_a_step_through_dispatch_retry_and_done_is_recorded_move_by_move(store):
    sid = step_id(store, "issue_cert")
    lease = NOW + timedelta(minutes=5)
    moves = [("dispatched", {"attempts": 1, "lease_owner": "w1", "lease_expires_at": lease}),
             ("ready", {"retry_at": NOW + timedelta(seconds=30), "lease_owner": None, "reason": "timeout"}),
             ("dispatched", {"attempts": 2, "lease_owner": "w2", "lease_expires_at": lease}),
             ("pending", {}),
             ("done", {"outputs": {"certificate_no": "Q650012345"}, "lease_owner": None})]
    for status, changes in moves:
        with store.write() as conn:
            transition_step(conn, sid, status, actor="worker", at=NOW, **changes)
    with store.read() as conn:
        row = conn.execute(select(steps).where(steps.c.id == sid)).one()
        history = [(e.from_status, e.to_status) for e in case_events(conn, CASE)]
        assert verify_chain(conn).ok
    assert (row.status, row.attempts, row.idempotency_key, row.outputs) == (
        "done", 2, "key-issue_cert", {"certificate_no": "Q650012345"})
    assert history == [("ready", "dispatched"), ("dispatched", "ready"), ("ready", "dispatched"),
                       ("dispatched", "pending"), ("pending", "done")]


def test_a_refused_move_names_the_step_and_the_way_out(store):
    sid = step_id(store, "register")
    with pytest.raises(IllegalTransition) as info, store.write() as conn:
        transition_step(conn, sid, "done", actor="worker", at=NOW)
    assert info.value.message == "step register cannot go from blocked to done"
    assert info.value.hint == "from blocked a step can go to: ready, skipped, suspended"
    with pytest.raises(IllegalTransition, match="finished"):
        check_step_transition("x", "done", "ready")
    with pytest.raises(IllegalTransition, match="unknown step status finished"):
        check_step_transition("x", "ready", "finished")


def test_a_stale_move_is_refused_and_writes_nothing(store):
    sid = step_id(store, "issue_cert")
    with store.write() as conn:
        transition_step(conn, sid, "dispatched", actor="w1", at=NOW, lease_owner="w1")
    with pytest.raises(StepChanged, match="is dispatched now, not ready"), store.write() as conn:
        transition_step(conn, sid, "dispatched", actor="w2", at=NOW, expect="ready", lease_owner="w2")
    with store.read() as conn:
        assert conn.execute(select(steps.c.lease_owner).where(steps.c.id == sid)).scalar() == "w1"
        assert len(case_events(conn, CASE)) == 1
    with pytest.raises(StepNotFound), store.write() as conn:
        transition_step(conn, 999, "ready", actor="w", at=NOW)
    with pytest.raises(TypeError, match="status"), store.write() as conn:
        transition_step(conn, sid, "pending", actor="w", at=NOW, status="done")


def test_the_reason_is_recorded_masked(store):
    sid = step_id(store, "register")
    with store.write() as conn:
        transition_step(conn, sid, "skipped", actor="clerk-li", at=NOW,
                        reason="applicant 11010119900307123X withdrew by phone 13812345678")
    with store.read() as conn:
        event = case_events(conn, CASE)[-1]
        stored = conn.execute(select(steps.c.reason).where(steps.c.id == sid)).scalar()
    assert event.data == {"reason": "applicant 110***********123X withdrew by phone 138****5678"}
    assert stored.startswith("applicant 11010119900307123X")  # the store keeps what the clerk wrote


def test_a_failed_change_takes_its_event_with_it(store):
    sid = step_id(store, "issue_cert")
    with pytest.raises(RuntimeError), store.write() as conn:
        transition_step(conn, sid, "dispatched", actor="w1", at=NOW)
        raise RuntimeError("the adapter call failed before commit")
    with store.read() as conn:
        assert conn.execute(select(steps.c.status).where(steps.c.id == sid)).scalar() == "ready"
        assert case_events(conn, CASE) == []


def test_applicant_digest_normalises_the_number():
    assert applicant_digest("11010119900307123x") == applicant_digest(" 110101 19900307 123X ")
    assert applicant_digest("11010119900307123X") != applicant_digest("110101199003071234")


def test_a_stale_known_step_is_refused_by_the_update_itself(fresh_store_url):
    """``known`` spares the read; the update still moves only a step in the expected status."""
    from runtime_support import birth, handed_in

    from onething.runtime.acceptance import accept

    manifest, answers = birth()
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as store:
        number = accept(store, manifest, answers, materials=handed_in(manifest), actor="c").case_number
        with store.write() as conn:
            step_id = conn.execute(select(steps.c.id).where(steps.c.item == "vaccination_record")).scalar()
            with pytest.raises(StepChanged, match="changed while it was being moved"):
                transition_step(conn, step_id, "ready", actor="w", at=NOW, expect="blocked",
                                known=("vaccination_record", number))
