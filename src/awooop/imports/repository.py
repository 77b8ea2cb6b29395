"""SQL of the import: batched inserts that skip what is already there, and the export read.

Both engines insert with a conflict clause that names no target, so it covers every unique index
of ``channel_events``: ``uq_channel_events_origin`` (a record imported before) and
``uq_channel_events_original`` (an exported event whose original already lives here). PostgreSQL
takes one ``INSERT … SELECT FROM unnest(…)`` per batch (one array per column, binary-encoded by
asyncpg); SQLite a multi-row ``INSERT … VALUES``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Uuid, literal, select, tuple_
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.types import UTCDateTime
from awooop.hub.repository import PG_COLUMNS, pg_arrays
from awooop.models import ChannelEvent, Project

EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
COLUMNS: tuple[str, ...] = tuple(column.name for column in EVENTS.columns)
# 36 columns x 400 rows stays below SQLite's 32,766 bind parameters.
SQLITE_CHUNK = 400
EXPORT_PAGE = 2000  # rows per keyset page of the export

_SQLITE_ROW = "(" + ", ".join("?" for _ in COLUMNS) + ")"
_SQLITE_HEAD = f"INSERT INTO channel_events ({', '.join(COLUMNS)}) VALUES "  # noqa: S608 - our own columns
_SQLITE_TAIL = " ON CONFLICT DO NOTHING"
_sqlite_processors: list[Any] | None = None


def _sqlite_params(dialect: Dialect, rows: Sequence[dict[str, Any]]) -> tuple[Any, ...]:
    """Rows as one flat parameter tuple, each value through its column type's own bind processor
    (exactly what SQLAlchemy stores), without the per-row overhead of compiled executemany."""
    global _sqlite_processors  # noqa: PLW0603 - built once per process, for the one SQLite dialect
    if _sqlite_processors is None:
        _sqlite_processors = [EVENTS.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in COLUMNS]
    pairs = list(zip(COLUMNS, _sqlite_processors, strict=True))
    flat: list[Any] = []
    for row in rows:
        for name, process in pairs:
            value = row[name]
            flat.append(process(value) if process is not None and value is not None else value)
    return tuple(flat)


def _pg_insert() -> str:
    names = ", ".join(name for name, _ in PG_COLUMNS)
    values = ", ".join(f"{name}::jsonb" if kind == "jsonb" else name for name, kind in PG_COLUMNS)
    arrays = ", ".join(
        f"${index}::{'text' if kind == 'jsonb' else kind}[]" for index, (_, kind) in enumerate(PG_COLUMNS, 1)
    )
    return (
        f"INSERT INTO channel_events ({names}) SELECT {values} "  # noqa: S608 - our own column names
        f"FROM unnest({arrays}) AS t({names}) ON CONFLICT DO NOTHING RETURNING id"
    )


_PG_INSERT = _pg_insert()


async def project_exists(session: AsyncSession, project_id: str) -> bool:
    return (await session.execute(select(Project.id).where(Project.id == project_id))).first() is not None


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` (every column present); returns how many went in (the rest were there)."""
    if not rows:
        return 0
    conn = await session.connection()
    if conn.dialect.name == "sqlite":
        inserted = 0
        for start in range(0, len(rows), SQLITE_CHUNK):
            chunk = rows[start : start + SQLITE_CHUNK]
            sql = _SQLITE_HEAD + ", ".join([_SQLITE_ROW] * len(chunk)) + _SQLITE_TAIL
            result = await conn.exec_driver_sql(sql, _sqlite_params(conn.dialect, chunk))
            inserted += result.rowcount  # rows the conflict clause skipped are not counted
        return inserted
    result = await conn.exec_driver_sql(_PG_INSERT, tuple(pg_arrays(rows)))
    return len(result.scalars().all())


_EXPORT_COLUMNS = [EVENTS.c[name] for name in COLUMNS]


async def stream_events(
    session: AsyncSession, project_id: str, since: datetime | None
) -> AsyncIterator[dict[str, Any]]:
    """The project's events, oldest first, in pages on ``ix_channel_events_project_received``
    (keyset on ``(received_at, id)``: constant memory, no OFFSET)."""
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        stmt = select(*_EXPORT_COLUMNS).where(EVENTS.c.project_id == project_id)
        if since is not None:
            stmt = stmt.where(EVENTS.c.received_at >= since)
        if after is not None:
            stmt = stmt.where(
                tuple_(EVENTS.c.received_at, EVENTS.c.id)
                > tuple_(literal(after[0], UTCDateTime()), literal(after[1], Uuid()))
            )
        stmt = stmt.order_by(EVENTS.c.received_at, EVENTS.c.id).limit(EXPORT_PAGE)
        page = (await session.execute(stmt)).mappings().all()
        for row in page:
            yield dict(row)
        if len(page) < EXPORT_PAGE:
            return
        after = (page[-1]["received_at"], page[-1]["id"])


async def origins(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The origin system of those of ``event_ids`` that were imported (primary-key lookups)."""
    if not event_ids:
        return {}
    stmt = select(EVENTS.c.id, EVENTS.c.origin_system).where(
        EVENTS.c.id.in_(list(event_ids)), EVENTS.c.origin_system.is_not(None)
    )
    rows = (await session.execute(stmt)).tuples().all()
    return {event_id: origin for event_id, origin in rows if origin is not None}
