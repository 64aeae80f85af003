"""The case store: one SQLite file by default, any SQLAlchemy URL otherwise.

:func:`open_store` finds the store (``location``), opens it, creates or upgrades its schema
(``migrate``) and returns a :class:`Store` whose ``write()`` and ``read()`` give a
connection inside one transaction. Database failures come out as :class:`StoreError` with a
clear message (a corrupted or foreign file, a newer schema, a busy store), never a traceback.

SQLite settings, stated: WAL journal (readers do not block the writer), ``synchronous=NORMAL``
(in WAL mode a committed transaction survives the process being killed at any moment; after
a power cut or OS crash the last transactions before it may be rolled back, never
corrupted — pass ``synchronous="FULL"`` to trade speed for that too), foreign keys on, a page
cache of up to 64 MiB per connection (SQLite's default is 2 MiB: the indexes a worker updates
on every step outgrow it within a few thousand cases), and a busy timeout so concurrent workers wait for each other instead of failing. Write
transactions start with ``BEGIN IMMEDIATE``: they take the write lock at once, so two
processes never both read a value and then race to update it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from onething.dsl.i18n import _
from onething.runtime.clock import Clock, SystemClock
from onething.runtime.errors import StoreError, StoreNotFound
from onething.runtime.store.location import STORE_ENV, find_project_root, store_url
from onething.runtime.store.migrate import SchemaStatus, ensure_schema, foreign_store, schema_status
from onething.runtime.store.postgres import (
    configure_postgres,
    notify_ready,
    postgres_engine_options,
    postgres_error,
    postgres_url,
)
from onething.runtime.store.tables import APPLICATION

__all__ = ["STORE_ENV", "Store", "StoreError", "find_project_root", "open_store", "store_url"]

SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
WAKING = frozenset({"ready", "accepted"})
"""A transaction that moved a step to ready or accepted a case (its first steps are ready) wakes idle workers."""
APPENDED_EVENTS = "onething_appended_events"
"""``conn.info`` key: the audit events appended in the current write transaction."""
BUSY_TIMEOUT_S = 30.0
CACHE_KIB = 65536  # page cache per connection, filled as used: a busy store's hot indexes stay in memory


class Store:
    """An open case store. Use ``write()`` for any change, ``read()`` for a consistent read."""

    def __init__(self, engine: Engine, where: str, clock: Clock, schema_version: str) -> None:
        self.engine = engine
        self.where = where
        self.clock = clock
        self.schema_version = schema_version
        self.stored_manifests: set[str] = set()  # hashes known to be committed here (manifests are never deleted)
        self.url = where
        """The URL to open this store again (with its password: never print it; print ``where``)."""
        self.on_commit: list[Callable[[list[Any]], None]] = []
        """Called after each committed write transaction with the audit events it appended."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises.

        The audit events appended inside it are handed to ``on_commit`` listeners after the
        commit (never for a rolled-back transaction): the transition log. On PostgreSQL a
        transaction that made a step ready (or accepted a case) also sends ``NOTIFY`` (delivered at commit) to wake
        idle workers.
        """
        appended: list[Any] = []
        with _translated(self.where), self.engine.connect() as conn:
            conn = conn.execution_options(onething_write=True)
            conn.info[APPENDED_EVENTS] = appended
            try:
                with conn.begin():
                    yield conn
                    if self.dialect == "postgresql" and any(e.to_status in WAKING for e in appended):
                        notify_ready(conn)
            finally:
                conn.info.pop(APPENDED_EVENTS, None)
        for listener in self.on_commit:
            listener(appended)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot in WAL mode)."""
        with _translated(self.where), self.engine.connect() as conn, conn.begin():
            yield conn

    def schema_status(self) -> SchemaStatus:
        """The schema's version against this program's and the migrations pending; changes nothing."""
        with self.read() as conn:
            return schema_status(conn, self.where)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_store(url: str | None = None, *, root: Path | None = None, clock: Clock | None = None,
               synchronous: str = "NORMAL", create: bool = True, migrate: bool = True,
               connections: int | None = None, environ: Mapping[str, str] | None = None) -> Store:
    """Open (and if need be create or upgrade) the store at ``url``, ``ONETHING_STORE`` or the default.

    With ``migrate=False`` the schema is only read, never created or upgraded (``store status``,
    ``work --health``): ``store.schema_status()`` says where it stands. ``connections``: how
    many connections the process may hold at once (default: SQLAlchemy's 5, plus 10 more when
    busy); ``work --concurrency N`` asks for two per thread (the step and its heartbeat).
    """
    clock = clock or SystemClock()
    if synchronous.upper() not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}")
    chosen = store_url(url, root, environ)
    try:
        parsed = make_url(chosen)
    except exc.ArgumentError:
        raise StoreError(_("{url} is not a store URL").format(url=chosen),
                         _("give a file path or a URL like sqlite:///cases.db or postgresql://host/db")) from None
    where = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        parsed = postgres_url(parsed)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        options.update(postgres_engine_options())
    in_memory = parsed.get_backend_name() == "sqlite" and (parsed.database or ":memory:") == ":memory:"
    if connections is not None and not in_memory:
        options.update(pool_size=connections, max_overflow=0)
    if parsed.get_backend_name() == "sqlite":
        where = _prepare_sqlite_file(parsed.database, create)
        options["connect_args"] = {"timeout": BUSY_TIMEOUT_S}
    try:
        engine = create_engine(parsed, **options)
    except (exc.NoSuchModuleError, ImportError) as error:
        raise StoreError(_("cannot open {url}: {reason}").format(url=where, reason=error),
                         _("install the database driver for this URL")) from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, synchronous.upper())
    elif engine.dialect.name == "postgresql":
        configure_postgres(engine)
    store = Store(engine, where, clock, "")
    store.url = chosen
    try:
        if migrate:
            with store.write() as conn:
                store.schema_version = ensure_schema(conn, where, clock.now())
        else:
            store.schema_version = store.schema_status().version or ""
    except BaseException:
        engine.dispose()
        raise
    return store


def _prepare_sqlite_file(database: str | None, create: bool) -> str:
    if not database or database == ":memory:" or database.startswith("file:"):
        return database or ":memory:"
    path = Path(database)
    if path.is_dir():
        raise StoreError(_("{path} is a folder, not a store file").format(path=path),
                         _("give the path of a file, e.g. {path}").format(path=path / "cases.db"))
    if not path.exists():
        if not create:
            raise StoreNotFound(_("there is no store at {path}").format(path=path),
                                _("accept a case first (onething submit), or give --store"))
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _sniff_sqlite_file(path)
    return str(path)


def _sniff_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database, or another program's, before changing anything in it.

    Opening through the engine would switch the file to WAL mode: a foreign database must
    not be touched, so it is checked first through a read-only connection.
    """
    with path.open("rb") as fh:
        header = fh.read(16)
    if not header:
        return  # an empty file: a new store
    corrupted = StoreError(_("the store file is corrupted or is not a SQLite database"),
                           _("restore the store from a backup, or give another with --store"), str(path))
    if header != b"SQLite format 3\x00":
        raise corrupted
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            marker = None
            if "store_info" in tables:
                row = probe.execute("SELECT value FROM store_info WHERE key = 'application'").fetchone()
                marker = row[0] if row else None
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        raise corrupted from None
    if tables and marker != APPLICATION:
        raise foreign_store(tables, str(path))


def _use_wal(cursor: Any) -> None:
    """Put the database in WAL mode, waiting for a process that holds it as a busy store would.

    Switching to WAL takes an exclusive lock, and SQLite answers "database is locked" at once,
    without its busy handler, when another connection holds a lock then: two processes
    creating one new store (two workers started together) failed that way. A database already
    in WAL mode (every store after its creation) is only asked; the switch is retried until
    the busy timeout has passed.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _use_wal(cursor)
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("onething_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def _translated(where: str) -> Iterator[None]:
    """Database failures other than constraint violations become a StoreError that says what to do."""
    try:
        yield
    except exc.IntegrityError:
        raise
    except exc.DBAPIError as error:
        raise _store_error(error, where) from None


def _store_error(error: exc.DBAPIError, where: str) -> StoreError:
    if error.connection_invalidated or _is_postgres_error(error):
        return postgres_error(error.orig, where, invalidated=error.connection_invalidated)
    text = str(error.orig).lower()
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return StoreError(_("the store file is corrupted or is not a SQLite database"),
                          _("restore the store from a backup, or give another with --store"), where)
    if "locked" in text or "busy" in text:
        return StoreError(_("the store is busy: another process held it too long"),
                          _("try again; if it persists, look for a stuck onething process"), where)
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return StoreError(_("the store cannot be opened for writing: {reason}").format(reason=error.orig),
                          _("check the file's permissions and that its folder exists"), where)
    return StoreError(_("the store failed: {reason}").format(reason=error.orig), None, where)


def _is_postgres_error(error: exc.DBAPIError) -> bool:
    return type(error.orig).__module__.split(".")[0] in ("psycopg", "psycopg2")
