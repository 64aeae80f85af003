"""The engine's hottest reads on SQLite, on the driver's cursor: compiled once, no per-call Core work.

``Connection.execute`` of a Core SELECT costs about 100 µs besides the database's own work
(execution context, parameter processing, result metadata, row objects) — more than SQLite
takes to answer the small keyed reads a worker makes on every batch. :class:`DirectRead` keeps
the statement written in Core (the same SQL on both stores), compiles it once, expands its IN
lists itself and runs it on the DBAPI cursor, inside the caller's transaction, firing the
engine's ``before_cursor_execute`` listeners and turning driver errors into SQLAlchemy's (so the
store's error messages are unchanged).

Only for statements whose parameters are integers and strings and whose columns need no
conversion (cast JSON to text and decode it yourself). On PostgreSQL — where a round trip to the
server outweighs the overhead, and where a broken connection must be invalidated the way
SQLAlchemy does it — :meth:`DirectRead.all` simply runs the statement through Core.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.sql import Select

_EXPANDING = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


class DirectRead:
    """A SELECT run on SQLite's cursor (through Core elsewhere)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._sql: tuple[list[str], list[str], tuple[str, ...], dict[str, Any]] | None = None
        self._expanded: dict[tuple[int, ...], str] = {}

    def _compile(self, conn: Connection) -> tuple[list[str], list[str], tuple[str, ...], dict[str, Any]]:
        compiled = self.statement.compile(dialect=conn.dialect)
        parts = _EXPANDING.split(compiled.string)
        texts, expanding = parts[0::2], parts[1::2]
        defaults = {name: bind.value for name, bind in compiled.binds.items() if name not in expanding}
        self._sql = (texts, expanding, tuple(compiled.positiontup or ()), defaults)
        return self._sql

    def all(self, conn: Connection, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows (tuples) for ``params`` (a list for each IN list)."""
        if conn.dialect.name != "sqlite":
            return [tuple(r) for r in conn.execute(self.statement, params or {}).all()]
        given = params or {}
        texts, expanding, order, defaults = self._sql or self._compile(conn)
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
                values.append(given[name] if name in given else defaults[name])
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if conn.dispatch.before_cursor_execute:
                conn.dispatch.before_cursor_execute(conn, cursor, sql, values, None, False)
            try:
                return cursor.execute(sql, values).fetchall()
            except conn.dialect.loaded_dbapi.Error as error:
                raise exc.DBAPIError.instance(sql, values, error, conn.dialect.loaded_dbapi.Error,
                                              dialect=conn.dialect) from error
        finally:
            cursor.close()
