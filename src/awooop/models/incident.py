"""Incidents: one open problem per recurrence key while it fires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import Base


class Incident(Base):
    __tablename__ = "incidents"

    # Numeric surrogate gives the human id (INC-000123) without a separate counter table.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str | None] = mapped_column(String(32), unique=True)
    project_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(512))
    severity: Mapped[str | None] = mapped_column(String(16))
    recurrence_key: Mapped[str] = mapped_column(String(1024))
    firing_fingerprints: Mapped[list[str]] = mapped_column(JSONType)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
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
