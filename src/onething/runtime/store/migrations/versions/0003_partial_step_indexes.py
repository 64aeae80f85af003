"""Partial indexes on the steps a worker looks for, instead of indexes on every step's status
and lease: a step's move then updates only the index of the status it enters or leaves.

``ix_steps_status_id``, ``ix_steps_status_retry_at`` and ``ix_steps_lease_expires_at`` held
every step and were rewritten on every move (three index updates a transition, six entries);
their replacements hold only ready steps (the claim, oldest first), dispatched steps by lease
expiry (recovery of expired leases) and steps waiting for a person (the clerks' task list).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_READY = sa.text("status = 'ready'")
_DISPATCHED = sa.text("status = 'dispatched'")
_WAITING = sa.text("status IN ('pending', 'failed', 'suspended')")


def upgrade() -> None:
    op.drop_index("ix_steps_status_id", table_name="steps")
    op.drop_index("ix_steps_status_retry_at", table_name="steps")
    op.drop_index("ix_steps_lease_expires_at", table_name="steps")
    op.create_index("ix_steps_ready", "steps", ["id"], sqlite_where=_READY, postgresql_where=_READY)
    op.create_index("ix_steps_dispatched", "steps", ["lease_expires_at"], sqlite_where=_DISPATCHED,
                    postgresql_where=_DISPATCHED)
    op.create_index("ix_steps_waiting", "steps", ["due_on", "id"], sqlite_where=_WAITING,
                    postgresql_where=_WAITING)
