"""Keys' last use, off the request path.

Authentication only notes the time in memory (``note``); a background task of the serving
process writes every noted key in one short transaction each ``FLUSH_SECONDS`` (``run``), and
once more at shutdown. A read request therefore never opens a write transaction (on SQLite it
would queue behind intake for the busy timeout). A failed write keeps the times for the next
round; ``last_used_at`` only ever moves forward. Precision stays ``keys.LAST_USED_RESOLUTION``
plus at most one flush interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from awooop.core.clock import as_utc
from awooop.core.db import DATABASE_ERRORS, Database, is_unavailable_error
from awooop.models import ApiKey
from awooop.operators import keys, repository

log = logging.getLogger(__name__)
FLUSH_SECONDS = 10.0


def note(db: Database, key: ApiKey, now: datetime) -> None:
    """Remember that ``key`` was used at ``now`` (no I/O; skipped within the resolution)."""
    if key.last_used_at is not None and now - as_utc(key.last_used_at) < keys.LAST_USED_RESOLUTION:
        return
    pending = db.pending_key_uses
    previous = pending.get(key.id)
    if previous is None or previous < now:
        pending[key.id] = now


async def flush(db: Database) -> int:
    """Write the noted uses; returns how many keys were written (0 when the database refused)."""
    if not db.pending_key_uses:
        return 0
    taken, db.pending_key_uses = db.pending_key_uses, {}
    try:
        async with db.transaction() as session:
            await repository.touch_keys(session, taken)
    except DATABASE_ERRORS as exc:
        for key_id, at in taken.items():  # keep them for the next round, newest time wins
            if db.pending_key_uses.get(key_id, at) <= at:
                db.pending_key_uses[key_id] = at
        if not is_unavailable_error(exc):
            log.warning("keys' last use not recorded; retrying later", exc_info=exc)
        return 0
    return len(taken)


async def run(db: Database, stop: asyncio.Event, interval: float = FLUSH_SECONDS) -> None:
    """Flush every ``interval`` seconds until ``stop`` is set, then once more."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        await flush(db)
