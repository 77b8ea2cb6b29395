"""Response and request models of the Channel Events API.

The seed's models (names, fields and annotations) are reproduced field for field; tests hold them
against the seed file. ``ProviderFreshness*`` are ours (docs/api.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

# Every alert source the hub knows; the seed knew only sentry and signoz.
SourceProviderName = Literal["alertmanager", "signoz", "grafana", "sentry", "generic"]
FreshnessStatus = Literal["fresh", "stale", "never"]

# The project created on first start; the seed defaulted to the user's old tenant instead.
DEFAULT_HEARTBEAT_PROJECT = "default"


class ChannelEventItem(BaseModel):
    event_id: UUID
    project_id: str
    channel_type: str
    provider_event_id: str
    channel_chat_id: str | None
    content_preview: str | None
    is_duplicate: bool
    received_at: datetime


class ChannelEventListItem(ChannelEventItem):
    """Ours, for the console's events list: an item with its provider, stage and the original of a duplicate."""

    provider: str | None
    stage: str
    duplicate_of: UUID | None


class RecentEventsResponse(BaseModel):
    events: list[ChannelEventItem]
    total: int
    limit: int


class ChannelEventDossierItem(BaseModel):
    event_id: UUID
    project_id: str
    channel_type: str
    provider: str | None
    stage: str
    provider_event_id: str
    content_preview: str | None
    content_redacted: str | None
    has_redacted_content: bool
    redaction_version: str | None
    source_url: str | None
    content_sha256: str | None
    content_length: int | None
    source_refs: dict[str, Any]
    source_ref_count: int
    log_correlation: dict[str, Any]
    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    fingerprint: str | None
    is_duplicate: bool
    provider_ts: datetime | None
    received_at: datetime


class ChannelEventDossierSummary(BaseModel):
    source_count: int
    duplicate_total: int
    redacted_total: int
    source_ref_total: int


class ChannelEventDossierResponse(BaseModel):
    events: list[ChannelEventDossierItem]
    total: int
    limit: int
    summary: ChannelEventDossierSummary


class ChannelEventProviderCoverage(BaseModel):
    provider: str
    total: int
    duplicate_total: int
    redacted_total: int
    source_ref_total: int
    missing_source_refs_total: int
    sentry_ref_total: int
    signoz_ref_total: int
    alert_ref_total: int
    latest_received_at: datetime | None


class ChannelEventDossierCoverageSummary(BaseModel):
    source_count: int
    source_envelope_total: int
    missing_source_envelope_total: int
    with_source_refs_total: int
    missing_source_refs_total: int
    duplicate_total: int
    redacted_total: int
    source_ref_total: int
    sentry_ref_total: int
    signoz_ref_total: int
    alert_ref_total: int
    latest_received_at: datetime | None


class ChannelEventDossierCoverageResponse(BaseModel):
    project_id: str
    limit: int
    summary: ChannelEventDossierCoverageSummary
    providers: list[ChannelEventProviderCoverage]


class SourceProviderHeartbeatRequest(BaseModel):
    """Low-noise freshness heartbeat for external source-provider mirrors."""

    project_id: str = Field(
        default=DEFAULT_HEARTBEAT_PROJECT, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"
    )
    providers: list[SourceProviderName] = Field(
        # A plain default (pydantic copies it per request) so the OpenAPI document shows it.
        default=["sentry", "signoz"],
        min_length=1,
        max_length=5,
    )
    reason: str = Field(
        default="scheduled_provider_freshness_smoke",
        min_length=1,
        max_length=120,
    )
    run_ref: str | None = Field(default=None, max_length=120)

    @field_validator("providers")
    @classmethod
    def _once_each(cls, providers: list[SourceProviderName]) -> list[SourceProviderName]:
        # Two heartbeats of one provider in one second would share a provider_event_id.
        return list(dict.fromkeys(providers))


class SourceProviderHeartbeatItem(BaseModel):
    provider: SourceProviderName
    event_id: str
    conversation_event_id: UUID


class SourceProviderHeartbeatResponse(BaseModel):
    status: str
    project_id: str
    items: list[SourceProviderHeartbeatItem]


class ProviderFreshnessItem(BaseModel):
    """One provider of one project. ``status`` judges real events only (is the source sending?);
    ``pipeline_status`` judges anything that went through intake, heartbeats included (does the
    intake path work?)."""

    project_id: str
    provider: str
    channel_type: str
    status: FreshnessStatus
    last_event_at: datetime | None
    last_event_age_seconds: float | None
    pipeline_status: FreshnessStatus
    last_heartbeat_at: datetime | None
    last_heartbeat_age_seconds: float | None


class ProviderFreshnessSummary(BaseModel):
    project_total: int
    provider_total: int
    fresh_total: int
    stale_total: int
    never_total: int
    pipeline_fresh_total: int
    pipeline_stale_total: int
    pipeline_never_total: int


class ProviderFreshnessResponse(BaseModel):
    project_id: str
    limit_seconds: int
    checked_at: datetime
    summary: ProviderFreshnessSummary
    items: list[ProviderFreshnessItem]
