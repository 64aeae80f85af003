"""The first schema: manifests, case numbers, cases, steps, the audit log and its head, evaluations.

A frozen copy of ``tables.py`` as of schema version 0001 (a later change to ``tables.py`` is
a new migration, never an edit here).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onething.runtime.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_CASE = ("accepted", "in_progress", "completed", "partially_completed", "rejected", "withdrawn", "delivered")
_STEP = ("blocked", "ready", "dispatched", "pending", "suspended", "done", "rejected", "failed", "skipped")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "store_info",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_info")),
    )
    op.create_table(
        "manifests",
        sa.Column("hash", sa.String(64), nullable=False, comment="sha256 of body"),
        sa.Column("bundle_id", sa.String(128), nullable=False),
        sa.Column("bundle_version", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False, comment="the manifest's canonical JSON, as accepted"),
        sa.Column("stored_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_manifests")),
    )
    op.create_table(
        "case_sequences",
        sa.Column("prefix", sa.String(128), nullable=False),
        sa.Column("day", sa.String(8), nullable=False, comment="YYYYMMDD, China time"),
        sa.Column("last", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("prefix", "day", name=op.f("pk_case_sequences")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("number", sa.String(160), nullable=False, comment="统一办件编码"),
        sa.Column("bundle_id", sa.String(128), nullable=False),
        sa.Column("manifest_hash", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False, comment="questions and field values; personal data"),
        sa.Column("selection", sa.JSON, nullable=False, comment="optional items chosen"),
        sa.Column("applicant_digest", sa.String(64), nullable=True,
                  comment="sha256 of the applicant's ID number, to find their cases without storing it twice"),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False, comment="a step failed for good"),
        sa.Column("accepted_on", sa.Date, nullable=False, comment="acceptance day (China time)"),
        sa.Column("due_on", sa.Date, nullable=True, comment="committed due date over all steps"),
        sa.Column("statutory_due_on", sa.Date, nullable=True),
        sa.Column("actor", sa.String(128), nullable=False, comment="the clerk who accepted it"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("closed_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_cases_number")),
        sa.ForeignKeyConstraint(["manifest_hash"], ["manifests.hash"], name=op.f("fk_cases_manifest_hash_manifests")),
        sa.CheckConstraint(_in("status", _CASE), name=op.f("ck_cases_status")),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_applicant_digest", "cases", ["applicant_digest"])
    op.create_index("ix_cases_bundle_id", "cases", ["bundle_id"])
    op.create_table(
        "steps",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("item", sa.String(128), nullable=False),
        sa.Column("department", sa.String(128), nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False,
                  comment="fixed when the step is created; every dispatch of the step carries it"),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.Column("retry_at", UTCDateTime, nullable=True, comment="when a transient failure may be retried"),
        sa.Column("outputs", sa.JSON, nullable=True),
        sa.Column("reason", sa.Text, nullable=True, comment="why rejected, failed, skipped or suspended"),
        sa.Column("clock_started_on", sa.Date, nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("statutory_due_on", sa.Date, nullable=True),
        sa.Column("supplement_due_on", sa.Date, nullable=True,
                  comment="容缺: the supplement deadline while suspended"),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_steps_idempotency_key")),
        sa.UniqueConstraint("case_id", "item", name=op.f("uq_steps_case_item")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_steps_case_id_cases")),
        sa.CheckConstraint(_in("status", _STEP), name=op.f("ck_steps_status")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_steps_attempts")),
    )
    op.create_index("ix_steps_status_retry_at", "steps", ["status", "retry_at"])
    op.create_index("ix_steps_lease_expires_at", "steps", ["lease_expires_at"])
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=False, comment="position in the chain, from 1"),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("case_number", sa.String(160), nullable=True),
        sa.Column("item", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(24), nullable=True),
        sa.Column("to_status", sa.String(24), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("data", sa.Text, nullable=False, comment="canonical JSON, hashed as written"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    op.create_index("ix_events_case_number", "events", ["case_number"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False, comment="the last event's seq (0: no events)"),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.Integer, nullable=False, comment="好差评: one evaluation per case"),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("case_id", name=op.f("uq_evaluations_case_id")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_evaluations_case_id_cases")),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_evaluations_rating")),
    )
