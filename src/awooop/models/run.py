"""Remediation runs, their transition history, and per-project playbooks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import RUN_STATES, Base, one_of

# Literal SQL (not bound parameters) so SQLite's planner can prove a query implies the partial index.
UNFINISHED_RUN_SQL = "state IN ('queued', 'awaiting_approval', 'running')"
HEARTBEAT_RUN_SQL = "agent_id = 'awooop-heartbeat' AND mode = 'shadow'"


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str] = mapped_column(String(128))
    playbook_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str | None] = mapped_column(String(256))
    recurrence_key: Mapped[str | None] = mapped_column(String(1024))
    incident_id: Mapped[str | None] = mapped_column(String(32))
    trigger_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    repair_outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        ForeignKeyConstraint(["project_id", "incident_id"], ["incidents.project_id", "incidents.id"]),
        CheckConstraint(one_of("state", RUN_STATES), name="state"),
        CheckConstraint(one_of("mode", ("live", "shadow")), name="mode"),
        CheckConstraint(
            one_of("repair_outcome", ("verified", "failed", "unverified"), nullable=True), name="repair_outcome"
        ),
        Index("ix_runs_project_created", "project_id", "created_at", "id"),
        Index("ix_runs_created", "created_at", "id"),
        Index("ix_runs_agent_state_created", "agent_id", "state", "created_at"),
        Index("ix_runs_project_key_created", "project_id", "recurrence_key", "created_at"),
        Index("ix_runs_project_state_created", "project_id", "state", "created_at"),
        Index("ix_runs_state_created", "state", "created_at", "id"),
        Index("ix_runs_agent_created", "agent_id", "created_at", "id"),
        Index("ix_runs_incident", "incident_id"),
        # Routing asks "is a run of this key unfinished?" for every firing; keep that index tiny.
        Index(
            "ix_runs_unfinished_key",
            "project_id",
            "recurrence_key",
            postgresql_where=text(UNFINISHED_RUN_SQL),
            sqlite_where=text(UNFINISHED_RUN_SQL),
        ),
        # Retention deletes a project's expired heartbeat shadow runs oldest first.
        Index(
            "ix_runs_heartbeat_project_created",
            "project_id",
            "created_at",
            "id",
            postgresql_where=text(HEARTBEAT_RUN_SQL),
            sqlite_where=text(HEARTBEAT_RUN_SQL),
        ),
    )


class RunTransition(Base):
    __tablename__ = "run_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("runs.id", ondelete="CASCADE"))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(one_of("from_state", RUN_STATES, nullable=True), name="from_state"),
        CheckConstraint(one_of("to_state", RUN_STATES), name="to_state"),
        Index("ix_run_transitions_run_at", "run_id", "at"),
    )


class Playbook(Base):
    __tablename__ = "playbooks"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
