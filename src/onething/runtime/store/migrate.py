"""Bringing a store's schema up to this program's version, or refusing to touch it.

Migrations are Alembic scripts shipped inside the package (``migrations/versions``), run
programmatically on an open connection: users need no alembic.ini. Revisions are numbered
(``0001``, ``0002`` …), so a store whose version is above the newest this program knows was
written by a newer onething and is refused; a store at an older version is upgraded in the
same transaction that opens it.
"""

from __future__ import annotations

from datetime import datetime
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
SCHEMA_VERSION = "0002"
"""The newest migration's revision: a store at this version opens without loading Alembic
(a test checks it equals the scripts' head)."""
VERSION_TABLE = "alembic_version"


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


def upgrade_sql(dialect_name: str) -> str:
    """The SQL that creates the schema on ``dialect_name`` (e.g. postgresql), without connecting."""
    import io

    from alembic import command

    buffer = io.StringIO()
    config = _config()
    config.output_buffer = buffer
    config.attributes["dialect_name"] = dialect_name
    command.upgrade(config, "head", sql=True)
    return buffer.getvalue()


def current_revision(connection: Connection) -> str | None:
    rows = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
    return rows[0][0] if len(rows) == 1 else None


def ensure_schema(connection: Connection, where: str, now: datetime) -> str:
    """Create, upgrade or accept the schema; returns its version. Runs in the caller's transaction."""
    tables = set(inspect(connection).get_table_names())
    if not tables:
        upgrade(connection)
        connection.execute(store_info.insert(), [
            {"key": "application", "value": APPLICATION},
            {"key": "created_at", "value": now.isoformat()},
        ])
        connection.execute(audit_head.insert().values(id=1, seq=0, hash=GENESIS_HASH, updated_at=now))
        return SCHEMA_VERSION
    marker = None
    if "store_info" in tables:
        marker = connection.execute(
            select(store_info.c.value).where(store_info.c.key == "application")).scalar()
    if marker != APPLICATION:
        raise foreign_store(tables, where)
    current = current_revision(connection) if VERSION_TABLE in tables else None
    head = SCHEMA_VERSION
    if current == head:
        _check_tables(tables, where)
        return head
    if current is None:
        raise StoreError(_("the store's schema version is missing; the store is damaged"),
                         _("restore the store from a backup"), where)
    if current not in known_revisions():
        if current.isdigit() and head.isdigit() and int(current) > int(head):
            raise StoreTooNew(
                _("the store has schema version {found}, newer than this program's {known}; "
                  "it was written by a newer onething").format(found=current, known=head),
                _("upgrade onething to the version that wrote the store; this program will not change it"),
                where)
        raise StoreError(_("the store's schema version {found} is unknown to this program").format(found=current),
                         _("restore the store from a backup"), where)
    upgrade(connection)
    _check_tables(set(inspect(connection).get_table_names()), where)
    return head


def _check_tables(tables: set[str], where: str) -> None:
    missing = sorted(set(metadata.tables) - tables)
    if missing:
        raise StoreError(_("the store is damaged: the table {table} is missing").format(table=missing[0]),
                         _("restore the store from a backup"), where)
