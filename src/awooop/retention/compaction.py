"""Compaction: before any raw row of a UTC day may go, that day's alert events are rolled up per
(project, recurrence key) into ``event_rollups``, and the key is remembered in ``work_item_keys``.

A day's rollups are written (in short chunks) before the project's ``compacted_before`` marker moves
past it, and purges never delete events at or after the marker. So a rollup is always computed from a complete
day, and computing it again (a crash before the marker moved) replaces it: nothing is counted twice.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from awooop.core.db import Database
from awooop.hub.envelope import work_item_id
from awooop.retention import repository
from awooop.retention.policy import day_start, utc_day
from awooop.retention.retry import patiently

ONE_DAY = timedelta(days=1)
WRITE_CHUNK = 200  # rollup rows per write transaction
SQLITE_WRITE_CHUNK = 50  # SQLite's one writer: a chunk holds the lock ~5 ms, like a purge batch (pacing.py)


def _rows(project_id: str, day: date, groups: list[repository.DayGroup]) -> list[dict[str, Any]]:
    return [
        {
            "work_item_id": work_item_id(project_id, group.recurrence_key),
            "day": day,
            "project_id": project_id,
            "occurrence_total": group.occurrence_total,
            "duplicate_total": group.duplicate_total,
            "original_firing_total": group.original_firing_total,
            "first_seen_at": group.first_seen_at,
            "last_seen_at": group.last_seen_at,
            "worst_severity": group.worst_severity,
        }
        for group in groups
    ]


async def _compact_day(db: Database, project_id: str, day: date, now: datetime, pause_seconds: float) -> int:
    """Read the day without the write lock (its raw rows cannot change: nothing before the marker is
    deleted and events arrive at today's time), then write its rollups and move the marker in one short
    write transaction."""
    async with db.reader() as session:
        groups = await repository.aggregate_day(session, project_id, day_start(day), day_start(day + ONE_DAY))
    rows = _rows(project_id, day, groups)
    keys = [
        {
            "work_item_id": row["work_item_id"],
            "project_id": project_id,
            "recurrence_key": group.recurrence_key,
            "created_at": now,
        }
        for row, group in zip(rows, groups, strict=True)
    ]

    # Rollups go in chunks of their own short transactions (a busy day has thousands of keys; on SQLite one
    # transaction for all of them would hold the single write lock for seconds). Upserts replace, so a crash
    # between chunks only means the day is computed and written again; the marker moves last.
    size = SQLITE_WRITE_CHUNK if db.is_sqlite else WRITE_CHUNK
    for start in range(0, max(len(rows), 1), size):

        async def _write(chunk: slice = slice(start, start + size)) -> None:
            async with db.transaction() as session:
                await repository.upsert_rollups(session, rows[chunk])
                await repository.remember_keys(session, keys[chunk])

        await patiently(_write)
        if start + size < len(rows):
            await asyncio.sleep(pause_seconds)  # as between purge batches: intake's commits get their turn

    async def _advance() -> None:
        async with db.transaction() as session:
            await repository.set_compacted_before(session, project_id, day + ONE_DAY, now)

    await patiently(_advance)
    return len(rows)


async def compact_project(
    db: Database, project_id: str, *, through: date, now: datetime, pause_seconds: float = 0.0
) -> tuple[date, int, int]:
    """Roll up every day of ``project_id`` before ``through`` not rolled up yet; days without events are
    skipped by one index step each. Returns (the marker afterwards, days compacted, rollup rows written)."""
    async with db.reader() as session:
        marker = await repository.get_compacted_before(session, project_id)
        if marker is None:
            first = await repository.first_event_at(session, project_id)
            marker = utc_day(first) if first is not None else through
    if marker >= through:
        return marker, 0, 0
    day, days, written = marker, 0, 0
    while day < through:
        written += await _compact_day(db, project_id, day, now, pause_seconds)
        days += 1
        async with db.reader() as session:
            following = await repository.first_event_at(session, project_id, since=day_start(day + ONE_DAY))
        day = min(utc_day(following), through) if following is not None else through

    async def _finish() -> None:
        async with db.transaction() as session:
            await repository.set_compacted_before(session, project_id, through, now)

    await patiently(_finish)
    return through, days, written
