"""Operating workers, on both stores: `work --health`, `--concurrency`, the JSON transition log,
graceful shutdown on SIGTERM (finish, or release after the grace period), NOTIFY wake-ups."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from runtime_support import birth, handed_in
from sqlalchemy import select

from onething.cli.main import main
from onething.runtime.acceptance import accept, idempotency_key
from onething.runtime.audit import case_events
from onething.runtime.store import open_store
from onething.runtime.store.tables import cases, steps
from onething.runtime.store.waiting import Wakeup

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "runtime"


def run(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def _accept(url: str, n: int) -> list[str]:
    manifest, answers = birth()
    with open_store(url) as store:
        return [accept(store, manifest, answers, materials=handed_in(manifest), actor="clerk").case_number
                for _ in range(n)]


def test_health_is_0_for_a_current_store_and_1_with_the_reason_otherwise(fresh_store_url, store_kind, tmp_path,
                                                                         request):
    assert "schema 0003 is current" in run("work", "--health", "--store", fresh_store_url).output
    report = json.loads(run("work", "--health", "--store", fresh_store_url, "--format", "json").stdout)
    assert report["healthy"] is True and report["schema"]["state"] == "current"
    with open_store(fresh_store_url) as store, store.write() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    result = run("work", "--health", "--store", fresh_store_url, code=1)
    assert "unhealthy: the store's schema 0001 is older than this program's 0003: run onething store migrate" \
        in result.output
    if store_kind == "sqlite":
        missing = tmp_path / "none.db"
        assert "there is no store at" in run("work", "--health", "--store", missing, code=1).output
        assert not missing.exists()  # a health check creates nothing
    else:
        server = request.getfixturevalue("postgres")
        result = run("work", "--health", "--store", server.url("postgres", password="wrong"), code=1)
        assert "unhealthy:" in result.output and "wrong user name or password" in result.output
        down = server.url("postgres").replace(f":{server.port}/", ":1/")
        assert "cannot reach the database server" in run("work", "--health", "--store", down, code=1).output


def test_threads_finish_every_case_and_log_one_json_line_per_transition(fresh_store_url, tmp_path):
    numbers = _accept(fresh_store_url, 4)
    config = tmp_path / "runtime.yaml"
    # departments take a moment (as real ones do), so a thread waiting on one leaves the store to
    # the others: with instant answers one thread may record and claim every batch by itself
    config.write_text("default: {adapter: simulate, delay_seconds: 0.01}\ndepartments:\n"
                      "  health: {adapter: simulate, delay_seconds: 0.01, reject: [childbirth_registration],"
                      " reason: 'mother 653001199203150027 not found'}\n"
                      "lease_seconds: 30\npoll_seconds: 0.05\nbatch_size: 2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["work", "--until-idle", "--concurrency", "3", "--config", str(config),
                                       "--store", fresh_store_url, "--worker-id", "w", "--format", "json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    transitions = [x for x in lines if x["event"] == "transition"]
    with open_store(fresh_store_url) as store, store.read() as conn:
        statuses = set(conn.execute(select(cases.c.status)).scalars())
        logged = {e.seq for n in numbers for e in case_events(conn, n) if e.to_status != "accepted"}
    assert statuses == {"partially_completed"}
    assert {x["seq"] for x in transitions} == logged and len(transitions) == len(logged)  # one line each
    step_lines = [x for x in transitions if x["kind"] == "step"]
    assert all(x["idempotency_key"] == idempotency_key(x["case"], x["item"]) for x in step_lines)
    assert {x["attempt"] for x in step_lines if x["to"] == "dispatched"} == {1}
    rejected = [x for x in step_lines if x["to"] == "rejected"]
    assert len(rejected) == 4 and all("653***********0027" in x["data"]["reason"] for x in rejected)
    assert "653001199203150027" not in result.stderr  # personal data masked
    actors = {x["actor"] for x in step_lines if x["to"] == "dispatched"}
    assert actors <= {"worker w/1", "worker w/2", "worker w/3"} and len(actors) >= 2  # the threads took part
    assert [x["event"] for x in lines if x["event"] != "transition"] == ["worker_started", "worker_stopped"]


def _worker(url: str, config: Path, log: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(FIXTURES)]), "ONETHING_STORE": url,
           "STARTED": str(log.with_name("started")), "SLOW_SECONDS": "3"}
    env.pop("ONETHING_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "onething", "work", "--config", str(config), "--worker-id", "g",
                             "--format", "json", *extra], env=env, stdout=subprocess.PIPE,
                            stderr=log.open("wb"))


def _wait_for(predicate, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(("grace", "finished"), [("60", True), ("0", False)], ids=["finish", "release"])
def test_sigterm_finishes_the_step_in_flight_or_releases_it_after_the_grace(fresh_store_url, tmp_path, grace,
                                                                            finished):
    _accept(fresh_store_url, 1)
    config = tmp_path / "runtime.yaml"
    config.write_text("default: {adapter: python, callable: 'slow_department:handle'}\nlease_seconds: 60\n"
                      "poll_seconds: 0.05\nbatch_size: 1\n", encoding="utf-8")
    worker = _worker(fresh_store_url, config, tmp_path / "log", "--grace", grace)
    started = tmp_path / "started"
    _wait_for(lambda: started.exists() and started.read_text().count("\n") == 1)  # the department has it
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0
    summary = json.loads(out)
    log = [json.loads(x) for x in (tmp_path / "log").read_text().splitlines()]
    with open_store(fresh_store_url) as store, store.read() as conn:
        rows = conn.execute(select(steps.c.status, steps.c.lease_owner, steps.c.attempts)
                            .where(steps.c.attempts > 0)).all()
    assert len(rows) == 1  # no new claim after SIGTERM
    if finished:
        assert summary["steps"] == 1 and summary["released"] == 0 and rows[0].status == "done"
    else:
        assert summary["released"] == 1 and (rows[0].status, rows[0].lease_owner) == ("ready", None)
        released = [x for x in log if x["event"] == "transition" and x["from"] == "dispatched"]
        assert released[-1]["to"] == "ready" and released[-1]["data"] == {"released": "shutdown"}
    assert [x for x in log if x["event"] == "stopping"][0]["released"] == summary["released"]


def test_an_idle_worker_is_woken_by_notify_not_by_polling(postgres, tmp_path):
    """poll_seconds is an hour: only the NOTIFY of the accepting transaction can wake the worker."""
    url = postgres.fresh_database()
    config = tmp_path / "runtime.yaml"
    config.write_text("default: {adapter: simulate}\nlease_seconds: 60\npoll_seconds: 3600\n", encoding="utf-8")
    log = tmp_path / "log"
    worker = _worker(url, config, log, "--grace", "5")
    try:
        _wait_for(lambda: '"worker_started"' in log.read_text())
        time.sleep(0.5)  # the worker found nothing and is waiting
        (number,) = _accept(url, 1)
        with open_store(url) as store:
            def completed() -> bool:
                with store.read() as conn:
                    return conn.execute(select(cases.c.status).where(cases.c.number == number)).scalar() \
                        == "completed"
            _wait_for(completed)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=60)


def test_the_wakeup_wakes_waiters_at_a_notify_and_ends_waits_at_stop(postgres):
    url = postgres.fresh_database()
    stop = threading.Event()
    with open_store(url) as store:
        wakeup = Wakeup(store, stop)
        try:
            assert wakeup.listening.wait(30)
            since = wakeup.generation
            with store.write() as conn:
                from onething.runtime.store.postgres import notify_ready

                notify_ready(conn)
            woke = threading.Event()
            waiter = threading.Thread(target=lambda: (wakeup.wait(3600, since), woke.set()))
            waiter.start()
            assert woke.wait(30)  # not an hour
            since = wakeup.generation
            waiter = threading.Thread(target=lambda: wakeup.wait(3600, since))
            waiter.start()
            stop.set()
            waiter.join(30)
            assert not waiter.is_alive()
        finally:
            wakeup.close()


def test_sigterm_releases_the_steps_of_a_batch_not_yet_sent_at_once(fresh_store_url, tmp_path):
    """A batch of four is claimed; SIGTERM while the first is with its department: that one
    finishes (grace 60 s), the three not yet sent go back to ready at once — same key, no lease."""
    _accept(fresh_store_url, 1)  # four steps ready at acceptance
    config = tmp_path / "runtime.yaml"
    config.write_text("default: {adapter: python, callable: 'slow_department:handle'}\nlease_seconds: 60\n"
                      "poll_seconds: 0.05\nbatch_size: 4\n", encoding="utf-8")
    worker = _worker(fresh_store_url, config, tmp_path / "log", "--grace", "60")
    started = tmp_path / "started"
    _wait_for(lambda: started.exists() and started.read_text().count("\n") == 1)
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0
    summary = json.loads(out)
    with open_store(fresh_store_url) as store, store.read() as conn:
        rows = conn.execute(select(steps.c.status, steps.c.lease_owner, steps.c.attempts)
                            .where(steps.c.attempts > 0)).all()
    assert summary["steps"] == 1 and summary["released"] == 3
    assert sorted((r.status, r.lease_owner) for r in rows) == [("done", None)] + [("ready", None)] * 3
    assert started.read_text().count("\n") == 1  # the released three were never sent


def _work_on_a_terminal(url: str, config: Path, *extra: str) -> tuple[str, str]:
    """`onething work --until-idle` with stderr on a pseudo-terminal (a clerk's screen): (stdout, terminal)."""
    import pty

    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "onething", "work", "--until-idle", "--config", str(config),
                             "--store", url, *extra], stdout=subprocess.PIPE, stderr=terminal, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the worker exited
            break
        if not chunk:
            break
        seen += chunk
    out = proc.communicate(timeout=120)[0]
    os.close(controller)
    assert proc.returncode == 0, (out, seen)
    return out, seen.decode("utf-8", "replace")


def test_the_log_is_off_on_a_clerks_terminal_unless_asked_for(fresh_store_url, tmp_path):
    _accept(fresh_store_url, 2)
    config = tmp_path / "runtime.yaml"
    config.write_text("default: {adapter: simulate}\npoll_seconds: 0.05\n", encoding="utf-8")
    out, screen = _work_on_a_terminal(fresh_store_url, config)
    assert '"event"' not in screen and "step(s) carried out" in out + screen  # the summary, not a flood
    _accept(fresh_store_url, 1)
    out, screen = _work_on_a_terminal(fresh_store_url, config, "--log", "json")
    assert screen.count('"event": "transition"') >= 8  # asked for: one line per transition
