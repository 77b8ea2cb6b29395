"""SQL of silences and their held-back effects. Lists are served by ``ix_silences_project_ends``."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.dialect import pairs_in
from awooop.core.scope import scoped
from awooop.models import ChannelEvent, Incident, Silence, SilenceSuppression

EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
SUPPRESSIONS: Table = SilenceSuppression.__table__  # type: ignore[assignment]


# A second silenced firing of an incident that already owes something adds nothing (the partial
# unique index on pending rows is the arbiter; any conflict means "already held").
_HOLD_STATEMENT = text(
    f"INSERT INTO silence_suppressions ({', '.join(c.name for c in SUPPRESSIONS.columns)}) "  # noqa: S608 - our columns
    f"VALUES ({', '.join(':' + c.name for c in SUPPRESSIONS.columns)}) ON CONFLICT DO NOTHING"
).bindparams(*(bindparam(c.name, type_=c.type) for c in SUPPRESSIONS.columns))


async def get_silence(session: AsyncSession, silence_id: uuid.UUID) -> Silence | None:
    return await session.get(Silence, silence_id)


async def lock_silence(session: AsyncSession, silence_id: uuid.UUID) -> Silence | None:
    stmt = select(Silence).where(Silence.id == silence_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).one_or_none()


async def list_silences(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    now: datetime,
    state: str | None,
    limit: int,
) -> Sequence[Silence]:
    stmt = scoped(select(Silence), Silence.project_id, projects)
    if state == "expired":
        stmt = stmt.where(Silence.ends_at <= now)
    elif state == "active":
        stmt = stmt.where(Silence.ends_at > now, Silence.starts_at <= now)
    elif state == "pending":
        stmt = stmt.where(Silence.starts_at > now)
    stmt = stmt.order_by(Silence.ends_at.desc(), Silence.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def live_silences(session: AsyncSession, project_ids: Collection[str], now: datetime) -> Sequence[Silence]:
    """Silences of these projects that have not ended (pending or active)."""
    stmt = select(Silence).where(Silence.project_id.in_(sorted(project_ids)), Silence.ends_at > now)
    return (await session.scalars(stmt)).all()


async def count_active(session: AsyncSession, now: datetime) -> list[tuple[str, int]]:
    stmt = (
        select(Silence.project_id, func.count())
        .where(Silence.ends_at > now, Silence.starts_at <= now)
        .group_by(Silence.project_id)
    )
    return [(project, int(count)) for project, count in (await session.execute(stmt)).all()]


async def hold(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await (await session.connection()).execute(_HOLD_STATEMENT, list(rows))


async def pending_suppressions(session: AsyncSession, limit: int) -> Sequence[SilenceSuppression]:
    stmt = (
        select(SilenceSuppression)
        .where(SilenceSuppression.state == "pending")
        .order_by(SilenceSuppression.created_at, SilenceSuppression.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def settle(session: AsyncSession, suppression_id: uuid.UUID, *, state: str, at: datetime, outcome: str) -> bool:
    """Pending → ``state``; True only for the one transaction that made the change (every node races)."""
    stmt = (
        update(SilenceSuppression)
        .where(SilenceSuppression.id == suppression_id, SilenceSuppression.state == "pending")
        .values(state=state, settled_at=at, outcome=outcome[:256])
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0) == 1)


async def list_suppressions(session: AsyncSession, silence_id: uuid.UUID) -> Sequence[SilenceSuppression]:
    stmt = select(SilenceSuppression).where(SilenceSuppression.silence_id == silence_id)
    return (await session.scalars(stmt.order_by(SilenceSuppression.created_at))).all()


async def get_incidents(session: AsyncSession, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], Incident]:
    """By (project, incident id): incident ids are numbered per project (uq_incidents_project_id_id)."""
    if not keys:
        return {}
    stmt = select(Incident).where(pairs_in(Incident.project_id, Incident.id, keys))
    return {(i.project_id, i.id): i for i in (await session.scalars(stmt)).all() if i.id is not None}


async def get_events(session: AsyncSession, event_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ChannelEvent]:
    if not event_ids:
        return {}
    stmt = select(ChannelEvent).where(ChannelEvent.id.in_(sorted(event_ids)))
    return {e.id: e for e in (await session.scalars(stmt)).all()}


async def recent_alert_events(session: AsyncSession, project_id: str, limit: int) -> Sequence[ChannelEvent]:
    """The project's newest original alert events (ix_channel_events_project_type_received)."""
    stmt = (
        select(ChannelEvent)
        .where(ChannelEvent.project_id == project_id, ChannelEvent.channel_type == "alert")
        .order_by(ChannelEvent.received_at.desc(), ChannelEvent.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def open_incidents(session: AsyncSession, project_id: str, limit: int) -> Sequence[Incident]:
    stmt = (
        select(Incident)
        .where(Incident.project_id == project_id, Incident.status == "open")
        .order_by(Incident.opened_at.desc(), Incident.seq.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def silenced_events(session: AsyncSession, silence_id: uuid.UUID, limit: int) -> Sequence[ChannelEvent]:
    """Events the silence covered, newest first (ix_channel_events_silence)."""
    stmt = (
        select(ChannelEvent)
        .where(ChannelEvent.silence_id == silence_id)
        .order_by(ChannelEvent.received_at.desc(), ChannelEvent.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def silenced_incidents(
    session: AsyncSession, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], uuid.UUID]:
    """(project, incident id) → the silence that first held the incident's notification, for those
    of ``keys`` a silence covered (the suppressions' unique (project, incident) index)."""
    if not keys:
        return {}
    stmt = (
        select(SilenceSuppression.project_id, SilenceSuppression.incident_id, SilenceSuppression.silence_id)
        .where(pairs_in(SilenceSuppression.project_id, SilenceSuppression.incident_id, keys))
        .order_by(SilenceSuppression.created_at)
    )
    found: dict[tuple[str, str], uuid.UUID] = {}
    for project_id, incident_id, silence_id in (await session.execute(stmt)).tuples():
        found.setdefault((project_id, incident_id), silence_id)
    return found


async def silenced_among(session: AsyncSession, event_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Event id → silence id for those of ``event_ids`` a silence covered (primary-key lookups)."""
    if not event_ids:
        return {}
    stmt = select(ChannelEvent.id, ChannelEvent.silence_id).where(
        ChannelEvent.id.in_(sorted(event_ids)), ChannelEvent.silence_id.is_not(None)
    )
    rows = (await session.execute(stmt)).tuples().all()
    return {event_id: silence_id for event_id, silence_id in rows if silence_id is not None}
