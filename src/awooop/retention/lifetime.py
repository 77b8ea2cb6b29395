"""A work item's lifetime: its compacted days (rollups) plus its live, not yet compacted events.

A day is either compacted (before the project's ``compacted_before``: counted from its rollup, whatever
raw rows of it are left) or live (counted from raw rows): never both, so nothing is counted twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.hub.envelope import work_item_id as build_work_item_id
from awooop.retention import repository
from awooop.retention.policy import day_start


def _earliest(*values: datetime | None) -> datetime | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _latest(*values: datetime | None) -> datetime | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None


async def work_item_lifetime(session: AsyncSession, *, project_id: str, recurrence_key: str) -> dict[str, Any]:
    """``{occurrence_total, first_seen_at, last_seen_at, days_active, compacted_days}`` (heartbeats left out,
    duplicates counted, as the recurrence read model counts occurrences; an imported event counts its
    source's occurrence count, ``origin_occurrences``)."""
    marker = await repository.get_compacted_before(session, project_id)
    compacted = await repository.rollup_span(session, build_work_item_id(project_id, recurrence_key))
    live = await repository.live_span(
        session, project_id, recurrence_key, day_start(marker) if marker is not None else None
    )
    return {
        "occurrence_total": compacted.total + live.total,
        "first_seen_at": _earliest(compacted.first, live.first),
        "last_seen_at": _latest(compacted.last, live.last),
        "days_active": compacted.days + live.days,
        "compacted_days": compacted.days,
    }


async def compacted_original_firings(session: AsyncSession, *, project_id: str, recurrence_key: str) -> int:
    """Original firings of the key on compacted days (what "recurrent" counts, beyond the live events)."""
    return await repository.rollup_original_firings(session, build_work_item_id(project_id, recurrence_key))
