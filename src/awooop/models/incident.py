"""Incidents: one open problem per recurrence key while it fires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import SEVERITY_CHECK, Base


class Incident(Base):
    __tablename__ = "incidents"

    # Internal, globally unique key (primary key, page cursors). The human id INC-000123 is
    # numbered per project from project_counters and is unique only with project_id.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(512))
    severity: Mapped[str | None] = mapped_column(String(16))
    recurrence_key: Mapped[str] = mapped_column(String(1024))
    firing_fingerprints: Mapped[list[str]] = mapped_column(JSONType)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        # The target of the (project_id, incident_id) foreign keys of events and runs.
        UniqueConstraint("project_id", "id"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        CheckConstraint(SEVERITY_CHECK, name="severity"),
        Index(
            "uq_incidents_open_key",
            "project_id",
            "recurrence_key",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_incidents_project_opened", "project_id", "opened_at", "seq"),
        Index("ix_incidents_opened", "opened_at", "seq"),
        Index("ix_incidents_project_status_opened", "project_id", "status", "opened_at", "seq"),
        Index("ix_incidents_status_opened", "status", "opened_at", "seq"),
        Index("ix_incidents_project_key_opened", "project_id", "recurrence_key", "opened_at"),
    )


class ProjectCounter(Base):
    """The last incident number issued in a project, raised in the transaction that opens incidents:
    numbers start at 1 in every project and are never issued twice, even after a delete."""

    __tablename__ = "project_counters"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_incident_number: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("last_incident_number >= 0", name="last_incident_number"),)
