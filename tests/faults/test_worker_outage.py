"""The notification worker through a database outage: one log line when it starts, one when it
ends, no traceback per poll, and it delivers again by itself once the database is back."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from awooop.config import Settings
from awooop.core.db import Database
from awooop.models import OutboxMessage
from awooop.notify.worker import DeliveryPolicy, run_worker
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets
from tests.factories import Factory
from tests.fakes.events import alert, ingest
from tests.fakes.telegram import FakeTelegram
from tests.faults.conftest import Fragile

WORKER_LOGGER = "awooop.notify.worker"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def test_the_worker_reports_an_outage_once_and_recovers_by_itself(
    fragile: Fragile, settings: Settings, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database.connect(fragile.url, pool_size=2)
    factory = Factory(database)
    await factory.project("acme")
    async with database.transaction() as session:
        await projects.set_secrets(session, "acme", ProjectSecrets(telegram_bot_token="1:x", telegram_chat_id="-1"))
    worker_settings = settings.model_copy(update={"telegram_api_base": telegram.base_url})
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger=WORKER_LOGGER)
    worker = asyncio.create_task(run_worker(database, worker_settings, stop, policy=DeliveryPolicy(poll_seconds=0.02)))
    try:
        await asyncio.sleep(0.2)
        async with fragile.unavailable(database, reads=False):  # SQLite: every claim finds it locked
            await asyncio.sleep(2.0)  # many poll intervals: each would have logged before
        await ingest(database, "acme", [alert(fingerprint=f"after-{n}") for n in range(3)])
        for _ in range(1000):
            async with database.reader() as session:
                done = Counter((await session.scalars(select(OutboxMessage.status))).all())
            if done == {"delivered": 3}:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=15)
        await database.dispose()
    # Warnings only: each delivery batch is logged at INFO as well.
    records = [r for r in caplog.records if r.name == WORKER_LOGGER and r.levelno >= logging.WARNING]
    assert [r.getMessage().split(";")[0] for r in records] == [
        records[0].getMessage().split(";")[0],  # names the error type
        records[1].getMessage().split(";")[0],
    ]
    assert "database unavailable" in records[0].getMessage()
    assert "reachable again" in records[1].getMessage()
    assert all(r.exc_info is None for r in records)
    assert done == {"delivered": 3}
    assert len(telegram.delivered()) == 3
