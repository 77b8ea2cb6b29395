"""SQL of the hub: multi-row event inserts, the dedup upsert, original lookups, rejections.

The only dialect-specific statement is the original insert (``INSERT … ON CONFLICT DO NOTHING
RETURNING``): PostgreSQL and SQLite both support it, through their own ``insert`` constructs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, TextClause, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from awooop.models import ChannelEvent, IntakeRejection, Project

EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
REJECTIONS: Table = IntakeRejection.__table__  # type: ignore[assignment]

# (project_id, provider, provider_event_id): the identity the partial unique index guards.
EventKey = tuple[str, str, str]
DEDUP_COLUMNS = ("project_id", "provider", "provider_event_id")

# Rows per statement: 32 columns x 500 rows stays far below both engines' bind-parameter limits.
INSERT_CHUNK = 500
LOOKUP_CHUNK = 300

# Literally the predicates of `uq_channel_events_original`, so both planners infer that index
# as the conflict arbiter (a bound parameter or `IS false` would not be recognised).
_ORIGINAL_PREDICATE: dict[bool, TextClause] = {
    True: text("is_duplicate = 0"),
    False: text("is_duplicate = false"),
}


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


def _original_insert(is_sqlite: bool) -> Insert:
    dialect_insert = sqlite.insert if is_sqlite else postgresql.insert
    return (
        dialect_insert(EVENTS)
        .on_conflict_do_nothing(index_elements=list(DEDUP_COLUMNS), index_where=_ORIGINAL_PREDICATE[is_sqlite])
        .returning(EVENTS.c.id)
    )


_ORIGINAL_INSERTS = {flag: _original_insert(flag) for flag in (True, False)}
_PLAIN_INSERT = EVENTS.insert()


def _chunks(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def insert_originals(session: AsyncSession, rows: Sequence[dict[str, Any]], *, is_sqlite: bool) -> set[uuid.UUID]:
    """Insert rows as originals; returns the ids actually inserted (the others lost to an original)."""
    inserted: set[uuid.UUID] = set()
    conn = await session.connection()
    stmt = _ORIGINAL_INSERTS[is_sqlite]
    for chunk in _chunks(rows, INSERT_CHUNK):
        result = await conn.execute(stmt, list(chunk))
        inserted.update(result.scalars().all())
    return inserted


async def insert_plain(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Multi-row insert without conflict handling (duplicates are not covered by the unique index)."""
    conn = await session.connection()
    for chunk in _chunks(rows, INSERT_CHUNK):
        await conn.execute(_PLAIN_INSERT, list(chunk))


async def find_originals(session: AsyncSession, keys: Iterable[EventKey]) -> dict[EventKey, uuid.UUID]:
    """Ids of the originals for ``keys``, batched (served by `uq_channel_events_original`)."""
    found: dict[EventKey, uuid.UUID] = {}
    wanted = list(keys)
    conn = await session.connection()
    for chunk in _chunks(wanted, LOOKUP_CHUNK):
        stmt = select(EVENTS.c.id, EVENTS.c.project_id, EVENTS.c.provider, EVENTS.c.provider_event_id).where(
            EVENTS.c.is_duplicate == False,  # noqa: E712 - renders the index predicate literally
            tuple_(EVENTS.c.project_id, EVENTS.c.provider, EVENTS.c.provider_event_id).in_(list(chunk)),
        )
        for event_id, project_id, provider, provider_event_id in await conn.execute(stmt):
            found[(project_id, provider, provider_event_id)] = event_id
    return found


async def insert_rejection(session: AsyncSession, row: dict[str, Any]) -> None:
    conn = await session.connection()
    await conn.execute(REJECTIONS.insert(), [row])
