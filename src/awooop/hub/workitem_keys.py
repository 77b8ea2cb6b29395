"""work_item_keys at intake: the first original of a new (project, recurrence key) also stores its
work_item_id, in the same transaction as the event, so a work item is addressable by id forever.

Cheap on the hot path: the hub's ``KnownKeys`` (one per process, in its ``HubState``) skips every
key stored before, so after warm-up a batch issues no extra statement; a new key costs one
``INSERT … ON CONFLICT DO NOTHING`` per batch. Ids join the set only when their transaction commits
(a rolled-back batch is retried and inserts them then). Rows of work_item_keys are never deleted
(retention keeps them), so the set never needs invalidating. Callers without one (the heartbeat
API, the demo loader) insert every key of the batch, conflicts skipped.
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


class KnownKeys:
    """The work_item_ids this process has seen committed."""

    def __init__(self, limit: int = KNOWN_LIMIT) -> None:
        self._limit = limit
        self._ids: set[str] = set()

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids

    def remember_when_committed(self, session: AsyncSession, ids: Sequence[str]) -> None:
        def _committed(_session: Session) -> None:
            if len(self._ids) + len(ids) > self._limit:
                self._ids.clear()
            self._ids.update(ids)

        event.listen(session.sync_session, "after_commit", _committed, once=True)


async def remember_new_keys(
    session: AsyncSession, originals: Sequence[dict[str, Any]], known: KnownKeys | None = None
) -> None:
    """Store the work_item_id of every alert key in ``originals`` not ``known`` to be stored yet."""
    fresh: dict[str, dict[str, Any]] = {}
    for row in originals:
        key = row.get("recurrence_key")
        if key is None or row.get("channel_type") != "alert" or row.get("stage") == "heartbeat":
            continue
        item_id = work_item_id(row["project_id"], key)
        if item_id not in fresh and (known is None or item_id not in known):
            fresh[item_id] = {
                "work_item_id": item_id,
                "project_id": row["project_id"],
                "recurrence_key": key,
                "created_at": row.get("received_at") or utcnow(),
            }
    if not fresh:
        return
    await repository.insert_work_item_keys(session, list(fresh.values()))
    if known is not None:
        known.remember_when_committed(session, list(fresh))
