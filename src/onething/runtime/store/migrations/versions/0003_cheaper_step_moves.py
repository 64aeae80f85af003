"""Cheaper step moves: partial indexes on the steps a worker looks for, and status checks that
SQLite tests without building a table.

``ix_steps_status_id``, ``ix_steps_status_retry_at`` and ``ix_steps_lease_expires_at`` held
every step and were rewritten on every move; their replacements hold only ready steps (the
claim, oldest first), dispatched steps by lease expiry (recovery of expired leases) and steps
waiting for a person (the clerks' task list), so a move updates only the index of the status
it enters or leaves.

The status CHECK of ``steps`` and ``case_materials`` becomes ``status = 'a' OR status = 'b' …``
instead of ``status IN ('a', 'b', …)``: the same rule, but SQLite built a table of the list for
every row it checked (about 6 µs a step move). SQLite cannot alter a constraint, so these two
tables are rebuilt (Alembic's batch mode: copy, drop, rename; no other table refers to them).
``cases`` keeps its IN check: other tables refer to it, and rebuilding it would need foreign keys
off, which SQLite does not allow inside the transaction a migration runs in.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onething.runtime.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STEP = ("blocked", "ready", "dispatched", "pending", "suspended", "done", "rejected", "failed", "skipped")
_MATERIAL = ("submitted", "waived", "committed", "missing", "supplied")
_READY = sa.text("status = 'ready'")
_DISPATCHED = sa.text("status = 'dispatched'")
_WAITING = sa.text("status = 'pending' OR status = 'failed' OR status = 'suspended'")  # not IN: see above


def _any_of(column: str, values: tuple[str, ...]) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# The two tables as 0001 and 0002 made them (frozen here): batch mode copies from these instead
# of reflecting the database, so the SQL can also be rendered without one (store migrate --sql).
_FROZEN = sa.MetaData()
_STEPS = sa.Table(
    "steps", _FROZEN,
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
    sa.Column("supplement_due_on", sa.Date, nullable=True, comment="容缺: the supplement deadline while suspended"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("id", name="pk_steps"),
    sa.UniqueConstraint("idempotency_key", name="uq_steps_idempotency_key"),
    sa.UniqueConstraint("case_id", "item", name="uq_steps_case_item"),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_steps_case_id_cases"),
    sa.CheckConstraint(_in("status", _STEP), name="ck_steps_status"),
    sa.CheckConstraint("attempts >= 0", name="ck_steps_attempts"),
)
_CASE_MATERIALS = sa.Table(
    "case_materials", _FROZEN,
    sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
    sa.Column("case_id", sa.Integer, nullable=False),
    sa.Column("material", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("supplement_due_on", sa.Date, nullable=True, comment="容缺: the day a missing material is due"),
    sa.Column("supplied_on", sa.Date, nullable=True),
    sa.PrimaryKeyConstraint("id", name="pk_case_materials"),
    sa.UniqueConstraint("case_id", "material", name="uq_case_materials_case_material"),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_materials_case_id_cases"),
    sa.CheckConstraint(_in("status", _MATERIAL), name="ck_case_materials_status"),
)
sa.Table("cases", _FROZEN, sa.Column("id", sa.Integer, primary_key=True))  # what the foreign keys name


def upgrade() -> None:
    op.drop_index("ix_steps_status_id", table_name="steps")
    op.drop_index("ix_steps_status_retry_at", table_name="steps")
    op.drop_index("ix_steps_lease_expires_at", table_name="steps")
    for table, values in ((_STEPS, _STEP), (_CASE_MATERIALS, _MATERIAL)):
        with op.batch_alter_table(table.name, copy_from=table) as batch:
            batch.drop_constraint(op.f(f"ck_{table.name}_status"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table.name}_status"), sa.text(_any_of("status", values)))
    op.create_index("ix_steps_ready", "steps", ["id"], sqlite_where=_READY, postgresql_where=_READY)
    op.create_index("ix_steps_dispatched", "steps", ["lease_expires_at"], sqlite_where=_DISPATCHED,
                    postgresql_where=_DISPATCHED)
    op.create_index("ix_steps_waiting", "steps", ["due_on", "id"], sqlite_where=_WAITING,
                    postgresql_where=_WAITING)
