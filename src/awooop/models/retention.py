"""Retention: per-project overrides, compaction progress, daily rollups and the work-item key index."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import UTCDateTime
from awooop.models.base import Base


class RetentionSetting(Base):
    """A project's overrides; a NULL column means "the Settings default" (docs/operations.md)."""

    __tablename__ = "retention_settings"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    raw_event_days: Mapped[int | None] = mapped_column(Integer, default=None)
    duplicate_days: Mapped[int | None] = mapped_column(Integer, default=None)
    rejection_days: Mapped[int | None] = mapped_column(Integer, default=None)
    notification_days: Mapped[int | None] = mapped_column(Integer, default=None)
    heartbeat_run_days: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RetentionState(Base):
    """How far a project's events are compacted: every UTC day before ``compacted_before`` has its
    rollups, and only those days may lose raw rows (so a rollup is never recomputed from a partial day)."""

    __tablename__ = "retention_state"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    compacted_before: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventRollup(Base):
    """One (project, recurrence key, UTC day): what the raw alert events of that day said."""

    __tablename__ = "event_rollups"

    # work_item_id names (project, recurrence key) in 19 characters; work_item_keys maps it back.
    work_item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    occurrence_total: Mapped[int] = mapped_column(Integer)
    duplicate_total: Mapped[int] = mapped_column(Integer)
    original_firing_total: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    worst_severity: Mapped[str | None] = mapped_column(String(16))


class WorkItemKey(Base):
    """work_item_id → (project, recurrence key), kept forever: a work item is addressable by id after
    its events are gone. Written once per new key by the hub, and by compaction before a purge."""

    __tablename__ = "work_item_keys"

    work_item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    recurrence_key: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
