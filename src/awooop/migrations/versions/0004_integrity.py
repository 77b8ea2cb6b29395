"""integrity: per-project incident numbers, foreign keys, CHECK constraints on enumerations

Incident ids (INC-000001) are numbered per project from ``project_counters`` and are unique per
(project_id, id); ``incidents.seq`` stays the internal primary key. Events and runs reference
their incident by (project_id, incident_id). On SQLite every change goes through batch mode,
which rebuilds the tables (foreign keys are off on the migration connection).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here, not imported from the models: a migration is history and must not follow
# later edits of the application.
_SEVERITY = "severity IS NULL OR severity IN ('critical', 'error', 'warning', 'info')"
_STATES = "'queued', 'awaiting_approval', 'running', 'completed', 'failed', 'cancelled'"

CHECKS: dict[str, list[tuple[str, str]]] = {
    "incidents": [
        ("ck_incidents_status", "status IN ('open', 'resolved')"),
        ("ck_incidents_severity", _SEVERITY),
    ],
    "project_counters": [],
    "channel_events": [
        ("ck_channel_events_channel_type", "channel_type IN ('alert', 'chat')"),
        ("ck_channel_events_stage", "stage IN ('firing', 'resolved', 'heartbeat', 'message', 'edited')"),
        ("ck_channel_events_severity", _SEVERITY),
    ],
    "runs": [
        ("ck_runs_state", f"state IN ({_STATES})"),
        ("ck_runs_mode", "mode IN ('live', 'shadow')"),
        ("ck_runs_repair_outcome", "repair_outcome IS NULL OR repair_outcome IN ('verified', 'failed', 'unverified')"),
    ],
    "run_transitions": [
        ("ck_run_transitions_from_state", f"from_state IS NULL OR from_state IN ({_STATES})"),
        ("ck_run_transitions_to_state", f"to_state IN ({_STATES})"),
    ],
    "notification_outbox": [
        (
            "ck_notification_outbox_kind",
            "kind IN ('incident_opened', 'approval_wait', 'incident_resolved', 'monitor_expired', 'monitor_recovered')",
        ),
        ("ck_notification_outbox_status", "status IN ('pending', 'delivered', 'failed', 'skipped')"),
        ("ck_notification_outbox_attempts", "attempts >= 0"),
    ],
    "work_item_records": [
        ("ck_work_item_records_kind", "kind IN ('dry_run', 'handoff')"),
        ("ck_work_item_records_mode", "mode IN ('auto', 'auto_repair', 'manual_review', 'ticket')"),
        ("ck_work_item_records_resolved_mode", "resolved_mode IN ('auto_repair', 'manual_review', 'ticket')"),
    ],
    "api_keys": [("ck_api_keys_role", "role IN ('operator', 'agent', 'admin')")],
}

_OTHERS = ("work_item_records", "api_keys")

# (table, name, local columns, referred table, referred columns)
FOREIGN_KEYS: list[tuple[str, str, list[str], str, list[str]]] = [
    ("channel_events", "fk_channel_events_run_id_runs", ["run_id"], "runs", ["id"]),
    ("channel_events", "fk_channel_events_duplicate_of_channel_events", ["duplicate_of"], "channel_events", ["id"]),
    (
        "channel_events",
        "fk_channel_events_project_id_incidents",
        ["project_id", "incident_id"],
        "incidents",
        ["project_id", "id"],
    ),
    ("runs", "fk_runs_project_id_incidents", ["project_id", "incident_id"], "incidents", ["project_id", "id"]),
]


def upgrade() -> None:
    op.create_table(
        "project_counters",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("last_incident_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_incident_number >= 0", name=op.f("ck_project_counters_last_incident_number")),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_counters")),
    )
    # Existing ids came from the shared sequence: continue each project above its highest one.
    op.execute(
        "INSERT INTO project_counters (project_id, last_incident_number) "
        "SELECT project_id, MAX(seq) FROM incidents GROUP BY project_id"
    )
    with op.batch_alter_table("incidents", recreate="auto") as batch_op:
        batch_op.drop_constraint("uq_incidents_id", type_="unique")
        batch_op.alter_column("id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_incidents_project_id_id"), ["project_id", "id"])
    for table in ("incidents", "channel_events", "runs", "run_transitions", "notification_outbox", *_OTHERS):
        _add_constraints(table)
    # Deleting an original checks the duplicates that point at it: without this index that check
    # scans channel_events once per deleted row (retention deletes in batches).
    op.create_index(
        "ix_channel_events_duplicate_of",
        "channel_events",
        ["duplicate_of"],
        postgresql_where=sa.text("duplicate_of IS NOT NULL"),
        sqlite_where=sa.text("duplicate_of IS NOT NULL"),
    )


def _add_constraints(table: str) -> None:
    with op.batch_alter_table(table, recreate="auto") as batch_op:
        for name, sql in CHECKS[table]:
            batch_op.create_check_constraint(op.f(name), sa.text(sql))
        for fk_table, name, local, referred, remote in FOREIGN_KEYS:
            if fk_table == table:
                batch_op.create_foreign_key(op.f(name), referred, local, remote)


def downgrade() -> None:
    op.drop_index("ix_channel_events_duplicate_of", table_name="channel_events")
    for table in (*reversed(_OTHERS), "notification_outbox", "run_transitions", "runs", "channel_events"):
        with op.batch_alter_table(table, recreate="auto") as batch_op:
            for fk_table, name, *_ in FOREIGN_KEYS:
                if fk_table == table:
                    batch_op.drop_constraint(op.f(name), type_="foreignkey")
            for name, _sql in CHECKS[table]:
                batch_op.drop_constraint(op.f(name), type_="check")
    # Per-project ids may repeat across projects; the shared-counter schema needs them unique again.
    with op.batch_alter_table("incidents", recreate="auto") as batch_op:
        for name, _sql in CHECKS["incidents"]:
            batch_op.drop_constraint(op.f(name), type_="check")
        batch_op.drop_constraint(op.f("uq_incidents_project_id_id"), type_="unique")
        batch_op.alter_column("id", existing_type=sa.String(length=32), nullable=True)
        batch_op.create_unique_constraint(op.f("uq_incidents_id"), ["id"])
    op.drop_table("project_counters")
