"""Runtime throughput: birth cases submitted through the Python API and run to completion.

    python benchmarks/runtime_throughput.py [--cases 10000] [--workers 1[,2,4]] [--peer PYTHON]
                                            [--store postgresql://… | --start-postgres]

Four distinct answer sets (so a manifest is compiled once per selection and stored once by
hash) are submitted round-robin with ``acceptance.accept``; then ``--workers`` engine workers
(separate processes, as ``onething work`` would run) with ``simulate`` adapters carry every
case to completion. It prints cases/s, step transitions/s and peak memory (max RSS), and two
ratios measured in the same run:

- to the *floor*: SQLite with the same settings (WAL, ``synchronous=NORMAL``), one transaction
  per step transition writing one row — the least a durable runtime must do per transition;
- to the *peer*: SpiffWorkflow 3.2 running the birth plan with its state persisted after every
  task (``../shared/peer/spiff_bench.py N durable``), when ``--peer`` names a Python that has
  SpiffWorkflow installed (its own virtual environment, not a dependency of onething).

With ``--store postgresql://…`` (a database of its own: the benchmark adds cases to it) or
``--start-postgres`` (a private server started for the run with tests/postgres_server.py,
durable settings: fsync and synchronous_commit on), the store is PostgreSQL and the floor is
PostgreSQL committing one row per transaction with the same settings, through psycopg. Each
worker count in ``--workers 1,2,4`` is one round: ``--cases`` new cases accepted, then run by
that many worker processes. The workers count their transactions and statements (SQLAlchemy
engine events: ``begin`` and ``before_cursor_execute``; an executemany is one statement),
reported per step transition, with the workers' own CPU time per step transition (what a
core spends in Python per transition: with the database on the same cores, what limits).

Nothing is asserted; the figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# ../shared/peer beside the repository (or beside the folder of worktrees)
PEER = next((p for p in (ROOT.parent / "shared" / "peer" / "spiff_bench.py",
                         ROOT.parent.parent / "shared" / "peer" / "spiff_bench.py") if p.is_file()),
            ROOT.parent / "shared" / "peer" / "spiff_bench.py")

VARIANTS = [
    {},
    {"applicant_parent": "father"},
    {"mother_employee_insured": False},
    {"ethnicities_differ": True},
]


def _manifests(folder: Path):
    import yaml

    from onething.runtime.demo import ANSWERS
    from onething.runtime.window import prepare

    base = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))
    out = []
    for n, change in enumerate(VARIANTS):
        path = folder / f"answers{n}.yaml"
        path.write_text(yaml.safe_dump({**base, **change}, allow_unicode=True), encoding="utf-8")
        prepared = prepare(ROOT / "bundles" / "birth.yaml", path)
        assert prepared.manifest is not None, prepared.fatal
        handed = [m.id for m in prepared.manifest.materials if m.status in ("submit", "tolerated")]
        out.append((prepared.manifest, prepared.answers, handed))
    return out


def _work(store_path: str, name: str) -> tuple[int, int, int, float]:
    """One worker process until idle: (steps, transactions, statements, CPU seconds of this process)."""
    from sqlalchemy import event

    from onething.runtime.config import RuntimeConfig
    from onething.runtime.engine import Worker
    from onething.runtime.store import open_store

    counts = {"transactions": 0, "statements": 0}

    def began(*_args: object) -> None:
        counts["transactions"] += 1

    def executed(*_args: object) -> None:
        counts["statements"] += 1

    with open_store(store_path) as store:
        event.listen(store.engine, "begin", began)
        event.listen(store.engine, "before_cursor_execute", executed)
        worker = Worker(store, RuntimeConfig(default={"adapter": "simulate"}, poll_seconds=0.05),
                        worker_id=name, heartbeat=True)
        cpu = time.process_time()
        steps = worker.run(until_idle=True).steps
        cpu = time.process_time() - cpu
    return steps, counts["transactions"], counts["statements"], cpu


def postgres_floor(url: str, transitions: int) -> float:
    """Seconds for ``transitions`` one-row transactions on the same PostgreSQL database (psycopg)."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as db:
        db.execute("DROP TABLE IF EXISTS bench_floor")
        db.execute("CREATE TABLE bench_floor(id bigserial PRIMARY KEY, step integer, status text, at timestamp)")
        db.commit()
        start = time.perf_counter()
        for i in range(transitions):
            db.execute("INSERT INTO bench_floor(step, status, at) VALUES (%s, %s, %s)",
                       (i // 4, "done", "2026-12-01T00:00:00"))
            db.commit()
        seconds = time.perf_counter() - start
        db.execute("DROP TABLE bench_floor")
        db.commit()
    return seconds


def floor(transitions: int, folder: Path) -> float:
    """Seconds for ``transitions`` one-row transactions on SQLite (WAL, synchronous=NORMAL)."""
    db = sqlite3.connect(folder / "floor.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, step INTEGER, status TEXT, at TEXT)")
    start = time.perf_counter()
    for i in range(transitions):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t(step, status, at) VALUES (?, ?, ?)", (i // 4, "done", "2026-12-01T00:00:00"))
        db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def _round(store_url: str, variants: list, cases: int, workers: int) -> dict:
    """Accept ``cases`` new cases, run them with ``workers`` processes; the figures of this round."""
    from sqlalchemy import func, select

    from onething.runtime.acceptance import accept
    from onething.runtime.store import open_store
    from onething.runtime.store.tables import events

    with open_store(store_url) as store:
        with store.read() as conn:
            first = conn.execute(select(func.count()).select_from(events)).scalar() or 0
        start = time.perf_counter()
        numbers = []
        for n in range(cases):
            manifest, answers, handed = variants[n % len(variants)]
            result = accept(store, manifest, answers, materials=handed, actor="bench")
            assert result.accepted
            numbers.append(result.case_number)
        submit_s = time.perf_counter() - start
        with store.read() as conn:
            before = conn.execute(select(func.max(events.c.seq))).scalar() or 0
    start = time.perf_counter()
    if workers == 1:
        runs = [_work(store_url, "w0")]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(workers) as pool:
            runs = pool.starmap(_work, [(store_url, f"w{i}") for i in range(workers)])
    run_s = time.perf_counter() - start
    from onething.runtime.store.tables import cases as cases_table

    with open_store(store_url) as store, store.read() as conn:
        transitions = conn.execute(select(func.count()).select_from(events).where(
            events.c.seq > before, events.c.kind == "step")).scalar()
        statuses = dict(conn.execute(select(cases_table.c.status, func.count())
                                     .where(cases_table.c.number.in_(numbers)).group_by(cases_table.c.status)).all())
    steps = sum(r[0] for r in runs)
    transactions = sum(r[1] for r in runs)
    statements = sum(r[2] for r in runs)
    cpu = sum(r[3] for r in runs)
    del first
    return {
        "workers": workers, "cases": cases, "steps": steps, "step_transitions": transitions, "statuses": statuses,
        "submit_cases_per_s": round(cases / submit_s, 1),
        "run_cases_per_s": round(cases / run_s, 1),
        "end_to_end_cases_per_s": round(cases / (submit_s + run_s), 1),
        "step_transitions_per_s": round(transitions / run_s, 1),
        "transactions_per_step_transition": round(transactions / transitions, 2),
        "statements_per_step_transition": round(statements / transitions, 2),
        "worker_cpu_ms_per_step_transition": round(cpu * 1000 / transitions, 2),
        "run_s": run_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--workers", default="1", help="worker processes, or a list of counts: 1,2,4")
    parser.add_argument("--store", metavar="URL", help="a store URL (default: a new SQLite file)")
    parser.add_argument("--start-postgres", action="store_true",
                        help="start a private PostgreSQL server for the run (tests/postgres_server.py)")
    parser.add_argument("--peer", metavar="PYTHON", help="a Python with SpiffWorkflow 3.2 installed")
    parser.add_argument("--peer-cases", type=int, default=500)
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]

    folder = Path(tempfile.mkdtemp(prefix="onething-throughput-"))
    server = None
    store_url = args.store or str(folder / "cases.db")
    if args.start_postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from postgres_server import PostgresServer

        server = PostgresServer(durable=True)
        server.admin('CREATE DATABASE "bench"')
        store_url = server.url("bench")
    try:
        from onething.runtime.store import open_store

        with open_store(store_url) as store:
            dialect = store.dialect
        variants = _manifests(folder)
        rounds = [_round(store_url, variants, args.cases, w) for w in counts]
        most = max(r["step_transitions"] for r in rounds)
        floor_s = postgres_floor(store_url, most) if dialect == "postgresql" else floor(most, folder)
        floor_rate = most / floor_s
        for r in rounds:
            r["ratio_to_floor"] = round(r.pop("run_s") / (r["step_transitions"] / floor_rate), 2)
        result = {"store": dialect, "floor_transitions_per_s": round(floor_rate, 1), "rounds": rounds,
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        if args.peer:
            proc = subprocess.run([args.peer, str(PEER), str(args.peer_cases), "durable"], capture_output=True,
                                  text=True, check=True)
            peer = json.loads(proc.stdout.strip().splitlines()[-1])
            result["peer"] = peer
            result["ratio_to_peer"] = round(rounds[0]["end_to_end_cases_per_s"] / peer["cases_per_s"], 2)
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if server is not None:
            server.stop()
        if os.environ.get("KEEP") is None:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
