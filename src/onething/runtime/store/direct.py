"""The engine's hottest statements on SQLite, on the driver's cursor: compiled once, no per-call Core work.

``Connection.execute`` of a Core statement costs about 100 µs besides the database's own work
(execution context, parameter processing, result metadata, row objects), and even
``exec_driver_sql`` some 50 µs — more than SQLite takes to answer the small keyed reads a
worker makes on every batch, and a fifth of what it takes to write a batch's rows.
:class:`DirectRead` keeps a SELECT written in Core (the same SQL on both stores), compiles it
once, expands its IN lists itself and runs it on the DBAPI cursor; :func:`run_on_cursor` does
the same for the statements :class:`~onething.runtime.store.bulk.Bulk` has compiled. Both run
inside the caller's transaction (begun, as Core would, if none is), fire the engine's
``before_cursor_execute`` listeners and turn driver errors into SQLAlchemy's (so the store's
error messages, and an ``IntegrityError``, are unchanged).

A DirectRead's scalar parameters go through their types' bind processors (a timestamp
becomes SQLite's text); its columns are returned as the driver gives them, so select only
integers and text (cast JSON to text and decode it yourself). On PostgreSQL — where a round
trip to the server outweighs the overhead, and where a broken connection must be invalidated
the way SQLAlchemy does it — both simply go through Core.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.sql import Select

_EXPANDING = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


def run_on_cursor(conn: Connection, sql: str, params: Sequence[Any], *, many: bool = False) -> Any:
    """``sql`` on the DBAPI cursor of ``conn`` (SQLite), in its transaction: the rows of a
    query, the rows affected by a write (``many``: ``params`` is a list of rows)."""
    if not conn.in_transaction():
        conn.begin()  # as Core's autobegin would (the store's begin listener issues BEGIN)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dispatch.before_cursor_execute:
            conn.dispatch.before_cursor_execute(conn, cursor, sql, params, None, many)
        try:
            if many:
                return cursor.executemany(sql, params).rowcount
            return cursor.execute(sql, params).fetchall()
        except conn.dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(sql, params, error, conn.dialect.loaded_dbapi.Error,
                                          dialect=conn.dialect) from error
    finally:
        cursor.close()


class DirectRead:
    """A SELECT run on SQLite's cursor (through Core elsewhere)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._sql: tuple[list[str], list[str], tuple[str, ...], dict[str, Any],
                         dict[str, Callable[[Any], Any]]] | None = None
        self._expanded: dict[tuple[int, ...], str] = {}

    def _compile(self, conn: Connection) -> tuple[list[str], list[str], tuple[str, ...], dict[str, Any],
                                                  dict[str, Callable[[Any], Any]]]:
        compiled = self.statement.compile(dialect=conn.dialect)
        parts = _EXPANDING.split(compiled.string)
        texts, expanding = parts[0::2], parts[1::2]
        defaults = {name: bind.value for name, bind in compiled.binds.items() if name not in expanding}
        processors = {}
        for name, bind in compiled.binds.items():
            process = None if name in expanding else bind.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            if process is not None:
                processors[name] = process
        self._sql = (texts, expanding, tuple(compiled.positiontup or ()), defaults, processors)
        return self._sql

    def all(self, conn: Connection, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows (tuples) for ``params`` (a list for each IN list)."""
        if conn.dialect.name != "sqlite":
            return [tuple(r) for r in conn.execute(self.statement, params or {}).all()]
        given = params or {}
        texts, expanding, order, defaults, processors = self._sql or self._compile(conn)
        lengths = tuple(len(given[name]) for name in expanding)
        sql = self._expanded.get(lengths)
        if sql is None:
            sql = texts[0] + "".join(", ".join("?" * n) + text for n, text in zip(lengths, texts[1:], strict=True))
            self._expanded[lengths] = sql
        values: list[Any] = []
        for name in order:
            if name in given and name in expanding:
                values.extend(given[name])
            else:
                value = given[name] if name in given else defaults[name]
                process = processors.get(name)
                values.append(value if process is None or value is None else process(value))
        return run_on_cursor(conn, sql, values)
