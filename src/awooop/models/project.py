"""Projects (tenants) and their source credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import UTCDateTime
from awooop.models.base import Base


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    intake_token_hash: Mapped[str] = mapped_column(String(64))
    # HMAC keys must be usable, so they are kept as given (documented in docs/security.md).
    sentry_client_secret: Mapped[str | None] = mapped_column(Text, default=None)
    grafana_secret: Mapped[str | None] = mapped_column(Text, default=None)
    telegram_secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    telegram_bot_token: Mapped[str | None] = mapped_column(Text, default=None)
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
