"""The audit hash chain on a real SQLite store: appends, the head, and tampering detected by name."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from runtime_support import NOW
from sqlalchemy import select

from onething.runtime.audit import (
    GENESIS,
    append_event,
    canonical_json,
    case_events,
    chain_head,
    event_hash,
    verify_chain,
)
from onething.runtime.clock import FixedClock
from onething.runtime.store import open_store
from onething.runtime.store.tables import events

CASE = "birth-20261201-0001"
TRANSITIONS = [("birth_certificate_issue", "blocked", "ready"), ("birth_certificate_issue", "ready", "dispatched"),
               ("birth_certificate_issue", "dispatched", "done"), ("hukou_birth_registration", "blocked", "ready"),
               ("hukou_birth_registration", "ready", "dispatched")]


@pytest.fixture
def store(fresh_store_url):
    clock = FixedClock(NOW)
    with open_store(fresh_store_url, clock=clock) as opened:
        for item, before, after in TRANSITIONS:
            clock.advance(timedelta(seconds=1.25))
            with opened.write() as conn:
                append_event(conn, kind="step", actor="worker-1", at=clock.now(), case_number=CASE,
                             item=item, from_status=before, to_status=after, data={"attempt": 1})
        yield opened


def problems(store) -> list[tuple[int, str]]:
    with store.read() as conn:
        return [(p.seq, p.kind) for p in verify_chain(conn).problems]


def sql(store, statement: str) -> None:
    with store.write() as conn:
        conn.exec_driver_sql(statement)


def test_an_untouched_chain_verifies_and_the_head_is_the_last_hash(store):
    with store.read() as conn:
        result = verify_chain(conn)
        last = conn.execute(select(events.c.seq, events.c.hash).order_by(events.c.seq.desc())).first()
    assert result.ok and result.events == 5
    assert result.head is not None and (result.head.seq, result.head.hash) == (last.seq, last.hash) == (5, last.hash)


def test_an_empty_store_has_a_genesis_head(tmp_path):
    with open_store(str(tmp_path / "empty.db")) as empty, empty.read() as conn:
        head = chain_head(conn)
        assert (head.seq, head.hash) == (0, GENESIS)
        assert verify_chain(conn).ok


def test_the_hash_is_the_documented_formula(store):
    with store.read() as conn:
        first = case_events(conn, CASE)[0]
    stamp = first.at.isoformat(timespec="microseconds")
    payload = json.dumps([GENESIS, stamp, CASE, "birth_certificate_issue", "step", "blocked", "ready", "worker-1",
                          '{"attempt":1}'], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert first.hash == hashlib.sha256(payload.encode()).hexdigest()
    assert first.at == NOW + timedelta(seconds=1.25)
    assert first.data == {"attempt": 1}


def test_an_edited_event_is_named(store):
    sql(store, "UPDATE events SET to_status = 'rejected' WHERE seq = 3")
    assert problems(store) == [(3, "edited")]
    with store.read() as conn:
        message = verify_chain(conn).problems[0].message
    assert message == ("event 3 (step, case birth-20261201-0001, item birth_certificate_issue) was altered: "
                       "its content does not match its hash")


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(store):
    with store.write() as conn:
        row = conn.execute(select(events).where(events.c.seq == 2)).one()
        forged = event_hash(row.prev_hash, row.at, row.case_number, row.item, row.kind, row.from_status,
                            "done", row.actor, row.data)
        conn.execute(events.update().where(events.c.seq == 2).values(to_status="done", hash=forged))
    assert problems(store) == [(3, "out_of_order")]


def test_reordered_events_are_named(store):
    sql(store, "UPDATE events SET seq = 100 WHERE seq = 2")
    sql(store, "UPDATE events SET seq = 2 WHERE seq = 3")
    sql(store, "UPDATE events SET seq = 3 WHERE seq = 100")
    assert problems(store) == [(2, "out_of_order"), (3, "out_of_order"), (4, "out_of_order")]


def test_a_deleted_event_is_named(store):
    sql(store, "DELETE FROM events WHERE seq = 2")
    found = problems(store)
    assert found[0] == (2, "missing")
    with store.read() as conn:
        assert verify_chain(conn).problems[0].message == "event 2 is missing (deleted)"


def test_the_deleted_last_event_is_named(store):
    sql(store, "DELETE FROM events WHERE seq = 5")
    assert problems(store) == [(5, "missing")]
    with store.read() as conn:
        assert verify_chain(conn).problems[0].message == "event 5, the last one, is missing (deleted)"


def test_the_last_event_replaced_whole_is_caught_by_the_head(store):
    with store.write() as conn:
        row = conn.execute(select(events).where(events.c.seq == 5)).one()
        forged = event_hash(row.prev_hash, row.at, row.case_number, row.item, row.kind, row.from_status,
                            "rejected", row.actor, row.data)
        conn.execute(events.update().where(events.c.seq == 5).values(to_status="rejected", hash=forged))
    assert problems(store) == [(5, "edited")]


def test_events_appended_around_the_head_are_caught(store):
    with store.write() as conn:
        row = conn.execute(select(events).where(events.c.seq == 5)).one()
        conn.execute(events.insert().values(
            seq=6, at=row.at, kind="step", actor="intruder", data="{}", prev_hash=row.hash,
            hash=event_hash(row.hash, row.at, None, None, "step", None, None, "intruder", "{}")))
    assert problems(store) == [(6, "head")]


def test_an_append_rolled_back_leaves_head_and_log_unchanged(store):
    with store.read() as conn:
        before = chain_head(conn)
    with pytest.raises(RuntimeError), store.write() as conn:
        append_event(conn, kind="case", actor="clerk", at=NOW, case_number=CASE, to_status="withdrawn")
        raise RuntimeError("the withdrawal failed")
    with store.read() as conn:
        assert chain_head(conn) == before
        assert verify_chain(conn).events == 5


def test_concurrent_appends_keep_one_unbroken_chain(store):
    def work(worker: int) -> None:
        with open_store(store.url) as mine:
            for i in range(15):
                with mine.write() as conn:
                    append_event(conn, kind="step", actor=f"worker-{worker}", at=NOW, data={"i": i})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as conn:
        result = verify_chain(conn)
    assert result.ok and result.events == 50 and result.head.seq == 50


def test_the_written_out_hash_matches_the_formula_for_awkward_text():
    """event_hash writes the JSON array itself (faster); the bytes must stay canonical_json's."""
    at = NOW + timedelta(microseconds=7)
    for fields in ((GENESIS, CASE, None, "case", None, "accepted", "窗口 李", '{"reason":"地址\\"不符\\"\\n"}'),
                   ("f" * 64, None, "item", "unmask", "a\u2028b", None, "tab\there \x01 é \\", "{}")):
        prev, case, item, kind, before, after, actor, data = fields
        payload = json.dumps([prev, at.isoformat(timespec="microseconds"), case, item, kind, before, after, actor,
                              data], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert event_hash(prev, at, case, item, kind, before, after, actor, data) == hashlib.sha256(
            payload.encode()).hexdigest()


def test_a_batch_of_events_is_one_chain_and_moves_the_head_once(fresh_store_url):
    from onething.runtime.audit import NewEvent, append_events

    with open_store(fresh_store_url, clock=FixedClock(NOW)) as opened:
        with opened.write() as conn:
            written = append_events(conn, [NewEvent("step", "w", NOW, CASE, f"item{n}", "ready", "dispatched",
                                                    {"attempt": n}) for n in range(1, 4)])
        with opened.read() as conn:
            assert verify_chain(conn).ok
            assert [e.seq for e in written] == [1, 2, 3]
            assert written[1].prev_hash == written[0].hash and written[2].prev_hash == written[1].hash
            assert (chain_head(conn).seq, chain_head(conn).hash) == (3, written[2].hash)
            assert [e.data for e in case_events(conn, CASE)] == [{"attempt": 1}, {"attempt": 2}, {"attempt": 3}]


_FLAT = st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=12)), max_size=4)
_ANY = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner,
                                                                                         max_size=3)), max_leaves=8)


@given(st.one_of(_FLAT, st.dictionaries(st.text(max_size=6), _ANY, max_size=4)))
@settings(max_examples=300, deadline=None)
def test_event_data_is_written_as_canonical_json(data):
    """The shortcut for flat data must give the encoder's bytes (bools stay true/false, not 1/0)."""
    assert canonical_json(data) == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_appended_events_carry_the_formula_hash_of_awkward_values(fresh_store_url):
    """append_events writes the hash payload itself, encoding repeated values once: every hash
    must still be event_hash's, and the chain verify."""
    from onething.runtime.audit import NewEvent, append_events

    awkward = [NewEvent("case", '窗口 "李"', NOW, None, None, None, "accepted", {"reason": '地址"不符"\n', "n": 2}),
               NewEvent("step", "tab\there \x01", NOW, CASE, "a\u2028b", "ready", "dispatched", {"attempt": 1}),
               NewEvent("step", "tab\there \x01", NOW + timedelta(microseconds=7), CASE, "a\u2028b", "dispatched",
                        "done", {"ok": True, "nested": {"b": [1, None], "a": 1.5}}),
               NewEvent("step", '窗口 "李"', NOW, CASE, "null", "done", None, None)]
    # one-entry data are encoded once per value: values equal across types must not share a text
    awkward += [NewEvent("step", "w", NOW, CASE, "x", "ready", "dispatched", {"attempt": value})
                for value in (1, True, 1.0, "1", 1, 0.0, -0.0, False, 0, " ")]
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as opened:
        with opened.write() as conn:
            written = append_events(conn, awkward)
        with opened.read() as conn:
            assert verify_chain(conn).ok
            stored = conn.execute(select(events).order_by(events.c.seq)).all()
    prev = GENESIS
    for new, event, row in zip(awkward, written, stored, strict=True):
        text = json.dumps(new.data or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert row.data == text and event.data == (new.data or {})
        assert event.hash == row.hash == event_hash(prev, new.at, new.case_number, new.item, new.kind,
                                                    new.from_status, new.to_status, new.actor, text)
        prev = event.hash
