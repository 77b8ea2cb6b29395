"""SQL of retention. Every delete is one small batch chosen through an index:
``DELETE FROM t WHERE id IN (SELECT id FROM t WHERE <index prefix> AND <time> < :cutoff ORDER BY <time>, id
LIMIT :n)``; docs/query-plans.md and tests/integration/test_retention_plans.py hold the plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    any_,
    case,
    cast,
    delete,
    false,
    func,
    literal_column,
    select,
    text,
    true,
    union,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from awooop.hub.providers import HEARTBEAT_STAGE
from awooop.models import (
    ChannelEvent,
    ConsoleSession,
    EventRollup,
    IntakeRejection,
    OutboxMessage,
    Project,
    RetentionSetting,
    RetentionState,
    Run,
    WorkItemKey,
)
from awooop.models.run import HEARTBEAT_RUN_SQL
from awooop.retention.policy import FIELD_NAMES, Kind

FINISHED_NOTIFICATION_STATUSES = ("delivered", "skipped", "failed")
ALERT = "alert"
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3, "critical": 4}
SEVERITY_OF_RANK = {rank: name for name, rank in SEVERITY_RANK.items()}


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT (both support ON CONFLICT); the one place retention picks a dialect."""
    return (postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert)(table)


# --- settings ---------------------------------------------------------------------------------------


async def list_project_ids(session: AsyncSession) -> list[str]:
    """Projects with rows to purge: every project, plus overrides for projects not (yet) created."""
    query = union(select(Project.id), select(RetentionSetting.project_id))
    return sorted(str(value) for value in (await session.scalars(query)).all())


async def fetch_overrides(session: AsyncSession) -> dict[str, dict[str, int | None]]:
    rows = (await session.scalars(select(RetentionSetting))).all()
    return {row.project_id: {name: getattr(row, name) for name in FIELD_NAMES} for row in rows}


async def upsert_override(session: AsyncSession, project_id: str, values: dict[str, int | None], now: datetime) -> None:
    stmt = insert_for(session, RetentionSetting.__table__).values(project_id=project_id, updated_at=now, **values)
    stmt = stmt.on_conflict_do_update(index_elements=["project_id"], set_={**values, "updated_at": now})
    await session.execute(stmt)


async def delete_override(session: AsyncSession, project_id: str) -> None:
    await session.execute(delete(RetentionSetting).where(RetentionSetting.project_id == project_id))


# --- batch deletes ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The rows of one kind one batch may take, as the select of their ids (oldest first)."""

    kind: Kind
    table: Any
    ids: Select[Any]


def target(kind: Kind, *, project_id: str | None, cutoff: datetime, limit: int) -> Target:
    if kind == "duplicates":
        ids = (
            select(ChannelEvent.id)
            .where(ChannelEvent.project_id == project_id, ChannelEvent.is_duplicate == true())
            .where(ChannelEvent.received_at < cutoff)
            .order_by(ChannelEvent.received_at, ChannelEvent.id)
        )
        return Target(kind, ChannelEvent.__table__, ids.limit(limit))
    if kind == "raw_events":
        ids = (
            select(ChannelEvent.id)
            .where(ChannelEvent.project_id == project_id, ChannelEvent.received_at < cutoff)
            .order_by(ChannelEvent.received_at, ChannelEvent.id)
        )
        return Target(kind, ChannelEvent.__table__, ids.limit(limit))
    if kind == "rejections":
        query = select(IntakeRejection.id).where(IntakeRejection.received_at < cutoff)
        if project_id is not None:
            query = query.where(IntakeRejection.project_id == project_id)
        ids = query.order_by(IntakeRejection.received_at, IntakeRejection.id)
        return Target(kind, IntakeRejection.__table__, ids.limit(limit))
    if kind == "heartbeat_runs":
        ids = (
            select(Run.id)
            .where(Run.project_id == project_id, text(HEARTBEAT_RUN_SQL), Run.created_at < cutoff)
            .where(Run.state.in_(("completed", "failed", "cancelled")))
            .order_by(Run.created_at, Run.id)
        )
        return Target(kind, Run.__table__, ids.limit(limit))
    if kind == "console_sessions":
        tokens = select(ConsoleSession.token_hash).where(ConsoleSession.expires_at < cutoff)
        return Target(kind, ConsoleSession.__table__, tokens.order_by(ConsoleSession.expires_at).limit(limit))
    raise ValueError(kind)  # notifications go per status: notification_target


def notification_target(*, project_id: str, status: str, cutoff: datetime, limit: int) -> Target:
    ids = (
        select(OutboxMessage.id)
        .where(OutboxMessage.project_id == project_id, OutboxMessage.status == status)
        .where(OutboxMessage.created_at < cutoff)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return Target("notifications", OutboxMessage.__table__, ids.limit(limit))


def _key_column(table: Any) -> Any:
    return table.c.token_hash if table.name == "console_sessions" else table.c.id


def delete_statement(batch: Target, dialect: str) -> Any:
    """SQLite: ``key IN (SELECT …)`` is a primary-key SEARCH per id. PostgreSQL: ``key = ANY(ARRAY(SELECT …))``
    makes the batch an InitPlan, so the outer delete is a primary-key index scan whatever the table's size
    (``IN (SELECT …)`` may be planned as a hash semi join over a sequential scan of the table)."""
    key = _key_column(batch.table)
    if dialect == "postgresql":
        return delete(batch.table).where(key == any_(func.array(batch.ids.scalar_subquery())))
    return delete(batch.table).where(key.in_(batch.ids.scalar_subquery()))


async def delete_batch(session: AsyncSession, batch: Target) -> int:
    statement = delete_statement(batch, _dialect(session))
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def count_expired(session: AsyncSession, batch: Target) -> int:
    """What a pass would delete (dry run): the same index range, counted without a LIMIT."""
    unbounded = batch.ids.limit(None).order_by(None).subquery()
    return int(await session.scalar(select(func.count()).select_from(unbounded)) or 0)


# --- compaction -------------------------------------------------------------------------------------


async def get_compacted_before(session: AsyncSession, project_id: str) -> date | None:
    found: date | None = await session.scalar(
        select(RetentionState.compacted_before).where(RetentionState.project_id == project_id)
    )
    return found


async def set_compacted_before(session: AsyncSession, project_id: str, day: date, now: datetime) -> None:
    stmt = insert_for(session, RetentionState.__table__).values(
        project_id=project_id, compacted_before=day, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(index_elements=["project_id"], set_={"compacted_before": day, "updated_at": now})
    await session.execute(stmt)


async def first_event_at(session: AsyncSession, project_id: str, since: datetime | None = None) -> datetime | None:
    """The oldest event of a project (at or after ``since``): one step of (project_id, received_at, id)."""
    query = select(ChannelEvent.received_at).where(ChannelEvent.project_id == project_id)
    if since is not None:
        query = query.where(ChannelEvent.received_at >= since)
    query = query.order_by(ChannelEvent.received_at, ChannelEvent.id).limit(1)
    found: datetime | None = await session.scalar(query)
    return found


def _alert_events(project_id: str) -> list[ColumnElement[bool]]:
    return [
        ChannelEvent.project_id == project_id,
        ChannelEvent.channel_type == ALERT,
        ChannelEvent.stage != HEARTBEAT_STAGE,
        ChannelEvent.recurrence_key.is_not(None),
    ]


_SEVERITY = case(
    *((ChannelEvent.severity == name, rank) for name, rank in SEVERITY_RANK.items()),
    else_=0,
)
# What one stored event counts as occurrences: an imported event carries its source's own count
# (Alerta duplicateCount + 1, Opsgenie count: awooop.imports), any other event is one. Rollups and
# live spans sum the same expression, so a lifetime is the same before and after its day is compacted.
OCCURRENCES = case((ChannelEvent.origin_occurrences > 1, ChannelEvent.origin_occurrences), else_=1)


@dataclass(frozen=True, slots=True)
class DayGroup:
    recurrence_key: str
    occurrence_total: int
    duplicate_total: int
    original_firing_total: int
    first_seen_at: datetime
    last_seen_at: datetime
    worst_severity: str | None


async def aggregate_day(session: AsyncSession, project_id: str, start: datetime, end: datetime) -> list[DayGroup]:
    """One UTC day of a project's alert events per recurrence key, read off (project_id, channel_type,
    received_at, id). Heartbeats are left out, as the recurrence read model leaves them out."""
    original_firing = case((and_(ChannelEvent.is_duplicate == false(), ChannelEvent.stage == "firing"), 1), else_=0)
    query = (
        select(
            ChannelEvent.recurrence_key,
            func.sum(OCCURRENCES),
            func.sum(case((ChannelEvent.is_duplicate == true(), 1), else_=0)),
            func.sum(original_firing),
            func.min(ChannelEvent.received_at),
            func.max(ChannelEvent.received_at),
            func.max(_SEVERITY),
        )
        .where(*_alert_events(project_id), ChannelEvent.received_at >= start, ChannelEvent.received_at < end)
        .group_by(ChannelEvent.recurrence_key)
    )
    groups = []
    for key, total, duplicates, originals, first, last, rank in (await session.execute(query)).all():
        groups.append(
            DayGroup(
                recurrence_key=key,
                occurrence_total=int(total),
                duplicate_total=int(duplicates or 0),
                original_firing_total=int(originals or 0),
                first_seen_at=_required_dt(session, first),
                last_seen_at=_required_dt(session, last),
                worst_severity=SEVERITY_OF_RANK.get(int(rank or 0)),
            )
        )
    return groups


async def upsert_rollups(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Replace (never add to) the rollup of each (work item, day): recomputing a day is idempotent."""
    if not rows:
        return
    stmt = insert_for(session, EventRollup.__table__)
    replaced = {name: getattr(stmt.excluded, name) for name in rows[0] if name not in ("work_item_id", "day")}
    await session.execute(stmt.on_conflict_do_update(index_elements=["work_item_id", "day"], set_=replaced), rows)


async def remember_keys(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """work_item_keys rows, each inserted once (a key already known is left alone)."""
    if rows:
        stmt = insert_for(session, WorkItemKey.__table__).on_conflict_do_nothing(index_elements=["work_item_id"])
        await session.execute(stmt, list(rows))


# --- lifetime and gauges ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    total: int
    first: datetime | None
    last: datetime | None
    days: int


async def rollup_span(session: AsyncSession, work_item_id: str) -> Span:
    query = select(
        func.coalesce(func.sum(EventRollup.occurrence_total), 0),
        func.min(EventRollup.first_seen_at),
        func.max(EventRollup.last_seen_at),
        func.count(),
    ).where(EventRollup.work_item_id == work_item_id)
    total, first, last, days = (await session.execute(query)).one()
    return Span(int(total), _as_dt(session, first), _as_dt(session, last), int(days))


async def rollup_original_firings(session: AsyncSession, work_item_id: str) -> int:
    query = select(func.coalesce(func.sum(EventRollup.original_firing_total), 0)).where(
        EventRollup.work_item_id == work_item_id
    )
    return int(await session.scalar(query) or 0)


def _day_of(session: AsyncSession) -> ColumnElement[Any]:
    """The UTC day of received_at: SQLite stores naive UTC text; PostgreSQL converts explicitly."""
    if _dialect(session) == "postgresql":
        return cast(func.timezone(literal_column("'UTC'"), ChannelEvent.received_at), Date)
    return func.date(ChannelEvent.received_at)


async def live_span(session: AsyncSession, project_id: str, recurrence_key: str, since: datetime | None) -> Span:
    """The key's alert events not yet compacted (their occurrences), off (project_id, recurrence_key, received_at)."""
    conditions = [
        ChannelEvent.project_id == project_id,
        ChannelEvent.recurrence_key == recurrence_key,
        ChannelEvent.channel_type == ALERT,
        ChannelEvent.stage != HEARTBEAT_STAGE,
    ]
    if since is not None:
        conditions.append(ChannelEvent.received_at >= since)
    query = select(
        func.coalesce(func.sum(OCCURRENCES), 0),
        func.min(ChannelEvent.received_at),
        func.max(ChannelEvent.received_at),
        func.count(func.distinct(_day_of(session))),
    ).where(*conditions)
    total, first, last, days = (await session.execute(query)).one()
    return Span(int(total), _as_dt(session, first), _as_dt(session, last), int(days))


def _as_dt(session: AsyncSession, value: Any) -> datetime | None:
    """Aggregates come back untyped on SQLite (text) and typed on PostgreSQL."""
    result: datetime | None = ChannelEvent.received_at.type.process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, session.get_bind().dialect
    )
    return result


def _required_dt(session: AsyncSession, value: Any) -> datetime:
    moment = _as_dt(session, value)
    assert moment is not None  # min/max over a non-empty group
    return moment


async def oldest_event_at(session: AsyncSession, project_id: str) -> datetime | None:
    return await first_event_at(session, project_id)


async def sqlite_auto_vacuum(session: AsyncSession) -> int | None:
    if _dialect(session) != "sqlite":
        return None
    return int(await session.scalar(text("PRAGMA auto_vacuum")) or 0)


async def sqlite_incremental_vacuum(conn: AsyncConnection, pages: int) -> None:
    """Give up to ``pages`` free pages back to the file system, as a write transaction of its own.

    The pragma frees one page per step of its statement and returns no columns, so a driver's
    ``execute`` (one step; nothing to fetch) frees a single page whatever ``pages`` says. sqlite3's
    ``executescript`` steps it to completion; it runs outside any open transaction."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None  # a live connection of the pool
    await driver.executescript(f"PRAGMA incremental_vacuum({int(pages)})")


async def sqlite_free_pages(session: AsyncSession) -> int:
    return int(await session.scalar(text("PRAGMA freelist_count")) or 0)
