"""SQL of the import: batched inserts that skip what is already there, and the export read.

Both engines insert with a conflict clause that names no target, so it covers every unique index
of ``channel_events``: ``uq_channel_events_origin`` (a record imported before) and
``uq_channel_events_original`` (an exported event whose original already lives here). A batch
arrives encoded (``imports.encode``). PostgreSQL COPYs it (binary) straight into
``channel_events`` when all of it is new; otherwise into a temporary staging table (no index, no
WAL), moved with one ``INSERT … SELECT … ON CONFLICT DO NOTHING``. SQLite runs one prepared
single-row ``INSERT`` over the whole batch (``executemany``, one C loop).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table, Uuid, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.types import UTCDateTime
from awooop.hub.repository import PG_COLUMNS
from awooop.imports.encode import COLUMNS, Encoded
from awooop.models import ChannelEvent, Project

EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
EXPORT_PAGE = 2000  # rows per keyset page of the export

_SQLITE_INSERT = (
    f"INSERT INTO channel_events ({', '.join(COLUMNS)}) "  # noqa: S608 - our own columns
    f"VALUES ({', '.join('?' for _ in COLUMNS)}) ON CONFLICT DO NOTHING"
)
_SQLITE_CACHE = "PRAGMA cache_size = -65536"  # KiB: 64 MB
_STAGE = "awooop_import_stage"
_KINDS = dict(PG_COLUMNS)
# Dropped at commit: nothing is left on a pooled connection, and a rolled-back batch takes its
# staged rows along. JSON travels as text and is cast once, in the move.
_PG_STAGE = (
    f"CREATE TEMPORARY TABLE {_STAGE} ("
    + ", ".join(f"{name} {'text' if _KINDS[name] == 'jsonb' else _KINDS[name]}" for name in COLUMNS)
    + ") ON COMMIT DROP"
)
# A batch of new records (a first import) is COPYed straight into channel_events: no staging table,
# no speculative insertion into the unique indexes (37 against 49 µs of server time a row,
# docs/import.md). A batch whose first or last record is stored already (a re-run, a resumed
# import) takes the staging path at once; one with such a row in between (a record twice in one
# batch, a concurrent import of the same file) fails that COPY on a unique index, the savepoint
# takes it back, and the staging path's ON CONFLICT DO NOTHING skips those rows.
_PG_EITHER_STORED = (
    "SELECT EXISTS (SELECT 1 FROM channel_events WHERE project_id = $1 AND origin_system = $2 AND origin_id = $3)"
    " OR EXISTS (SELECT 1 FROM channel_events WHERE project_id = $4 AND origin_system = $5 AND origin_id = $6)"
)
_ORIGIN_AT = tuple(COLUMNS.index(name) for name in ("project_id", "origin_system", "origin_id"))
_PG_TRY = "SAVEPOINT awooop_import_copy"
_PG_UNDO_TRY = "ROLLBACK TO SAVEPOINT awooop_import_copy"
_PG_KEEP_TRY = "RELEASE SAVEPOINT awooop_import_copy"
_PG_MOVE = (
    f"INSERT INTO channel_events ({', '.join(COLUMNS)}) "  # noqa: S608 - our own columns
    f"SELECT {', '.join(f'{name}::jsonb' if _KINDS[name] == 'jsonb' else name for name in COLUMNS)} "
    f"FROM {_STAGE} ON CONFLICT DO NOTHING"
)


def _origin(record: Encoded) -> tuple[Any, ...]:
    return tuple(record[index] for index in _ORIGIN_AT)


async def project_exists(session: AsyncSession, project_id: str) -> bool:
    return (await session.execute(select(Project.id).where(Project.id == project_id))).first() is not None


async def insert_new(session: AsyncSession, records: Sequence[Encoded]) -> int:
    """Insert encoded ``records`` (``COLUMNS`` order); returns how many went in (the rest were there)."""
    if not records:
        return 0
    conn = await session.connection()
    if conn.dialect.name == "sqlite":
        # 15 indexes of a large table do not fit SQLite's default 2 MB page cache: each batch
        # would read their pages again. The setting stays with this connection only.
        await conn.exec_driver_sql(_SQLITE_CACHE)
        result = await conn.exec_driver_sql(_SQLITE_INSERT, list(records))
        return int(result.rowcount)  # executemany sums the rows changed; skipped rows count 0
    first, last = records[0], records[-1]
    # Through SQLAlchemy: it opens the transaction.
    stored = await conn.exec_driver_sql(_PG_EITHER_STORED, (*_origin(first), *_origin(last)))
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    if not stored.scalar_one():
        await raw.execute(_PG_TRY)
        try:
            await raw.copy_records_to_table(EVENTS.name, records=records, columns=COLUMNS)
        except asyncpg.UniqueViolationError:
            await raw.execute(_PG_UNDO_TRY)  # a row in between is there: the staging path skips it
        else:
            await raw.execute(_PG_KEEP_TRY)
            return len(records)
    await raw.execute(_PG_STAGE)
    await raw.copy_records_to_table(_STAGE, records=records, columns=COLUMNS)
    status: str = await raw.execute(_PG_MOVE)  # "INSERT 0 <rows>"
    return int(status.rsplit(" ", 1)[1])


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
