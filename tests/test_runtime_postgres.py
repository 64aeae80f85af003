"""The case store on a real PostgreSQL server (tests/postgres_server.py): URLs, settings, errors
in words, and `onething store status` / `migrate` on both stores."""

from __future__ import annotations

import multiprocessing
import shutil

import pytest
from click.testing import CliRunner
from runtime_support import NOW, birth, empty_store_file, handed_in
from sqlalchemy import select, text

from onething.cli.main import main
from onething.runtime.clock import FixedClock
from onething.runtime.errors import StoreError, StoreTooNew, StoreUnavailable
from onething.runtime.store import migrate as migrate_module
from onething.runtime.store import open_store
from onething.runtime.store.migrate import SCHEMA_VERSION
from onething.runtime.store.tables import cases


def run(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def test_a_postgresql_url_is_served_by_psycopg_and_never_shows_its_password(postgres):
    url = postgres.fresh_database()
    with open_store(url) as store:
        assert store.engine.dialect.driver == "psycopg"
        assert store.where == url.replace(":test-password@", ":***@")
        assert store.schema_version == SCHEMA_VERSION


def test_reads_are_one_snapshot_and_writes_read_committed(postgres):
    with open_store(postgres.fresh_database()) as store:
        with store.read() as conn:
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
            assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        with store.write() as conn:
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
            assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "off"


def test_a_wrong_password_an_unreachable_server_and_a_missing_database_are_clear_errors(postgres):
    with pytest.raises(StoreError, match="refused the login: wrong user name or password") as wrong:
        open_store(postgres.url("postgres", password="not-it"))
    assert "not-it" not in str(wrong.value) and "test-password" not in str(wrong.value)
    assert not wrong.value.transient
    closed = postgres.url("postgres").replace(f":{postgres.port}/", ":1/")
    with pytest.raises(StoreUnavailable, match="cannot reach the database server: Connection refused") as down:
        open_store(closed)
    assert down.value.transient and "hint: check that the server runs" in str(down.value)
    with pytest.raises(StoreError, match='the database does not exist on the server: database "nosuch" does not'):
        open_store(postgres.url("nosuch"))


@pytest.mark.parametrize(("args", "message"), [
    (("store", "status"), "refused the login: wrong user name or password"),
    (("work", "--until-idle"), "refused the login: wrong user name or password"),
    (("cases",), "refused the login: wrong user name or password"),
])
def test_the_commands_say_what_is_wrong_with_the_server_without_a_traceback(postgres, args, message):
    result = run(*args, "--store", postgres.url("postgres", password="not-it"), code=1)
    assert message in result.output and "not-it" not in result.output


def test_a_newer_schema_on_the_server_is_refused_and_left_alone(postgres):
    url = postgres.fresh_database()
    with open_store(url) as store, store.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StoreTooNew, match="schema version 0099, newer than this program's"):
        open_store(url)
    result = run("store", "status", "--store", url)
    assert "schema version: 0099 (this program: 0003)" in result.output
    assert "the store was written by a newer onething" in result.output
    assert "newer than this program's" in run("store", "migrate", "--store", url, code=1).output


def test_another_programs_database_is_refused(postgres):
    url = postgres.empty_database()
    with open_store(url, migrate=False) as store, store.write() as conn:
        conn.execute(text("CREATE TABLE invoices (id integer)"))
    with pytest.raises(StoreError, match=r"not a onething case store \(it holds the tables invoices\)"):
        open_store(url)


def _empty(kind, postgres_server, tmp_path):
    if kind == "postgresql":
        return postgres_server().empty_database()
    (tmp_path / "new.db").touch()  # an empty file is an empty store
    return str(tmp_path / "new.db")


def test_store_status_and_migrate_from_empty_to_current(store_kind, tmp_path, request):
    url = _empty(store_kind, lambda: request.getfixturevalue("postgres"), tmp_path)
    result = run("store", "status", "--store", url)
    assert f"schema version: none (empty) (this program: {SCHEMA_VERSION})" in result.output
    assert "pending migrations: 0001, 0002, 0003" in result.output
    assert f"created the schema at version {SCHEMA_VERSION}" in run("store", "migrate", "--store", url).output
    status = run("store", "status", "--store", url, "--format", "json").stdout
    assert '"state": "current"' in status and '"pending": []' in status
    assert "the schema is current (0003); nothing to do" in run("store", "migrate", "--store", url).output


def test_store_migrate_applies_a_pending_migration(store_kind, tmp_path, monkeypatch, fresh_store_url):
    newer = tmp_path / "migrations"
    shutil.copytree(migrate_module.MIGRATIONS, newer, ignore=shutil.ignore_patterns("__pycache__"))
    (newer / "versions" / "0004_note.py").write_text(
        'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0004"\ndown_revision = "0003"\n'
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n"
        '    op.add_column("cases", sa.Column("note", sa.Text, nullable=True))\n', encoding="utf-8")
    monkeypatch.setattr(migrate_module, "MIGRATIONS", newer)
    monkeypatch.setattr(migrate_module, "SCHEMA_VERSION", "0004")
    result = run("store", "status", "--store", fresh_store_url)
    assert "schema version: 0003 (this program: 0004)" in result.output
    assert "pending migrations: 0004\nmigrations are pending: run onething store migrate" in result.output
    result = run("store", "migrate", "--store", fresh_store_url)
    assert "upgraded the schema from 0003 to 0004 (applied 0004)" in result.output
    assert '"state": "current"' in run("store", "status", "--store", fresh_store_url, "--format", "json").stdout


def _store_at(url: str, revision: str) -> None:
    """A store whose schema stops at ``revision``, as an older onething left it."""
    from alembic import command

    from onething.runtime.store.tables import APPLICATION, GENESIS_HASH, audit_head, store_info

    with open_store(url, migrate=False) as store, store.write() as conn:
        command.upgrade(migrate_module._config(conn), revision)
        conn.execute(store_info.insert(), [{"key": "application", "value": APPLICATION}])
        conn.execute(audit_head.insert().values(id=1, seq=0, hash=GENESIS_HASH, updated_at=NOW))


def test_store_migrate_replaces_the_step_indexes_of_a_0002_store_holding_cases(store_kind, tmp_path, request):
    from sqlalchemy import inspect

    from onething.runtime.acceptance import accept
    from onething.runtime.audit import verify_chain
    from onething.runtime.config import RuntimeConfig
    from onething.runtime.engine import Worker

    url = _empty(store_kind, lambda: request.getfixturevalue("postgres"), tmp_path)
    _store_at(url, "0002")
    manifest, answers = birth()
    with open_store(url, migrate=False, clock=FixedClock(NOW)) as old:  # cases accepted before the upgrade
        numbers = [accept(old, manifest, answers, materials=handed_in(manifest), actor="clerk").case_number
                   for _ in range(2)]
    result = run("store", "migrate", "--store", url)
    assert "upgraded the schema from 0002 to 0003 (applied 0003)" in result.output
    with open_store(url, migrate=False, clock=FixedClock(NOW)) as store:
        with store.read() as conn:
            names = {ix["name"] for ix in inspect(conn).get_indexes("steps")}
        assert {"ix_steps_ready", "ix_steps_dispatched", "ix_steps_waiting"} <= names
        assert not names & {"ix_steps_status_id", "ix_steps_status_retry_at", "ix_steps_lease_expires_at"}
        summary = Worker(store, RuntimeConfig(default={"adapter": "simulate"}), heartbeat=False).run(until_idle=True)
        with store.read() as conn:
            statuses = conn.execute(select(cases.c.number, cases.c.status).order_by(cases.c.id)).all()
            assert verify_chain(conn).ok
    assert summary.steps == 2 * len(manifest.plan.steps) and summary.outcomes == {"done": summary.steps}
    assert [tuple(r) for r in statuses] == [(n, "completed") for n in numbers]


def test_status_of_a_missing_sqlite_file_creates_nothing(tmp_path):
    result = run("store", "status", "--store", tmp_path / "none.db", code=1)
    assert "there is no store at" in result.output and not (tmp_path / "none.db").exists()


def test_the_sql_for_a_database_administrator_makes_a_store_onething_opens(postgres):
    url = postgres.empty_database()
    sql = run("store", "migrate", "--sql", "--store", url).stdout
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(sql)
    with open_store(url, migrate=False) as store:
        assert store.schema_status().state == "current"
        with store.read() as conn:
            assert conn.execute(text("SELECT seq FROM audit_head")).scalar() == 0


def _open(url: str) -> str:
    with open_store(url) as store:
        return store.schema_version


def test_two_processes_creating_one_store_at_once_both_succeed(postgres):
    url = postgres.empty_database()
    context = multiprocessing.get_context("fork")
    with context.Pool(3) as pool:
        assert pool.map(_open, [url] * 3) == [SCHEMA_VERSION] * 3


def test_sqlite_is_still_the_default_kind_of_store(tmp_path):
    path = empty_store_file(tmp_path)
    assert "schema version: 0003 (this program: 0003)" in run("store", "status", "--store", path).output
