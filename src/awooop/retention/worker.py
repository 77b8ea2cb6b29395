"""The scheduled retention pass: every node runs this loop, exactly one runs each pass.

Before a pass the loop takes the ``retention`` lease (awooop.leases) for one whole interval: the pass
runs on the node that got it, and every other node finds the lease taken until the interval is over.
A node that dies mid-pass leaves the lease to expire and the next holder starts a new pass (every step
is idempotent: batches delete what is still expired, a day is compacted once, under its marker).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from awooop import leases
from awooop.config import Settings
from awooop.core import clock
from awooop.core.db import Database
from awooop.core.outage import OutageLog
from awooop.retention import service

log = logging.getLogger(__name__)
LEASE_NAME = "retention"
# Retry sooner when another node holds the lease or the pass failed.
RETRY_SECONDS = 60.0


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_once_if_due(db: Database, settings: Settings, owner: str, stop: asyncio.Event | None = None) -> bool:
    """Take the lease for one interval; run a pass when we got it. True when this node ran the pass.

    Holding the lease for the whole interval is what makes the pass happen once per interval across
    nodes: the next node to try finds it taken until the interval is over.
    """
    interval = timedelta(seconds=settings.retention_interval_seconds)
    if not await leases.acquire(db, LEASE_NAME, owner, interval, now=clock.utcnow()):
        return False
    await service.run_pass(db, settings, stop=stop)
    return True


async def run_retention_worker(db: Database, settings: Settings, stop: asyncio.Event, owner: str | None = None) -> None:
    """Run passes until ``stop`` is set (its own asyncio task, beside the notification worker)."""
    me = owner or leases.process_owner()
    outage = OutageLog("retention", log)
    retry = min(RETRY_SECONDS, settings.retention_interval_seconds)
    while not stop.is_set():
        pause = settings.retention_interval_seconds
        try:
            if not await run_once_if_due(db, settings, me, stop):
                pause = retry
        except Exception as exc:  # noqa: BLE001 - the loop outlives any round; OutageLog logs it
            pause = outage.failed(exc, retry)
        else:
            outage.succeeded()
        await _wait(stop, pause)
