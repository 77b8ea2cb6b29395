"""SQL of remediation's own: a run started late (a silence ended) linked to the event that owed it.

The links routing makes in the intake transaction are not written here: the hub stores them in
the rows it inserts."""

from __future__ import annotations

import uuid

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.models import ChannelEvent

EVENTS: Table = ChannelEvent.__table__  # type: ignore[assignment]
_LINK_RUN = (
    update(EVENTS).where(EVENTS.c.id == bindparam("b_id"), EVENTS.c.run_id.is_(None)).values(run_id=bindparam("run_id"))
)


async def link_run_if_unlinked(session: AsyncSession, event_id: uuid.UUID, run_id: uuid.UUID) -> None:
    """Link an event to a run started late (after a silence), unless it already has one."""
    await (await session.connection()).execute(_LINK_RUN, {"b_id": event_id, "run_id": run_id})
