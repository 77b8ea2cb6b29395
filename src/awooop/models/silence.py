"""Silences (Alertmanager-style mutes, optionally recurring) and the effects they held back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import Base

PENDING_SUPPRESSION_SQL = "state = 'pending'"


class Silence(Base):
    """``state`` is derived from the times (pending / active / expired), never stored."""

    __tablename__ = "silences"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    # [{"name", "value", "isRegex", "isEqual"}], the Alertmanager v2 shape.
    matchers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    match_all: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Alertmanager time_intervals (times, weekdays, days_of_month, months, years, location); None = always.
    time_intervals: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str] = mapped_column(Text)
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_silences_project_ends", "project_id", "ends_at"),
        Index("ix_silences_ends", "ends_at"),
    )


class SilenceSuppression(Base):
    """A firing whose announcement or run a silence held back: released once when the silence no
    longer covers it while its incident still fires (``pending`` → ``released``), or dropped when
    the incident resolved first."""

    __tablename__ = "silence_suppressions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    silence_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    incident_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recurrence_key: Mapped[str] = mapped_column(String(1024))
    notify_owed: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome: Mapped[str | None] = mapped_column(String(256), default=None)

    __table_args__ = (
        # One pending suppression per incident (ids are per project): later silenced firings add nothing.
        Index(
            "uq_silence_suppressions_pending_incident",
            "project_id",
            "incident_id",
            unique=True,
            postgresql_where=text(PENDING_SUPPRESSION_SQL),
            sqlite_where=text(PENDING_SUPPRESSION_SQL),
        ),
        Index("ix_silence_suppressions_silence", "silence_id"),
    )
