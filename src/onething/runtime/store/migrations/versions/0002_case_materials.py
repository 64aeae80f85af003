"""Each case's materials and their status at acceptance, so 容缺 supplements can be recorded;
an index to claim the oldest ready step without sorting every ready one.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STATUS = ("submitted", "waived", "committed", "missing", "supplied")


def upgrade() -> None:
    op.create_table(
        "case_materials",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("material", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("supplement_due_on", sa.Date, nullable=True, comment="容缺: the day a missing material is due"),
        sa.Column("supplied_on", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_materials")),
        sa.UniqueConstraint("case_id", "material", name="uq_case_materials_case_material"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_materials_case_id_cases")),
        sa.CheckConstraint("status IN ({})".format(", ".join(repr(s) for s in _STATUS)),
                           name=op.f("ck_case_materials_status")),
    )
    op.create_index("ix_steps_status_id", "steps", ["status", "id"])
