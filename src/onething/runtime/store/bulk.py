"""Many rows through one statement, with as little per-row work as the driver allows.

The engine writes a batch's step moves and audit events as multi-row statements. Through
``Connection.execute(statement, rows)`` SQLAlchemy builds, for every row, a parameter
dictionary and runs each value through its type's processor — measured on the throughput
benchmark at about a third of the cost of writing an event row. :class:`Bulk` does that
work once: the Core statement is compiled once per dialect (still written in Core, so it is
the same SQL on SQLite and PostgreSQL), the processors that convert values are looked up
once, and the rows go to the driver's ``executemany`` as ready tuples (or dictionaries, for
a driver with named parameters) — on SQLite straight to the cursor
(:func:`~onething.runtime.store.direct.run_on_cursor`), elsewhere through
``Connection.exec_driver_sql`` — inside the caller's transaction, with SQLAlchemy's events and
error translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.dml import UpdateBase

from onething.runtime.store.direct import run_on_cursor


class Bulk:
    """``statement`` with the value columns ``keys`` (and the WHERE binds it names), compiled per dialect."""

    def __init__(self, statement: UpdateBase, keys: Sequence[str]) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        self._compiled: dict[str, tuple[str, bool, tuple[tuple[str, Callable[[Any], Any] | None], ...]]] = {}
        self._order: dict[str, tuple[int, ...]] = {}

    def _compile(self, conn: Connection) -> tuple[str, bool, tuple[tuple[str, Callable[[Any], Any] | None], ...]]:
        dialect = conn.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=list(self.keys))
            names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
            plan = []
            for name in names:
                bind = compiled.binds[name]
                plan.append((bind.key, bind.type.dialect_impl(dialect).bind_processor(dialect)))
            found = self._compiled[dialect.name] = (compiled.string, compiled.positional, tuple(plan))
        return found

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Execute for every row (each a mapping with every key); returns the rows affected."""
        if not rows:
            return 0
        keys = self.keys
        return self.run_rows(conn, [tuple([r[k] for k in keys]) for r in rows])

    def run_rows(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
        """Execute for every row, each a tuple of the values of ``keys`` in that order (no
        dictionary per row); returns the rows affected."""
        if not rows:
            return 0
        sql, positional, plan = self._compile(conn)
        order = self._order.get(conn.dialect.name)
        if order is None:
            order = self._order[conn.dialect.name] = tuple(self.keys.index(k) for k, _p in plan)
        columns = list(zip(*rows, strict=True))  # column by column: each converted in one pass
        converted = [columns[i] if process is None else _convert(columns[i], process)
                     for i, (_k, process) in zip(order, plan, strict=True)]
        params: list[Any] = (list(zip(*converted, strict=True)) if positional else
                             [dict(zip([k for k, _p in plan], t, strict=True)) for t in zip(*converted, strict=True)])
        return _execute(conn, sql, params)


def _execute(conn: Connection, sql: str, params: list[Any]) -> int:
    """The rows affected by ``sql`` for every row of ``params``."""
    if conn.dialect.name == "sqlite":
        return int(run_on_cursor(conn, sql, params, many=True))
    return conn.exec_driver_sql(sql, params).rowcount


def _convert(column: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    """A column through its processor, once per distinct value (a batch's rows share their
    timestamp: formatting it once per row was a measurable share of the write)."""
    try:
        done = {value: process(value) for value in set(column)}
    except TypeError:  # unhashable (JSON documents): each its own
        return [process(value) for value in column]
    return list(map(done.__getitem__, column))
