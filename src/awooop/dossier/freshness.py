"""Provider freshness: per project and provider, the newest real event and the newest heartbeat.

Two verdicts, because they answer different questions:

- ``status`` (real events only): is the source still sending? A heartbeat never makes it fresh.
- ``pipeline_status`` (anything that went through intake, heartbeats included): does the intake
  path for this provider work? A real event proves that as well as a heartbeat does.

Each verdict is ``fresh`` (age ≤ limit), ``stale`` (older) or ``never`` (nothing stored).
Lookups are one backward step each on ``ix_channel_events_project_provider_stage_received``,
so the cost depends on the number of projects, never on the number of events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.dossier import repository
from awooop.dossier.schemas import ProviderFreshnessItem, ProviderFreshnessResponse, ProviderFreshnessSummary
from awooop.errors import BadRequest, NotFound
from awooop.hub.providers import HEARTBEAT_STAGE, PROVIDERS, Stage
from awooop.operators.principal import ALL_PROJECTS

Status = Literal["fresh", "stale", "never"]
CHAT_PROVIDER = "telegram"
REAL_STAGES: tuple[str, ...] = tuple(stage for stage in get_args(Stage) if stage != HEARTBEAT_STAGE)
# `project_id` of an answer covering every project the caller can see (shared API convention).
ALL_PROJECTS_LABEL = ALL_PROJECTS


@dataclass(frozen=True, slots=True)
class ProviderFreshness:
    project_id: str
    provider: str
    last_event_at: datetime | None
    last_heartbeat_at: datetime | None

    @property
    def channel_type(self) -> str:
        return "chat" if self.provider == CHAT_PROVIDER else "alert"

    @property
    def last_intake_at(self) -> datetime | None:
        stamps = [at for at in (self.last_event_at, self.last_heartbeat_at) if at is not None]
        return max(stamps) if stamps else None


def age_seconds(at: datetime | None, now: datetime) -> float | None:
    """Seconds since ``at``; never negative (clocks of API nodes may disagree slightly)."""
    if at is None:
        return None
    return max(0.0, (now - at).total_seconds())


def verdict(at: datetime | None, now: datetime, limit_seconds: int) -> Status:
    age = age_seconds(at, now)
    if age is None:
        return "never"
    return "fresh" if age <= limit_seconds else "stale"


async def collect_freshness(session: AsyncSession, project_ids: Sequence[str]) -> list[ProviderFreshness]:
    """Every alert provider of each project, and telegram where the project has chat events."""
    providers = PROVIDERS
    latest = await repository.latest_received_at(session, project_ids, providers, (*REAL_STAGES, HEARTBEAT_STAGE))
    found: list[ProviderFreshness] = []
    for project in project_ids:
        for provider in providers:
            real = [at for stage in REAL_STAGES if (at := latest.get((project, provider, stage))) is not None]
            entry = ProviderFreshness(
                project_id=project,
                provider=provider,
                last_event_at=max(real) if real else None,
                last_heartbeat_at=latest.get((project, provider, HEARTBEAT_STAGE)),
            )
            if provider == CHAT_PROVIDER and entry.last_intake_at is None:
                continue
            found.append(entry)
    return found


def _item(entry: ProviderFreshness, now: datetime, limit_seconds: int) -> ProviderFreshnessItem:
    return ProviderFreshnessItem(
        project_id=entry.project_id,
        provider=entry.provider,
        channel_type=entry.channel_type,
        status=verdict(entry.last_event_at, now, limit_seconds),
        last_event_at=entry.last_event_at,
        last_event_age_seconds=age_seconds(entry.last_event_at, now),
        pipeline_status=verdict(entry.last_intake_at, now, limit_seconds),
        last_heartbeat_at=entry.last_heartbeat_at,
        last_heartbeat_age_seconds=age_seconds(entry.last_heartbeat_at, now),
    )


def _summary(items: Sequence[ProviderFreshnessItem], project_total: int) -> ProviderFreshnessSummary:
    statuses = Counter(item.status for item in items)
    pipeline = Counter(item.pipeline_status for item in items)
    return ProviderFreshnessSummary(
        project_total=project_total,
        provider_total=len(items),
        fresh_total=statuses["fresh"],
        stale_total=statuses["stale"],
        never_total=statuses["never"],
        pipeline_fresh_total=pipeline["fresh"],
        pipeline_stale_total=pipeline["stale"],
        pipeline_never_total=pipeline["never"],
    )


async def fetch_provider_freshness(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    limit_seconds: int,
    now: datetime | None = None,
    project_label: str = ALL_PROJECTS_LABEL,
) -> ProviderFreshnessResponse:
    """Freshness of every provider of every existing project in ``projects`` (None: all).

    ``project_label`` is the requested project (echoed as ``project_id``; 404 when it does not
    exist) or ``"*"``.
    """
    if limit_seconds < 1:
        raise BadRequest("limit_seconds must be at least 1")
    project_ids = await repository.list_project_ids(session, projects)
    if project_label != ALL_PROJECTS_LABEL and project_label not in project_ids:
        raise NotFound(f"project {project_label!r} not found")
    checked_at = now or utcnow()
    entries = await collect_freshness(session, project_ids)
    items = [_item(entry, checked_at, limit_seconds) for entry in entries]
    return ProviderFreshnessResponse(
        project_id=project_label,
        limit_seconds=limit_seconds,
        checked_at=checked_at,
        summary=_summary(items, len(project_ids)),
        items=items,
    )
