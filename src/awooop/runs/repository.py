"""SQL for runs, their history and the events linked to them. Every list is served by an index
(see models/run.py): newest first by ``(created_at, id)``.

The unfinished runs routing asks for are Core, not ORM: one statement built and compiled once
(expanding IN parameters), rows back as plain values."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Select, Table, and_, bindparam, delete, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.scope import scoped
from awooop.models import ChannelEvent, Incident, Playbook, Project, Run, RunTransition
from awooop.models.run import UNFINISHED_RUN_SQL
from awooop.runs.states import QUEUED

# Bound-parameter IN lists stay well under SQLite's variable limit and PostgreSQL's plan cache sweet spot.
IN_CHUNK = 500
RUNS: Table = Run.__table__  # type: ignore[assignment]


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


# Where a transaction that replaced playbooks leaves the project ids, in its connection's ``info``:
# per-process caches of playbooks (remediation.caches.PlaybookVersions) read and clear it when the
# connection goes back to the pool, which is after the commit (or the rollback).
PLAYBOOKS_REPLACED = "awooop.playbooks_replaced"


def take_replaced_projects(connection_info: dict[Any, Any]) -> set[str]:
    """The projects whose playbooks the connection's last transaction replaced (cleared)."""
    replaced: set[str] = connection_info.pop(PLAYBOOKS_REPLACED, set())
    return replaced


async def lock_project(session: AsyncSession, project_id: str) -> Project | None:
    """The project row, locked: playbook replacements of one project run one after another."""
    stmt = select(Project).where(Project.id == project_id).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def list_playbook_rows(session: AsyncSession, project_id: str) -> Sequence[Playbook]:
    stmt = select(Playbook).where(Playbook.project_id == project_id).order_by(Playbook.position)
    return (await session.scalars(stmt)).all()


async def replace_playbook_rows(session: AsyncSession, project_id: str, rows: Sequence[Playbook]) -> None:
    # Cached copies are dropped once this connection is back in the pool (after the commit), so a
    # reader that loaded the old set before the commit does not keep it.
    (await session.connection()).info.setdefault(PLAYBOOKS_REPLACED, set()).add(project_id)
    await session.execute(delete(Playbook).where(Playbook.project_id == project_id))
    session.add_all(rows)
    await session.flush()
