"""Notification outbox: written in the routing transaction, drained by the worker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import Base, one_of

# Every kind of message (notify.outbox.Kind); monitors added the last two.
OUTBOX_KINDS = ("incident_opened", "approval_wait", "incident_resolved", "monitor_expired", "monitor_recovered")


class OutboxMessage(Base):
    __tablename__ = "notification_outbox"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    # Natural key of the notification (e.g. "incident_opened:INC-000001"): never queued twice.
    dedupe_key: Mapped[str] = mapped_column(String(256), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        CheckConstraint(one_of("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint(one_of("status", ("pending", "delivered", "failed", "skipped")), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_notification_outbox_status_next", "status", "next_attempt_at"),
        # Retention deletes a project's finished messages of one status oldest first.
        Index("ix_notification_outbox_project_status_created", "project_id", "status", "created_at", "id"),
    )
