"""silences, their held-back effects, and channel_events.silence_id

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PENDING = "state = 'pending'"


def upgrade() -> None:
    op.create_table(
        "silences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("matchers", JSON, nullable=False),
        sa.Column("match_all", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_intervals", JSON, nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("replaced_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    with op.batch_alter_table("silences", schema=None) as batch_op:
        batch_op.create_index("ix_silences_project_ends", ["project_id", "ends_at"], unique=False)
        batch_op.create_index("ix_silences_ends", ["ends_at"], unique=False)
    op.create_table(
        "silence_suppressions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("silence_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("recurrence_key", sa.String(length=1024), nullable=False),
        sa.Column("notify_owed", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silence_suppressions")),
    )
    with op.batch_alter_table("silence_suppressions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_silence_suppressions_pending_incident",
            ["project_id", "incident_id"],
            unique=True,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )
        batch_op.create_index("ix_silence_suppressions_silence", ["silence_id"], unique=False)
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("silence_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            "ix_channel_events_silence",
            ["silence_id", "received_at"],
            unique=False,
            postgresql_where=sa.text("silence_id IS NOT NULL"),
            sqlite_where=sa.text("silence_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_events_silence")
        batch_op.drop_column("silence_id")
    with op.batch_alter_table("silence_suppressions", schema=None) as batch_op:
        batch_op.drop_index("ix_silence_suppressions_silence")
        batch_op.drop_index("uq_silence_suppressions_pending_incident")
    op.drop_table("silence_suppressions")
    with op.batch_alter_table("silences", schema=None) as batch_op:
        batch_op.drop_index("ix_silences_ends")
        batch_op.drop_index("ix_silences_project_ends")
    op.drop_table("silences")
