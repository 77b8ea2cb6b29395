"""work_item_keys at intake: the first original of a new (project, recurrence key) also stores its
work_item_id, in the same transaction as the event, so a work item is addressable by id forever.

Cheap on the hot path: a process-wide set of ids known to be stored skips every key seen before, so
after warm-up a batch issues no extra statement; a new key costs one ``INSERT … ON CONFLICT DO
NOTHING`` per batch. Ids join the set only when their transaction commits (a rolled-back batch is
retried and inserts them then). Rows of work_item_keys are never deleted (retention keeps them), so
the set can never claim a key the table lacks — except in tests that empty the tables:
``forget_known_keys`` is for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from awooop.core.clock import utcnow
from awooop.hub import repository
from awooop.hub.envelope import work_item_id

KNOWN_LIMIT = 200_000  # ids kept in memory (~20 MB at most); past it the set starts over
_known: set[str] = set()


def forget_known_keys() -> None:
    _known.clear()


async def remember_new_keys(session: AsyncSession, originals: Sequence[dict[str, Any]]) -> None:
    """Store the work_item_id of every alert key in ``originals`` this process has not stored yet."""
    fresh: dict[str, dict[str, Any]] = {}
    for row in originals:
        key = row.get("recurrence_key")
        if key is None or row.get("channel_type") != "alert" or row.get("stage") == "heartbeat":
            continue
        item_id = work_item_id(row["project_id"], key)
        if item_id not in _known and item_id not in fresh:
            fresh[item_id] = {
                "work_item_id": item_id,
                "project_id": row["project_id"],
                "recurrence_key": key,
                "created_at": row.get("received_at") or utcnow(),
            }
    if not fresh:
        return
    await repository.insert_work_item_keys(session, list(fresh.values()))
    ids = list(fresh)

    def _committed(_session: Session) -> None:
        if len(_known) + len(ids) > KNOWN_LIMIT:
            _known.clear()
        _known.update(ids)

    event.listen(session.sync_session, "after_commit", _committed, once=True)
