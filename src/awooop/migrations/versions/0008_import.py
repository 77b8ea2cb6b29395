"""import of history: origin of imported channel events

Revision ID: 0008
Revises: 0007

Columns on channel_events rather than a side table: every read model already reads
channel_events, an imported event is a channel event in every other respect, and the origin
unique index must guard the very insert that stores the event (ON CONFLICT DO NOTHING), which a
side table could only do with a second statement per batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_system", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("origin_id", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("origin_occurrences", sa.Integer(), nullable=True))
        batch_op.create_index(
            "uq_channel_events_origin",
            ["project_id", "origin_system", "origin_id"],
            unique=True,
            postgresql_where=sa.text("origin_id IS NOT NULL"),
            sqlite_where=sa.text("origin_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_channel_events_origin",
            postgresql_where=sa.text("origin_id IS NOT NULL"),
            sqlite_where=sa.text("origin_id IS NOT NULL"),
        )
        batch_op.drop_column("origin_occurrences")
        batch_op.drop_column("origin_id")
        batch_op.drop_column("origin_system")
