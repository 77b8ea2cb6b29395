"""Worker leases: one row per singleton job; whoever holds an unexpired lease runs it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import UTCDateTime
from awooop.models.base import Base


class WorkerLease(Base):
    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(128), default=None)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
