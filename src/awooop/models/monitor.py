"""Heartbeat monitors (dead man's switches): a project expects pings; silence past the deadline alerts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import Base

# Literal, as in the partial index: the evaluator's query names the same predicate.
DUE_SQL = "state = 'up'"


class Monitor(Base):
    __tablename__ = "monitors"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # ping | watchdog | freshness | synthetic
    # freshness / synthetic monitors watch this provider's real events / synthetic heartbeats.
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    grace_seconds: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    alert_message: Mapped[str | None] = mapped_column(String(512), default=None)
    severity: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Opsgenie parity: kept and answered back, shown in the notification.
    owner_team: Mapped[str | None] = mapped_column(String(200), default=None)
    tags: Mapped[list[str]] = mapped_column(JSONType)
    priority: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(16))  # new | up | expired | paused
    last_ping_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Epoch milliseconds of last ping + interval + grace: an integer, so a ping's single UPDATE
    # computes it from the row on both engines (no dialect-specific date arithmetic).
    deadline_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    open_incident_id: Mapped[str | None] = mapped_column(String(32), default=None)
    ping_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_monitors_due", "deadline_ms", postgresql_where=text(DUE_SQL), sqlite_where=text(DUE_SQL)),
    )
