"""Per-monitor Prometheus gauges, refreshed when ``/metrics`` is scraped (from the shared database,
so every process reports the same values). State is an enum-style gauge: 1 for the current state.
A monitor never pinged has no age series (an age would be a lie)."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Gauge
from sqlalchemy.exc import SQLAlchemyError

from awooop.core import clock
from awooop.core.clock import as_utc
from awooop.core.db import Database
from awooop.monitors import service

log = logging.getLogger(__name__)
STATES = ("new", "up", "expired", "paused")
LAST_PING_AGE = Gauge(
    "awooop_monitor_last_ping_age_seconds", "Seconds since the monitor's last ping", ["project_id", "monitor"]
)
STATE = Gauge("awooop_monitor_state", "1 for the monitor's current state", ["project_id", "monitor", "state"])
_refresh_lock = asyncio.Lock()


async def refresh_monitor_gauges(db: Database) -> None:
    """Replace the gauges with the database's view; keep the old values when it cannot be read."""
    if _refresh_lock.locked():
        async with _refresh_lock:
            return
    async with _refresh_lock:
        try:
            async with db.reader() as session, session.begin():
                monitors = await service.list_monitors(session, None)
        except SQLAlchemyError:
            log.warning("monitor gauges not refreshed: database unavailable", exc_info=True)
            return
        now = clock.utcnow()
        LAST_PING_AGE.clear()
        STATE.clear()
        for monitor in monitors:
            if monitor.last_ping_at is not None:
                age = max(0.0, (now - as_utc(monitor.last_ping_at)).total_seconds())
                LAST_PING_AGE.labels(monitor.project_id, monitor.name).set(age)
            for state in STATES:
                STATE.labels(monitor.project_id, monitor.name, state).set(1 if monitor.state == state else 0)
