"""Provider freshness as Prometheus gauges, refreshed when ``/metrics`` is scraped.

Every API process answers from the shared database, so whichever process is scraped reports the
same values. A provider that never sent anything has no age series (an age would be a lie) and
``awooop_provider_fresh`` 0.
"""

from __future__ import annotations

import asyncio

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.core.metrics import PROVIDER_FRESH, PROVIDER_LAST_EVENT_AGE, PROVIDER_LAST_HEARTBEAT_AGE
from awooop.dossier import repository
from awooop.dossier.freshness import age_seconds, collect_freshness, verdict

# Concurrent scrapes of one process share one refresh instead of querying twice.
_refresh_lock = asyncio.Lock()


async def refresh_provider_gauges(db: Database, limit_seconds: int) -> None:
    """Replace the provider gauges with the database's current view. When the database cannot be
    read the error propagates and the scrape answers 503: stale ages served as current would hide
    the outage from freshness alerts (Prometheus records the failed scrape as ``up == 0``)."""
    if _refresh_lock.locked():
        async with _refresh_lock:
            return
    async with _refresh_lock:
        async with db.reader() as session, session.begin():
            project_ids = await repository.list_project_ids(session, None)
            entries = await collect_freshness(session, project_ids)
        now = utcnow()
        # No await from here on: a concurrent scrape never sees half-replaced gauges.
        for gauge in (PROVIDER_LAST_EVENT_AGE, PROVIDER_LAST_HEARTBEAT_AGE, PROVIDER_FRESH):
            gauge.clear()
        for entry in entries:
            labels = (entry.project_id, entry.provider)
            event_age = age_seconds(entry.last_event_at, now)
            if event_age is not None:
                PROVIDER_LAST_EVENT_AGE.labels(*labels).set(event_age)
            heartbeat_age = age_seconds(entry.last_heartbeat_at, now)
            if heartbeat_age is not None:
                PROVIDER_LAST_HEARTBEAT_AGE.labels(*labels).set(heartbeat_age)
            fresh = verdict(entry.last_event_at, now, limit_seconds) == "fresh"
            PROVIDER_FRESH.labels(*labels).set(1 if fresh else 0)
