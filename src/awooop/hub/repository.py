"""SQL of the hub: multi-row event inserts, the dedup upsert, original lookups, rejections.

The dialect-specific statements are built by core/dialect.py from ``channel_events`` itself.
Both engines insert originals with ``INSERT … ON CONFLICT (project_id, provider,
provider_event_id) WHERE is_duplicate DO NOTHING RETURNING id``. On SQLite that is SQLAlchemy's
multi-row ``insertmanyvalues``; on PostgreSQL the rows travel as one array per column through
``INSERT … SELECT … FROM unnest(…)`` (``PgUnnest``), which asyncpg encodes in binary: one
statement per batch and a fraction of the per-row CPU of bind processing.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.dialect import (
    LOCK_NAME_SEPARATOR,
    PgUnnest,
    any_of,
    conflict_free_insert,
    dialect_name,
    writers_serialised,
)
from awooop.core.scope import scoped
from awooop.models import ChannelEvent, IntakeRejection, Project, WorkItemKey

EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
REJECTIONS: Table = IntakeRejection.__table__  # type: ignore[assignment]

# (project_id, provider, provider_event_id): the identity the partial unique index guards.
EventKey = tuple[str, str, str]
DEDUP_COLUMNS = ("project_id", "provider", "provider_event_id")

# Rows per statement: 32 columns x 500 rows stays far below SQLite's bind-parameter limit; the
# PostgreSQL statement has one parameter per column, whatever the row count.
INSERT_CHUNK = 500
PG_INSERT_CHUNK = 5000
LOOKUP_CHUNK = 300


@dataclass(frozen=True, slots=True)
class ProjectCredentials:
    """What source authentication needs from a project row (secrets stay server-side)."""

    project_id: str
    intake_token_hash: str
    sentry_client_secret: str | None
    grafana_secret: str | None
    telegram_secret_hash: str | None


async def get_project_credentials(session: AsyncSession, project_id: str) -> ProjectCredentials | None:
    row = (
        await session.execute(
            select(
                Project.id,
                Project.intake_token_hash,
                Project.sentry_client_secret,
                Project.grafana_secret,
                Project.telegram_secret_hash,
            ).where(Project.id == project_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return ProjectCredentials(*row)


# The predicate is literally the one of `uq_channel_events_original`, so SQLite infers that
# partial index as the conflict arbiter (a bound parameter would not match it).
_SQLITE_INSERT_ORIGINALS = conflict_free_insert("sqlite", EVENTS, DEDUP_COLUMNS, "is_duplicate = 0").returning(
    EVENTS.c.id
)
_PLAIN_INSERT = EVENTS.insert()

# channel_events rows as one array per column (every column of the table, in its order).
PG_EVENTS = PgUnnest(EVENTS)
PG_COLUMNS: tuple[tuple[str, str], ...] = PG_EVENTS.columns
_PG_INSERT_ORIGINALS = PG_EVENTS.insert_sql(
    f"ON CONFLICT ({', '.join(DEDUP_COLUMNS)}) WHERE is_duplicate = false DO NOTHING RETURNING id"
)
_PG_INSERT_PLAIN = PG_EVENTS.insert_sql()


def pg_arrays(rows: Sequence[dict[str, Any]]) -> tuple[list[Any], ...]:
    """Rows → one list per column; JSON values serialised here (orjson), cast to jsonb in SQL."""
    return PG_EVENTS.arrays(rows)


def _chunks(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def insert_originals(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert rows as originals; returns the ids actually inserted (the others lost to an original)."""
    inserted: set[uuid.UUID] = set()
    conn = await session.connection()
    if writers_serialised(session):
        for chunk in _chunks(rows, INSERT_CHUNK):
            result = await conn.execute(_SQLITE_INSERT_ORIGINALS, list(chunk))
            inserted.update(result.scalars().all())
    else:
        for chunk in _chunks(rows, PG_INSERT_CHUNK):
            result = await conn.exec_driver_sql(_PG_INSERT_ORIGINALS, pg_arrays(chunk))
            inserted.update(result.scalars().all())  # asyncpg's UUID is a uuid.UUID subclass
    return inserted


async def insert_plain(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Multi-row insert without conflict handling (duplicates are not covered by the unique index)."""
    conn = await session.connection()
    if writers_serialised(session):
        for chunk in _chunks(rows, INSERT_CHUNK):
            await conn.execute(_PLAIN_INSERT, list(chunk))
    else:
        for chunk in _chunks(rows, PG_INSERT_CHUNK):
            await conn.exec_driver_sql(_PG_INSERT_PLAIN, pg_arrays(chunk))


def event_lock_name(key: EventKey) -> str:
    """The advisory lock name of one event identity (``core.dialect.lock_names``); the prefix keeps
    it apart from routing's (project, recurrence key) names."""
    return LOCK_NAME_SEPARATOR.join(("event", *key))


def original_lookup(
    session: AsyncSession, project_id: str, provider: str, event_ids: Sequence[str]
) -> Select[tuple[uuid.UUID, str]]:
    """(id, provider_event_id) of the originals among one source's ``event_ids``."""
    return select(EVENTS.c.id, EVENTS.c.provider_event_id).where(
        EVENTS.c.project_id == project_id,
        EVENTS.c.provider == provider,
        EVENTS.c.is_duplicate == False,  # noqa: E712 - renders the index predicate literally
        any_of(session, ChannelEvent.provider_event_id, event_ids),
    )


# original_lookup as PostgreSQL spells it (tests/integration/test_intake_query_plans.py reads both).
_PG_ORIGINAL_LOOKUP = (
    "SELECT id, provider_event_id FROM channel_events WHERE project_id = $1 AND provider = $2 "
    "AND is_duplicate = false AND provider_event_id = ANY($3::text[])"
)


async def find_originals(session: AsyncSession, keys: Iterable[EventKey]) -> dict[EventKey, uuid.UUID]:
    """Ids of the originals for ``keys``: per (project, provider), equality on both and the event ids
    as one list, which `uq_channel_events_original` serves on both engines. (A row-value
    ``(project_id, provider, provider_event_id) IN (VALUES …)`` is a full scan of channel_events on
    SQLite: ~80 ms at 100,000 events for every delivery that repeats one.)"""
    found: dict[EventKey, uuid.UUID] = {}
    by_source: dict[tuple[str, str], list[str]] = {}
    for project_id, provider, provider_event_id in keys:
        by_source.setdefault((project_id, provider), []).append(provider_event_id)
    conn = await session.connection()
    postgresql = not writers_serialised(session)
    for (project_id, provider), event_ids in sorted(by_source.items()):
        for chunk in _chunks(sorted(event_ids), LOOKUP_CHUNK):
            if postgresql:  # runs for every batch: driver SQL, nothing built per call
                rows = await conn.exec_driver_sql(_PG_ORIGINAL_LOOKUP, (project_id, provider, list(chunk)))
            else:
                rows = await conn.execute(original_lookup(session, project_id, provider, chunk))
            for event_id, provider_event_id in rows:
                found[(project_id, provider, provider_event_id)] = event_id
    return found


_WORK_ITEM_KEYS: Table = WorkItemKey.__table__  # type: ignore[assignment]


_PG_WORK_ITEM_KEYS = PgUnnest(_WORK_ITEM_KEYS)
_PG_INSERT_WORK_ITEM_KEYS = _PG_WORK_ITEM_KEYS.insert_sql("ON CONFLICT (work_item_id) DO NOTHING")


async def insert_work_item_keys(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """work_item_keys rows, each stored once (``ON CONFLICT DO NOTHING`` on the primary key); on
    PostgreSQL one statement for all of them (an executemany is one statement per row there)."""
    conn = await session.connection()
    if writers_serialised(session):
        stmt = conflict_free_insert(dialect_name(session), _WORK_ITEM_KEYS, ("work_item_id",), None)
        await conn.execute(stmt, list(rows))
        return
    for chunk in _chunks(rows, PG_INSERT_CHUNK):
        await conn.exec_driver_sql(_PG_INSERT_WORK_ITEM_KEYS, _PG_WORK_ITEM_KEYS.arrays(chunk))


async def insert_rejection(session: AsyncSession, row: dict[str, Any]) -> None:
    conn = await session.connection()
    await conn.execute(REJECTIONS.insert(), [row])


async def list_rejections(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    provider: str | None,
    reason: str | None,
    since: datetime | None,
    until: datetime | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[IntakeRejection]:
    """Newest first through ``ix_intake_rejections_project_received``; filters narrow that walk."""
    stmt = scoped(select(IntakeRejection), IntakeRejection.project_id, projects)
    if provider is not None:
        stmt = stmt.where(IntakeRejection.provider == provider)
    if reason is not None:
        stmt = stmt.where(IntakeRejection.reason == reason)
    if since is not None:
        stmt = stmt.where(IntakeRejection.received_at >= since)
    if until is not None:
        stmt = stmt.where(IntakeRejection.received_at < until)
    if before is not None:
        stmt = stmt.where(tuple_(IntakeRejection.received_at, IntakeRejection.id) < before)
    stmt = stmt.order_by(IntakeRejection.received_at.desc(), IntakeRejection.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def count_rejections_since(
    session: AsyncSession, *, projects: Collection[str] | None, since: datetime
) -> Sequence[tuple[str, str, str, int, datetime]]:
    """(project, provider, reason, count, latest) of the refusals since ``since``."""
    stmt = scoped(
        select(
            IntakeRejection.project_id,
            IntakeRejection.provider,
            IntakeRejection.reason,
            func.count(),
            func.max(IntakeRejection.received_at),
        ),
        IntakeRejection.project_id,
        projects,
    )
    stmt = stmt.where(IntakeRejection.received_at >= since).group_by(
        IntakeRejection.project_id, IntakeRejection.provider, IntakeRejection.reason
    )
    return [(p, pr, r, int(n), at) for p, pr, r, n, at in await session.execute(stmt)]
