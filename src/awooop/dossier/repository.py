"""SQL of the Channel Events API. Every statement is served by an index of channel_events and
reads a bounded number of rows, however large the table grows (docs/query-plans.md).

Newest-first lists read ``ORDER BY received_at DESC, id DESC LIMIT n`` from an index that ends in
``(received_at, id)``. When the filter has no such index without a project in front (a provider,
a provider_event_id prefix or exact value), the query is split into one branch per project, each
reading at most ``n`` rows from its own index range, and the branches are merged.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    TextualSelect,
    column,
    func,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from awooop.core.dialect import byte_prefix_range, epoch_bucket, is_postgresql, plan_with_actual_values
from awooop.core.scope import in_scope, scoped
from awooop.core.types import UTCDateTime
from awooop.models import ChannelEvent, Project

# Projects per statement in the rate histogram (three IN lists multiply into index probes).
RATE_PROJECT_CHUNK = 50

Columns = tuple[InstrumentedAttribute[Any], ...]

RECENT_COLUMNS: Columns = (
    ChannelEvent.id,
    ChannelEvent.project_id,
    ChannelEvent.channel_type,
    ChannelEvent.provider_event_id,
    ChannelEvent.channel_chat_id,
    ChannelEvent.content_preview,
    ChannelEvent.is_duplicate,
    ChannelEvent.received_at,
)
DOSSIER_COLUMNS: Columns = (
    *RECENT_COLUMNS,
    ChannelEvent.provider,
    ChannelEvent.stage,
    ChannelEvent.content_redacted,
    ChannelEvent.has_redacted_content,
    ChannelEvent.redaction_version,
    ChannelEvent.source_url,
    ChannelEvent.content_sha256,
    ChannelEvent.content_length,
    ChannelEvent.source_refs,
    ChannelEvent.source_ref_count,
    ChannelEvent.log_correlation,
    ChannelEvent.alertname,
    ChannelEvent.severity,
    ChannelEvent.namespace,
    ChannelEvent.target_resource,
    ChannelEvent.fingerprint,
    ChannelEvent.provider_ts,
)
# The console's events list: the recent fields plus what tells five look-alike rows apart.
EVENT_LIST_COLUMNS: Columns = (
    *RECENT_COLUMNS,
    ChannelEvent.provider,
    ChannelEvent.stage,
    ChannelEvent.duplicate_of,
)
COVERAGE_COLUMNS: Columns = (
    ChannelEvent.id,
    ChannelEvent.provider,
    ChannelEvent.is_duplicate,
    ChannelEvent.has_redacted_content,
    ChannelEvent.has_source_envelope,
    ChannelEvent.source_refs,
    ChannelEvent.source_ref_count,
    ChannelEvent.received_at,
)


@dataclass(frozen=True, slots=True)
class EventCriteria:
    """Filters of a newest-first read. ``prefix_bounds`` is ``[low, high)`` of provider_event_id."""

    channel_type: str | None = None
    provider: str | None = None
    prefix_bounds: tuple[str, str | None] | None = None
    provider_event_id: str | None = None
    run_id: uuid.UUID | None = None
    exclude_stage: str | None = None  # e.g. synthetic heartbeats, which say nothing of real coverage
    stage: str | None = None
    is_duplicate: bool | None = None

    @property
    def needs_project_index(self) -> bool:
        """True when only a (project_id, …) index serves the filter."""
        if self.run_id is not None:
            return False
        return self.provider is not None or self.prefix_bounds is not None or self.provider_event_id is not None


def _prefix_conditions(bounds: tuple[str, str | None], *, postgresql: bool) -> list[ColumnElement[bool]]:
    return byte_prefix_range(ChannelEvent.provider_event_id, *bounds, postgresql=postgresql)


def _conditions(criteria: EventCriteria, *, postgresql: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.run_id is not None:
        conditions.append(ChannelEvent.run_id == criteria.run_id)
    if criteria.channel_type is not None:
        conditions.append(ChannelEvent.channel_type == criteria.channel_type)
    if criteria.provider is not None:
        conditions.append(ChannelEvent.provider == criteria.provider)
    if criteria.provider_event_id is not None:
        conditions.append(ChannelEvent.provider_event_id == criteria.provider_event_id)
    if criteria.prefix_bounds is not None:
        conditions.extend(_prefix_conditions(criteria.prefix_bounds, postgresql=postgresql))
    if criteria.exclude_stage is not None:
        conditions.append(ChannelEvent.stage != criteria.exclude_stage)
    if criteria.stage is not None:
        conditions.append(ChannelEvent.stage == criteria.stage)
    if criteria.is_duplicate is not None:
        conditions.append(ChannelEvent.is_duplicate == criteria.is_duplicate)
    return conditions


def _newest(columns: Columns, conditions: Iterable[ColumnElement[bool]], limit: int) -> Select[Any]:
    return (
        select(*columns)
        .where(*conditions)
        .order_by(ChannelEvent.received_at.desc(), ChannelEvent.id.desc())
        .limit(limit)
    )


def newest_events_statement(
    columns: Columns,
    criteria: EventCriteria,
    projects: Sequence[str] | None,
    limit: int,
    *,
    postgresql: bool,
) -> Select[Any]:
    """The newest ``limit`` rows matching ``criteria`` in ``projects`` (None: every project).

    Callers resolve ``projects=None`` to the project list first when
    ``criteria.needs_project_index`` (see ``newest_events``).
    """
    conditions = _conditions(criteria, postgresql=postgresql)
    if projects is None:
        return _newest(columns, conditions, limit)
    if len(projects) == 1 or criteria.run_id is not None:
        return _newest(columns, [in_scope(ChannelEvent.project_id, projects), *conditions], limit)
    # One index range per project, each cut at `limit`, merged: reads at most len(projects) * limit.
    branches = [
        select(*_newest(columns, [ChannelEvent.project_id == project, *conditions], limit).subquery().c)
        for project in projects
    ]
    merged = union_all(*branches).subquery("newest")
    return select(*merged.c).order_by(merged.c.received_at.desc(), merged.c.id.desc()).limit(limit)


def ordered_projects(projects: Collection[str] | None) -> tuple[str, ...] | None:
    """A caller's scope in a stable order (the same SQL text for the same scope)."""
    return None if projects is None else tuple(sorted(set(projects)))


async def newest_events(
    session: AsyncSession,
    columns: Columns,
    criteria: EventCriteria,
    projects: Collection[str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    scope = ordered_projects(projects)
    if scope is None and criteria.needs_project_index:
        scope = tuple(await list_project_ids(session, None))
    if scope is not None and not scope:
        return []
    if criteria.prefix_bounds is not None or criteria.channel_type is not None:
        await plan_with_actual_values(session)
    stmt = newest_events_statement(columns, criteria, scope, limit, postgresql=is_postgresql(session))
    return (await session.execute(stmt)).all()


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> Row[Any] | None:
    stmt = select(*DOSSIER_COLUMNS).where(ChannelEvent.id == event_id)
    return (await session.execute(stmt)).one_or_none()


async def runs_with_envelopes(
    session: AsyncSession, run_ids: Collection[uuid.UUID], projects: Collection[str] | None
) -> set[uuid.UUID]:
    """Which of ``run_ids`` have a linked event carrying a source envelope (``ix_channel_events_run_received``)."""
    stmt = (
        select(ChannelEvent.run_id)
        .where(ChannelEvent.run_id.in_(sorted(run_ids)), ChannelEvent.has_source_envelope.is_(True))
        .distinct()
    )
    stmt = scoped(stmt, ChannelEvent.project_id, projects)
    return {run_id for run_id in (await session.scalars(stmt)).all() if run_id is not None}


async def list_project_ids(session: AsyncSession, projects: Collection[str] | None) -> list[str]:
    """Existing projects, optionally limited to ``projects`` (a key may name projects not yet created)."""
    stmt = scoped(select(Project.id).order_by(Project.id), Project.id, projects)
    return list((await session.scalars(stmt)).all())


# (project_id, provider, stage) → newest received_at, one index probe each.
Probe = tuple[str, str, str]

# Every (project, provider, stage) combination of three short lists, each with a correlated
# `ORDER BY received_at DESC LIMIT 1` on ix_channel_events_project_provider_stage_received (one
# backward index step). Constant SQL text: compiled once, prepared once, planned once per
# connection, however many projects there are. The lists travel as one array / JSON parameter each.
_LATEST_SQL = {
    "postgresql": """
SELECT p.project_id, v.provider, s.stage,
       (SELECT e.received_at FROM channel_events AS e
         WHERE e.project_id = p.project_id AND e.provider = v.provider AND e.stage = s.stage
         ORDER BY e.received_at DESC LIMIT 1) AS last_at
  FROM unnest(CAST(:projects AS text[])) AS p(project_id)
 CROSS JOIN unnest(CAST(:providers AS text[])) AS v(provider)
 CROSS JOIN unnest(CAST(:stages AS text[])) AS s(stage)
""",
    "sqlite": """
SELECT p.value AS project_id, v.value AS provider, s.value AS stage,
       (SELECT e.received_at FROM channel_events AS e
         WHERE e.project_id = p.value AND e.provider = v.value AND e.stage = s.value
         ORDER BY e.received_at DESC LIMIT 1) AS last_at
  FROM json_each(:projects) AS p
 CROSS JOIN json_each(:providers) AS v
 CROSS JOIN json_each(:stages) AS s
""",
}


def latest_received_at_statement(*, postgresql: bool) -> TextualSelect:
    sql = _LATEST_SQL["postgresql" if postgresql else "sqlite"]
    return text(sql).columns(
        column("project_id", String),
        column("provider", String),
        column("stage", String),
        column("last_at", UTCDateTime()),
    )


def latest_received_at_params(
    projects: Sequence[str], providers: Sequence[str], stages: Sequence[str], *, postgresql: bool
) -> dict[str, Any]:
    lists = {"projects": list(projects), "providers": list(providers), "stages": list(stages)}
    if postgresql:
        return lists
    return {name: json.dumps(values) for name, values in lists.items()}


async def latest_received_at(
    session: AsyncSession, projects: Sequence[str], providers: Sequence[str], stages: Sequence[str]
) -> dict[Probe, datetime | None]:
    """Newest ``received_at`` of every (project, provider, stage); None where there is none."""
    if not (projects and providers and stages):
        return {}
    postgresql = is_postgresql(session)
    stmt = latest_received_at_statement(postgresql=postgresql)
    params = latest_received_at_params(projects, providers, stages, postgresql=postgresql)
    rows = await session.execute(stmt, params)
    return {(project, provider, stage): last_at for project, provider, stage, last_at in rows}


def _bucket_expression(bucket_seconds: int, *, postgresql: bool) -> ColumnElement[Any]:
    return epoch_bucket(ChannelEvent.received_at, bucket_seconds, postgresql=postgresql)


def count_by_bucket_statement(
    *,
    projects: Sequence[str],
    providers: Sequence[str],
    stages: Sequence[str],
    since: datetime,
    bucket_seconds: int,
    postgresql: bool,
) -> Select[Any]:
    """(provider, bucket number, events) since ``since``: an index-only range of
    ``ix_channel_events_project_provider_stage_received`` per (project, provider, stage)."""
    bucket = _bucket_expression(bucket_seconds, postgresql=postgresql).label("bucket")
    return (
        select(ChannelEvent.provider, bucket, func.count())
        .where(
            ChannelEvent.project_id.in_(projects),
            ChannelEvent.provider.in_(providers),
            ChannelEvent.stage.in_(stages),
            ChannelEvent.received_at >= since,
        )
        .group_by(ChannelEvent.provider, bucket)
    )


async def count_by_bucket(
    session: AsyncSession,
    *,
    projects: Sequence[str],
    providers: Sequence[str],
    stages: Sequence[str],
    since: datetime,
    bucket_seconds: int,
) -> list[tuple[str, int, int]]:
    postgresql = is_postgresql(session)
    await plan_with_actual_values(session)  # the window's size decides between the indexes
    counts: list[tuple[str, int, int]] = []
    for start in range(0, len(projects), RATE_PROJECT_CHUNK):
        stmt = count_by_bucket_statement(
            projects=projects[start : start + RATE_PROJECT_CHUNK],
            providers=providers,
            stages=stages,
            since=since,
            bucket_seconds=bucket_seconds,
            postgresql=postgresql,
        )
        rows = await session.execute(stmt)
        counts.extend((str(provider), int(number), int(total)) for provider, number, total in rows)
    return counts
