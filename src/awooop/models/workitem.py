"""Work-item history: recorded dry-runs and handoffs. Nothing else is written by work items."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import Base, one_of


class WorkItemRecord(Base):
    __tablename__ = "work_item_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    work_item_id: Mapped[str] = mapped_column(String(32))
    recurrence_key: Mapped[str] = mapped_column(String(1024))
    kind: Mapped[str] = mapped_column(String(16))  # dry_run | handoff
    mode: Mapped[str] = mapped_column(String(32))
    resolved_mode: Mapped[str] = mapped_column(String(32))
    handoff_kind: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(16))
    operator_id: Mapped[str] = mapped_column(String(128))
    auth_method: Mapped[str] = mapped_column(String(32))
    based_on_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # work_item_id already names its project (a hash of project and key): history pages by it alone.
    __table_args__ = (
        CheckConstraint(one_of("kind", ("dry_run", "handoff")), name="kind"),
        CheckConstraint(one_of("mode", ("auto", "auto_repair", "manual_review", "ticket")), name="mode"),
        CheckConstraint(one_of("resolved_mode", ("auto_repair", "manual_review", "ticket")), name="resolved_mode"),
        Index("ix_work_item_records_item_created", "work_item_id", "created_at"),
    )
