"""Notification outbox: messages are written in the routing transaction and drained by the worker.

* ``enqueue``: one INSERT (executemany; pre-rendered text, compiled once per engine) that skips a
  message whose natural ``dedupe_key`` (``incident_opened:<project>:<incident>``, ``approval_wait:<project>:<run>``,
  ``incident_resolved:<project>:<incident>``, ``monitor_expired:<project>:<incident>``,
  ``monitor_recovered:<project>:<incident>``) is already queued, so a message is never queued twice.
* ``claim_due``: one statement takes up to N due messages and leases them (``next_attempt_at`` and
  ``locked_until`` move to now + lease, ``attempts`` + 1). PostgreSQL skips rows other workers are
  claiming (``FOR UPDATE SKIP LOCKED``); SQLite writers run one at a time. A worker that dies
  mid-send leaves the lease to expire, and the message is claimed again.
* ``mark_delivered`` / ``mark_retry`` / ``mark_final``: fenced by the attempt number of the claim,
  so a worker whose lease expired cannot overwrite the outcome of the one that took over.

Statuses: ``pending`` (queued or leased), ``delivered``, ``failed`` (gave up), ``skipped``
(the project has nowhere to send it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.core.dialect import PgUnnest, insert_skipping_conflicts, is_postgresql
from awooop.core.ids import uuid7
from awooop.models import OutboxMessage, Project

Kind = Literal["incident_opened", "approval_wait", "incident_resolved", "monitor_expired", "monitor_recovered"]
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
SKIPPED = "skipped"
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
# Text, not the dialects' insert(): those have no SQLAlchemy cache key and were compiled per batch.
_ENQUEUE = insert_skipping_conflicts(OUTBOX, ("dedupe_key",))
# PostgreSQL: the batch's messages in one statement (an executemany runs one INSERT per message).
_PG_OUTBOX = PgUnnest(OUTBOX)
_PG_ENQUEUE = _PG_OUTBOX.insert_sql("ON CONFLICT (dedupe_key) DO NOTHING")


@dataclass(frozen=True, slots=True)
class NewMessage:
    project_id: str
    kind: Kind
    subject_id: str  # incident or run id: with the kind and project it forms the dedupe key
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        # Incident ids are numbered per project: INC-000001 exists in every project.
        return f"{self.kind}:{self.project_id}:{self.subject_id}"


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: uuid.UUID
    project_id: str
    kind: str
    payload: dict[str, Any]
    attempt: int  # the fencing token of this claim
    leased_until: datetime  # the worker may START a send only while enough of the lease is left


async def enqueue(session: AsyncSession, messages: Sequence[NewMessage]) -> None:
    """Queue messages in the caller's transaction; an already-queued dedupe key is skipped."""
    if not messages:
        return
    now = utcnow()
    # A microsecond apart: messages of one batch keep their order (opened before resolved).
    rows = [
        {
            "id": uuid7(),
            "project_id": m.project_id,
            "kind": m.kind,
            "dedupe_key": m.dedupe_key,
            "payload": m.payload,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now + timedelta(microseconds=index),
            "locked_until": None,
            "last_error": None,
            "created_at": now + timedelta(microseconds=index),
            "delivered_at": None,
        }
        for index, m in enumerate(messages)
    ]
    conn = await session.connection()
    if is_postgresql(session):
        await conn.exec_driver_sql(_PG_ENQUEUE, _PG_OUTBOX.arrays(rows))
    else:
        await conn.execute(_ENQUEUE, rows)


async def claim_due(session: AsyncSession, *, limit: int, lease: timedelta) -> list[ClaimedMessage]:
    """Lease up to ``limit`` due messages, oldest due first (commit before sending)."""
    now = utcnow()
    leased_until = now + lease
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=leased_until, locked_until=leased_until)
        .returning(
            OutboxMessage.id,
            OutboxMessage.project_id,
            OutboxMessage.kind,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    rows = sorted((await session.execute(stmt)).all(), key=lambda r: (r.created_at, r.id))
    return [ClaimedMessage(r.id, r.project_id, r.kind, r.payload, r.attempts, leased_until) for r in rows]


async def _finish(session: AsyncSession, message: ClaimedMessage, **values: Any) -> bool:
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == PENDING,
            OutboxMessage.attempts == message.attempt,
        )
        .values(locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def mark_delivered(session: AsyncSession, message: ClaimedMessage) -> bool:
    """False when the lease was lost (another worker re-claimed the message)."""
    now = utcnow()
    return await _finish(session, message, status=DELIVERED, delivered_at=now, last_error=None)


async def mark_retry(session: AsyncSession, message: ClaimedMessage, *, error: str, at: datetime) -> bool:
    return await _finish(session, message, next_attempt_at=at, last_error=error[:2000])


async def mark_final(session: AsyncSession, message: ClaimedMessage, *, status: str, error: str) -> bool:
    return await _finish(session, message, status=status, last_error=error[:2000])


async def telegram_targets(
    session: AsyncSession, project_ids: Sequence[str]
) -> dict[str, tuple[str | None, str | None]]:
    """(bot token, chat id) per project, read fresh for every claimed batch."""
    if not project_ids:
        return {}
    stmt = select(Project.id, Project.telegram_bot_token, Project.telegram_chat_id).where(
        Project.id.in_(sorted(set(project_ids)))
    )
    return {pid: (token, chat) for pid, token, chat in (await session.execute(stmt)).all()}


async def release(session: AsyncSession, message: ClaimedMessage) -> bool:
    """Give a claimed, unsent message back at once (the worker is stopping, or too little of the
    lease is left to send it safely): no attempt is spent."""
    return await _finish(session, message, next_attempt_at=utcnow(), attempts=message.attempt - 1)
