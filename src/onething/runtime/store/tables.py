"""The case store's tables (SQLAlchemy Core): the schema the code reads and writes.

Portable by construction, so PostgreSQL is a second dialect and not a rewrite: generic
types only (JSON documents whose bytes matter, such as manifests and audit data, are kept as
text in onething's own canonical serialisation), timestamps stored as UTC, statuses checked
by CHECK constraints, no SQLite-only SQL. Migrations (``migrations/versions``) create the
same schema; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal_column,
    or_,
)
from sqlalchemy.types import TypeDecorator

# Names every constraint the same way on every dialect (migrations can then alter them).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

APPLICATION = "onething case store"
"""The marker ``store_info.application`` holds; a database without it is not a case store."""

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first audit event, and the head's hash while the log is empty."""

CASE_STATUSES = (
    "accepted",             # acceptance done, nothing dispatched yet
    "in_progress",          # steps are being carried out
    "completed",            # every step done
    "partially_completed",  # some steps rejected or skipped, the others done
    "rejected",             # nothing could be done
    "withdrawn",            # the applicant withdrew (撤回)
    "delivered",            # the results were handed over (统一出件)
)
MATERIAL_STATUSES = (
    "submitted",   # handed in at the window
    "waived",      # not asked: produced by a step, an e-certificate, or generated from the form
    "committed",   # replaced by the applicant's commitment (告知承诺)
    "missing",     # tolerated (容缺): the steps needing it wait, suspended, for the supplement
    "supplied",    # a missing tolerated material handed in later (补正)
)
# Only ``missing`` ever changes (to ``supplied``), and a case's rows are all written at acceptance:
# a worker keeps the materials of a case with none missing (engine.Worker._case_materials).
STEP_STATUSES = ("blocked", "ready", "dispatched", "pending", "suspended", "done", "rejected", "failed", "skipped")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC without zone (SQLite has none), read back as UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps aware datetimes only (the clock gives UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _any_of(column: str, values: tuple[str, ...]) -> str:
    """The check ``_in`` states, as SQLite tests it cheaply: it builds a table of an IN list for
    every row it checks, which doubled the cost of a step's move (migration 0003)."""
    return " OR ".join(f"{column} = '{v}'" for v in values)


metadata = MetaData(naming_convention=NAMING)

store_info = Table(
    "store_info", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

manifests = Table(
    "manifests", metadata,
    Column("hash", String(64), primary_key=True, comment="sha256 of body"),
    Column("bundle_id", String(128), nullable=False),
    Column("bundle_version", String(64), nullable=False),
    Column("schema_version", String(16), nullable=False),
    Column("body", Text, nullable=False, comment="the manifest's canonical JSON, as accepted"),
    Column("stored_at", UTCDateTime, nullable=False),
)

case_sequences = Table(
    "case_sequences", metadata,
    Column("prefix", String(128), primary_key=True),
    Column("day", String(8), primary_key=True, comment="YYYYMMDD, China time"),
    Column("last", Integer, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(160), nullable=False, unique=True, comment="统一办件编码"),
    Column("bundle_id", String(128), nullable=False),
    Column("manifest_hash", String(64), ForeignKey("manifests.hash"), nullable=False),
    Column("answers", JSON, nullable=False, comment="questions and field values; personal data"),
    Column("selection", JSON, nullable=False, comment="optional items chosen"),
    Column("applicant_digest", String(64), nullable=True,
           comment="sha256 of the applicant's ID number, to find their cases without storing it twice"),
    Column("status", String(24), nullable=False),
    Column("flagged", Boolean, nullable=False, default=False, comment="a step failed for good"),
    Column("accepted_on", Date, nullable=False, comment="acceptance day (China time)"),
    Column("due_on", Date, nullable=True, comment="committed due date over all steps"),
    Column("statutory_due_on", Date, nullable=True),
    Column("actor", String(128), nullable=False, comment="the clerk who accepted it"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    CheckConstraint(_in("status", CASE_STATUSES), name="status"),
    Index("ix_cases_status", "status"),
    Index("ix_cases_applicant_digest", "applicant_digest"),
    Index("ix_cases_bundle_id", "bundle_id"),
)

steps = Table(
    "steps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("item", String(128), nullable=False),
    Column("department", String(128), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("idempotency_key", String(64), nullable=False, unique=True,
           comment="fixed when the step is created; every dispatch of the step carries it"),
    Column("lease_owner", String(128), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("retry_at", UTCDateTime, nullable=True, comment="when a transient failure may be retried"),
    Column("outputs", JSON, nullable=True),
    Column("reason", Text, nullable=True, comment="why rejected, failed, skipped or suspended"),
    Column("clock_started_on", Date, nullable=True),
    Column("due_on", Date, nullable=True),
    Column("statutory_due_on", Date, nullable=True),
    Column("supplement_due_on", Date, nullable=True, comment="容缺: the supplement deadline while suspended"),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("case_id", "item", name="uq_steps_case_item"),
    CheckConstraint(_any_of("status", STEP_STATUSES), name="status"),
    CheckConstraint("attempts >= 0", name="attempts"),
)

# The steps' status indexes are partial: each holds only the steps in the statuses it serves, so
# a move touches only the one it enters or leaves (an index on status, or on a lease column that
# every dispatch sets and clears, is rewritten on every move). A query uses one only if its WHERE
# holds the index's condition written the same way, the value inline (no bound parameter): use
# these terms. (Not ``status IN (…)``: SQLite builds a table of the list each time it tests a
# row, which made a status update twice as dear; ORs of equalities cost next to nothing.)
STEP_READY = steps.c.status == literal_column("'ready'")
STEP_DISPATCHED = steps.c.status == literal_column("'dispatched'")
STEP_WAITING = or_(*(steps.c.status == literal_column(f"'{s}'") for s in ("pending", "failed", "suspended")))
# the next ready step, oldest first, without sorting (and, when idle, the earliest retry)
Index("ix_steps_ready", steps.c.id, sqlite_where=STEP_READY, postgresql_where=STEP_READY)
# the expired leases, earliest first
Index("ix_steps_dispatched", steps.c.lease_expires_at, sqlite_where=STEP_DISPATCHED,
      postgresql_where=STEP_DISPATCHED)
# steps waiting for a person (the clerks' task list), by due date
Index("ix_steps_waiting", steps.c.due_on, steps.c.id, sqlite_where=STEP_WAITING, postgresql_where=STEP_WAITING)

events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False, comment="position in the chain, from 1"),
    Column("at", UTCDateTime, nullable=False),
    Column("case_number", String(160), nullable=True),
    Column("item", String(128), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=True),
    Column("actor", String(128), nullable=False),
    Column("data", Text, nullable=False, comment="canonical JSON, hashed as written"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_case_number", "case_number"),
)

audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False, comment="the last event's seq (0: no events)"),
    Column("hash", String(64), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

evaluations = Table(
    "evaluations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, unique=True,
           comment="好差评: one evaluation per case"),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=True),
    Column("actor", String(128), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
)


case_materials = Table(
    "case_materials", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("material", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("supplement_due_on", Date, nullable=True, comment="容缺: the day a missing material is due"),
    Column("supplied_on", Date, nullable=True),
    UniqueConstraint("case_id", "material", name="uq_case_materials_case_material"),
    CheckConstraint(_any_of("status", MATERIAL_STATUSES), name="status"),
)
