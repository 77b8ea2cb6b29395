"""SQL for runs, their history and the events linked to them. Every list is served by an index
(see models/run.py): newest first by ``(created_at, id)``.

Routing's SQL (open incidents, unfinished runs, event links) is Core, not ORM: statements are
built once and compiled once (expanding IN parameters, executemany), rows come back as plain
values, and only what changed is written back."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Row, Select, Table, and_, bindparam, delete, event, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.scope import scoped
from awooop.models import ChannelEvent, Incident, Playbook, Project, Run, RunTransition
from awooop.models.run import UNFINISHED_RUN_SQL
from awooop.runs.dialect import PG_LINK_EVENTS, PG_LOCK_KEYS, PG_OPEN_INCIDENTS, conflict_free_insert, dialect_name
from awooop.runs.states import QUEUED

# Bound-parameter IN lists stay well under SQLite's variable limit and PostgreSQL's plan cache sweet spot.
IN_CHUNK = 500
INCIDENTS: Table = Incident.__table__  # type: ignore[assignment]
EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
RUNS: Table = Run.__table__  # type: ignore[assignment]
OPEN_SQL = "status = 'open'"  # literal, as in the partial index `uq_incidents_open_key`
_playbook_generation = 0


async def get_run(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    return await session.get(Run, run_id)


async def lock_run(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    """The run, row-locked until the transaction ends (PostgreSQL); fresh even if already loaded."""
    stmt = select(Run).where(Run.id == run_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).one_or_none()


def _scoped(stmt: Select[tuple[Run]], projects: Collection[str] | None) -> Select[tuple[Run]]:
    return scoped(stmt, Run.project_id, projects)


async def list_runs(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    state: str | None,
    agent_id: str | None,
    recurrence_key: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
    exclude_agent_id: str | None = None,
) -> Sequence[Run]:
    stmt = _scoped(select(Run), projects)
    if state is not None:
        stmt = stmt.where(Run.state == state)
    if agent_id is not None:
        stmt = stmt.where(Run.agent_id == agent_id)
    if exclude_agent_id is not None:
        # A residual filter on the (created_at, id) index walk: the scan stops once a page is full.
        stmt = stmt.where(Run.agent_id != exclude_agent_id)
    if recurrence_key is not None:
        stmt = stmt.where(Run.recurrence_key == recurrence_key)
    if before is not None:
        stmt = stmt.where(tuple_(Run.created_at, Run.id) < before)
    stmt = stmt.order_by(Run.created_at.desc(), Run.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


AlertLabelRow = tuple[uuid.UUID, str | None, str | None, str | None, str | None, str | None, str | None]


async def alert_labels(
    session: AsyncSession, run_ids: Collection[uuid.UUID], projects: Collection[str] | None
) -> Sequence[Row[AlertLabelRow]]:
    """(run id, alertname, severity, namespace, target_resource, incident title, incident severity)
    of each run: primary-key lookups of the runs, their trigger events and their incidents (unique
    per project and id)."""
    stmt = (
        select(
            Run.id,
            ChannelEvent.alertname,
            ChannelEvent.severity,
            ChannelEvent.namespace,
            ChannelEvent.target_resource,
            Incident.title,
            Incident.severity,
        )
        .outerjoin(ChannelEvent, ChannelEvent.id == Run.trigger_event_id)
        .outerjoin(Incident, and_(Incident.project_id == Run.project_id, Incident.id == Run.incident_id))
        .where(Run.id.in_(sorted(run_ids)))
    )
    if projects is not None:
        stmt = stmt.where(Run.project_id.in_(sorted(projects)))
    rows = (await session.execute(stmt)).all()
    return cast("Sequence[Row[AlertLabelRow]]", rows)  # outer joins: the incident's title may be null


async def list_transitions(session: AsyncSession, run_id: uuid.UUID) -> Sequence[RunTransition]:
    stmt = select(RunTransition).where(RunTransition.run_id == run_id).order_by(RunTransition.at, RunTransition.id)
    return (await session.scalars(stmt)).all()


async def list_linked_events(session: AsyncSession, run_id: uuid.UUID, limit: int) -> Sequence[ChannelEvent]:
    stmt = (
        select(ChannelEvent)
        .where(ChannelEvent.run_id == run_id)
        .order_by(ChannelEvent.received_at.desc(), ChannelEvent.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> ChannelEvent | None:
    return await session.get(ChannelEvent, event_id)


async def lock_oldest_queued(
    session: AsyncSession, agent_id: str, projects: Collection[str] | None
) -> uuid.UUID | None:
    """The oldest queued run of ``agent_id``, row-locked; runs other claimers hold are skipped."""
    stmt = (
        select(Run.id)
        .where(Run.agent_id == agent_id, Run.state == QUEUED)
        .order_by(Run.created_at, Run.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if projects is not None:
        stmt = stmt.where(Run.project_id.in_(sorted(projects)))
    return (await session.scalars(stmt)).first()


@dataclass(frozen=True, slots=True)
class UnfinishedRun:
    """What routing needs of a run that is still going (its id for links, the rest for announcements)."""

    id: uuid.UUID
    state: str
    agent_id: str
    playbook_id: str | None
    action: str | None


_UNFINISHED = (
    select(RUNS.c.recurrence_key, RUNS.c.id, RUNS.c.state, RUNS.c.agent_id, RUNS.c.playbook_id, RUNS.c.action)
    .where(RUNS.c.project_id == bindparam("project_id"), RUNS.c.recurrence_key.in_(bindparam("keys", expanding=True)))
    .where(text(UNFINISHED_RUN_SQL))
    .order_by(RUNS.c.created_at)
)


async def unfinished_runs_by_key(
    session: AsyncSession, project_id: str, keys: Collection[str]
) -> dict[str, UnfinishedRun]:
    """The newest unfinished run of each recurrence key (served by the partial index)."""
    found: dict[str, UnfinishedRun] = {}
    ordered = sorted(keys)
    conn = await session.connection()
    for start in range(0, len(ordered), IN_CHUNK):
        params = {"project_id": project_id, "keys": ordered[start : start + IN_CHUNK]}
        for key, *run in await conn.execute(_UNFINISHED, params):
            found[key] = UnfinishedRun(*run)  # ascending order: the newest wins
    return found


@dataclass(slots=True)
class OpenIncident:
    """An open incident as routing tracks it; ``changed`` ones are written back at the end."""

    seq: int
    id: str
    project_id: str
    title: str
    severity: str | None
    recurrence_key: str
    firing_fingerprints: list[str]
    opened_at: datetime
    status: str = "open"
    resolved_at: datetime | None = None
    changed: bool = False


async def lock_recurrence_keys(session: AsyncSession, project_id: str, keys: Collection[str]) -> None:
    """Serialise routing per recurrence key until the transaction ends (PostgreSQL advisory locks
    in one global order); SQLite writers already run one at a time."""
    if keys and dialect_name(session) == "postgresql":
        conn = await session.connection()
        await conn.exec_driver_sql(PG_LOCK_KEYS, (project_id, sorted(keys)))


_LOCK_OPEN = (
    select(
        INCIDENTS.c.seq,
        INCIDENTS.c.id,
        INCIDENTS.c.project_id,
        INCIDENTS.c.title,
        INCIDENTS.c.severity,
        INCIDENTS.c.recurrence_key,
        INCIDENTS.c.firing_fingerprints,
        INCIDENTS.c.opened_at,
    )
    .where(
        INCIDENTS.c.project_id == bindparam("project_id"),
        text(OPEN_SQL),
        INCIDENTS.c.recurrence_key.in_(bindparam("keys", expanding=True)),
    )
    .order_by(INCIDENTS.c.seq)
    .with_for_update()
)


async def lock_open_incidents(session: AsyncSession, project_id: str, keys: Collection[str]) -> dict[str, OpenIncident]:
    """The open incident of each key, row-locked (PostgreSQL) in seq order so lockers never deadlock."""
    found: dict[str, OpenIncident] = {}
    ordered = sorted(keys)
    conn = await session.connection()
    for start in range(0, len(ordered), IN_CHUNK):
        params = {"project_id": project_id, "keys": ordered[start : start + IN_CHUNK]}
        for row in await conn.execute(_LOCK_OPEN, params):
            incident = OpenIncident(*row)
            incident.firing_fingerprints = list(incident.firing_fingerprints)
            found[incident.recurrence_key] = incident
    return found


def format_incident_id(number: int) -> str:
    """INC-000123: six digits, more past a million."""
    return f"INC-{number:06d}"


# Spelled the same on both engines. The counter row stays locked until the transaction ends, so
# two openers in one project take numbers one after the other; a number is never issued twice.
_RESERVE_NUMBERS = text(
    "INSERT INTO project_counters (project_id, last_incident_number) VALUES (:project_id, :count) "
    "ON CONFLICT (project_id) DO UPDATE "
    "SET last_incident_number = project_counters.last_incident_number + excluded.last_incident_number "
    "RETURNING last_incident_number"
)
_SQLITE_NEXT_SEQ = select(func.coalesce(func.max(INCIDENTS.c.seq), 0))


async def reserve_incident_ids(session: AsyncSession, project_ids: Sequence[str]) -> list[str]:
    """One new human id per entry of ``project_ids`` (in that order), numbered per project.

    Counter rows are taken in project order, so two transactions never wait on each other's.
    A number whose INSERT is then skipped (a concurrent opener won the key) stays unused: ids may
    have gaps, never repeats."""
    counts: dict[str, int] = {}
    for project_id in project_ids:
        counts[project_id] = counts.get(project_id, 0) + 1
    conn = await session.connection()
    next_number: dict[str, int] = {}
    for project_id in sorted(counts):
        params = {"project_id": project_id, "count": counts[project_id]}
        last = int((await conn.execute(_RESERVE_NUMBERS, params)).scalar_one())
        next_number[project_id] = last - counts[project_id] + 1
    ids = []
    for project_id in project_ids:
        ids.append(format_incident_id(next_number[project_id]))
        next_number[project_id] += 1
    return ids


async def insert_open_incidents(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[OpenIncident]:
    """Open incidents (keys: project_id, title, severity, recurrence_key, firing_fingerprints,
    opened_at), one statement; keys a concurrent transaction opened first are skipped."""
    if not rows:
        return []
    ids = await reserve_incident_ids(session, [row["project_id"] for row in rows])
    conn = await session.connection()
    if dialect_name(session) == "postgresql":
        columns = ("project_id", "title", "severity", "recurrence_key")
        arrays: list[list[Any]] = [ids, *([row[name] for row in rows] for name in columns)]
        arrays.append([orjson.dumps(row["firing_fingerprints"]).decode() for row in rows])
        arrays.append([row["opened_at"] for row in rows])
        result = await conn.exec_driver_sql(PG_OPEN_INCIDENTS, tuple(arrays))
        opened = {key: (seq, incident_id) for seq, incident_id, key in result.all()}
    else:
        # The internal seq is max + 1: writers run one at a time (BEGIN IMMEDIATE), so it can be
        # assigned here and the INSERT needs no UPDATE after it.
        first = int((await conn.execute(_SQLITE_NEXT_SEQ)).scalar_one()) + 1
        values = [
            {**row, "seq": first + n, "id": ids[n], "status": "open", "resolved_at": None} for n, row in enumerate(rows)
        ]
        stmt = conflict_free_insert("sqlite", INCIDENTS, ("project_id", "recurrence_key"), OPEN_SQL)
        inserted = set((await conn.execute(stmt.returning(INCIDENTS.c.seq), values)).scalars().all())
        opened = {v["recurrence_key"]: (v["seq"], v["id"]) for v in values if v["seq"] in inserted}
    return [OpenIncident(*opened[row["recurrence_key"]], **row) for row in rows if row["recurrence_key"] in opened]


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
    """Write back the incidents routing changed (severity, still-firing markers, resolution)."""
    changed = [i for i in incidents if i.changed]
    for incident in changed:
        incident.changed = False
    params = [
        {
            "b_seq": i.seq,
            "severity": i.severity,
            "firing_fingerprints": i.firing_fingerprints,
            "status": i.status,
            "resolved_at": i.resolved_at,
        }
        for i in changed
    ]
    if params:
        await (await session.connection()).execute(_UPDATE_INCIDENT, params)


_LINK_EVENT = (
    update(EVENTS)
    .where(EVENTS.c.id == bindparam("b_id"))
    .values(run_id=bindparam("run_id"), incident_id=bindparam("incident_id"))
)


async def link_events(session: AsyncSession, links: Collection[tuple[uuid.UUID, uuid.UUID | None, str | None]]) -> None:
    """Set (run_id, incident_id) of routed events, by event id."""
    if not links:
        return
    conn = await session.connection()
    if dialect_name(session) == "postgresql":
        await conn.exec_driver_sql(PG_LINK_EVENTS, tuple(map(list, zip(*links, strict=True))))
    else:
        await conn.execute(_LINK_EVENT, [{"b_id": e, "run_id": r, "incident_id": i} for e, r, i in links])


def playbook_generation() -> int:
    """Bumped whenever this process replaces a project's playbooks (and again at its commit)."""
    return _playbook_generation


def _bump_playbook_generation(*_args: Any) -> None:
    global _playbook_generation  # noqa: PLW0603 - a process-wide invalidation counter
    _playbook_generation += 1


async def lock_project(session: AsyncSession, project_id: str) -> Project | None:
    """The project row, locked: playbook replacements of one project run one after another."""
    stmt = select(Project).where(Project.id == project_id).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def list_playbook_rows(session: AsyncSession, project_id: str) -> Sequence[Playbook]:
    stmt = select(Playbook).where(Playbook.project_id == project_id).order_by(Playbook.position)
    return (await session.scalars(stmt)).all()


async def replace_playbook_rows(session: AsyncSession, project_id: str, rows: Sequence[Playbook]) -> None:
    # Cached playbooks (runs.routing.PlaybookCache) are dropped now and again once this commits, so
    # a reader that loaded the old set in between does not keep it.
    _bump_playbook_generation()
    event.listen(session.sync_session, "after_commit", _bump_playbook_generation, once=True)
    await session.execute(delete(Playbook).where(Playbook.project_id == project_id))
    session.add_all(rows)
    await session.flush()
