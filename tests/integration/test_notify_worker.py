"""Notification delivery against a local fake Telegram Bot API: exact texts, retries, races, crashes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.models import OutboxMessage
from awooop.notify import outbox
from awooop.notify.messages import render
from awooop.notify.telegram import TelegramSender
from awooop.notify.worker import DeliveryPolicy, backoff_seconds, deliver_due, run_worker
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets
from tests.factories import Factory
from tests.fakes.events import alert, ingest, load_playbooks, rows
from tests.fakes.telegram import FakeTelegram

BOT_TOKEN = "123456:test-bot-token-AAA"
CHAT = "-1001234567890"
FAST = DeliveryPolicy(
    batch_size=5, max_attempts=4, backoff_base_seconds=0.01, backoff_cap_seconds=0.05, poll_seconds=0.01
)


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def worker_settings(settings: Settings, telegram: FakeTelegram) -> Settings:
    return settings.model_copy(update={"telegram_api_base": telegram.base_url})


async def _project(factory: Factory, db: Database, project_id: str = "acme", *, with_bot: bool = True) -> None:
    await factory.project(project_id)
    if with_bot:
        async with db.transaction() as session:
            await projects.set_secrets(
                session, project_id, ProjectSecrets(telegram_bot_token=BOT_TOKEN, telegram_chat_id=CHAT)
            )


async def _pending(db: Database) -> int:
    async with db.reader() as session:
        stmt = select(OutboxMessage.id).where(OutboxMessage.status == outbox.PENDING)
        return len((await session.scalars(stmt)).all())


@contextlib.asynccontextmanager
async def _workers(db: Database, settings: Settings, count: int = 1) -> AsyncIterator[None]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_worker(db, settings, stop, policy=FAST)) for _ in range(count)]
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=15)


async def _drain(db: Database, settings: Settings, count: int = 1) -> None:
    """Run ``count`` workers until nothing is pending (bounded: a hang fails the test, never a skip)."""
    async with _workers(db, settings, count):
        for _ in range(1000):
            if not await _pending(db):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("outbox did not drain")


async def _messages(db: Database) -> list[OutboxMessage]:
    return (await rows(db))[2]


async def test_each_notification_arrives_once_with_the_exact_text(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await load_playbooks(clean_db, "acme")
    await ingest(clean_db, "acme", [alert()])
    await ingest(clean_db, "acme", [alert(stage="heartbeat", fingerprint="hb")])  # never notifies
    await _drain(clean_db, worker_settings)
    incidents, runs, _, _ = await rows(clean_db)
    incident_id, run_id = incidents[0].id, next(r.id for r in runs if r.agent_id == "k8s-remediator")
    (sent,) = telegram.all_requests()
    assert (sent.token, sent.chat_id, sent.parse_mode) == (BOT_TOKEN, CHAT, "HTML")
    assert sent.text == (
        f"🟡 <b>{incident_id} opened</b> · warning · acme\n"
        "<b>KubePodCrashLooping on payments/checkout-api</b>\n"
        "[firing] KubePodCrashLooping warning payments/checkout-api: test\n"
        f"Run <code>{run_id}</code>: rollout-restart by k8s-remediator (playbook restart, queued)\n"
        '<a href="http://prometheus.example/graph?g0.expr=up">source</a>'
    )
    await ingest(clean_db, "acme", [alert(stage="resolved", received_at=utcnow() + timedelta(minutes=5, seconds=3))])
    await _drain(clean_db, worker_settings)
    resolved = telegram.all_requests()[1].text
    assert resolved.startswith(f"✅ <b>{incident_id} resolved</b> after 5m")
    assert resolved.endswith("· acme\n<b>KubePodCrashLooping on payments/checkout-api</b>")
    assert [m.status for m in await _messages(clean_db)] == ["delivered", "delivered"]


async def test_values_are_escaped_for_telegram_html(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await ingest(clean_db, "acme", [alert(alertname='Disk <full> & "hot"', namespace=None, target_resource=None)])
    await _drain(clean_db, worker_settings)
    text = telegram.all_requests()[0].text
    assert "<b>Disk &lt;full&gt; &amp; &quot;hot&quot;</b>" in text
    assert "No playbook matched" in text


def test_huge_values_still_fit_one_telegram_message() -> None:
    payload = {"incident_id": "INC-000001", "title": "<&>" * 2000, "preview": '"' * 9000, "severity": "critical"}
    for kind in ("incident_opened", "approval_wait", "incident_resolved"):
        text = render(kind, "acme", payload)
        assert len(text) <= 4096
        assert text.count("<b>") == text.count("</b>")


async def test_failures_are_retried_with_backoff_until_delivered(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await ingest(clean_db, "acme", [alert()])
    telegram.fail_next(2, status=502, description="Bad Gateway")
    await _drain(clean_db, worker_settings)
    requests = telegram.all_requests()
    assert [r.status for r in requests] == [502, 502, 200]
    assert len({r.text for r in requests}) == 1
    (message,) = await _messages(clean_db)
    assert (message.status, message.attempts, message.last_error, message.locked_until) == ("delivered", 3, None, None)


async def test_a_message_that_keeps_failing_gives_up_without_leaking_the_token(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await ingest(clean_db, "acme", [alert()])
    telegram.fail_next(10, status=500, description=f"boom for bot{BOT_TOKEN}")
    await _drain(clean_db, worker_settings)
    (message,) = await _messages(clean_db)
    assert (message.status, message.attempts) == ("failed", FAST.max_attempts)
    assert message.last_error is not None
    assert "telegram answered 500" in message.last_error
    assert BOT_TOKEN not in message.last_error
    assert telegram.attempts == FAST.max_attempts


async def test_a_refusal_is_final_at_once(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await ingest(clean_db, "acme", [alert()])
    telegram.fail_next(1, status=400, description="Bad Request: chat not found")
    await _drain(clean_db, worker_settings)
    (message,) = await _messages(clean_db)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "chat not found" in (message.last_error or "")


async def test_rate_limit_waits_as_long_as_telegram_asks(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await ingest(clean_db, "acme", [alert()])
    telegram.fail_next(1, status=429, description="Too Many Requests: retry after 30", parameters={"retry_after": 30})
    before = utcnow()
    sender = TelegramSender(worker_settings.telegram_api_base)
    try:
        assert await deliver_due(clean_db, sender, FAST) == 1
    finally:
        await sender.aclose()
    (message,) = await _messages(clean_db)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at >= before + timedelta(seconds=30)


async def test_a_project_without_a_bot_is_skipped_with_the_reason(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db, with_bot=False)
    await ingest(clean_db, "acme", [alert()])
    await _drain(clean_db, worker_settings)
    (message,) = await _messages(clean_db)
    assert message.status == "skipped"
    assert "no Telegram bot token" in (message.last_error or "")
    assert telegram.attempts == 0


async def test_two_racing_workers_deliver_each_message_once(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await ingest(clean_db, "acme", [alert(fingerprint=f"race-{n:02d}") for n in range(30)])
    await _drain(clean_db, worker_settings, count=2)
    texts = [r.text for r in telegram.all_requests()]
    assert len(texts) == 30
    assert len(set(texts)) == 30
    assert {m.status for m in await _messages(clean_db)} == {"delivered"}


async def test_a_crashed_workers_claim_is_delivered_once_after_the_lease(
    clean_db: Database, factory: Factory, telegram: FakeTelegram, worker_settings: Settings
) -> None:
    await _project(factory, clean_db)
    await ingest(clean_db, "acme", [alert()])
    async with clean_db.transaction() as session:
        (crashed,) = await outbox.claim_due(session, limit=10, lease=timedelta(minutes=5))
    async with clean_db.transaction() as session:  # nobody else may take it while the lease holds
        assert await outbox.claim_due(session, limit=10, lease=timedelta(minutes=5)) == []
    async with clean_db.transaction() as session:  # ...five minutes later
        past = utcnow() - timedelta(seconds=1)
        await session.execute(update(OutboxMessage).values(next_attempt_at=past, locked_until=past))
    await _drain(clean_db, worker_settings)
    assert len(telegram.all_requests()) == 1
    async with clean_db.transaction() as session:  # the crashed worker wakes up: its fence is stale
        assert await outbox.mark_delivered(session, crashed) is False
    (message,) = await _messages(clean_db)
    assert (message.status, message.attempts) == ("delivered", 2)


async def test_the_same_notification_is_never_queued_twice(clean_db: Database) -> None:
    message = outbox.NewMessage("acme", "incident_opened", "INC-000042", {"title": "x"})
    for _ in range(2):
        async with clean_db.transaction() as session:
            await outbox.enqueue(session, [message, message])
    (row,) = await _messages(clean_db)
    assert row.dedupe_key == "incident_opened:acme:INC-000042"


async def test_a_queued_key_keeps_its_first_message_across_batches(clean_db: Database) -> None:
    first = outbox.NewMessage("acme", "incident_opened", "INC-000007", {"title": "Disk full", "n": [1, "二"]})
    again = outbox.NewMessage("acme", "incident_opened", "INC-000007", {"title": "changed"})
    other = outbox.NewMessage("acme", "incident_resolved", "INC-000007", {"title": "Disk full"})
    async with clean_db.transaction() as session:
        await outbox.enqueue(session, [first])
    async with clean_db.transaction() as session:
        await outbox.enqueue(session, [again, other])  # the queued key is skipped, the new one goes in
    opened, resolved = await _messages(clean_db)
    assert (opened.dedupe_key, opened.payload) == (
        "incident_opened:acme:INC-000007",
        {"title": "Disk full", "n": [1, "二"]},
    )
    assert resolved.dedupe_key == "incident_resolved:acme:INC-000007"
    assert opened.created_at.tzinfo is not None
    assert opened.created_at < resolved.created_at
    assert (opened.status, opened.attempts, opened.locked_until) == ("pending", 0, None)


async def test_stop_is_answered_while_idle(clean_db: Database, worker_settings: Settings) -> None:
    stop = asyncio.Event()
    slow_poll = DeliveryPolicy(poll_seconds=3600)
    task = asyncio.create_task(run_worker(clean_db, worker_settings, stop, policy=slow_poll))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert task.done()


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = DeliveryPolicy(backoff_base_seconds=2, backoff_cap_seconds=60)
    for attempt, ceiling in ((1, 2), (2, 4), (3, 8), (5, 32), (9, 60)):
        delays = [backoff_seconds(attempt, policy) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
