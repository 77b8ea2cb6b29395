"""SQL for reading incidents. Routing opens and resolves them (runs/repository.py); at most one is
open per (project, recurrence key), which the partial unique index ``uq_incidents_open_key`` guarantees."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.scope import scoped
from awooop.models import ChannelEvent, Incident, Run

OPEN = "open"
RESOLVED = "resolved"


async def get_incident(session: AsyncSession, project_id: str, incident_id: str) -> Incident | None:
    """Incident ids are numbered per project: (project_id, id) is the key."""
    stmt = select(Incident).where(Incident.project_id == project_id, Incident.id == incident_id)
    return (await session.scalars(stmt)).one_or_none()


async def find_incidents(
    session: AsyncSession, incident_id: str, projects: Collection[str] | None
) -> Sequence[Incident]:
    """The incidents called ``incident_id`` in ``projects`` (None = every project), at most one each."""
    stmt = _scoped(select(Incident).where(Incident.id == incident_id), projects).order_by(Incident.project_id)
    return (await session.scalars(stmt)).all()


def _scoped(stmt: Select[tuple[Incident]], projects: Collection[str] | None) -> Select[tuple[Incident]]:
    return scoped(stmt, Incident.project_id, projects)


async def list_incidents(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    status: str | None,
    recurrence_key: str | None,
    before: tuple[datetime, int] | None,
    limit: int,
    severity: str | None = None,
    text: str | None = None,
) -> Sequence[Incident]:
    stmt = _scoped(select(Incident), projects)
    if status is not None:
        stmt = stmt.where(Incident.status == status)
    if severity is not None:
        stmt = stmt.where(Incident.severity == severity)
    if text is not None:
        # Case-insensitive substring of the title or the recurrence key, % and _ taken literally.
        stmt = stmt.where(
            Incident.title.icontains(text, autoescape=True) | Incident.recurrence_key.icontains(text, autoescape=True)
        )
    if recurrence_key is not None:
        stmt = stmt.where(Incident.recurrence_key == recurrence_key)
    if before is not None:
        stmt = stmt.where(tuple_(Incident.opened_at, Incident.seq) < before)
    stmt = stmt.order_by(Incident.opened_at.desc(), Incident.seq.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def list_incident_runs(session: AsyncSession, incident: Incident, limit: int) -> Sequence[Run]:
    stmt = (
        select(Run)
        .where(Run.project_id == incident.project_id, Run.incident_id == incident.id)
        .order_by(Run.created_at.desc(), Run.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def list_incident_events(session: AsyncSession, incident: Incident, limit: int) -> Sequence[ChannelEvent]:
    """Newest events of the incident, found through the (project, recurrence key, time) index."""
    stmt = (
        select(ChannelEvent)
        .where(
            ChannelEvent.project_id == incident.project_id,
            ChannelEvent.recurrence_key == incident.recurrence_key,
            ChannelEvent.received_at >= incident.opened_at,
            ChannelEvent.incident_id == incident.id,
        )
        .order_by(ChannelEvent.received_at.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()
