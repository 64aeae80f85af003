"""The engine: lifecycle through every status, rejection skipping dependents only, retries with
backoff on the injected clock, leases that expire and re-dispatch under the same key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from runtime_support import NOW, birth, handed_in, stepper, with_materials
from sqlalchemy import select

from onething.runtime.acceptance import accept
from onething.runtime.adapters.base import Outcome
from onething.runtime.audit import case_events, verify_chain
from onething.runtime.clerk import ClerkProblem, complete, supplement
from onething.runtime.clock import FixedClock
from onething.runtime.config import RetryPolicy, RuntimeConfig
from onething.runtime.engine import Worker
from onething.runtime.store import open_store
from onething.runtime.store.tables import cases, steps


@pytest.fixture
def store(fresh_store_url):
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as opened:
        yield opened


def _accept(store, manifest=None, materials=None):
    base, answers = birth()
    manifest = manifest or base
    result = accept(store, manifest, answers, materials=handed_in(base) if materials is None else materials,
                    actor="clerk")
    assert result.accepted
    return result.case_number


def _state(store, number):
    with store.read() as conn:
        case = conn.execute(select(cases).where(cases.c.number == number)).one()
        rows = conn.execute(select(steps).where(steps.c.case_id == case.id)).all()
    return case, {r.item: r for r in rows}


def _worker(store, worker_id="w1", **config):
    return Worker(store, RuntimeConfig(**config), worker_id=worker_id, sleep=stepper(store.clock), heartbeat=False)


def test_a_case_runs_to_completed_with_outputs_passed_downstream(store):
    number = _accept(store)
    seen = {}

    def record(request):
        seen[request.item] = request
        return Outcome("done", {o: f"{o}-1" for o in request.outputs})

    worker = _worker(store)
    worker.config.adapter_for = lambda department: record  # every department answers through record()
    summary = worker.run(until_idle=True)
    case, rows = _state(store, number)
    assert case.status == "completed" and summary.steps == 8
    assert all(r.status == "done" for r in rows.values())
    assert rows["ssc_apply"].outputs == {"social_security_card": "social_security_card-1"}
    # only the item's declared fields and materials, and its prerequisites' outputs
    hukou = seen["hukou_birth_registration"]
    assert hukou.upstream == {"birth_certificate_issue": {"birth_medical_certificate": "birth_medical_certificate-1"}}
    assert "bank.account_number" not in hukou.fields and "child.ethnicity" in hukou.fields
    assert set(hukou.materials) == {"hukou_birth_registration_form", "birth_medical_certificate", "id_card",
                                    "household_register", "marriage_certificate"}
    assert "bank.account_number" in seen["maternity_benefit"].fields
    with store.read() as conn:
        assert verify_chain(conn).ok


def test_a_worker_sends_a_supplied_material_it_saw_missing_in_an_earlier_claim(store):
    """A worker keeps the materials of a case with none missing (they can no longer change); a
    case still missing one is read again, so a supplement between two claims is seen."""
    manifest, _answers = birth()
    manifest = with_materials(manifest, bank_account="tolerated")
    number = _accept(store, manifest, [m for m in handed_in(manifest) if m != "bank_account"])
    settled = _accept(store)
    seen = {}

    def record(request):
        seen[(request.case, request.item)] = request
        return Outcome("done", {o: f"{o}-1" for o in request.outputs})

    worker = _worker(store)
    worker.config.adapter_for = lambda department: record
    worker.run(until_idle=True)  # everything but the suspended maternity_benefit of the first case
    assert (number, "maternity_benefit") not in seen and (settled, "maternity_benefit") in seen
    assert supplement(store, number, "bank_account", actor="clerk") == ["maternity_benefit"]
    worker.run(until_idle=True)  # the same worker, its caches warm
    assert seen[(number, "maternity_benefit")].materials["bank_account"] == "supplied"
    assert seen[(settled, "maternity_benefit")].materials["bank_account"] == "submitted"
    case, rows = _state(store, number)
    assert case.status == "completed" and all(r.status == "done" for r in rows.values())


def test_a_rejected_step_skips_its_dependents_only_and_the_case_is_partially_completed(store):
    number = _accept(store)
    _worker(store, default={"adapter": "simulate", "reject": ["hukou_birth_registration"], "reason": "地址不符"}).run(
        until_idle=True)
    case, rows = _state(store, number)
    assert case.status == "partially_completed"
    assert {i for i, r in rows.items() if r.status == "skipped"} == {"resident_medical_insurance", "ssc_apply"}
    assert rows["ssc_apply"].reason == "hukou_birth_registration was rejected: 地址不符"
    assert rows["maternity_benefit"].status == "done"  # independent of the rejected item
    assert rows["hukou_birth_registration"].status == "rejected"


def test_every_item_rejected_leaves_the_case_rejected(store):
    number = _accept(store)
    manifest, _ = birth()
    _worker(store, default={"adapter": "simulate", "reject": list(manifest.plan.steps)}).run(until_idle=True)
    case, rows = _state(store, number)
    assert case.status == "rejected"
    assert sorted({r.status for r in rows.values()}) == ["rejected", "skipped"]


def test_transient_failures_retry_with_exponential_backoff_on_the_clock_then_fail_and_flag(store):
    number = _accept(store)
    config = {"default": {"adapter": "simulate", "fail_first": 9},
              "retry": RetryPolicy(max_attempts=3, backoff_seconds=30, max_backoff_seconds=3600)}
    worker = _worker(store, **config)
    worker.run(max_steps=1)  # birth_certificate_issue, attempt 1
    _, rows = _state(store, number)
    step = rows["birth_certificate_issue"]
    assert (step.status, step.attempts, step.retry_at) == ("ready", 1, NOW + timedelta(seconds=30))
    # not due yet: the other ready steps go first, the retry waits for its time
    worker.run(max_steps=3)
    assert _state(store, number)[1]["birth_certificate_issue"].attempts == 1
    store.clock.advance(timedelta(seconds=30))
    worker.run(max_steps=1)
    step = _state(store, number)[1]["birth_certificate_issue"]
    assert (step.attempts, step.retry_at) == (2, NOW + timedelta(seconds=30 + 60))  # 30 s, then 60 s
    worker.run(until_idle=True)  # waits (on the clock) for every due retry
    case, rows = _state(store, number)
    assert rows["birth_certificate_issue"].status == "failed" and rows["birth_certificate_issue"].attempts == 3
    assert rows["birth_certificate_issue"].reason == "gave up after 3 attempts: simulated transient failure (attempt 3)"
    assert rows["hukou_birth_registration"].status == "blocked"  # waits: a clerk may retry the failed step
    assert case.flagged and case.status == "in_progress"


def test_a_manual_step_is_pending_until_a_clerk_completes_it(store):
    number = _accept(store)
    worker = _worker(store, default={"adapter": "simulate"}, departments={"hrss": {"adapter": "manual"}})
    worker.run(until_idle=True)
    case, rows = _state(store, number)
    assert rows["ssc_apply"].status == "pending" and case.status == "in_progress"
    with pytest.raises(ClerkProblem, match="step vaccination_record of case .* is done, not pending"):
        complete(store, number, "vaccination_record", approve=True, actor="clerk")
    with pytest.raises(ClerkProblem, match="has no item ssc_aply") as info:
        complete(store, number, "ssc_aply", approve=True, actor="clerk")
    assert info.value.hint == "did you mean ssc_apply?"
    assert complete(store, number, "ssc_apply", approve=True, actor="hrss clerk",
                    outputs={"social_security_card": "SSC-1"}) == "done"
    case, rows = _state(store, number)
    assert case.status == "completed" and rows["ssc_apply"].outputs == {"social_security_card": "SSC-1"}


def test_a_misspelt_output_is_refused_with_the_outputs_the_item_produces(store):
    """`complete --output social_security_cardd=…` would deliver a result under a name no one
    looks for: the item declares what it produces, so another key is an error (did-you-mean)."""
    number = _accept(store)
    _worker(store, default={"adapter": "simulate"}, departments={"hrss": {"adapter": "manual"}}).run(until_idle=True)
    with pytest.raises(ClerkProblem, match="item ssc_apply produces no 'social_security_cardd'") as info:
        complete(store, number, "ssc_apply", approve=True, actor="clerk", outputs={"social_security_cardd": "SSC-1"})
    assert info.value.hint == "did you mean social_security_card?"
    case, rows = _state(store, number)
    assert rows["ssc_apply"].status == "pending" and rows["ssc_apply"].outputs is None


def test_delivering_twice_or_a_withdrawn_case_says_so(store):
    """Not "results are delivered once every step is finished" for a case that is over."""
    from onething.runtime.clerk import deliver, withdraw

    number = _accept(store)
    _worker(store, default={"adapter": "simulate"}).run(until_idle=True)
    assert deliver(store, number, actor="clerk")
    with pytest.raises(ClerkProblem, match=f"case {number} is already delivered") as info:
        deliver(store, number, actor="clerk")
    assert info.value.hint == f"its results: onething case {number}"
    other = _accept(store)
    withdraw(store, other, reason="moved away", actor="clerk")
    with pytest.raises(ClerkProblem, match=f"case {other} was withdrawn; it has no results to deliver"):
        deliver(store, other, actor="clerk")


def test_lifecycle_through_every_step_status(store):
    """blocked, ready, suspended, dispatched, pending, done, rejected, failed, skipped — each reached."""
    manifest, _ = birth()
    number = _accept(store, with_materials(manifest, bank_account="tolerated"),
                     [m for m in handed_in(manifest) if m != "bank_account"])
    worker = _worker(store, default={"adapter": "simulate"}, departments={
        "hrss": {"adapter": "manual"}, "cdc": {"adapter": "simulate", "reject": ["vaccination_record"]},
        "health": {"adapter": "simulate", "fail_first": 9}}, retry=RetryPolicy(max_attempts=1))
    claim = worker.claim()
    assert claim.step.status == "dispatched" and claim.step.lease_owner == "w1"
    worker.record(claim, worker.call(claim))
    worker.run(until_idle=True)
    supplement(store, number, "bank_account", actor="clerk")
    worker.run(until_idle=True)
    with store.read() as conn:
        reached = {e.to_status for e in case_events(conn, number) if e.kind == "step"} | {"blocked", "suspended"}
    assert reached == {"blocked", "ready", "suspended", "dispatched", "pending", "done", "rejected", "failed"}
    _, rows = _state(store, number)
    assert rows["maternity_benefit"].status == "done"  # resumed after the supplement
    assert rows["parenting_guidance"].status == "failed"
    from onething.runtime.clerk import withdraw

    assert sorted(withdraw(store, number, reason="moved away", actor="clerk")) == [
        "childbirth_registration", "parenting_guidance", "ssc_apply"]
    case, rows = _state(store, number)
    assert case.status == "withdrawn" and rows["ssc_apply"].status == "skipped"


def test_an_expired_lease_is_dispatched_again_with_the_same_key_and_the_late_answer_is_dropped(store):
    number = _accept(store)
    first, second = _worker(store, "w1", lease_seconds=60), _worker(store, "w2", lease_seconds=60)
    claim = first.claim()  # w1 claims, then hangs (or is killed)
    assert second.claim().step.item != claim.step.item  # the lease holds: w2 takes another step
    store.clock.advance(timedelta(seconds=61))
    again = second.claim()
    assert again.step.item == claim.step.item and again.step.lease_owner == "w2"
    assert again.request.idempotency_key == claim.request.idempotency_key
    assert again.request.attempt == 2
    assert first.record(claim, Outcome("done", {"x": "late"})) is None  # w1 lost the lease
    assert second.record(again, Outcome("done", {"x": "1"})) == "done"
    _, rows = _state(store, number)
    assert rows[claim.step.item].outputs == {"x": "1"}


def test_a_batch_drops_only_the_answer_whose_lease_was_lost(store):
    number = _accept(store)
    first, second = _worker(store, "w1", lease_seconds=60), _worker(store, "w2", lease_seconds=60)
    claims = first.claim_batch(3)
    assert len(claims) == 3 and len({c.step.item for c in claims}) == 3
    store.clock.advance(timedelta(seconds=61))
    taken = second.claim_batch(1)  # the oldest expired lease goes to w2, same key, attempt 2
    assert taken[0].step.item == claims[0].step.item and taken[0].request.attempt == 2
    assert taken[0].request.idempotency_key == claims[0].request.idempotency_key
    results = first.record_batch([(c, Outcome("done", {"by": "w1"})) for c in claims])
    assert results == [None, "done", "done"]
    _, rows = _state(store, number)
    assert rows[claims[0].step.item].status == "dispatched" and rows[claims[0].step.item].lease_owner == "w2"
    assert rows[claims[1].step.item].outputs == {"by": "w1"}
    with store.read() as conn:
        assert verify_chain(conn).ok


def test_a_batch_claims_no_more_than_max_steps_and_records_everything_it_claimed(store):
    number = _accept(store)
    worker = _worker(store, default={"adapter": "simulate"}, batch_size=64)
    assert worker.run(max_steps=5).steps == 5
    _, rows = _state(store, number)
    assert sum(r.status == "done" for r in rows.values()) == 5
    assert not any(r.status == "dispatched" for r in rows.values())  # nothing claimed ahead and left behind
    assert worker.run(until_idle=True).steps == 3
    assert _state(store, number)[0].status == "completed"


def test_the_config_sets_the_batch_size_and_refuses_a_bad_one(tmp_path):
    from onething.runtime.config import ConfigError, load_config

    path = tmp_path / "runtime.yaml"
    path.write_text("default: {adapter: simulate}\nbatch_size: 8\n", encoding="utf-8")
    assert load_config(path).batch_size == 8
    assert RuntimeConfig().batch_size == 64
    path.write_text("default: {adapter: simulate}\nbatch_size: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="0 is not a number of at least 1") as info:
        load_config(path)
    assert info.value.where.endswith("runtime.yaml:2:13")
    path.write_text("batch_sise: 8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key batch_sise") as info:
        load_config(path)
    assert info.value.hint == "did you mean batch_size?"
