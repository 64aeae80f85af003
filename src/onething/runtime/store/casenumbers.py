"""Unified case numbers (统一办件编码): ``<prefix>-<YYYYMMDD>-<sequence>``.

The prefix is the bundle's code; manifests do not carry a bundle code yet, so it is the
bundle's id until they do (:func:`case_prefix`). The date is the acceptance day in China
time; the sequence counts from 1 per prefix and day, at least four digits wide.

On SQLite (and any dialect but PostgreSQL) the counter row is incremented with one UPDATE
(which takes the write lock: on SQLite the whole store's, inside a ``BEGIN IMMEDIATE``
transaction), and the day's first number is an INSERT inside a savepoint, retried as an
UPDATE if another transaction inserted first: gapless, a rolled-back acceptance gives its
number back. On PostgreSQL the numbers come from a sequence per prefix
(``store.postgres.sequence_case_number``): an acceptance never waits for another's number,
and a rolled-back one leaves a gap. ``cases.number`` is unique besides.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Connection, bindparam, exc, select

from onething.compiler.manifest import Manifest
from onething.runtime.store.tables import case_sequences

_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]*$")


_KEY = (case_sequences.c.prefix == bindparam("b_prefix")) & (case_sequences.c.day == bindparam("b_day"))
_BUMP = case_sequences.update().where(_KEY).values(last=case_sequences.c.last + 1)
_BUMP_RETURNING = _BUMP.returning(case_sequences.c.last)
_READ = select(case_sequences.c.last).where(_KEY)
_START = case_sequences.insert()


def case_prefix(manifest: Manifest) -> str:
    return manifest.bundle.id


def next_case_number(conn: Connection, prefix: str, day: date) -> str:
    """Allocate the next number for ``prefix`` on ``day``; call inside a write transaction."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"a case number prefix is letters, digits, _ and . only: {prefix!r}")
    stamp = day.strftime("%Y%m%d")
    if conn.dialect.name == "postgresql":  # from a sequence: never waits for another acceptance
        from onething.runtime.store.postgres import sequence_case_number

        return f"{prefix}-{stamp}-{sequence_case_number(conn, prefix, stamp):04d}"
    key = {"b_prefix": prefix, "b_day": stamp}
    returning = conn.dialect.update_returning
    for _attempt in range(3):
        if returning:  # one statement: the bump reports the number it took
            last = conn.execute(_BUMP_RETURNING, key).scalar()
        else:
            last = conn.execute(_READ, key).scalar() if conn.execute(_BUMP, key).rowcount == 1 else None
        if last is not None:
            return f"{prefix}-{stamp}-{last:04d}"
        try:
            with conn.begin_nested():
                conn.execute(_START, {"prefix": prefix, "day": stamp, "last": 1})
            return f"{prefix}-{stamp}-0001"
        except exc.IntegrityError:
            continue  # another transaction started the day's count first: bump it instead
    raise RuntimeError(f"could not allocate a case number for {prefix} on {stamp}")  # pragma: no cover
