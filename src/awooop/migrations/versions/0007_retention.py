"""retention: per-project settings, compaction progress, daily rollups, work-item keys, worker leases,
and the indexes the purge walks

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEARTBEAT_RUN_SQL = "agent_id = 'awooop-heartbeat' AND mode = 'shadow'"
_BACKFILL_CHUNK = 1000


def _work_item_id(project_id: str, recurrence_key: str) -> str:
    # Same formula as awooop.hub.envelope.work_item_id (SPEC §2); copied so the migration stays frozen.
    return "wi_" + hashlib.sha256(f"{project_id}\x1f{recurrence_key}".encode()).hexdigest()[:16]


def _create_tables() -> None:
    op.create_table(
        "retention_settings",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("raw_event_days", sa.Integer(), nullable=True),
        sa.Column("duplicate_days", sa.Integer(), nullable=True),
        sa.Column("rejection_days", sa.Integer(), nullable=True),
        sa.Column("notification_days", sa.Integer(), nullable=True),
        sa.Column("heartbeat_run_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_retention_settings")),
    )
    op.create_table(
        "retention_state",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("compacted_before", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_retention_state")),
    )
    op.create_table(
        "event_rollups",
        sa.Column("work_item_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("occurrence_total", sa.Integer(), nullable=False),
        sa.Column("duplicate_total", sa.Integer(), nullable=False),
        sa.Column("original_firing_total", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worst_severity", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("work_item_id", "day", name=op.f("pk_event_rollups")),
    )
    op.create_table(
        "work_item_keys",
        sa.Column("work_item_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("recurrence_key", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("work_item_id", name=op.f("pk_work_item_keys")),
    )
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_leases")),
    )


def _create_indexes() -> None:
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_events_project_duplicate_received",
            ["project_id", "received_at", "id"],
            unique=False,
            postgresql_where=sa.text("is_duplicate = true"),
            sqlite_where=sa.text("is_duplicate = 1"),
        )
    with op.batch_alter_table("intake_rejections", schema=None) as batch_op:
        batch_op.create_index("ix_intake_rejections_received", ["received_at", "id"], unique=False)
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_runs_heartbeat_project_created",
            ["project_id", "created_at", "id"],
            unique=False,
            postgresql_where=sa.text(HEARTBEAT_RUN_SQL),
            sqlite_where=sa.text(HEARTBEAT_RUN_SQL),
        )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_outbox_project_status_created",
            ["project_id", "status", "created_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_sessions_expires_at"), ["expires_at"], unique=False)


def _backfill_work_item_keys() -> None:
    """Every stored alert key becomes addressable at once (one pass at upgrade time)."""
    bind = op.get_bind()
    keys = bind.execute(
        sa.text(
            "SELECT DISTINCT project_id, recurrence_key FROM channel_events "
            "WHERE recurrence_key IS NOT NULL AND channel_type = 'alert' AND stage <> 'heartbeat'"
        )
    ).all()
    table = sa.table(
        "work_item_keys",
        sa.column("work_item_id", sa.String),
        sa.column("project_id", sa.String),
        sa.column("recurrence_key", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    rows = [
        {"work_item_id": _work_item_id(p, k), "project_id": p, "recurrence_key": k, "created_at": now} for p, k in keys
    ]
    unique = list({row["work_item_id"]: row for row in rows}.values())
    for start in range(0, len(unique), _BACKFILL_CHUNK):
        op.bulk_insert(table, unique[start : start + _BACKFILL_CHUNK])


def upgrade() -> None:
    _create_tables()
    _create_indexes()
    _backfill_work_item_keys()


def downgrade() -> None:
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_expires_at"))
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_outbox_project_status_created")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_heartbeat_project_created")
    with op.batch_alter_table("intake_rejections", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_rejections_received")
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_events_project_duplicate_received")
    for table in ("worker_leases", "work_item_keys", "event_rollups", "retention_state", "retention_settings"):
        op.drop_table(table)
