"""Crash safety and concurrency with real `onething work` processes.

A python adapter keeps an append-only ledger outside the store, as a department would; the
tests read that ledger: every step ran under exactly one idempotency key, every case finished,
and two workers never ran one step twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from runtime_support import birth, empty_store_file, handed_in
from sqlalchemy import func, select

from onething.runtime.acceptance import accept
from onething.runtime.audit import verify_chain
from onething.runtime.store import open_store
from onething.runtime.store.tables import cases, steps

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "runtime"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _setup(tmp_path: Path, n_cases: int, lease: float, batch: int = 32) -> tuple[str, Path, Path, dict[str, str]]:
    store_path = empty_store_file(tmp_path)
    manifest, answers = birth()
    with open_store(store_path) as store:
        for _ in range(n_cases):
            assert accept(store, manifest, answers, materials=handed_in(manifest), actor="clerk").accepted
    config = tmp_path / "runtime.yaml"
    config.write_text(f"default: {{adapter: python, callable: 'ledger_department:handle'}}\n"
                      f"lease_seconds: {lease}\npoll_seconds: 0.05\nbatch_size: {batch}\n", encoding="utf-8")
    ledger = tmp_path / "ledger.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(FIXTURES)]),
           "LEDGER": str(ledger), "ONETHING_STORE": store_path}
    env.pop("ONETHING_CONFIG", None)
    return store_path, config, ledger, env


def _worker(config: Path, env: dict[str, str], name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "onething", "work", "--until-idle", "--config", str(config),
                             "--worker-id", name], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _ledger(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _check(store_path: str, ledger: list[dict], n_cases: int) -> dict[tuple[str, str], set[str]]:
    keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in ledger:
        keys[(entry["case"], entry["item"])].add(entry["key"])
    with open_store(store_path) as store, store.read() as conn:
        statuses = dict(conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all())
        stored = {(r.number, r.item): r.idempotency_key for r in conn.execute(
            select(cases.c.number, steps.c.item, steps.c.idempotency_key).join(cases, cases.c.id == steps.c.case_id))}
        assert verify_chain(conn).ok
    assert statuses == {"completed": n_cases}  # every case finished
    assert set(keys) == set(stored)  # every step ran
    assert all(found == {stored[step]} for step, found in keys.items())  # under exactly one key: its own
    return keys


def test_sigkilled_workers_lose_nothing_and_never_run_a_step_under_two_keys(tmp_path):
    n_cases = 200
    store_path, config, ledger, env = _setup(tmp_path, n_cases, lease=0.5)
    rng = random.Random(20261201)
    kills = 0
    for round_ in range(5):
        before = _lines(ledger)
        workers = [_worker(config, env, f"w{round_}-{i}") for i in range(2)]
        deadline = time.monotonic() + 60
        while _lines(ledger) == before and time.monotonic() < deadline and all(w.poll() is None for w in workers):
            time.sleep(0.02)  # wait until the workers are carrying out steps...
        time.sleep(rng.uniform(0.0, 0.4))  # ...then kill them at a seeded random moment
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGKILL)
                kills += 1
            w.wait()
    final = _worker(config, env, "final")
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    entries = _ledger(ledger)
    keys = _check(store_path, entries, n_cases)
    assert kills >= 6 and len(keys) == n_cases * 8
    assert len({e["pid"] for e in entries}) >= 3  # killed workers had carried out steps
    with open_store(store_path) as store, store.read() as conn:
        again = conn.execute(select(func.count()).select_from(steps).where(steps.c.attempts > 1)).scalar()
    assert again >= 1  # kills caught steps in flight: dispatched again after the lease, same key


def test_two_concurrent_workers_never_run_the_same_step_twice(tmp_path):
    n_cases = 24
    # small batches, so the two workers' claims interleave step by step
    store_path, config, ledger, env = _setup(tmp_path, n_cases, lease=30, batch=4)
    env["LEDGER_PAUSE"] = "0.002"
    workers = [_worker(config, env, f"c{i}") for i in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()
    entries = _ledger(ledger)
    _check(store_path, entries, n_cases)
    assert len(entries) == n_cases * 8  # each step ran once: no lease expired, no double run
    assert len({e["pid"] for e in entries}) == 2  # both workers took part
