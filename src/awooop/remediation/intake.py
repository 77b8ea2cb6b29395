"""What the hub calls in the intake transaction: after dedup, before it inserts the batch's rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.incidents.service import recurrence_lock_names
from awooop.monitors import watchdog
from awooop.remediation.caches import RoutingCaches
from awooop.remediation.events import CommittedEvent, EventLink
from awooop.remediation.routing import route_project

Row = dict[str, Any]
ROUTED_STAGES = frozenset({"firing", "resolved"})


async def divert_monitor_pings(session: AsyncSession, rows: Sequence[Row]) -> list[Row]:
    """The originals to route: ``rows`` minus duplicates and the always-firing Watchdog alerts,
    whose deliveries (duplicates too) are recorded as pings of their monitor instead."""
    return await watchdog.divert(session, rows)


def routing_lock_names(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The advisory locks routing takes for these rows (their projects' recurrence keys), for a
    caller that takes them together with its own in one statement and one order
    (``core.dialect.lock_names``), then routes with ``keys_locked=True``."""
    by_project: dict[str, set[str]] = {}
    for row in rows:
        if row["stage"] in ROUTED_STAGES and row["recurrence_key"]:
            by_project.setdefault(row["project_id"], set()).add(row["recurrence_key"])
    return [name for project, keys in by_project.items() for name in recurrence_lock_names(project, keys)]


async def route_originals(
    session: AsyncSession,
    originals: Sequence[CommittedEvent],
    caches: RoutingCaches | None = None,
    *,
    keys_locked: bool = False,
) -> dict[uuid.UUID, EventLink]:
    """Route the batch's originals into incidents, runs and notifications, project by project (in
    project id order, so routing locks follow one order), each project's events in arrival order;
    returns each routed event's links, which the caller stores in the event's row.

    ``caches``: the process's copies of playbooks and silences; without them they are read.
    ``keys_locked``: the caller already holds ``routing_lock_names`` of these events."""
    by_project: dict[str, list[CommittedEvent]] = {}
    for event in originals:
        by_project.setdefault(event.project_id, []).append(event)
    links: dict[uuid.UUID, EventLink] = {}
    for project_id, events in sorted(by_project.items()):
        links.update(
            await route_project(
                session,
                project_id,
                events,
                playbooks=caches.playbooks if caches is not None else None,
                silence_cache=caches.silences if caches is not None else None,
                keys_locked=keys_locked,
            )
        )
    return links
