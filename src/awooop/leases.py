"""Leases for jobs that must run on exactly one node at a time (retention, monitors…).

A lease is a row of ``worker_leases`` (name, owner, expires_at). ``acquire`` takes it with one
conditional UPDATE — free when expired or already ours — so two nodes racing for it cannot both
win: the database serialises the UPDATEs on the row and only one sees the old condition true.
The holder renews before ``ttl`` runs out (renewing is acquiring again); a crashed holder's lease
simply expires. Each call is its own short transaction.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core import clock
from awooop.core.db import Database
from awooop.models import WorkerLease

_EPOCH = datetime(1970, 1, 1, tzinfo=clock.utcnow().tzinfo)


def process_owner() -> str:
    """host:pid:random — unique per process, readable in the table."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def _ensure_row(session: AsyncSession, name: str) -> None:
    table: Table = WorkerLease.__table__  # type: ignore[assignment]
    values = {"name": name, "owner": None, "expires_at": _EPOCH, "acquired_at": None}
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(postgresql.insert(table).values(values).on_conflict_do_nothing(index_elements=["name"]))
    else:
        await session.execute(sqlite.insert(table).values(values).on_conflict_do_nothing(index_elements=["name"]))


async def acquire(db: Database, name: str, owner: str, ttl: timedelta, *, now: datetime | None = None) -> bool:
    """Take or renew lease ``name`` for ``ttl``; True when ``owner`` holds it afterwards."""
    moment = now or clock.utcnow()
    async with db.transaction() as session:
        await _ensure_row(session, name)
        result = await session.execute(
            update(WorkerLease)
            .where(
                WorkerLease.name == name,
                (WorkerLease.owner == owner) | (WorkerLease.expires_at <= moment) | WorkerLease.owner.is_(None),
            )
            .values(owner=owner, expires_at=moment + ttl, acquired_at=moment)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(db: Database, name: str, owner: str) -> None:
    """Give the lease up at once (a clean shutdown), if ``owner`` still holds it."""
    async with db.transaction() as session:
        await session.execute(
            update(WorkerLease)
            .where(WorkerLease.name == name, WorkerLease.owner == owner)
            .values(owner=None, expires_at=_EPOCH)
            .execution_options(synchronize_session=False)
        )


async def holder(db: Database, name: str, *, now: datetime | None = None) -> str | None:
    """The owner of an unexpired lease, or None."""
    moment = now or clock.utcnow()
    async with db.reader() as session:
        lease = await session.get(WorkerLease, name)
        if lease is None or lease.owner is None or lease.expires_at <= moment:
            return None
        return lease.owner
