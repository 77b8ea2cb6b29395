"""SQL for runs, their history and the events linked to them. Every list is served by an index
(see models/run.py): newest first by ``(created_at, id)``."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, delete, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.models import ChannelEvent, Playbook, Project, Run, RunTransition
from awooop.models.run import UNFINISHED_RUN_SQL
from awooop.runs.states import QUEUED

# Bound-parameter IN lists stay well under SQLite's variable limit and PostgreSQL's plan cache sweet spot.
IN_CHUNK = 500


async def get_run(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    return await session.get(Run, run_id)


async def lock_run(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    """The run, row-locked until the transaction ends (PostgreSQL); fresh even if already loaded."""
    stmt = select(Run).where(Run.id == run_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).one_or_none()


def _scoped(stmt: Select[tuple[Run]], projects: Collection[str] | None) -> Select[tuple[Run]]:
    if projects is None:
        return stmt
    if len(projects) == 1:
        return stmt.where(Run.project_id == next(iter(projects)))
    return stmt.where(Run.project_id.in_(sorted(projects)))


async def list_runs(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    state: str | None,
    agent_id: str | None,
    recurrence_key: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Run]:
    stmt = _scoped(select(Run), projects)
    if state is not None:
        stmt = stmt.where(Run.state == state)
    if agent_id is not None:
        stmt = stmt.where(Run.agent_id == agent_id)
    if recurrence_key is not None:
        stmt = stmt.where(Run.recurrence_key == recurrence_key)
    if before is not None:
        stmt = stmt.where(tuple_(Run.created_at, Run.id) < before)
    stmt = stmt.order_by(Run.created_at.desc(), Run.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


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


async def unfinished_runs_by_key(session: AsyncSession, project_id: str, keys: Collection[str]) -> dict[str, Run]:
    """The newest unfinished run of each recurrence key (served by the partial index)."""
    found: dict[str, Run] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), IN_CHUNK):
        stmt = (
            select(Run)
            .where(Run.project_id == project_id, Run.recurrence_key.in_(ordered[start : start + IN_CHUNK]))
            .where(text(UNFINISHED_RUN_SQL))
            .order_by(Run.created_at)
        )
        for run in (await session.scalars(stmt)).all():
            if run.recurrence_key is not None:
                found[run.recurrence_key] = run  # ascending order: the newest wins
    return found


async def lock_project(session: AsyncSession, project_id: str) -> Project | None:
    """The project row, locked: playbook replacements of one project run one after another."""
    stmt = select(Project).where(Project.id == project_id).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def list_playbook_rows(session: AsyncSession, project_id: str) -> Sequence[Playbook]:
    stmt = select(Playbook).where(Playbook.project_id == project_id).order_by(Playbook.position)
    return (await session.scalars(stmt)).all()


async def replace_playbook_rows(session: AsyncSession, project_id: str, rows: Sequence[Playbook]) -> None:
    await session.execute(delete(Playbook).where(Playbook.project_id == project_id))
    session.add_all(rows)
    await session.flush()
