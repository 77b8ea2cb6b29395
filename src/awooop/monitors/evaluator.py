"""The expiry evaluator: its own asyncio task beside the notification worker, on any node.

Every ``poll_seconds`` (default 1 s, so an expiry lands within about a second of its deadline) one
short transaction claims due monitors (``monitors.service.expire_due``) and commits. Any number of
evaluators may run against one database: PostgreSQL skips rows another evaluator has locked and
the state change to ``expired`` commits with the claim; SQLite runs writers one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from awooop.config import Settings
from awooop.core import clock
from awooop.core.db import Database
from awooop.core.outage import OutageLog
from awooop.monitors import repository
from awooop.monitors.freshness import pending_signals, record_signals
from awooop.monitors.service import EVALUATE_BATCH, expire_due

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0


async def evaluate_once(db: Database, *, limit: int = EVALUATE_BATCH) -> int:
    """One pass; returns how many monitors expired (committed). A read decides whether there is
    anything to do, so an idle pass never takes SQLite's writer lock; then one transaction records
    provider monitors' newer signals and expires the due monitors."""
    async with db.reader() as session:
        due = await repository.has_due(session, clock.utcnow())
        signals = await pending_signals(session)
    if not due and not signals:
        return 0
    async with db.transaction() as session:
        await record_signals(session, signals)
        return await expire_due(session, limit=limit)


async def run_evaluator(
    db: Database, settings: Settings, stop: asyncio.Event, *, poll_seconds: float = POLL_SECONDS
) -> None:
    """Evaluate until ``stop`` is set; a full batch goes again at once."""
    del settings  # the signature matches run_worker's, so both start the same way
    outage = OutageLog("monitor evaluator", log)
    while not stop.is_set():
        pause = poll_seconds
        try:
            expired = await evaluate_once(db)
        except Exception as exc:  # noqa: BLE001 - the loop outlives any round; OutageLog logs it
            expired = 0
            pause = outage.failed(exc, poll_seconds)
        else:
            outage.succeeded()
        if expired < EVALUATE_BATCH:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
