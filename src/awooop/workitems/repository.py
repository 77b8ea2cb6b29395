"""SQL of the recurrence read model and the work-item history. Every query is served by an index:
the event window walks (project_id, channel_type[, provider], received_at, id) newest first, runs and
incidents are looked up only for the recurrence keys found in that window."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    case,
    false,
    func,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from awooop.core.clock import as_utc
from awooop.core.dialect import any_of
from awooop.core.scope import scoped
from awooop.models import ChannelEvent, Incident, Playbook, Project, Run, WorkItemKey, WorkItemRecord
from awooop.models.run import UNFINISHED_RUN_SQL

ALERT_CHANNEL = "alert"


@dataclass(frozen=True, slots=True)
class WindowEvent:
    """One event of the recurrence window: the columns the read model needs, in WINDOW_COLUMNS order
    (rows unpack positionally; the large envelope columns stay on disk), plus two looked-up links."""

    id: uuid.UUID
    project_id: str
    provider: str | None
    stage: str
    provider_event_id: str
    content_preview: str | None
    has_source_envelope: bool
    source_refs: Mapping[str, Any]
    source_ref_count: int
    labels: Mapping[str, Any]
    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    fingerprint: str | None
    recurrence_key: str | None
    is_duplicate: bool
    duplicate_of: uuid.UUID | None
    run_id: uuid.UUID | None
    incident_id: str | None
    silence_id: uuid.UUID | None  # the silence that covered it at intake (silences package)
    received_at: datetime
    original_run_id: uuid.UUID | None  # a duplicate's original's run
    latest_live_run_id: uuid.UUID | None  # L of the event's recurrence key, however old

    @property
    def is_original_firing(self) -> bool:
        return self.stage == "firing" and not self.is_duplicate

    def has_refs(self, kind: str) -> bool:
        return isinstance(self.source_refs, Mapping) and bool(self.source_refs.get(kind))


_PLAIN_FIELDS = tuple(
    name for name in WindowEvent.__dataclass_fields__ if name not in ("original_run_id", "latest_live_run_id")
)
_PLAIN_COLUMNS = tuple(getattr(ChannelEvent, name) for name in _PLAIN_FIELDS)
_original = aliased(ChannelEvent, name="original")


def _window_links(window: Subquery) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The duplicate's original's run and the key's latest live run, looked up for the window's rows only.

    The latest live run is one backward step of runs (project_id, recurrence_key, created_at) per event;
    heartbeats are skipped (CASE is lazy) because their keys hold only shadow runs, which the probe would
    walk to the end.
    """
    original_run = select(_original.run_id).where(_original.id == window.c.duplicate_of).scalar_subquery()
    latest_live = (
        select(Run.id)
        .where(
            Run.project_id == window.c.project_id,
            Run.recurrence_key == window.c.recurrence_key,
            Run.mode != "shadow",
        )
        # created_at alone: an id tie-break would make SQLite sort every run of the key per probe.
        .order_by(Run.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return original_run, case((window.c.stage == "heartbeat", null()), else_=latest_live)


async def fetch_playbook_specs(session: AsyncSession, project_ids: Collection[str]) -> dict[str, list[dict[str, Any]]]:
    """Playbook specs of several projects in match order, in one statement (runs.playbooks validates them)."""
    if not project_ids:
        return {}
    query = (
        select(Playbook.project_id, Playbook.spec)
        .where(any_of(session, Playbook.project_id, project_ids))
        .order_by(Playbook.project_id, Playbook.position)
    )
    found: dict[str, list[dict[str, Any]]] = {project_id: [] for project_id in project_ids}
    for project_id, spec in (await session.execute(query)).all():
        found[project_id].append(spec)
    return found


async def list_project_ids(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(Project.id).order_by(Project.id))).all())


def _newest_alerts(project_id: str | None, provider: str | None, limit: int) -> Select[Any]:
    query = select(*_PLAIN_COLUMNS).where(ChannelEvent.channel_type == ALERT_CHANNEL)
    if project_id is not None:
        query = query.where(ChannelEvent.project_id == project_id)
    if provider is not None:
        query = query.where(ChannelEvent.provider == provider)
    return query.order_by(ChannelEvent.received_at.desc(), ChannelEvent.id.desc()).limit(limit)


def window_statement(projects: Sequence[str] | None, provider: str | None, limit: int) -> Select[Any]:
    """The newest ``limit`` alert events with their run links, newest first.

    The rows come straight off an index that ends in (received_at, id), never through a self-join. With a
    project list each project walks its own range (at most ``limit`` rows) and the newest ``limit`` of the
    merge win: an ``IN`` list would make both engines sort every matching row instead.
    """
    if projects is None or len(projects) == 1:
        window = _newest_alerts(projects[0] if projects else None, provider, limit).subquery("window")
    else:
        parts = [_newest_alerts(project, provider, limit).subquery(f"p{n}") for n, project in enumerate(projects)]
        merged = union_all(*(select(*part.c) for part in parts)).subquery("merged")
        ordered = select(*merged.c).order_by(merged.c.received_at.desc(), merged.c.id.desc()).limit(limit)
        window = ordered.subquery("window")
    return select(*window.c, *_window_links(window)).order_by(window.c.received_at.desc(), window.c.id.desc())


async def fetch_key_events(
    session: AsyncSession, *, project_id: str, recurrence_key: str, provider: str | None, limit: int
) -> list[WindowEvent]:
    """The newest ``limit`` alert events of one key with their run links, off
    (project_id, recurrence_key, received_at): a work item addressed by id outside the window."""
    query = (
        select(*_PLAIN_COLUMNS)
        .where(ChannelEvent.project_id == project_id, ChannelEvent.recurrence_key == recurrence_key)
        .where(ChannelEvent.channel_type == ALERT_CHANNEL)
    )
    if provider is not None:
        query = query.where(ChannelEvent.provider == provider)
    window = query.order_by(ChannelEvent.received_at.desc(), ChannelEvent.id.desc()).limit(limit).subquery("window")
    statement = select(*window.c, *_window_links(window)).order_by(window.c.received_at.desc(), window.c.id.desc())
    return [WindowEvent(*row) for row in (await session.execute(statement)).all()]


async def fetch_latest_live_run(session: AsyncSession, *, project_id: str, recurrence_key: str) -> LinkedRun | None:
    query = (
        select(*LINKED_RUN_COLUMNS)
        .where(Run.project_id == project_id, Run.recurrence_key == recurrence_key, Run.mode != "shadow")
        .order_by(Run.created_at.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return LinkedRun(*row) if row is not None else None


async def resolve_work_item_key(
    session: AsyncSession, *, projects: Sequence[str] | None, work_item_id: str
) -> tuple[str, str] | None:
    """work_item_id → (project, recurrence key) by primary key: work_item_keys, else its history."""
    query = select(WorkItemKey.project_id, WorkItemKey.recurrence_key).where(WorkItemKey.work_item_id == work_item_id)
    row = (await session.execute(scoped(query, WorkItemKey.project_id, projects))).first()
    if row is None:
        records = select(WorkItemRecord.project_id, WorkItemRecord.recurrence_key).where(
            WorkItemRecord.work_item_id == work_item_id
        )
        row = (await session.execute(scoped(records, WorkItemRecord.project_id, projects).limit(1))).first()
    return (row[0], row[1]) if row is not None else None


async def fetch_window_events(
    session: AsyncSession, *, projects: Sequence[str] | None, provider: str | None, limit: int
) -> list[WindowEvent]:
    if projects is not None and not projects:
        return []
    rows = (await session.execute(window_statement(projects, provider, limit))).all()
    return [WindowEvent(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class LinkedRun:
    """The columns of a run the read model shows (plain rows: no ORM identity map for hundreds of runs)."""

    id: uuid.UUID
    project_id: str
    recurrence_key: str | None
    state: str
    mode: str
    agent_id: str
    repair_outcome: str | None
    incident_id: str | None
    created_at: datetime
    finished_at: datetime | None


LINKED_RUN_COLUMNS = (
    Run.id,
    Run.project_id,
    Run.recurrence_key,
    Run.state,
    Run.mode,
    Run.agent_id,
    Run.repair_outcome,
    Run.incident_id,
    Run.created_at,
    Run.finished_at,
)


async def fetch_group_runs(
    session: AsyncSession,
    *,
    keys_by_project: Mapping[str, Collection[str]],
    since: datetime,
    run_ids: Collection[uuid.UUID],
) -> list[LinkedRun]:
    """Runs of the window's keys created since the window began, plus the runs named by id.

    UNION ALL rather than OR: each branch is planned on its own index (runs (project_id, recurrence_key,
    created_at) per project, the primary key for the ids) instead of one plan for the whole disjunction.
    """
    branches = [
        select(*LINKED_RUN_COLUMNS).where(
            Run.project_id == project, any_of(session, Run.recurrence_key, keys), Run.created_at >= since
        )
        for project, keys in keys_by_project.items()
        if keys
    ]
    if run_ids:
        branches.append(select(*LINKED_RUN_COLUMNS).where(any_of(session, Run.id, run_ids)))
    if not branches:
        return []
    query = union_all(*branches) if len(branches) > 1 else branches[0]
    unique = {row.id: row for row in (await session.execute(query)).all()}
    return [LinkedRun(*row) for row in unique.values()]


async def newest_original_firings_after_repairs(
    session: AsyncSession, run_ids: Collection[uuid.UUID]
) -> dict[tuple[str, str], datetime]:
    """For each given run, the newest original firing of its key after the run finished, if any.

    One statement of constant shape (the IN list expands): per run, a backward walk of
    (project_id, recurrence_key, received_at) that stops at the first original firing or at the
    run's finish, so it reads only the key's events since its repair.
    """
    if not run_ids:
        return {}
    fired = (
        select(ChannelEvent.received_at)
        .where(
            ChannelEvent.project_id == Run.project_id,
            ChannelEvent.recurrence_key == Run.recurrence_key,
            ChannelEvent.received_at > Run.finished_at,
            ChannelEvent.is_duplicate == false(),
            ChannelEvent.stage == "firing",
        )
        .order_by(ChannelEvent.received_at.desc())
        .limit(1)
        .correlate(Run)
        .scalar_subquery()
    )
    query = select(Run.project_id, Run.recurrence_key, fired).where(any_of(session, Run.id, run_ids))
    found: dict[tuple[str, str], datetime] = {}
    for project_id, recurrence_key, received_at in (await session.execute(query)).all():
        if received_at is not None and recurrence_key is not None:
            found[(project_id, recurrence_key)] = as_utc(received_at)
    return found


async def list_runs_in_flight(session: AsyncSession, *, project_id: str, recurrence_key: str) -> Sequence[Run]:
    """Queued, running or awaiting-approval runs of a key, from the small partial index routing uses."""
    query = (
        select(Run)
        .where(Run.project_id == project_id, Run.recurrence_key == recurrence_key, text(UNFINISHED_RUN_SQL))
        .order_by(Run.created_at.desc())
    )
    return (await session.scalars(query)).all()


async def count_failed_repairs(
    session: AsyncSession, *, project_id: str, recurrence_key: str, finished_since: datetime, created_since: datetime
) -> int:
    """Live runs of a key that failed (state or repair outcome) and finished since ``finished_since``.

    ``created_since`` bounds the index range; runs live minutes, not days.
    """
    query = select(func.count()).where(
        Run.project_id == project_id,
        Run.recurrence_key == recurrence_key,
        Run.created_at >= created_since,
        Run.mode != "shadow",
        Run.finished_at >= finished_since,
        or_(Run.state == "failed", Run.repair_outcome == "failed"),
    )
    return int(await session.scalar(query) or 0)


async def get_latest_incident(session: AsyncSession, *, project_id: str, recurrence_key: str) -> Incident | None:
    query = (
        select(Incident)
        .where(Incident.project_id == project_id, Incident.recurrence_key == recurrence_key)
        .order_by(Incident.opened_at.desc(), Incident.seq.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def fetch_events(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> Sequence[ChannelEvent]:
    if not event_ids:
        return []
    query = (
        select(ChannelEvent)
        .where(any_of(session, ChannelEvent.id, event_ids))
        .order_by(ChannelEvent.received_at.desc(), ChannelEvent.id.desc())
    )
    return (await session.scalars(query)).all()


async def add_record(session: AsyncSession, record: WorkItemRecord) -> WorkItemRecord:
    session.add(record)
    await session.flush()
    return record


async def get_latest_dry_run(session: AsyncSession, *, project_id: str, work_item_id: str) -> WorkItemRecord | None:
    query = (
        select(WorkItemRecord)
        .where(
            WorkItemRecord.work_item_id == work_item_id,
            WorkItemRecord.project_id == project_id,
            WorkItemRecord.kind == "dry_run",
        )
        .order_by(WorkItemRecord.created_at.desc(), WorkItemRecord.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def list_records(
    session: AsyncSession, *, projects: Sequence[str] | None, work_item_id: str, limit: int
) -> Sequence[WorkItemRecord]:
    """History of a work item, newest first (served by (work_item_id, created_at))."""
    query = scoped(
        select(WorkItemRecord).where(WorkItemRecord.work_item_id == work_item_id), WorkItemRecord.project_id, projects
    )
    query = query.order_by(WorkItemRecord.created_at.desc(), WorkItemRecord.id.desc()).limit(limit)
    return (await session.scalars(query)).all()
