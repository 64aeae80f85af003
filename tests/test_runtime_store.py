"""The case store on a real SQLite file: location, settings, schema versions, refusals, case numbers."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from compile_support import manifest
from runtime_support import NOW, empty_store_file
from sqlalchemy import column, func, insert, select
from sqlalchemy import table as sql_table

from onething.runtime.clock import FixedClock
from onething.runtime.errors import StoreError, StoreNotFound, StoreTooNew
from onething.runtime.store import open_store, store_url
from onething.runtime.store.casenumbers import case_prefix, next_case_number
from onething.runtime.store.manifests import (
    UnknownManifest,
    get_manifest,
    manifest_hash,
    put_manifest,
)
from onething.runtime.store.migrate import SCHEMA_VERSION, head_revision, upgrade_sql
from onething.runtime.store.tables import cases, manifests, metadata, steps


@pytest.fixture
def store(fresh_store_url):
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as opened:
        yield opened


def test_default_location_is_under_the_project_root(tmp_path):
    (tmp_path / "bundles").mkdir()
    deep = tmp_path / "bundles" / "catalog"
    deep.mkdir()
    assert store_url(root=deep, environ={}) == f"sqlite:///{tmp_path.resolve().as_posix()}/.onething/cases.db"
    with open_store(root=deep, environ={}, clock=FixedClock(NOW)) as opened:
        assert opened.where == str(tmp_path.resolve() / ".onething" / "cases.db")
    assert (tmp_path / ".onething" / "cases.db").is_file()


def test_environment_and_plain_paths_choose_the_store(tmp_path):
    assert store_url(environ={"ONETHING_STORE": "postgresql://db/cases"}) == "postgresql://db/cases"
    assert store_url("x.db", environ={}).endswith("/x.db") and store_url("x.db", environ={}).startswith("sqlite:///")
    assert store_url("sqlite:///given.db", environ={"ONETHING_STORE": "other.db"}) == "sqlite:///given.db"


def test_sqlite_settings_are_the_stated_ones(tmp_path):
    with open_store(empty_store_file(tmp_path)) as store, store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with open_store(str(tmp_path / "full.db"), synchronous="FULL") as full, full.read() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_schema_version_is_recorded_and_matches_the_tables(store):
    assert store.schema_version == SCHEMA_VERSION == head_revision() == "0003"
    with store.read() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0003"
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_reopening_keeps_the_data(tmp_path):
    path = str(tmp_path / "cases.db")
    with open_store(path, clock=FixedClock(NOW)) as first, first.write() as conn:
        put_manifest(conn, manifest("core"), NOW)
    with open_store(path) as again, again.read() as conn:
        assert conn.execute(select(func.count()).select_from(manifests)).scalar() == 1


def test_a_newer_store_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "cases.db"
    open_store(str(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0042'")
    with pytest.raises(StoreTooNew) as info:
        open_store(str(path))
    assert "schema version 0042, newer than this program's 0003" in str(info.value)
    assert info.value.hint.startswith("upgrade onething")
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0042",)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "cases.db"
    path.write_bytes(b"PK\x03\x04 not a database at all" * 40)
    with pytest.raises(StoreError) as info:
        open_store(str(path))
    assert "corrupted or is not a SQLite database" in str(info.value)
    assert path.read_bytes().startswith(b"PK\x03\x04")


def test_a_damaged_store_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "cases.db"
    open_store(str(path)).close()
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # the second page: a table's b-tree
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupted"):
        with open_store(str(path)) as damaged, damaged.read() as conn:
            conn.execute(select(cases)).all()


def test_a_store_missing_a_table_is_refused(tmp_path):
    path = tmp_path / "cases.db"
    open_store(str(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE evaluations")
    with pytest.raises(StoreError, match="damaged: the table evaluations is missing"):
        open_store(str(path))


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(StoreError) as info:
        open_store(str(path))
    assert "not a onething case store (it holds the tables users)" in str(info.value)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert [r[0] for r in raw.execute("SELECT name FROM sqlite_master")] == ["users"]


def test_missing_store_folder_and_bad_url(tmp_path):
    with pytest.raises(StoreNotFound, match="there is no store"):
        open_store(str(tmp_path / "none.db"), create=False)
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(StoreError, match="is a folder"):
        open_store(str(tmp_path))
    with pytest.raises(StoreError, match="not a store URL"):
        open_store("sqlite+nope:://x")
    with pytest.raises(StoreError, match="database driver"):
        open_store("postgresql+nosuchdriver://localhost/cases")


def test_an_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "cases.db"
    path.touch()
    with open_store(str(path)) as opened:
        assert opened.schema_version == "0003"


def test_manifests_are_stored_once_by_hash(store):
    core = manifest("core")
    other = manifest("producers")
    with store.write() as conn:
        first = put_manifest(conn, core, NOW)
        again = put_manifest(conn, core, NOW)
        second = put_manifest(conn, other, NOW)
    assert first == again == manifest_hash(core.to_json())
    assert second != first
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(manifests)).scalar() == 2
        assert get_manifest(conn, first) == core
        with pytest.raises(UnknownManifest, match="no manifest"):
            get_manifest(conn, "0" * 64)


def test_case_numbers_count_per_prefix_and_day(store):
    with store.write() as conn:
        numbers = [next_case_number(conn, "birth", date(2026, 12, 1)) for _ in range(3)]
        numbers.append(next_case_number(conn, "birth", date(2026, 12, 2)))
        numbers.append(next_case_number(conn, "school_entry", date(2026, 12, 1)))
    assert numbers == ["birth-20261201-0001", "birth-20261201-0002", "birth-20261201-0003",
                       "birth-20261202-0001", "school_entry-20261201-0001"]
    assert case_prefix(manifest("core")) == "core"
    with pytest.raises(ValueError, match="prefix"):
        with store.write() as conn:
            next_case_number(conn, "bad prefix", date(2026, 12, 1))


def test_a_rolled_back_transaction_gives_its_number_back_on_sqlite_and_leaves_a_gap_on_postgresql(store):
    with store.write() as conn:
        assert next_case_number(conn, "birth", date(2026, 12, 1)) == "birth-20261201-0001"
    with pytest.raises(RuntimeError), store.write() as conn:
        next_case_number(conn, "birth", date(2026, 12, 1))
        raise RuntimeError("acceptance failed")
    with store.write() as conn:
        number = next_case_number(conn, "birth", date(2026, 12, 1))
    assert number == ("birth-20261201-0002" if store.dialect == "sqlite" else "birth-20261201-0003")
    with store.write() as conn:  # the next day starts again from 1
        assert next_case_number(conn, "birth", date(2026, 12, 2)) == "birth-20261202-0001"
        assert next_case_number(conn, "birth", date(2026, 12, 2)) == "birth-20261202-0002"
        assert next_case_number(conn, "death", date(2026, 12, 2)) == "death-20261202-0001"


def _allocate(path: str, count: int, out: list[str] | None = None) -> list[str]:
    got = []
    with open_store(path) as opened:
        for _ in range(count):
            with opened.write() as conn:
                got.append(next_case_number(conn, "birth", date(2026, 12, 1)))
    if out is not None:
        out.extend(got)
    return got


def test_case_numbers_are_unique_across_threads(store):
    results: list[str] = []
    threads = [threading.Thread(target=_allocate, args=(store.url, 25, results)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if store.dialect == "sqlite":
        assert sorted(results) == [f"birth-20261201-{n:04d}" for n in range(1, 101)]
    else:  # from a sequence: unique, from 1, gaps only where two transactions raced to start the day
        assert len(set(results)) == 100 and min(results) == "birth-20261201-0001"
        assert all(r.startswith("birth-20261201-") for r in results)


def test_case_numbers_are_unique_across_processes(tmp_path):
    path = str(tmp_path / "cases.db")  # both processes race to create the store, too
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(2) as pool:
        runs = pool.starmap(_allocate, [(path, 40), (path, 40)])
    assert sorted(runs[0] + runs[1]) == [f"birth-20261201-{n:04d}" for n in range(1, 81)]


def test_tables_refuse_unknown_statuses_and_second_idempotency_keys(store):
    from sqlalchemy.exc import IntegrityError

    digest = None
    with store.write() as conn:
        digest = put_manifest(conn, manifest("core"), NOW)
        case_id = conn.execute(insert(cases).values(
            number="core-20261201-0001", bundle_id="core", manifest_hash=digest, answers={}, selection=[],
            status="accepted", accepted_on=date(2026, 12, 1), actor="clerk", created_at=NOW, updated_at=NOW,
        )).inserted_primary_key[0]
        conn.execute(insert(steps).values(case_id=case_id, item="register", department="ps", stage=0,
                                          status="ready", idempotency_key="k1", updated_at=NOW))
    row = {"case_id": case_id, "department": "ps", "stage": 0, "updated_at": NOW}
    for bad in ({"item": "x", "status": "finished", "idempotency_key": "k2"},
                {"item": "y", "status": "ready", "idempotency_key": "k1"},
                {"item": "register", "status": "ready", "idempotency_key": "k3"}):
        with pytest.raises(IntegrityError), store.write() as conn:
            conn.execute(insert(steps).values(**row, **bad))
    with pytest.raises(IntegrityError), store.write() as conn:
        conn.execute(insert(steps).values(**{**row, "case_id": 999}, item="z", status="ready", idempotency_key="k4"))
    with store.read() as conn:
        stored = conn.execute(select(cases.c.created_at, cases.c.flagged)).one()
    assert stored.created_at == NOW and stored.created_at.tzinfo is UTC
    assert stored.flagged is False


def test_naive_datetimes_are_refused(store):
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="aware datetimes"), store.write() as conn:
        put_manifest(conn, manifest("core"), datetime(2026, 12, 1))


def test_the_migrations_render_for_postgresql_without_sqlite_only_sql():
    text = upgrade_sql("postgresql")
    for table in metadata.tables:
        assert f"CREATE TABLE {table} (" in text
    assert "SERIAL" in text
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in text
    assert "UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001'" in text
    assert "CREATE INDEX ix_steps_ready ON steps (id) WHERE status = 'ready';" in text
    assert "UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0002'" in text
    for sqlite_only in ("AUTOINCREMENT", "PRAGMA", "WITHOUT ROWID", "STRICT"):
        assert sqlite_only not in text


def test_an_older_store_is_upgraded_when_opened_and_then_too_new_for_the_older_program(
        tmp_path, monkeypatch, fresh_store_url):
    import shutil

    from sqlalchemy import inspect

    from onething.runtime.store import migrate

    path = fresh_store_url  # a store at 0003
    newer = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, newer, ignore=shutil.ignore_patterns("__pycache__"))
    (newer / "versions" / "0004_note.py").write_text(
        '"""A later schema for this test: a note on each case."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        'revision = "0004"\ndown_revision = "0003"\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade():\n"
        '    op.add_column("cases", sa.Column("note", sa.Text, nullable=True))\n', encoding="utf-8")
    with monkeypatch.context() as later:
        later.setattr(migrate, "MIGRATIONS", newer)
        later.setattr(migrate, "SCHEMA_VERSION", "0004")
        with open_store(path) as upgraded, upgraded.read() as conn:
            assert upgraded.schema_version == "0004"
            assert MigrationContext.configure(conn).get_current_revision() == "0004"
            assert "note" in [c["name"] for c in inspect(conn).get_columns("cases")]
    with pytest.raises(StoreTooNew, match="schema version 0004, newer than this program's 0003"):
        open_store(path)


def test_a_direct_read_gives_cores_rows_counts_as_a_statement_and_fails_in_words(fresh_store_url):
    """DirectRead (the engine's hot reads on SQLite's cursor): same rows as Core for IN lists of
    any length and a literal kept from the statement; seen by cursor listeners; errors translated."""
    from sqlalchemy import bindparam, event

    from onething.runtime.store.direct import DirectRead

    query = (select(steps.c.id, steps.c.item).where(steps.c.case_id.in_(bindparam("ids", expanding=True)),
                                                     steps.c.item.in_(bindparam("items", expanding=True)),
                                                     steps.c.status != "skipped").order_by(steps.c.id))
    direct = DirectRead(query)
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as store:
        seen: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        with store.write() as conn:
            digest = put_manifest(conn, manifest("core"), NOW)
            for n in range(1, 4):
                case_id = conn.execute(insert(cases).values(
                    number=f"core-20261201-000{n}", bundle_id="core", manifest_hash=digest, answers={}, selection=[],
                    status="accepted", accepted_on=date(2026, 12, 1), actor="clerk", created_at=NOW,
                    updated_at=NOW)).inserted_primary_key[0]
                conn.execute(insert(steps), [
                    {"case_id": case_id, "item": item, "department": "d", "stage": 1,
                     "status": "skipped" if item == "c" else "ready", "attempts": 0,
                     "idempotency_key": f"{n}-{item}", "updated_at": NOW} for item in "abc"])
        with store.read() as conn:
            for ids, items in (([1], ["a"]), ([1, 2, 3], ["a", "c"]), ([3, 2], ["b", "c", "a"])):
                before = len(seen)
                rows = direct.all(conn, {"ids": ids, "items": items})
                assert rows == [tuple(r) for r in conn.execute(query, {"ids": ids, "items": items}).all()]
                assert rows and all(item != "c" for _id, item in rows)
                assert len(seen) == before + 2
        if store.dialect == "sqlite":
            with pytest.raises(StoreError, match="the store failed: no such table: missing_table"), store.read() as conn:
                DirectRead(select(column("x")).select_from(sql_table("missing_table"))).all(conn)
