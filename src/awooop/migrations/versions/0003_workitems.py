"""work items: dry-run and handoff history

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_item_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("work_item_id", sa.String(length=32), nullable=False),
        sa.Column("recurrence_key", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("resolved_mode", sa.String(length=32), nullable=False),
        sa.Column("handoff_kind", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("operator_id", sa.String(length=128), nullable=False),
        sa.Column("auth_method", sa.String(length=32), nullable=False),
        sa.Column("based_on_id", sa.Uuid(), nullable=True),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_item_records")),
    )
    with op.batch_alter_table("work_item_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_item_records_item_created",
            ["work_item_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("work_item_records", schema=None) as batch_op:
        batch_op.drop_index("ix_work_item_records_item_created")
    op.drop_table("work_item_records")
