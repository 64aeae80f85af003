"""Runtime throughput: birth cases submitted through the Python API and run to completion.

    python benchmarks/runtime_throughput.py [--cases 10000] [--workers 1[,2,4]] [--peer PYTHON]
                                            [--store postgresql://… | --start-postgres]

Four distinct answer sets (so a manifest is compiled once per selection and stored once by
hash) are submitted round-robin with ``acceptance.accept``; then ``--workers`` engine workers
(one in this process; several in separate processes, as ``onething work`` would run) with
``simulate`` adapters, the default config otherwise (batches, heartbeat), carry every case to
completion. Each worker count in ``--workers 1,2`` gets its own new store. It prints cases/s,
step transitions/s, statements and transactions per transition (an executemany counts as one
statement; the heartbeat's transactions count), peak memory (max RSS), and two ratios
measured in the same run:

- to the *floor*: SQLite with the same settings (WAL, ``synchronous=NORMAL``), one transaction
  per step transition writing one row — the least a durable runtime must do per transition;
- to the *peer*: SpiffWorkflow 3.2 running the birth plan with its state persisted after every
  task (``../shared/peer/spiff_bench.py N durable``), when ``--peer`` names a Python that has
  SpiffWorkflow installed (its own virtual environment, not a dependency of onething).

Every figure is given twice: by wall-clock time, and by CPU time (``cpu``: the seconds the
submitting process, the workers, the floor and the peer's process each spent on a CPU). On a
machine shared with other jobs the wall-clock ratios move with the load between the moments
each part runs; the CPU ratios hardly do. The peer's CPU time is its whole process, start-up
included (a small handicap at 500 cases).

With ``--store postgresql://…`` (a database of its own: the benchmark adds cases to it) or
``--start-postgres`` (a private server started for the run with tests/postgres_server.py,
durable settings: fsync and synchronous_commit on), the store is PostgreSQL and the floor is
PostgreSQL committing one row per transaction with the same settings, through psycopg (its CPU
figure is the client's only). Each worker count in ``--workers 1,2,4`` is one round: ``--cases``
new cases accepted, then run by that many worker processes (on SQLite a new store file per
round; on PostgreSQL the same database, figures counted from the round's own events).

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


def _counted(store):
    """Count the statements (an executemany is one) and the committed transactions on ``store``."""
    from sqlalchemy import event

    counts = {"statements": 0, "transactions": 0}

    def statement(*_args):
        counts["statements"] += 1

    def commit(*_args):
        counts["transactions"] += 1

    event.listen(store.engine, "before_cursor_execute", statement)
    event.listen(store.engine, "commit", commit)
    return counts


def _work(store_path: str, name: str) -> tuple[int, int, int, float, float]:
    """One worker until idle: (steps, statements, transactions, peak RSS MiB, CPU seconds of this process's work)."""
    from onething.runtime.config import RuntimeConfig
    from onething.runtime.engine import Worker
    from onething.runtime.store import open_store

    with open_store(store_path) as store:
        counts = _counted(store)
        worker = Worker(store, RuntimeConfig(default={"adapter": "simulate"}, poll_seconds=0.05), worker_id=name)
        cpu = time.process_time()
        steps = worker.run(until_idle=True).steps
        cpu = time.process_time() - cpu
    return (steps, counts["statements"], counts["transactions"],
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, cpu)


def floor(transitions: int, folder: Path) -> tuple[float, float]:
    """Seconds (wall, CPU) for ``transitions`` one-row transactions on SQLite (WAL, synchronous=NORMAL)."""
    path = folder / "floor.db"
    for stale in (path, path.with_name("floor.db-wal"), path.with_name("floor.db-shm")):
        stale.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, step INTEGER, status TEXT, at TEXT)")
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(transitions):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t(step, status, at) VALUES (?, ?, ?)", (i // 4, "done", "2026-12-01T00:00:00"))
        db.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    return seconds, cpu


def postgres_floor(url: str, transitions: int) -> tuple[float, float]:
    """Seconds (wall, client CPU) for ``transitions`` one-row transactions on the same PostgreSQL database."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as db:
        db.execute("DROP TABLE IF EXISTS bench_floor")
        db.execute("CREATE TABLE bench_floor(id bigserial PRIMARY KEY, step integer, status text, at timestamp)")
        db.commit()
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(transitions):
            db.execute("INSERT INTO bench_floor(step, status, at) VALUES (%s, %s, %s)",
                       (i // 4, "done", "2026-12-01T00:00:00"))
            db.commit()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.execute("DROP TABLE bench_floor")
        db.commit()
    return seconds, cpu


def run(cases: int, workers: int, variants: list, folder: Path, store_url: str | None = None) -> dict:
    """Submit ``cases`` into a new store, then run them to completion with ``workers`` workers."""
    from sqlalchemy import func, select

    from onething.runtime.acceptance import accept
    from onething.runtime.store import open_store
    from onething.runtime.store.tables import cases as cases_table
    from onething.runtime.store.tables import events

    store_path = store_url or str(folder / f"cases-{workers}.db")
    with open_store(store_path) as store:
        dialect = store.dialect
        counts = _counted(store)
        start, submit_cpu = time.perf_counter(), time.process_time()
        for n in range(cases):
            manifest, answers, handed = variants[n % len(variants)]
            assert accept(store, manifest, answers, materials=handed, actor="bench").accepted
        submit_s, submit_cpu = time.perf_counter() - start, time.process_time() - submit_cpu
        submit_statements = counts["statements"]
        with store.read() as conn:
            before = conn.execute(select(func.max(events.c.seq))).scalar() or 0
    start = time.perf_counter()
    if workers == 1:
        results = [_work(store_path, "w0")]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(workers) as pool:
            results = pool.starmap(_work, [(store_path, f"w{i}") for i in range(workers)])
    run_s = time.perf_counter() - start
    run_cpu = sum(r[4] for r in results)
    steps = sum(r[0] for r in results)
    statements = sum(r[1] for r in results)
    transactions = sum(r[2] for r in results)
    with open_store(store_path) as store, store.read() as conn:
        transitions = conn.execute(select(func.count()).select_from(events).where(
            events.c.seq > before, events.c.kind == "step")).scalar()
        statuses = dict(conn.execute(select(cases_table.c.status, func.count()).group_by(cases_table.c.status)).all())
    floor_s, floor_cpu = postgres_floor(store_path, transitions) if dialect == "postgresql" else floor(transitions, folder)
    return {
        "store": dialect, "cases": cases, "workers": workers, "steps": steps, "step_transitions": transitions, "statuses": statuses,
        "submit_cases_per_s": round(cases / submit_s, 1),
        "submit_statements_per_case": round(submit_statements / cases, 2),
        "run_cases_per_s": round(cases / run_s, 1),
        "end_to_end_cases_per_s": round(cases / (submit_s + run_s), 1),
        "step_transitions_per_s": round(transitions / run_s, 1),
        "statements_per_transition": round(statements / transitions, 3),
        "transactions_per_transition": round(transactions / transitions, 4),
        "floor_transitions_per_s": round(transitions / floor_s, 1),
        "ratio_to_floor": round(run_s / floor_s, 2),
        "cpu": {"submit_cases_per_s": round(cases / submit_cpu, 1), "run_cases_per_s": round(cases / run_cpu, 1),
                "end_to_end_cases_per_s": round(cases / (submit_cpu + run_cpu), 1),
                "floor_transitions_per_s": round(transitions / floor_cpu, 1),
                "ratio_to_floor": round(run_cpu / floor_cpu, 2)},
        "peak_rss_mib": round(max([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]
                                  + [r[3] for r in results]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--workers", default="1", help="worker counts to run in turn, e.g. 1,2 (a new store each)")
    parser.add_argument("--store", metavar="URL", help="a store URL (default: a new SQLite file per round)")
    parser.add_argument("--start-postgres", action="store_true",
                        help="start a private PostgreSQL server for the run (tests/postgres_server.py)")
    parser.add_argument("--peer", metavar="PYTHON", help="a Python with SpiffWorkflow 3.2 installed")
    parser.add_argument("--peer-cases", type=int, default=500)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="onething-throughput-"))
    server = None
    store_url = args.store
    if args.start_postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from postgres_server import PostgresServer

        server = PostgresServer(durable=True)
        server.admin('CREATE DATABASE "bench"')
        store_url = server.url("bench")
    try:
        variants = _manifests(folder)
        runs = [run(args.cases, int(w), variants, folder, store_url) for w in args.workers.split(",")]
    finally:
        if server is not None:
            server.stop()
    result: dict = {"runs": runs}
    if args.peer:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([args.peer, str(PEER), str(args.peer_cases), "durable"], capture_output=True,
                              text=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peer = json.loads(proc.stdout.strip().splitlines()[-1])
        # the peer's CPU seconds: the whole process (start-up and BPMN parsing included)
        peer["cpu_seconds"] = round(after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, 2)
        peer["cpu_cases_per_s"] = round(args.peer_cases / peer["cpu_seconds"], 1)
        result["peer"] = peer
        for r in runs:
            r["ratio_to_peer"] = round(r["end_to_end_cases_per_s"] / peer["cases_per_s"], 2)
            r["cpu"]["ratio_to_peer"] = round(r["cpu"]["end_to_end_cases_per_s"] / peer["cpu_cases_per_s"], 2)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if os.environ.get("KEEP") is None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
