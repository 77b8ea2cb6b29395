"""remediation: incidents, runs, transitions, playbooks, notification outbox

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=True),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("recurrence_key", sa.String(length=1024), nullable=False),
        sa.Column(
            "firing_fingerprints",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_incidents")),
        sa.UniqueConstraint("id", name=op.f("uq_incidents_id")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incidents_project_key_opened",
            ["project_id", "recurrence_key", "opened_at"],
            unique=False,
        )
        batch_op.create_index("ix_incidents_project_opened", ["project_id", "opened_at", "seq"], unique=False)
        batch_op.create_index("ix_incidents_opened", ["opened_at", "seq"], unique=False)
        batch_op.create_index(
            "ix_incidents_project_status_opened",
            ["project_id", "status", "opened_at", "seq"],
            unique=False,
        )
        batch_op.create_index("ix_incidents_status_opened", ["status", "opened_at", "seq"], unique=False)
        batch_op.create_index(
            "uq_incidents_open_key",
            ["project_id", "recurrence_key"],
            unique=True,
            postgresql_where=sa.text("status = 'open'"),
            sqlite_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("playbook_id", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=256), nullable=True),
        sa.Column("recurrence_key", sa.String(length=1024), nullable=True),
        sa.Column("incident_id", sa.String(length=32), nullable=True),
        sa.Column("trigger_event_id", sa.Uuid(), nullable=True),
        sa.Column("repair_outcome", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_runs_agent_state_created",
            ["agent_id", "state", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_runs_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_runs_project_created", ["project_id", "created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_runs_project_key_created",
            ["project_id", "recurrence_key", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_runs_project_state_created",
            ["project_id", "state", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_runs_state_created", ["state", "created_at", "id"], unique=False)
        batch_op.create_index("ix_runs_agent_created", ["agent_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_runs_incident", ["incident_id"], unique=False)
        batch_op.create_index(
            "ix_runs_unfinished_key",
            ["project_id", "recurrence_key"],
            unique=False,
            postgresql_where=sa.text("state IN ('queued', 'awaiting_approval', 'running')"),
            sqlite_where=sa.text("state IN ('queued', 'awaiting_approval', 'running')"),
        )

    op.create_table(
        "run_transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_run_transitions_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_transitions")),
    )
    with op.batch_alter_table("run_transitions", schema=None) as batch_op:
        batch_op.create_index("ix_run_transitions_run_at", ["run_id", "at"], unique=False)

    op.create_table(
        "playbooks",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "id", name=op.f("pk_playbooks")),
    )

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=256), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_outbox_dedupe_key")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_outbox_status_next",
            ["status", "next_attempt_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_outbox_status_next")
    op.drop_table("notification_outbox")
    op.drop_table("playbooks")
    with op.batch_alter_table("run_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_run_transitions_run_at")
    op.drop_table("run_transitions")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_runs_unfinished_key",
            postgresql_where=sa.text("state IN ('queued', 'awaiting_approval', 'running')"),
            sqlite_where=sa.text("state IN ('queued', 'awaiting_approval', 'running')"),
        )
        batch_op.drop_index("ix_runs_incident")
        batch_op.drop_index("ix_runs_agent_created")
        batch_op.drop_index("ix_runs_state_created")
        batch_op.drop_index("ix_runs_project_state_created")
        batch_op.drop_index("ix_runs_project_key_created")
        batch_op.drop_index("ix_runs_project_created")
        batch_op.drop_index("ix_runs_created")
        batch_op.drop_index("ix_runs_agent_state_created")
    op.drop_table("runs")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_incidents_open_key",
            postgresql_where=sa.text("status = 'open'"),
            sqlite_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index("ix_incidents_status_opened")
        batch_op.drop_index("ix_incidents_project_status_opened")
        batch_op.drop_index("ix_incidents_opened")
        batch_op.drop_index("ix_incidents_project_opened")
        batch_op.drop_index("ix_incidents_project_key_opened")
    op.drop_table("incidents")
