"""Two app instances (each its own engine and committer, PostgreSQL with two flushers each) write
deliveries whose alerts share recurrence keys in every order, opening and resolving incidents:
every delivery is committed (no 5xx, no deadlock reaches a sender) and every event is stored."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.config import Settings
from awooop.core.db import Database
from awooop.hub import committer as committer_module
from awooop.hub.committer import IntakeCommitter
from awooop.hub.providers import parse_delivery
from awooop.hub.service import Row, prepare_rows
from awooop.models import ChannelEvent, Incident
from tests.factories import Factory
from tests.fakes.events import load_playbooks

KEYS = [f"k{n:02d}" for n in range(10)]
SENDERS = 12  # per instance
DELIVERIES = 6  # per sender
ALERTS = 5  # per delivery, distinct keys in random order


def delivery(rng: random.Random, sender: str, number: int) -> list[dict[str, str]]:
    return [
        {
            "title": f"Alert {key}",
            "fingerprint": key,
            "status": rng.choice(("firing", "firing", "resolved")),
            "event_id": f"{sender}-{number}-{key}",
        }
        for key in rng.sample(KEYS, ALERTS)
    ]


async def test_overlapping_keys_from_two_instances_never_fail(
    clean_db: Database, database_url: str, settings: Settings, factory: Factory
) -> None:
    await factory.project("acme")
    await load_playbooks(clean_db, "acme")
    instances = [Database.connect(database_url, pool_size=4) for _ in range(2)]
    hubs = [IntakeCommitter(db, settings) for db in instances]
    for hub in hubs:
        await hub.start()
    outcomes: Counter[str] = Counter()

    async def sender(hub: IntakeCommitter, name: str) -> None:
        rng = random.Random(name)
        for number in range(DELIVERIES):
            items = parse_delivery("generic", {"events": delivery(rng, name, number)}, {})
            rows = prepare_rows(project_id="acme", provider="generic", items=items)
            try:
                await hub.submit(rows, time.perf_counter())
            except Exception as exc:
                outcomes[f"failed: {type(exc).__name__}: {exc}"] += 1
            else:
                outcomes["committed"] += 1

    try:
        await asyncio.gather(
            *(sender(hub, f"i{i}s{s}") for i, hub in enumerate(hubs) for s in range(SENDERS)),
        )
    finally:
        for hub in hubs:
            await hub.stop()
        for db in instances:
            await db.dispose()
    assert outcomes == {"committed": 2 * SENDERS * DELIVERIES}
    async with clean_db.reader() as session:
        stored = await session.scalar(select(func.count()).select_from(ChannelEvent))
        open_per_key = (
            await session.execute(
                select(Incident.recurrence_key, func.count())
                .where(Incident.status == "open")
                .group_by(Incident.recurrence_key)
            )
        ).all()
        opened = await session.scalar(select(func.count()).select_from(Incident))
    assert stored == 2 * SENDERS * DELIVERIES * ALERTS
    assert all(count == 1 for _, count in open_per_key)
    assert (opened or 0) > len(KEYS)  # keys resolved and fired again opened new incidents


class _Deadlock(Exception):
    sqlstate = "40P01"


async def test_a_deadlock_victim_is_written_again_before_the_sender_is_answered(
    clean_db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database picks this batch as a deadlock victim once: the committer runs the transaction
    again and the sender gets its events, stored once (nothing of the failed attempt remains)."""
    original = committer_module.store_rows
    victims: list[int] = []

    async def once_a_victim(session: AsyncSession, rows: Sequence[Row], *state: Any) -> None:
        await original(session, rows, *state)
        if not victims:
            victims.append(len(rows))
            raise DBAPIError("INSERT …", {}, _Deadlock("deadlock detected"))

    monkeypatch.setattr(committer_module, "store_rows", once_a_victim)
    hub = IntakeCommitter(clean_db, settings, flushers=1)
    await hub.start()
    try:
        items = parse_delivery("generic", {"title": "DiskFull", "event_id": "e1", "fingerprint": "k1"}, {})
        (recorded,) = await hub.submit(prepare_rows(project_id="acme", provider="generic", items=items), 0.0)
    finally:
        await hub.stop()
    assert victims == [1]
    assert not recorded.is_duplicate
    async with clean_db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(ChannelEvent)) == 1
        assert await session.scalar(select(func.count()).select_from(Incident)) == 1
