"""SQL for heartbeat monitors. A ping is ONE UPDATE (the deadline is computed from the row, in epoch
milliseconds, so both engines spell it the same); the evaluator's claim of due monitors is served by
the partial index ``ix_monitors_due`` and skips rows another evaluator holds (PostgreSQL
``FOR UPDATE SKIP LOCKED``; SQLite writers run one at a time under ``BEGIN IMMEDIATE``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, case, cast, delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.dialect import conflict_free_insert, dialect_name
from awooop.core.scope import scoped
from awooop.models import Monitor, Project
from awooop.models.monitor import DUE_SQL

MONITORS: Table = Monitor.__table__  # type: ignore[assignment]
UP, NEW, EXPIRED, PAUSED = "up", "new", "expired", "paused"


@dataclass(frozen=True, slots=True)
class Pinged:
    id: uuid.UUID
    state: str
    open_incident_id: str | None


# Compiled once: the ping's hot path. A paused monitor records the ping and stays paused.
_PING = (
    update(MONITORS)
    .where(MONITORS.c.project_id == bindparam("p_project"), MONITORS.c.name == bindparam("p_name"))
    .values(
        last_ping_at=bindparam("p_now", type_=MONITORS.c.last_ping_at.type),
        deadline_ms=bindparam("p_now_ms", type_=BigInteger)
        + cast(MONITORS.c.interval_seconds + MONITORS.c.grace_seconds, BigInteger) * 1000,
        state=case((MONITORS.c.enabled, UP), else_=PAUSED),
        ping_count=MONITORS.c.ping_count + 1,
        updated_at=bindparam("p_now", type_=MONITORS.c.updated_at.type),
    )
    .returning(MONITORS.c.id, MONITORS.c.state, MONITORS.c.open_incident_id)
)


# A provider monitor's ping from the freshness read model: only a newer signal counts, so evaluators
# on several nodes reading the same newest event record it once.
_PING_IF_NEWER = _PING.where(
    or_(
        MONITORS.c.last_ping_at.is_(None),
        MONITORS.c.last_ping_at < bindparam("p_now", type_=MONITORS.c.last_ping_at.type),
    )
)
PROVIDER_KINDS = ("freshness", "synthetic")


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


async def ping(
    session: AsyncSession, project_id: str, name: str, now: datetime, *, newer_only: bool = False
) -> Pinged | None:
    """Record a ping; None when the project has no monitor of that name (or, ``newer_only``, when
    the monitor already has a ping at or after ``now``)."""
    conn = await session.connection()
    params = {"p_project": project_id, "p_name": name, "p_now": now, "p_now_ms": epoch_ms(now)}
    row = (await conn.execute(_PING_IF_NEWER if newer_only else _PING, params)).first()
    return None if row is None else Pinged(row[0], row[1], row[2])


async def insert_missing(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert monitors (every column given); names a project already has are left alone."""
    if rows:
        stmt = conflict_free_insert(dialect_name(session), MONITORS, ("project_id", "name"), None)
        await (await session.connection()).execute(stmt, list(rows))


async def lock_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Monitor]:
    """Up monitors past their deadline, oldest deadline first, row-locked; held ones are skipped."""
    stmt = (
        select(Monitor)
        .where(text(DUE_SQL), Monitor.deadline_ms < epoch_ms(now))
        .order_by(Monitor.deadline_ms)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).all()


async def list_provider_monitors(session: AsyncSession) -> Sequence[Monitor]:
    """Enabled freshness and synthetic monitors (the monitors table is small: no index needed)."""
    stmt = select(Monitor).where(Monitor.kind.in_(PROVIDER_KINDS), Monitor.enabled.is_(True))
    return (await session.scalars(stmt)).all()


async def has_due(session: AsyncSession, now: datetime) -> bool:
    """Whether any up monitor is past its deadline (one probe of ``ix_monitors_due``)."""
    stmt = select(Monitor.id).where(text(DUE_SQL), Monitor.deadline_ms < epoch_ms(now)).limit(1)
    return (await session.scalar(stmt)) is not None


async def get_monitor(session: AsyncSession, project_id: str, name: str) -> Monitor | None:
    stmt = select(Monitor).where(Monitor.project_id == project_id, Monitor.name == name)
    return (await session.scalars(stmt)).one_or_none()


async def lock_monitor(session: AsyncSession, project_id: str, name: str) -> Monitor | None:
    stmt = (
        select(Monitor)
        .where(Monitor.project_id == project_id, Monitor.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()


async def lock_monitor_by_id(session: AsyncSession, monitor_id: uuid.UUID) -> Monitor | None:
    stmt = select(Monitor).where(Monitor.id == monitor_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).one_or_none()


async def list_monitors(session: AsyncSession, projects: Collection[str] | None) -> Sequence[Monitor]:
    stmt = scoped(select(Monitor), Monitor.project_id, projects).order_by(Monitor.project_id, Monitor.name)
    return (await session.scalars(stmt)).all()


async def delete_monitor(session: AsyncSession, monitor_id: uuid.UUID) -> None:
    await session.execute(delete(Monitor).where(Monitor.id == monitor_id))


async def clear_open_incident(session: AsyncSession, monitor_id: uuid.UUID, incident_id: str) -> None:
    stmt = (
        update(Monitor)
        .where(Monitor.id == monitor_id, Monitor.open_incident_id == incident_id)
        .values(open_incident_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)


async def project_exists(session: AsyncSession, project_id: str) -> bool:
    return (await session.scalar(select(Project.id).where(Project.id == project_id))) is not None


async def project_by_token_hash(session: AsyncSession, token_hash: str) -> str | None:
    """The project whose intake token hashes to ``token_hash`` (projects are few: no index needed)."""
    found: str | None = await session.scalar(select(Project.id).where(Project.intake_token_hash == token_hash))
    return found
