"""SQL of remediation's own: the links from routed events to their run and incident."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.dialect import PgUnnest, is_postgresql
from awooop.models import ChannelEvent

EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
EventLink = tuple[uuid.UUID, uuid.UUID | None, str | None]  # (event id, run id, incident id)
# PostgreSQL: the links of a batch in one UPDATE … FROM unnest(…); SQLite: executemany.
_PG_LINK_EVENTS = PgUnnest(EVENTS, ("id", "run_id", "incident_id")).update_sql("id")

_LINK_EVENT = (
    update(EVENTS)
    .where(EVENTS.c.id == bindparam("b_id"))
    .values(run_id=bindparam("run_id"), incident_id=bindparam("incident_id"))
)
_LINK_RUN = (
    update(EVENTS).where(EVENTS.c.id == bindparam("b_id"), EVENTS.c.run_id.is_(None)).values(run_id=bindparam("run_id"))
)


async def link_events(session: AsyncSession, links: Collection[EventLink]) -> None:
    """Set (run_id, incident_id) of routed events, by event id: one statement."""
    if not links:
        return
    conn = await session.connection()
    if is_postgresql(session):
        await conn.exec_driver_sql(_PG_LINK_EVENTS, tuple(map(list, zip(*links, strict=True))))
    else:
        await conn.execute(_LINK_EVENT, [{"b_id": e, "run_id": r, "incident_id": i} for e, r, i in links])


async def link_run_if_unlinked(session: AsyncSession, event_id: uuid.UUID, run_id: uuid.UUID) -> None:
    """Link an event to a run started late (after a silence), unless it already has one."""
    await (await session.connection()).execute(_LINK_RUN, {"b_id": event_id, "run_id": run_id})
