"""SQL for incidents. At most one open incident per (project, recurrence key): the partial unique
index ``uq_incidents_open_key`` guarantees it even when two transactions race to open one."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.scope import scoped
from awooop.models import ChannelEvent, Incident, Run
from awooop.runs.dialect import insert_ignoring_conflicts

OPEN = "open"
OPEN_SQL = "status = 'open'"  # literal, as in the partial index, so SQLite accepts the conflict target
RESOLVED = "resolved"
IN_CHUNK = 500


def format_incident_id(seq: int) -> str:
    return f"INC-{seq:06d}"


async def get_incident(session: AsyncSession, incident_id: str) -> Incident | None:
    return (await session.scalars(select(Incident).where(Incident.id == incident_id))).one_or_none()


async def lock_open_incidents(session: AsyncSession, project_id: str, keys: Collection[str]) -> dict[str, Incident]:
    """The open incident of each key, row-locked (PostgreSQL) in seq order so lockers never deadlock."""
    found: dict[str, Incident] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), IN_CHUNK):
        stmt = (
            select(Incident)
            .where(
                Incident.project_id == project_id,
                Incident.status == OPEN,
                Incident.recurrence_key.in_(ordered[start : start + IN_CHUNK]),
            )
            .order_by(Incident.seq)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found.update({i.recurrence_key: i for i in (await session.scalars(stmt)).all()})
    return found


async def insert_open_incidents(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Incident]:
    """Insert open incidents (one key once), skipping keys a concurrent transaction opened first.

    Returns the incidents this call opened, with ``id`` (``INC-000123``) derived from ``seq``."""
    if not rows:
        return []
    stmt = insert_ignoring_conflicts(
        session,
        Incident,
        [{**row, "status": OPEN, "id": None} for row in rows],
        index_elements=["project_id", "recurrence_key"],
        index_where=text(OPEN_SQL),
    ).returning(Incident)
    created = list((await session.scalars(stmt)).all())
    for incident in created:
        incident.id = format_incident_id(incident.seq)
    return created


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
) -> Sequence[Incident]:
    stmt = _scoped(select(Incident), projects)
    if status is not None:
        stmt = stmt.where(Incident.status == status)
    if recurrence_key is not None:
        stmt = stmt.where(Incident.recurrence_key == recurrence_key)
    if before is not None:
        stmt = stmt.where(tuple_(Incident.opened_at, Incident.seq) < before)
    stmt = stmt.order_by(Incident.opened_at.desc(), Incident.seq.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def list_incident_runs(session: AsyncSession, incident_id: str, limit: int) -> Sequence[Run]:
    stmt = select(Run).where(Run.incident_id == incident_id).order_by(Run.created_at.desc(), Run.id.desc()).limit(limit)
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
