"""SQL for incidents: the operators' reads, and every write (opening, severity, resolution).

At most one incident is open per (project, recurrence key), which the partial unique index
``uq_incidents_open_key`` guarantees. The writes are Core, not ORM, for the intake hot path:
statements built once and compiled once (expanding IN parameters, executemany), rows back as
plain values, and only what changed is written back."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from awooop.core.db import side_engine
from awooop.core.dialect import (
    LOCK_NAME_SEPARATOR,
    PgUnnest,
    conflict_free_insert,
    is_postgresql,
    lock_names,
    pg_open_incidents_sql,
)
from awooop.core.scope import scoped
from awooop.models import ChannelEvent, Incident, Run

OPEN = "open"
RESOLVED = "resolved"
# Bound-parameter IN lists stay well under SQLite's variable limit and PostgreSQL's plan cache sweet spot.
IN_CHUNK = 500
INCIDENTS: Table = Incident.__table__  # type: ignore[assignment]
OPEN_SQL = "status = 'open'"  # literal, as in the partial index `uq_incidents_open_key`


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


@dataclass(frozen=True, slots=True)
class NewIncident:
    """An incident to open for ``recurrence_key``, firing by ``firing_marker`` (its fingerprint, or
    the key when the alert has none)."""

    project_id: str
    title: str
    severity: str | None
    recurrence_key: str
    firing_marker: str
    opened_at: datetime


@dataclass(slots=True)
class OpenIncident:
    """An open incident as a writer tracks it; ``changed`` ones are written back by ``save``.

    ``firing_marker`` is what keeps it open: every event of one recurrence key carries the same
    marker (the key is made of the fingerprint), so the stored ``firing_fingerprints`` list holds
    it while the incident is open and is empty once it is resolved."""

    seq: int
    id: str
    project_id: str
    title: str
    severity: str | None
    recurrence_key: str
    firing_marker: str
    opened_at: datetime
    status: str = OPEN
    resolved_at: datetime | None = None
    changed: bool = False

    def resolve(self, at: datetime) -> None:
        self.status, self.resolved_at, self.changed = RESOLVED, at, True

    def raise_severity(self, severity: str | None) -> None:
        self.severity, self.changed = severity, True


def recurrence_lock_names(project_id: str, keys: Collection[str]) -> list[str]:
    """The advisory lock names that serialise incident writers per (project, recurrence key)."""
    return [f"{project_id}{LOCK_NAME_SEPARATOR}{key}" for key in keys]


async def lock_recurrence_keys(session: AsyncSession, project_id: str, keys: Collection[str]) -> None:
    """Serialise incident writers per recurrence key until the transaction ends (PostgreSQL
    advisory locks in one global order); SQLite writers already run one at a time."""
    await lock_names(session, recurrence_lock_names(project_id, keys))


_LOCKED_COLUMNS = (
    INCIDENTS.c.seq,
    INCIDENTS.c.id,
    INCIDENTS.c.project_id,
    INCIDENTS.c.title,
    INCIDENTS.c.severity,
    INCIDENTS.c.recurrence_key,
    INCIDENTS.c.firing_fingerprints,
    INCIDENTS.c.opened_at,
)


# Without statistics (AwoooP never runs ANALYZE on SQLite) SQLite chose
# `ix_incidents_project_status_opened`: every open incident of the project, read for every routing
# batch. Named here, the partial unique index is always used: one probe per key.
_SQLITE_LOCK_OPEN = (
    text(
        f"SELECT {', '.join(c.name for c in _LOCKED_COLUMNS)} FROM incidents "  # noqa: S608 - our own names
        f"INDEXED BY uq_incidents_open_key WHERE project_id = :project_id AND {OPEN_SQL} "
        "AND recurrence_key IN :keys"
    )
    .bindparams(bindparam("keys", expanding=True))
    .columns(*_LOCKED_COLUMNS)
)


# PostgreSQL: driver SQL, one text whatever the number of keys (asyncpg keeps one prepared
# statement), and nothing built per call on the intake path.
_PG_LOCK_OPEN = (
    f"SELECT {', '.join(c.name for c in _LOCKED_COLUMNS)} FROM incidents "  # noqa: S608 - our own names
    f"WHERE project_id = $1 AND {OPEN_SQL} AND recurrence_key = ANY($2::text[]) ORDER BY seq FOR UPDATE"
)


async def lock_open_incidents(session: AsyncSession, project_id: str, keys: Collection[str]) -> dict[str, OpenIncident]:
    """The open incident of each key, row-locked (PostgreSQL) in seq order so lockers never deadlock;
    one probe of `uq_incidents_open_key` per key on both engines."""
    found: dict[str, OpenIncident] = {}
    ordered = sorted(keys)
    conn = await session.connection()
    postgresql = is_postgresql(session)
    for start in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[start : start + IN_CHUNK]
        if postgresql:
            rows = await conn.exec_driver_sql(_PG_LOCK_OPEN, (project_id, chunk))
        else:
            rows = await conn.execute(_SQLITE_LOCK_OPEN, {"project_id": project_id, "keys": chunk})
        for seq, incident_id, project, title, severity, key, markers, opened_at in rows:
            marker = markers[0] if markers else key
            found[key] = OpenIncident(seq, incident_id, project, title, severity, key, marker, opened_at)
    return found


def format_incident_id(number: int) -> str:
    """INC-000123: six digits, more past a million."""
    return f"INC-{number:06d}"


# Spelled the same on both engines. The counter row stays locked until the reserving transaction
# ends, so two openers in one project take numbers one after the other; a number is never issued
# twice.
_RESERVE_NUMBERS = text(
    "INSERT INTO project_counters (project_id, last_incident_number) VALUES (:project_id, :count) "
    "ON CONFLICT (project_id) DO UPDATE "
    "SET last_incident_number = project_counters.last_incident_number + excluded.last_incident_number "
    "RETURNING last_incident_number"
)
_SQLITE_NEXT_SEQ = select(func.coalesce(func.max(INCIDENTS.c.seq), 0))
_SQLITE_OPEN = conflict_free_insert("sqlite", INCIDENTS, ("project_id", "recurrence_key"), OPEN_SQL).returning(
    INCIDENTS.c.seq
)
# Open incidents with the human ids reserved above and the seq from the table's sequence.
_PG_OPENED = ("id", "project_id", "title", "severity", "recurrence_key", "firing_fingerprints", "opened_at")
_PG_OPEN = pg_open_incidents_sql(INCIDENTS, _PG_OPENED)
_PG_OPEN_ARRAYS = PgUnnest(INCIDENTS, _PG_OPENED)


async def reserve_incident_ids(session: AsyncSession, project_ids: Sequence[str]) -> list[str]:
    """One new human id per entry of ``project_ids`` (in that order), numbered per project.

    Counter rows are taken in project order, so two transactions never wait on each other's.
    A number whose INSERT is then skipped (a concurrent opener won the key) stays unused: ids may
    have gaps, never repeats."""
    counts: dict[str, int] = {}
    for project_id in project_ids:
        counts[project_id] = counts.get(project_id, 0) + 1
    side = side_engine(session)
    if side is not None:
        next_number = await _reserve_apart(side, counts)
    else:  # SQLite: one writer at a time (BEGIN IMMEDIATE), nobody waits on the counter row
        next_number = await _reserve(await session.connection(), counts)
    ids = []
    for project_id in project_ids:
        ids.append(format_incident_id(next_number[project_id]))
        next_number[project_id] += 1
    return ids


async def _reserve(conn: AsyncConnection, counts: dict[str, int]) -> dict[str, int]:
    """The first number of each project's block, counter rows taken in project order."""
    first: dict[str, int] = {}
    for project_id in sorted(counts):
        params = {"project_id": project_id, "count": counts[project_id]}
        last = int((await conn.execute(_RESERVE_NUMBERS, params)).scalar_one())
        first[project_id] = last - counts[project_id] + 1
    return first


async def _reserve_apart(side: AsyncEngine, counts: dict[str, int]) -> dict[str, int]:
    """PostgreSQL: reserve in a short transaction of its own (the database's side pool), so the
    counter row is locked for one statement instead of until the batch commits. Inside the batch,
    every other opener in the project waited for that commit's WAL flush, which undid the second
    intake flusher's overlap (bench/budget.py: the costliest statement of intake, all of it waiting).

    Its commit is asynchronous: it needs no flush of its own, because the batch that uses the
    numbers commits synchronously afterwards and PostgreSQL flushes the WAL in order, the
    reservation's commit record first. A crash before that flush loses the reservation together
    with the only incidents that used it; a batch that rolls back leaves a gap, as a skipped INSERT
    already did."""
    async with side.connect() as conn, conn.begin():
        await conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        return await _reserve(conn, counts)


async def insert_open_incidents(session: AsyncSession, new: Sequence[NewIncident]) -> list[OpenIncident]:
    """Open ``new`` incidents in one statement; keys a concurrent transaction opened first are skipped."""
    if not new:
        return []
    ids = await reserve_incident_ids(session, [n.project_id for n in new])
    conn = await session.connection()
    rows: list[dict[str, Any]] = [
        {
            "id": ids[index],
            "project_id": n.project_id,
            "status": OPEN,
            "title": n.title,
            "severity": n.severity,
            "recurrence_key": n.recurrence_key,
            "firing_fingerprints": [n.firing_marker],
            "opened_at": n.opened_at,
            "resolved_at": None,
        }
        for index, n in enumerate(new)
    ]
    if is_postgresql(session):
        result = await conn.exec_driver_sql(_PG_OPEN, _PG_OPEN_ARRAYS.arrays(rows))
        opened = {key: (seq, incident_id) for seq, incident_id, key in result.all()}
    else:
        # The internal seq is max + 1: writers run one at a time (BEGIN IMMEDIATE), so it can be
        # assigned here and the INSERT needs no UPDATE after it.
        first = int((await conn.execute(_SQLITE_NEXT_SEQ)).scalar_one()) + 1
        for index, row in enumerate(rows):
            row["seq"] = first + index
        inserted = set((await conn.execute(_SQLITE_OPEN, rows)).scalars().all())
        opened = {row["recurrence_key"]: (row["seq"], row["id"]) for row in rows if row["seq"] in inserted}
    return [
        OpenIncident(
            *opened[n.recurrence_key], n.project_id, n.title, n.severity, n.recurrence_key, n.firing_marker, n.opened_at
        )
        for n in new
        if n.recurrence_key in opened
    ]


_UPDATE_INCIDENT = (
    update(INCIDENTS)
    .where(INCIDENTS.c.seq == bindparam("b_seq"))
    .values(
        severity=bindparam("severity"),
        firing_fingerprints=bindparam("firing_fingerprints"),
        status=bindparam("status"),
        resolved_at=bindparam("resolved_at"),
    )
)


async def save_incidents(session: AsyncSession, incidents: Collection[OpenIncident]) -> None:
    """Write back the changed incidents (severity, resolution) in one statement."""
    changed = [i for i in incidents if i.changed]
    for incident in changed:
        incident.changed = False
    params = [
        {
            "b_seq": i.seq,
            "severity": i.severity,
            "firing_fingerprints": [i.firing_marker] if i.status == OPEN else [],
            "status": i.status,
            "resolved_at": i.resolved_at,
        }
        for i in changed
    ]
    if params:
        await (await session.connection()).execute(_UPDATE_INCIDENT, params)
