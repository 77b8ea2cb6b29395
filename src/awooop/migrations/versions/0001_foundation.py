"""foundation: projects, keys, console sessions, channel events, intake rejections

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("intake_token_hash", sa.String(length=64), nullable=False),
        sa.Column("sentry_client_secret", sa.Text(), nullable=True),
        sa.Column("grafana_secret", sa.Text(), nullable=True),
        sa.Column("telegram_secret_hash", sa.String(length=64), nullable=True),
        sa.Column("telegram_bot_token", sa.Text(), nullable=True),
        sa.Column("telegram_chat_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("operator_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column(
            "projects",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )

    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_sessions_key_id"), ["key_id"], unique=False)

    op.create_table(
        "channel_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("channel_type", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("provider_event_id", sa.String(length=512), nullable=False),
        sa.Column("channel_chat_id", sa.String(length=64), nullable=True),
        sa.Column("content_preview", sa.String(length=256), nullable=True),
        sa.Column("content_redacted", sa.Text(), nullable=True),
        sa.Column("has_redacted_content", sa.Boolean(), nullable=False),
        sa.Column("redaction_version", sa.String(length=16), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("content_length", sa.Integer(), nullable=True),
        sa.Column("has_source_envelope", sa.Boolean(), nullable=False),
        sa.Column(
            "source_refs",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_ref_count", sa.Integer(), nullable=False),
        sa.Column(
            "log_correlation",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "labels",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("alertname", sa.String(length=256), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("namespace", sa.String(length=256), nullable=True),
        sa.Column("target_resource", sa.String(length=256), nullable=True),
        sa.Column("fingerprint", sa.String(length=256), nullable=True),
        sa.Column("recurrence_key", sa.String(length=1024), nullable=True),
        sa.Column("is_duplicate", sa.Boolean(), nullable=False),
        sa.Column("duplicate_of", sa.Uuid(), nullable=True),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("incident_id", sa.String(length=32), nullable=True),
        sa.Column("provider_ts", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_events")),
    )
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_events_project_peid",
            ["project_id", "provider_event_id", "received_at", "id"],
            unique=False,
            postgresql_ops={"provider_event_id": "text_pattern_ops"},
        )
        batch_op.create_index(
            "ix_channel_events_project_provider_stage_received",
            ["project_id", "provider", "stage", "received_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_channel_events_project_received",
            ["project_id", "received_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_channel_events_project_recurrence",
            ["project_id", "recurrence_key", "received_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_channel_events_project_type_provider_received",
            ["project_id", "channel_type", "provider", "received_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_channel_events_project_type_received",
            ["project_id", "channel_type", "received_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_channel_events_received", ["received_at", "id"], unique=False)
        batch_op.create_index("ix_channel_events_run_received", ["run_id", "received_at", "id"], unique=False)
        batch_op.create_index(
            "ix_channel_events_type_received",
            ["channel_type", "received_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_channel_events_original",
            ["project_id", "provider", "provider_event_id"],
            unique=True,
            postgresql_where=sa.text("is_duplicate = false"),
            sqlite_where=sa.text("is_duplicate = 0"),
        )

    op.create_table(
        "intake_rejections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=512), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("body_length", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_rejections")),
    )
    with op.batch_alter_table("intake_rejections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intake_rejections_project_received",
            ["project_id", "received_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("intake_rejections", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_rejections_project_received")
    op.drop_table("intake_rejections")
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_channel_events_original",
            postgresql_where=sa.text("is_duplicate = false"),
            sqlite_where=sa.text("is_duplicate = 0"),
        )
        batch_op.drop_index("ix_channel_events_type_received")
        batch_op.drop_index("ix_channel_events_run_received")
        batch_op.drop_index("ix_channel_events_received")
        batch_op.drop_index("ix_channel_events_project_type_received")
        batch_op.drop_index("ix_channel_events_project_type_provider_received")
        batch_op.drop_index("ix_channel_events_project_recurrence")
        batch_op.drop_index("ix_channel_events_project_received")
        batch_op.drop_index("ix_channel_events_project_provider_stage_received")
        batch_op.drop_index(
            "ix_channel_events_project_peid",
            postgresql_ops={"provider_event_id": "text_pattern_ops"},
        )
    op.drop_table("channel_events")
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_key_id"))
    op.drop_table("console_sessions")
    op.drop_table("api_keys")
    op.drop_table("projects")
