"""What the hub calls, in the intake transaction, once its rows are stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.monitors import watchdog
from awooop.remediation.caches import RoutingCaches
from awooop.remediation.events import CommittedEvent
from awooop.remediation.routing import route_project

Row = dict[str, Any]


async def divert_monitor_pings(session: AsyncSession, rows: Sequence[Row]) -> list[Row]:
    """The stored rows to route: ``rows`` minus duplicates and the always-firing Watchdog alerts,
    whose deliveries (duplicates too) are recorded as pings of their monitor instead."""
    return await watchdog.divert(session, rows)


async def route_committed(
    session: AsyncSession, originals: Sequence[CommittedEvent], caches: RoutingCaches | None = None
) -> None:
    """Route committed originals into incidents, runs and notifications, project by project (in
    project id order, so routing locks follow one order), each project's events in arrival order.

    ``caches``: the process's copies of playbooks and silences; without them they are read."""
    by_project: dict[str, list[CommittedEvent]] = {}
    for event in originals:
        by_project.setdefault(event.project_id, []).append(event)
    for project_id, events in sorted(by_project.items()):
        await route_project(
            session,
            project_id,
            events,
            playbooks=caches.playbooks if caches is not None else None,
            silence_cache=caches.silences if caches is not None else None,
        )
