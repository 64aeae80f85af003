"""Crash safety and concurrency with real `onething work` processes, on both stores.

A python adapter keeps an append-only ledger outside the store, as a department would; the
tests read that ledger: every step ran under exactly one idempotency key, every case finished,
and two workers never ran one step twice. On PostgreSQL in addition: four workers over 300
cases killed at random, and the server restarted (`pg_ctl restart -m fast`) under running
workers, which reconnect and finish with nothing lost or doubled.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from runtime_support import birth, handed_in
from sqlalchemy import func, select

from onething.runtime.acceptance import accept
from onething.runtime.audit import verify_chain
from onething.runtime.store import open_store
from onething.runtime.store.tables import cases, events, steps

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "runtime"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _setup(tmp_path: Path, store_url: str, n_cases: int, lease: float,
           batch: int = 32) -> tuple[Path, Path, dict[str, str]]:
    manifest, answers = birth()
    with open_store(store_url) as store:
        for _ in range(n_cases):
            assert accept(store, manifest, answers, materials=handed_in(manifest), actor="clerk").accepted
    config = tmp_path / "runtime.yaml"
    config.write_text(f"default: {{adapter: python, callable: 'ledger_department:handle'}}\n"
                      f"lease_seconds: {lease}\npoll_seconds: 0.05\nbatch_size: {batch}\n", encoding="utf-8")
    ledger = tmp_path / "ledger.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(FIXTURES)]),
           "LEDGER": str(ledger), "ONETHING_STORE": store_url}
    env.pop("ONETHING_CONFIG", None)
    return config, ledger, env


def _worker(config: Path, env: dict[str, str], name: str, *extra: str) -> subprocess.Popen:
    # the JSON log goes to a file: a pipe nobody reads would fill and stall the worker
    log = open(Path(env["LEDGER"]).with_name(f"{name}.log"), "wb")
    return subprocess.Popen([sys.executable, "-m", "onething", "work", "--until-idle", "--config", str(config),
                             "--worker-id", name, *extra], env=env, stdout=subprocess.DEVNULL, stderr=log)


def _finish(worker: subprocess.Popen, env: dict[str, str], timeout: float = 240) -> None:
    worker.wait(timeout=timeout)
    name = worker.args[worker.args.index("--worker-id") + 1]
    assert worker.returncode == 0, Path(env["LEDGER"]).with_name(f"{name}.log").read_text(encoding="utf-8")[-3000:]


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _ledger(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _check(store_url: str, ledger: list[dict], n_cases: int) -> dict[tuple[str, str], set[str]]:
    keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in ledger:
        keys[(entry["case"], entry["item"])].add(entry["key"])
    with open_store(store_url) as store, store.read() as conn:
        statuses = dict(conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all())
        stored = {(r.number, r.item): r.idempotency_key for r in conn.execute(
            select(cases.c.number, steps.c.item, steps.c.idempotency_key).join(cases, cases.c.id == steps.c.case_id))}
        assert verify_chain(conn).ok
        case_moves = Counter(conn.execute(select(events.c.case_number, events.c.from_status, events.c.to_status)
                                          .where(events.c.kind == "case")).all())
    assert statuses == {"completed": n_cases}  # every case finished
    # each case moved once into progress and once to completed: concurrent claims did not both move it
    assert Counter((frm, to) for (_n, frm, to) in case_moves.elements()) == {
        (None, "accepted"): n_cases, ("accepted", "in_progress"): n_cases, ("in_progress", "completed"): n_cases}
    assert set(keys) == set(stored)  # every step ran
    assert all(found == {stored[step]} for step, found in keys.items())  # under exactly one key: its own
    return keys


def _kill_rounds(config, env, ledger, rounds: int, workers: int, seed: int) -> int:
    rng = random.Random(seed)
    kills = 0
    for round_ in range(rounds):
        before = _lines(ledger)
        running = [_worker(config, env, f"w{round_}-{i}") for i in range(workers)]
        deadline = time.monotonic() + 60
        while _lines(ledger) == before and time.monotonic() < deadline and all(w.poll() is None for w in running):
            time.sleep(0.02)  # wait until the workers are carrying out steps...
        time.sleep(rng.uniform(0.0, 0.4))  # ...then kill them at seeded random moments
        for w in running:
            time.sleep(rng.uniform(0.0, 0.1))
            if w.poll() is None:
                w.send_signal(signal.SIGKILL)
                kills += 1
            w.wait()
    return kills


@pytest.mark.parametrize(("store_kind", "n_cases", "n_workers", "pause"),
                         [("sqlite", 200, 2, "0.006"), ("postgresql", 300, 4, "0.003")],
                         ids=["sqlite", "postgresql"])
def test_sigkilled_workers_lose_nothing_and_never_run_a_step_under_two_keys(
        tmp_path, store_kind, n_cases, n_workers, pause, fresh_store_url):
    config, ledger, env = _setup(tmp_path, fresh_store_url, n_cases, lease=0.5)
    # a few ms per step at the department keep the work longer than the five kill rounds
    # (≤ 0.5 s each): the engine alone runs the 1,600 SQLite steps in well under a second
    # on an idle machine, and a worker that has finished cannot be killed mid-step
    env["LEDGER_PAUSE"] = pause
    kills = _kill_rounds(config, env, ledger, rounds=5, workers=n_workers, seed=20261201)
    final = [_worker(config, env, f"final-{i}") for i in range(n_workers)]
    for w in final:
        _finish(w, env)
    entries = _ledger(ledger)
    keys = _check(fresh_store_url, entries, n_cases)
    assert kills >= 3 * n_workers and len(keys) == n_cases * 8
    assert len({e["pid"] for e in entries}) >= n_workers + 1  # killed workers had carried out steps
    with open_store(fresh_store_url) as store, store.read() as conn:
        again = conn.execute(select(func.count()).select_from(steps).where(steps.c.attempts > 1)).scalar()
    assert again >= 1  # kills caught steps in flight: dispatched again after the lease, same key


def test_two_concurrent_workers_never_run_the_same_step_twice(tmp_path, fresh_store_url):
    n_cases = 24
    # small batches, so the two workers' claims interleave step by step
    config, ledger, env = _setup(tmp_path, fresh_store_url, n_cases, lease=30, batch=4)
    # each step takes 10 ms at its department: the first worker must not be done (192 steps)
    # before the second has started up, which takes seconds on a loaded machine
    env["LEDGER_PAUSE"] = "0.01"
    workers = [_worker(config, env, f"c{i}") for i in range(2)]
    for w in workers:
        _finish(w, env, timeout=120)
    entries = _ledger(ledger)
    _check(fresh_store_url, entries, n_cases)
    assert len(entries) == n_cases * 8  # each step ran once: no lease expired, no double run
    assert len({e["pid"] for e in entries}) == 2  # both workers took part


def test_a_server_restart_mid_run_loses_and_doubles_nothing(tmp_path, postgres):
    """`pg_ctl restart -m fast` cuts every connection; the workers retry, reconnect and finish.

    Nothing lost (every case completed, every step in the ledger) and nothing doubled: the
    lease (30 s) outlives the restart and outcomes are recorded by retrying their transaction
    (never by asking the department again), so each (case, item) appears in the department's
    ledger exactly once, and the audit log holds one dispatch per attempt.
    """
    n_cases = 60
    url = postgres.fresh_database()
    config, ledger, env = _setup(tmp_path, url, n_cases, lease=30)
    env["LEDGER_PAUSE"] = "0.01"
    workers = [_worker(config, env, f"r{i}", "--concurrency", "2") for i in range(3)]
    deadline = time.monotonic() + 120
    # restart mid-run: once every worker has carried out steps (a worker still starting up when
    # the server goes down stops with "cannot reach the database server", as it should — on a
    # loaded machine one took seconds to start, and the restart caught it there)
    while (_lines(ledger) < n_cases * 2 or len(_pids(ledger)) < len(workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_pids(ledger)) == len(workers), "a worker never started"
    assert all(w.poll() is None for w in workers), "the workers finished before the restart"
    started = _postmaster_started(url)
    postgres.restart()
    assert _postmaster_started(url) > started
    for w in workers:
        _finish(w, env)
    entries = _ledger(ledger)
    _check(url, entries, n_cases)
    ran = Counter((e["case"], e["item"]) for e in entries)
    assert len(ran) == n_cases * 8 and set(ran.values()) == {1}  # each step once: nothing doubled
    with open_store(url) as store, store.read() as conn:
        dispatched = conn.execute(select(func.count()).select_from(events).where(
            events.c.kind == "step", events.c.to_status == "dispatched")).scalar()
        attempts = conn.execute(select(func.sum(steps.c.attempts))).scalar()
    assert dispatched == attempts >= n_cases * 8


def _pids(ledger: Path) -> set[int]:
    """The processes that have written to the ledger so far (complete lines only: it is being written)."""
    done = ledger.read_bytes().rpartition(b"\n")[0] if ledger.exists() else b""
    return {json.loads(line)["pid"] for line in done.splitlines() if line.strip()}


def _postmaster_started(url: str):
    with open_store(url) as store, store.read() as conn:
        return conn.exec_driver_sql("SELECT pg_postmaster_start_time()").scalar()
