"""Channel events: every inbound item with its redacted source envelope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from awooop.core.types import JSONType, UTCDateTime
from awooop.models.base import SEVERITY_CHECK, Base, one_of

CHANNEL_TYPES = ("alert", "chat")
STAGES = ("firing", "resolved", "heartbeat", "message", "edited")


class ChannelEvent(Base):
    __tablename__ = "channel_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    channel_type: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16))
    provider_event_id: Mapped[str] = mapped_column(String(512))
    channel_chat_id: Mapped[str | None] = mapped_column(String(64))
    content_preview: Mapped[str | None] = mapped_column(String(256))
    content_redacted: Mapped[str | None] = mapped_column(Text)
    has_redacted_content: Mapped[bool] = mapped_column(Boolean, default=False)
    redaction_version: Mapped[str | None] = mapped_column(String(16))
    source_url: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    content_length: Mapped[int | None] = mapped_column(Integer)
    # False only for events imported without an envelope (legacy mirror).
    has_source_envelope: Mapped[bool] = mapped_column(Boolean, default=True)
    source_refs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    source_ref_count: Mapped[int] = mapped_column(Integer, default=0)
    log_correlation: Mapped[dict[str, Any]] = mapped_column(JSONType)
    labels: Mapped[dict[str, Any]] = mapped_column(JSONType)
    alertname: Mapped[str | None] = mapped_column(String(256))
    severity: Mapped[str | None] = mapped_column(String(16))
    namespace: Mapped[str | None] = mapped_column(String(256))
    target_resource: Mapped[str | None] = mapped_column(String(256))
    fingerprint: Mapped[str | None] = mapped_column(String(256))
    recurrence_key: Mapped[str | None] = mapped_column(String(1024))
    is_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("channel_events.id"))
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("runs.id"))
    incident_id: Mapped[str | None] = mapped_column(String(32))
    # The silence that covered this original at intake (silences package); None = not silenced.
    silence_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    provider_ts: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Imported history (awooop.imports): the system it came from and its id there; NULL for live
    # events. origin_occurrences is the source's own occurrence count (Alerta duplicateCount + 1,
    # Opsgenie count): lifetimes and daily rollups count it (retention.repository.OCCURRENCES); the
    # recurrence window's own event counts do not.
    origin_system: Mapped[str | None] = mapped_column(String(32))
    origin_id: Mapped[str | None] = mapped_column(String(512))
    origin_occurrences: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        # Incident ids are numbered per project: the key is (project_id, incident_id).
        ForeignKeyConstraint(["project_id", "incident_id"], ["incidents.project_id", "incidents.id"]),
        CheckConstraint(one_of("channel_type", CHANNEL_TYPES), name="channel_type"),
        CheckConstraint(one_of("stage", STAGES), name="stage"),
        CheckConstraint(SEVERITY_CHECK, name="severity"),
        # Exactly one original per (project, provider, provider_event_id), even under races.
        Index(
            "uq_channel_events_original",
            "project_id",
            "provider",
            "provider_event_id",
            unique=True,
            postgresql_where=text("is_duplicate = false"),
            sqlite_where=text("is_duplicate = 0"),
        ),
        Index("ix_channel_events_project_received", "project_id", "received_at", "id"),
        Index("ix_channel_events_received", "received_at", "id"),
        Index("ix_channel_events_project_type_received", "project_id", "channel_type", "received_at", "id"),
        Index("ix_channel_events_type_received", "channel_type", "received_at", "id"),
        Index(
            "ix_channel_events_project_type_provider_received",
            "project_id",
            "channel_type",
            "provider",
            "received_at",
            "id",
        ),
        # (received_at, id) let the dossier's exact provider_event_id lookup come out in order, so
        # SQLite without statistics does not prefer walking the project's events by time instead.
        Index(
            "ix_channel_events_project_peid",
            "project_id",
            "provider_event_id",
            "received_at",
            "id",
            postgresql_ops={"provider_event_id": "text_pattern_ops"},
        ),
        Index("ix_channel_events_project_recurrence", "project_id", "recurrence_key", "received_at"),
        # `id` completes the dossier's ORDER BY, so SQLite (whose statistics count NULL run_ids
        # as one value) still picks this index for `run_id = ?` instead of scanning by time.
        Index("ix_channel_events_run_received", "run_id", "received_at", "id"),
        Index("ix_channel_events_project_provider_stage_received", "project_id", "provider", "stage", "received_at"),
        # One event per imported record, however often the import runs (ON CONFLICT DO NOTHING).
        Index(
            "uq_channel_events_origin",
            "project_id",
            "origin_system",
            "origin_id",
            unique=True,
            postgresql_where=text("origin_id IS NOT NULL"),
            sqlite_where=text("origin_id IS NOT NULL"),
        ),
        # The foreign key's check when an original is deleted (retention): duplicates only.
        Index(
            "ix_channel_events_duplicate_of",
            "duplicate_of",
            postgresql_where=text("duplicate_of IS NOT NULL"),
            sqlite_where=text("duplicate_of IS NOT NULL"),
        ),
        # Only silenced events are in it: free for the rest of the intake path.
        Index(
            "ix_channel_events_silence",
            "silence_id",
            "received_at",
            postgresql_where=text("silence_id IS NOT NULL"),
            sqlite_where=text("silence_id IS NOT NULL"),
        ),
        # Retention deletes a project's expired duplicates oldest first (partial: originals pay nothing).
        Index(
            "ix_channel_events_project_duplicate_received",
            "project_id",
            "received_at",
            "id",
            postgresql_where=text("is_duplicate = true"),
            sqlite_where=text("is_duplicate = 1"),
        ),
    )


class IntakeRejection(Base):
    """A refused delivery: who, why, and a hash of the body — never the body itself."""

    __tablename__ = "intake_rejections"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(512))
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    body_length: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_intake_rejections_project_received", "project_id", "received_at"),
        # Retention sweeps rejections of unknown project ids by age alone.
        Index("ix_intake_rejections_received", "received_at", "id"),
    )
