"""The outbox sends each notification once, as far as Telegram allows: a crash right after a send
repeats only that one message (its send→commit window), and two workers draining a slow Bot API
never take a message from each other mid-send."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from awooop.config import Settings
from awooop.core.db import Database
from awooop.models import OutboxMessage
from awooop.notify.telegram import SendResult, TelegramSender
from awooop.notify.worker import DeliveryPolicy, run_worker
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets
from tests.factories import Factory
from tests.fakes.events import alert, ingest
from tests.fakes.telegram import FakeTelegram

BOT_TOKEN = "123456:test-bot-token-AAA"
CHAT = "-1001234567890"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def queue_incidents(db: Database, factory: Factory, count: int) -> None:
    await factory.project("acme")
    async with db.transaction() as session:
        await projects.set_secrets(session, "acme", ProjectSecrets(telegram_bot_token=BOT_TOKEN, telegram_chat_id=CHAT))
    await ingest(db, "acme", [alert(fingerprint=f"exact-{n:02d}") for n in range(count)])


async def statuses(db: Database) -> Counter[str]:
    async with db.reader() as session:
        return Counter((await session.scalars(select(OutboxMessage.status))).all())


async def drained(db: Database) -> None:
    for _ in range(2000):  # bounded: a hang fails the test
        if set(await statuses(db)) == {"delivered"}:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"outbox did not drain: {await statuses(db)}")


class CrashAfterSecondSend(TelegramSender):
    """Sends for real, then the process "dies" right after Telegram accepted the second message:
    the worker never gets to record it (its task is cancelled while waiting here)."""

    def __init__(self, api_base: str) -> None:
        super().__init__(api_base)
        self.sent = 0
        self.crashed = asyncio.Event()

    async def send_message(self, *, bot_token: str, chat_id: str, text: str) -> SendResult:
        result = await super().send_message(bot_token=bot_token, chat_id=chat_id, text=text)
        self.sent += 1
        if self.sent == 2:
            self.crashed.set()
            await asyncio.Event().wait()  # never returns: cancelled like a killed process
        return result


async def test_a_crash_right_after_a_send_repeats_only_that_message(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, settings: Settings
) -> None:
    await queue_incidents(clean_db, factory, 6)
    policy = DeliveryPolicy(
        batch_size=5,
        lease=timedelta(seconds=1.5),
        send_timeout=timedelta(seconds=1),
        lease_margin=timedelta(seconds=0.3),
        poll_seconds=0.02,
    )
    worker_settings = settings.model_copy(update={"telegram_api_base": telegram.base_url})
    crashing = CrashAfterSecondSend(telegram.base_url)
    stop = asyncio.Event()
    doomed = asyncio.create_task(run_worker(clean_db, worker_settings, stop, policy=policy, sender=crashing))
    await asyncio.wait_for(crashing.crashed.wait(), timeout=30)
    doomed.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await doomed
    await crashing.aclose()
    survivor = asyncio.create_task(run_worker(clean_db, worker_settings, stop, policy=policy))
    try:
        await drained(clean_db)
    finally:
        stop.set()
        await asyncio.wait_for(survivor, timeout=15)
    sends = Counter(m.text for m in telegram.delivered())
    assert len(sends) == 6  # every message arrived
    assert sorted(sends.values()) == [1, 1, 1, 1, 1, 2]  # only the crashed send→commit gap repeats


async def test_two_workers_on_a_slow_bot_api_send_each_message_once(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, settings: Settings
) -> None:
    """A batch of 10 at 0.5 s per send outlasts the 4 s lease: sending it all on one lease would let
    the other worker claim the tail while it is still being sent."""
    await queue_incidents(clean_db, factory, 12)
    telegram.delay_seconds = 0.5
    policy = DeliveryPolicy(
        batch_size=10,
        lease=timedelta(seconds=4),
        send_timeout=timedelta(seconds=3),
        lease_margin=timedelta(seconds=0.5),
        poll_seconds=0.02,
    )
    worker_settings = settings.model_copy(update={"telegram_api_base": telegram.base_url})
    stop = asyncio.Event()
    workers = [asyncio.create_task(run_worker(clean_db, worker_settings, stop, policy=policy)) for _ in range(2)]
    try:
        await drained(clean_db)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*workers), timeout=30)
    sends = Counter(m.text for m in telegram.all_requests())
    assert len(sends) == 12
    assert set(sends.values()) == {1}
