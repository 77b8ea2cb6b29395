"""Leases: one holder at a time, renewal by the holder, expiry hands it over; the scheduled retention
pass runs on exactly one of several nodes per interval."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from awooop import leases
from awooop.config import Settings
from awooop.core.db import Database
from awooop.models import ChannelEvent
from awooop.retention import worker
from tests.factories import Factory
from tests.fakes.events import alert
from tests.retention_data import NOW, ago, count, store

TTL = timedelta(minutes=5)


async def test_a_lease_has_one_holder_until_it_expires_or_is_released(clean_db: Database) -> None:
    assert await leases.acquire(clean_db, "job", "node-a", TTL, now=NOW)
    assert not await leases.acquire(clean_db, "job", "node-b", TTL, now=NOW + timedelta(minutes=1))
    assert await leases.acquire(clean_db, "job", "node-a", TTL, now=NOW + timedelta(minutes=4))  # renewal
    assert not await leases.acquire(clean_db, "job", "node-b", TTL, now=NOW + timedelta(minutes=8))
    assert await leases.acquire(clean_db, "job", "node-b", TTL, now=NOW + timedelta(minutes=10))
    assert await leases.holder(clean_db, "job", now=NOW + timedelta(minutes=11)) == "node-b"
    await leases.release(clean_db, "job", "node-b")
    assert await leases.holder(clean_db, "job", now=NOW + timedelta(minutes=11)) is None
    assert await leases.acquire(clean_db, "job", "node-a", TTL, now=NOW + timedelta(minutes=11))


async def test_racing_nodes_take_a_free_lease_exactly_once(clean_db: Database) -> None:
    results = await asyncio.gather(*(leases.acquire(clean_db, "race", f"node-{n}", TTL) for n in range(6)))
    assert sum(results) == 1


async def test_the_scheduled_pass_runs_on_one_node_per_interval(
    clean_db: Database, factory: Factory, settings: Settings
) -> None:
    await factory.project("acme")
    await store(clean_db, [alert(fingerprint=f"old{n}", received_at=ago(400)) for n in range(3)])
    tuned = settings.model_copy(update={"retention_interval_seconds": 3600, "retention_batch_pause_seconds": 0})
    ran = await asyncio.gather(*(worker.run_once_if_due(clean_db, tuned, f"node-{n}") for n in range(3)))
    assert sorted(ran) == [False, False, True]
    assert await count(clean_db, ChannelEvent) == 0
    assert not await worker.run_once_if_due(clean_db, tuned, "node-late")


async def test_the_worker_task_stops_when_asked(clean_db: Database, settings: Settings) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_retention_worker(clean_db, settings, stop, owner="node-a"))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert await leases.holder(clean_db, worker.LEASE_NAME) == "node-a"
