"""A controllable clock for the monitors package and small readers of what users would see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.models import Incident, OutboxMessage

PLATFORM = "/api/v1/platform"


@dataclass
class Clock:
    """Stands in for ``awooop.core.clock.utcnow`` (the monitors package reads time only through it)."""

    now: datetime = field(default_factory=lambda: utcnow().replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def incidents_of(db: Database, key: str) -> list[Incident]:
    async with db.reader() as session:
        return list((await session.scalars(select(Incident).where(Incident.recurrence_key == key))).all())


async def messages(db: Database, kind: str) -> list[OutboxMessage]:
    async with db.reader() as session:
        return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))).all())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
