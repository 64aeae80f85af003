"""Bringing a store's schema up to this program's version, or refusing to touch it.

Migrations are Alembic scripts shipped inside the package (``migrations/versions``), run
programmatically on an open connection: users need no alembic.ini. Revisions are numbered
(``0001``, ``0002`` …), so a store whose version is above the newest this program knows was
written by a newer onething and is refused; a store at an older version is upgraded in the
same transaction that opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, select

from onething.dsl.i18n import _
from onething.runtime.errors import StoreError, StoreTooNew
from onething.runtime.store.tables import (
    APPLICATION,
    GENESIS_HASH,
    audit_head,
    metadata,
    store_info,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_VERSION = "0003"
"""The newest migration's revision: a store at this version opens without loading Alembic
(a test checks it equals the scripts' head)."""
VERSION_TABLE = "alembic_version"
SCHEMA_LOCK = 0x0E7E1C
"""The PostgreSQL advisory lock key held while a store's schema is checked, created or upgraded."""


def foreign_store(tables: set[str], where: str) -> StoreError:
    shown = ", ".join(sorted(tables)[:6]) + (" …" if len(tables) > 6 else "")
    return StoreError(
        _("this database is not a onething case store (it holds the tables {tables})").format(tables=shown),
        _("give another store with --store or ONETHING_STORE, or move the file away"), where)


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema version the migration scripts reach."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_config(connection), "head")


def upgrade_sql(dialect_name: str, now: datetime | None = None) -> str:
    """The SQL that creates the schema on ``dialect_name`` (e.g. postgresql), without connecting.

    It ends with the rows ``open_store`` writes into a new store (the case-store marker, the
    audit head), so a database created by running it is a store onething opens.
    """
    import io

    from alembic import command

    buffer = io.StringIO()
    config = _config()
    config.output_buffer = buffer
    config.attributes["dialect_name"] = dialect_name
    command.upgrade(config, "head", sql=True)
    text = buffer.getvalue()
    from sqlalchemy.engine import make_url

    dialect = make_url(f"{dialect_name}://").get_dialect()()
    at = now or datetime.now(UTC)
    rows = [store_info.insert().values(key="application", value=APPLICATION),
            store_info.insert().values(key="created_at", value=at.isoformat()),
            audit_head.insert().values(id=1, seq=0, hash=GENESIS_HASH, updated_at=at)]
    inserts = "".join(f"{r.compile(dialect=dialect, compile_kwargs={'literal_binds': True})};\n\n" for r in rows)
    head, commit, tail = text.rpartition("COMMIT;")
    return f"{head}-- The case store's marker and the audit log's head\n\n{inserts}{commit}{tail}" if commit \
        else text + inserts


def current_revision(connection: Connection) -> str | None:
    rows = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
    return rows[0][0] if len(rows) == 1 else None


@dataclass(frozen=True)
class SchemaStatus:
    """Where a store's schema stands against this program's (``onething store status``)."""

    version: str | None
    """The store's schema version; None for an empty database."""
    head: str
    """This program's schema version."""
    pending: tuple[str, ...]
    """The migrations ``onething store migrate`` would apply, oldest first."""

    @property
    def state(self) -> str:
        """``current``, ``empty`` (no schema yet), ``behind`` (migrations pending) or ``newer``."""
        if self.version is None:
            return "empty"
        if self.version == self.head:
            return "current"
        return "behind" if self.pending else "newer"

    def to_json(self) -> dict[str, object]:
        return {"version": self.version, "head": self.head, "pending": list(self.pending), "state": self.state}


def pending_revisions(current: str | None) -> tuple[str, ...]:
    """The revisions after ``current`` up to the head, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    chain = [s.revision for s in script.walk_revisions()]  # newest first
    if current is not None:
        chain = chain[:chain.index(current)]
    return tuple(reversed(chain))


def schema_status(connection: Connection, where: str) -> SchemaStatus:
    """The store's schema against this program's, changing nothing; refuses a foreign or damaged database."""
    tables = set(inspect(connection).get_table_names())
    head = SCHEMA_VERSION
    if not tables:
        return SchemaStatus(None, head, pending_revisions(None))
    try:
        current = _checked_version(connection, tables, where)
    except StoreTooNew:
        return SchemaStatus(current_revision(connection), head, ())
    if current == head:
        return SchemaStatus(current, head, ())
    if current not in known_revisions():
        return SchemaStatus(current, head, ())  # newer (_checked_version refused anything else)
    return SchemaStatus(current, head, pending_revisions(current))


def _checked_version(connection: Connection, tables: set[str], where: str) -> str:
    """The version of a non-empty database that is a case store; a foreign, damaged or unknown one is refused."""
    marker = None
    if "store_info" in tables:
        marker = connection.execute(
            select(store_info.c.value).where(store_info.c.key == "application")).scalar()
    if marker != APPLICATION:
        raise foreign_store(tables, where)
    current = current_revision(connection) if VERSION_TABLE in tables else None
    if current is None:
        raise StoreError(_("the store's schema version is missing; the store is damaged"),
                         _("restore the store from a backup"), where)
    head = SCHEMA_VERSION
    if current != head and current not in known_revisions():
        if current.isdigit() and head.isdigit() and int(current) > int(head):
            raise StoreTooNew(
                _("the store has schema version {found}, newer than this program's {known}; "
                  "it was written by a newer onething").format(found=current, known=head),
                _("upgrade onething to the version that wrote the store; this program will not change it"),
                where)
        raise StoreError(_("the store's schema version {found} is unknown to this program").format(found=current),
                         _("restore the store from a backup"), where)
    return current


def ensure_schema(connection: Connection, where: str, now: datetime) -> str:
    """Create, upgrade or accept the schema; returns its version. Runs in the caller's transaction.

    On PostgreSQL a transaction-scoped advisory lock serialises this check, so two workers
    opening a new or older store at once do not both create or upgrade it.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
    tables = set(inspect(connection).get_table_names())
    if not tables:
        upgrade(connection)
        connection.execute(store_info.insert(), [
            {"key": "application", "value": APPLICATION},
            {"key": "created_at", "value": now.isoformat()},
        ])
        connection.execute(audit_head.insert().values(id=1, seq=0, hash=GENESIS_HASH, updated_at=now))
        return SCHEMA_VERSION
    current = _checked_version(connection, tables, where)
    head = SCHEMA_VERSION
    if current == head:
        _check_tables(tables, where)
        return head
    upgrade(connection)
    _check_tables(set(inspect(connection).get_table_names()), where)
    return head


def _check_tables(tables: set[str], where: str) -> None:
    missing = sorted(set(metadata.tables) - tables)
    if missing:
        raise StoreError(_("the store is damaged: the table {table} is missing").format(table=missing[0]),
                         _("restore the store from a backup"), where)
