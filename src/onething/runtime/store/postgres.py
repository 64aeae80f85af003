"""PostgreSQL as the case store: the URL, the engine's settings, and its errors in words.

``postgresql://user:password@host:port/database`` (or ``postgres://``) is served by psycopg 3
(SQLAlchemy's ``postgresql+psycopg``); a URL naming another driver is used as given.
Settings, stated:

- pooled connections are not pinged before each use (that would be one more round trip per
  transaction): a transaction that meets a dead connection (after a restart or a failover)
  fails as *transient*, SQLAlchemy discards the pool's connections, and the caller retries
  on a new one (the engine does: ``Worker.run``);
- connecting gives up after ``CONNECT_TIMEOUT_S`` seconds (an unreachable host is an error,
  not a hang);
- write transactions are READ COMMITTED and take row locks (``SELECT … FOR UPDATE``, and
  ``FOR UPDATE SKIP LOCKED`` to claim steps); read transactions are REPEATABLE READ, READ ONLY
  — one consistent snapshot, as on SQLite.

Which errors are *transient* (the connection was lost, the server is shutting down or
restarting, a deadlock or a serialisation failure was detected): the transaction did not
commit — or, if the connection broke during COMMIT, may have — and the caller may retry it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL

from onething.dsl.i18n import _
from onething.runtime.errors import StoreError, StoreUnavailable

_SERVER_FAILED = re.compile(r'^connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed: ')
CONNECT_TIMEOUT_S = 10
DRIVER = "postgresql+psycopg"

# SQLSTATE classes and codes after which a transaction may simply be tried again
_TRANSIENT_STATES = ("08",          # connection exception
                     "57P01",       # admin_shutdown (pg_ctl stop/restart -m fast)
                     "57P02",       # crash_shutdown
                     "57P03",       # cannot_connect_now (starting up, or a standby being promoted)
                     "40001",       # serialization_failure
                     "40P01",       # deadlock_detected
                     "25006")       # read_only_sql_transaction (a failover reached a standby)
_TRANSIENT_TEXT = ("server closed the connection", "connection is closed", "connection refused",
                   "terminating connection", "the database system is shutting down",
                   "the database system is starting up", "consuming input failed", "connection timeout",
                   "ssl connection has been closed", "could not receive data", "could not send data",
                   "connection is lost", "deadlock detected", "could not serialize")


def postgres_url(url: URL) -> URL:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; an explicit driver is kept."""
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername=DRIVER)
    return url


def postgres_engine_options() -> dict[str, Any]:
    return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "onething"}}


def configure_postgres(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get("onething_write", False):
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def sqlstate(error: BaseException) -> str | None:
    return getattr(error, "sqlstate", None)


def is_transient(error: BaseException) -> bool:
    """The transaction failed for a reason a retry may cure (lost connection, restart, deadlock)."""
    state = sqlstate(error) or ""
    if state and any(state.startswith(s) for s in _TRANSIENT_STATES):
        return True
    text = str(error).lower()
    return any(t in text for t in _TRANSIENT_TEXT)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().removeprefix("connection failed: ")
    text = _SERVER_FAILED.sub("", text).removeprefix("FATAL:").strip()
    return text.splitlines()[0] if text else type(error).__name__


def postgres_error(error: BaseException, where: str, *, invalidated: bool = False) -> StoreError:
    """A database error in words: unreachable, wrong password, no such database, lost, or failed."""
    text = str(error).lower()
    reason = _first_line(error)
    if "password authentication failed" in text or "no password supplied" in text:
        return StoreError(_("the database server refused the login: wrong user name or password"),
                          _("check the user and password in the store URL (or in ~/.pgpass)"), where)
    if "does not exist" in text and "database" in text:
        return StoreError(_("the database does not exist on the server: {reason}").format(reason=reason),
                          _("create it (createdb NAME, owned by the store's user), then run onething store migrate"),
                          where)
    if "permission denied" in text or sqlstate(error) == "42501":
        return StoreError(_("the database user may not do this: {reason}").format(reason=reason),
                          _("grant the store's user the rights to create and change its tables"), where)
    if "connection refused" in text or "could not connect" in text or "timeout expired" in text \
            or "could not translate host name" in text or "name or service not known" in text \
            or ("connection to server" in text and "failed" in text):
        return StoreUnavailable(_("cannot reach the database server: {reason}").format(reason=reason),
                                _("check that the server runs and the host and port in the store URL"), where)
    if sqlstate(error) in ("40P01", "40001"):
        return StoreUnavailable(_("the store was busy: this transaction collided with another and was undone"),
                                _("try again"), where)
    if invalidated or is_transient(error):
        return StoreUnavailable(_("the connection to the store was lost: {reason}").format(reason=reason),
                                _("the server may be restarting or failing over; try again"), where)
    return StoreError(_("the store failed: {reason}").format(reason=reason), None, where)


READY_CHANNEL = "onething_ready"
"""The NOTIFY channel on which a committed transaction that made a step ready wakes idle workers."""


def notify_ready(conn: Connection) -> None:
    """Queue a wake-up for idle workers; PostgreSQL delivers it when (and only if) the transaction commits."""
    conn.exec_driver_sql(f"NOTIFY {READY_CHANNEL}")


def sequence_name(prefix: str) -> str:
    """The sequence numbering ``prefix``'s cases (a digest: prefixes may be longer than a name may be)."""
    return "case_number_" + hashlib.sha256(prefix.encode("utf-8")).hexdigest()[:20]


def sequence_case_number(conn: Connection, prefix: str, stamp: str) -> int:
    """The day's next case number for ``prefix`` from a PostgreSQL sequence, in the caller's write transaction.

    One sequence per prefix, never reset: ``case_sequences.last`` holds, for each prefix and
    day, the sequence's value just before the day's first number, so a number is
    ``nextval - that``. Only the day's first acceptance writes (the day's row); every later
    one reads it and takes ``nextval``, which never waits for another transaction — unlike a
    counter row, whose lock is held until the acceptance commits. The price: a rolled-back
    acceptance (or two racing to start the day) leaves a gap. Numbers stay unique and
    increasing within the day.
    """
    from sqlalchemy import exc, select

    from onething.runtime.store.tables import case_sequences

    key = (case_sequences.c.prefix == prefix) & (case_sequences.c.day == stamp)
    name = sequence_name(prefix)
    base = conn.execute(select(case_sequences.c.last).where(key)).scalar()
    if base is None:
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f'CREATE SEQUENCE IF NOT EXISTS "{name}" AS bigint')
        except (exc.IntegrityError, exc.ProgrammingError):
            pass  # another transaction created it at the same moment
        try:
            with conn.begin_nested():
                first = conn.exec_driver_sql(f"SELECT nextval('\"{name}\"')").scalar_one()
                conn.execute(case_sequences.insert().values(prefix=prefix, day=stamp, last=first - 1))
            return 1
        except exc.IntegrityError:  # another transaction started the day first (and has committed)
            base = conn.execute(select(case_sequences.c.last).where(key)).scalar_one()
    return int(conn.exec_driver_sql(f"SELECT nextval('\"{name}\"')").scalar_one()) - int(base)
