"""Channel Events read models and provider heartbeats (the seed's Channel Events API).

``projects`` is what ``operator.project_filter(project_id)`` returns: None for every project,
or the tuple of projects the caller may read. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.dossier import aggregate, repository
from awooop.dossier.freshness import ALL_PROJECTS_LABEL, fetch_provider_freshness
from awooop.dossier.heartbeat import HeartbeatActor, HeartbeatNotRecorded, record_provider_heartbeats
from awooop.dossier.rate import event_rate
from awooop.dossier.repository import (
    COVERAGE_COLUMNS,
    DOSSIER_COLUMNS,
    EVENT_LIST_COLUMNS,
    RECENT_COLUMNS,
    EventCriteria,
)
from awooop.dossier.schemas import (
    ChannelEventDossierCoverageResponse,
    ChannelEventDossierItem,
    ChannelEventDossierResponse,
    ChannelEventItem,
    ChannelEventListItem,
    RecentEventsResponse,
)
from awooop.errors import NotFound
from awooop.hub.providers import HEARTBEAT_STAGE

__all__ = [
    "ALL_PROJECTS_LABEL",
    "HeartbeatActor",
    "HeartbeatNotRecorded",
    "event_rate",
    "fetch_channel_event_dossier",
    "fetch_channel_event_dossier_coverage",
    "fetch_provider_freshness",
    "get_channel_event",
    "list_events",
    "list_recent_channel_events",
    "record_provider_heartbeats",
    "runs_with_dossier",
]


def _item_fields(row: Row[Any]) -> dict[str, Any]:
    """The fields of a recent-events item, which the console's list item extends."""
    return {
        "event_id": row.id,
        "project_id": row.project_id,
        "channel_type": row.channel_type,
        "provider_event_id": row.provider_event_id,
        "channel_chat_id": row.channel_chat_id,
        "content_preview": row.content_preview,
        "is_duplicate": row.is_duplicate,
        "received_at": row.received_at,
    }


def _recent_item(row: Row[Any]) -> ChannelEventItem:
    return ChannelEventItem(**_item_fields(row))


def _listed_item(row: Row[Any]) -> ChannelEventListItem:
    return ChannelEventListItem(
        **_item_fields(row), provider=row.provider, stage=row.stage, duplicate_of=row.duplicate_of
    )


def _dossier_item(row: Row[Any]) -> ChannelEventDossierItem:
    return ChannelEventDossierItem(
        event_id=row.id,
        project_id=row.project_id,
        channel_type=row.channel_type,
        provider=row.provider,
        stage=row.stage,
        provider_event_id=row.provider_event_id,
        content_preview=row.content_preview,
        content_redacted=row.content_redacted,
        has_redacted_content=row.has_redacted_content,
        redaction_version=row.redaction_version,
        source_url=row.source_url,
        content_sha256=row.content_sha256,
        content_length=row.content_length,
        source_refs=dict(row.source_refs or {}),
        source_ref_count=row.source_ref_count,
        log_correlation=dict(row.log_correlation or {}),
        alertname=row.alertname,
        severity=row.severity,
        namespace=row.namespace,
        target_resource=row.target_resource,
        fingerprint=row.fingerprint,
        is_duplicate=row.is_duplicate,
        provider_ts=row.provider_ts,
        received_at=row.received_at,
    )


async def list_recent_channel_events(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    channel_type: str | None = None,
    provider_prefix: str | None = None,
    limit: int = 20,
) -> RecentEventsResponse:
    """Newest first; ``provider_prefix`` matches the start of provider_event_id literally."""
    criteria = EventCriteria(
        channel_type=channel_type,
        prefix_bounds=aggregate.prefix_bounds(provider_prefix) if provider_prefix else None,
    )
    rows = await repository.newest_events(session, RECENT_COLUMNS, criteria, projects, limit)
    events = [_recent_item(row) for row in rows]
    return RecentEventsResponse(events=events, total=len(events), limit=limit)


async def list_events(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    channel_type: str | None = None,
    provider: str | None = None,
    stage: str | None = None,
    provider_event_id_prefix: str | None = None,
    is_duplicate: bool | None = None,
    limit: int = 50,
) -> list[ChannelEventListItem]:
    """The console's events list: newest first, with provider, stage and the original of a duplicate."""
    criteria = EventCriteria(
        channel_type=channel_type,
        provider=provider,
        stage=stage,
        is_duplicate=is_duplicate,
        prefix_bounds=aggregate.prefix_bounds(provider_event_id_prefix) if provider_event_id_prefix else None,
    )
    rows = await repository.newest_events(session, EVENT_LIST_COLUMNS, criteria, projects, limit)
    return [_listed_item(row) for row in rows]


async def fetch_channel_event_dossier(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    run_id: uuid.UUID | None = None,
    provider_event_id: str | None = None,
    limit: int = 20,
) -> ChannelEventDossierResponse:
    """Source envelopes, newest first: of the events linked to ``run_id`` and/or with exactly
    ``provider_event_id`` (the original and its duplicates); without filters, the newest events."""
    criteria = EventCriteria(run_id=run_id, provider_event_id=provider_event_id)
    rows = await repository.newest_events(session, DOSSIER_COLUMNS, criteria, projects, limit)
    events = [_dossier_item(row) for row in rows]
    return ChannelEventDossierResponse(
        events=events, total=len(events), limit=limit, summary=aggregate.dossier_summary(events)
    )


async def fetch_channel_event_dossier_coverage(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    project_label: str,
    provider: str | None = None,
    limit: int = 100,
) -> ChannelEventDossierCoverageResponse:
    """Envelope and source-ref coverage over the newest ``limit`` real alert events.

    Synthetic heartbeats are left out of every figure: they always carry refs of their own making
    and would make an idle provider look covered (the freshness read model reports them).

    ``project_label`` is echoed as ``project_id``: the requested project, or ``"*"`` when the
    caller asked for every project it can see.
    """
    criteria = EventCriteria(channel_type="alert", provider=provider, exclude_stage=HEARTBEAT_STAGE)
    rows = await repository.newest_events(session, COVERAGE_COLUMNS, criteria, projects, limit)
    summary, providers = aggregate.coverage(dict(row._mapping) for row in rows)
    return ChannelEventDossierCoverageResponse(
        project_id=project_label, limit=limit, summary=summary, providers=providers
    )


async def get_channel_event(
    session: AsyncSession, event_id: uuid.UUID, *, projects: Collection[str] | None
) -> ChannelEventDossierItem:
    """One dossier item. An event outside the caller's projects is reported as not found."""
    row = await repository.get_event(session, event_id)
    if row is None or (projects is not None and row.project_id not in projects):
        raise NotFound(f"channel event {event_id} not found")
    return _dossier_item(row)


async def runs_with_dossier(
    session: AsyncSession, run_ids: Collection[uuid.UUID], *, projects: Collection[str] | None
) -> set[uuid.UUID]:
    """The runs among ``run_ids`` whose alert was ingested with a source envelope: one query for a
    whole page of runs (the console's "ingested?" column)."""
    if not run_ids or (projects is not None and not projects):
        return set()
    return await repository.runs_with_envelopes(session, run_ids, projects)
