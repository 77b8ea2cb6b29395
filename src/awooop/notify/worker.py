"""The outbox worker: claim due messages, send them to Telegram, record the outcome.

Each message goes through three short steps, never one long transaction:
1. claim (own transaction, committed): the message is leased to this worker;
2. send (no transaction open);
3. record (own transaction, committed right after the send): delivered, retry later, or final.

A crash between 1 and 3 leaves the lease to expire and the message is sent again: the only
duplicate window is between a successful send and the commit of step 3 (docs/notifications.md).
A batch shares one lease, but each send is bounded (``send_timeout``) and starts only while the
lease still covers it with ``lease_margin`` to spare; the rest of a slow batch is handed back, so
no other worker can claim a message while it is being sent.
Retries back off exponentially with jitter; after ``max_attempts`` a message is ``failed``.

A database outage is logged once when it starts and once when it ends; meanwhile the worker backs
off (up to ``core.outage.BACKOFF_CAP_SECONDS``) and resumes by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import DATABASE_ERRORS, Database, is_unavailable_error
from awooop.core.metrics import NOTIFICATIONS
from awooop.core.outage import OutageLog
from awooop.notify import outbox
from awooop.notify.messages import render
from awooop.notify.outbox import FAILED, SKIPPED, ClaimedMessage
from awooop.notify.telegram import SendResult, TelegramSender

log = logging.getLogger(__name__)
RECORD_RETRIES = (0.1, 0.5, 2.0)  # seconds between the first attempts to record an outcome
_JITTER = random.Random()  # noqa: S311 - spreads retries, not a secret


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    batch_size: int = 10
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    backoff_base_seconds: float = 5.0
    backoff_cap_seconds: float = 900.0
    poll_seconds: float = 1.0
    # One send never takes longer (the HTTP timeouts are per phase; this bounds the whole request).
    send_timeout: timedelta = timedelta(seconds=15)
    # Lease left after a send for recording its outcome (and for clock skew between workers).
    lease_margin: timedelta = timedelta(seconds=5)

    def __post_init__(self) -> None:
        if self.lease <= self.send_timeout + self.lease_margin:
            raise ValueError("the lease must outlast one send plus the margin")

    def can_send(self, message: ClaimedMessage) -> bool:
        """Enough of the lease is left that the send ends (or is abandoned) while it still holds."""
        return utcnow() + self.send_timeout + self.lease_margin <= message.leased_until


def backoff_seconds(attempt: int, policy: DeliveryPolicy, rng: random.Random | None = None) -> float:
    """Exponential in the attempt number, capped, with "equal jitter" (half fixed, half random)."""
    ceiling = min(policy.backoff_cap_seconds, policy.backoff_base_seconds * 2.0 ** max(attempt - 1, 0))
    source: random.Random = rng or _JITTER
    return ceiling / 2 + source.uniform(0, ceiling / 2)


async def _record(db: Database, message: ClaimedMessage, result: SendResult, policy: DeliveryPolicy) -> str:
    async with db.transaction() as session:
        if result.outcome == "sent":
            if not await outbox.mark_delivered(session, message):  # fenced: another worker took over
                log.warning("notification %s was sent after its lease was taken over", message.id)
            return "delivered"
        error = result.error or "unknown error"
        if result.outcome == "permanent" or message.attempt >= policy.max_attempts:
            await outbox.mark_final(session, message, status=FAILED, error=error)
            return "failed"
        delay = max(backoff_seconds(message.attempt, policy), result.retry_after or 0.0)
        await outbox.mark_retry(session, message, error=error, at=utcnow() + timedelta(seconds=delay))
        return "retry"


async def _record_with_retries(
    db: Database, message: ClaimedMessage, result: SendResult, policy: DeliveryPolicy
) -> str:
    """A sent message must be marked at once: every second here widens the duplicate window. While
    the lease holds nobody else can take the message, so recording is worth retrying until then."""
    pauses = iter(RECORD_RETRIES)
    while True:
        try:
            return await _record(db, message, result, policy)
        except DATABASE_ERRORS as exc:
            pause = next(pauses, RECORD_RETRIES[-1])
            if utcnow() + timedelta(seconds=pause) >= message.leased_until:
                raise
            if not is_unavailable_error(exc):  # an outage is reported once, by run_worker
                log.warning("could not record outcome of notification %s; retrying", message.id, exc_info=True)
            await asyncio.sleep(pause)


async def _send(sender: TelegramSender, policy: DeliveryPolicy, token: str, chat_id: str, text: str) -> SendResult:
    try:
        async with asyncio.timeout(policy.send_timeout.total_seconds()):
            return await sender.send_message(bot_token=token, chat_id=chat_id, text=text)
    except TimeoutError:
        return SendResult("retry", f"no answer within {policy.send_timeout.total_seconds():.0f}s")


async def _deliver(
    db: Database,
    sender: TelegramSender,
    policy: DeliveryPolicy,
    message: ClaimedMessage,
    target: tuple[str | None, str | None],
) -> str:
    token, chat_id = target
    if not token or not chat_id:
        async with db.transaction() as session:
            await outbox.mark_final(
                session,
                message,
                status=SKIPPED,
                error=f"project {message.project_id} has no Telegram bot token and chat id "
                "(awooop projects set-secret --telegram-bot-token … --telegram-chat-id …)",
            )
        return "skipped"
    try:
        text = render(message.kind, message.project_id, message.payload)
    except (ValueError, KeyError, TypeError) as exc:
        async with db.transaction() as session:
            await outbox.mark_final(session, message, status=FAILED, error=f"cannot render: {exc}")
        return "failed"
    result = await _send(sender, policy, token, chat_id, text)
    return await _record_with_retries(db, message, result, policy)


async def deliver_due(
    db: Database, sender: TelegramSender, policy: DeliveryPolicy, stop: asyncio.Event | None = None
) -> int:
    """Claim one batch and work through it; returns how many messages were claimed."""
    async with db.transaction() as session:
        claimed = await outbox.claim_due(session, limit=policy.batch_size, lease=policy.lease)
        targets = await outbox.telegram_targets(session, [m.project_id for m in claimed])
    outcomes: Counter[str] = Counter()
    for index, message in enumerate(claimed):
        stopping = stop is not None and stop.is_set()
        if stopping or not policy.can_send(message):
            # Unsent messages go back at once (no attempt spent) rather than being sent so late
            # in the lease that another worker could claim them mid-send.
            async with db.transaction() as session:
                for unsent in claimed[index:]:
                    await outbox.release(session, unsent)
            outcomes["released"] += len(claimed) - index
            break
        result = await _deliver(db, sender, policy, message, targets.get(message.project_id, (None, None)))
        NOTIFICATIONS.labels(message.kind, result).inc()
        outcomes[result] += 1
    if claimed:
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        log.info("notification batch: %d claimed: %s", len(claimed), summary)
    return len(claimed)


async def run_worker(
    db: Database,
    settings: Settings,
    stop: asyncio.Event,
    *,
    policy: DeliveryPolicy | None = None,
    sender: TelegramSender | None = None,
) -> None:
    """Deliver until ``stop`` is set; answers it within one send (at most the HTTP timeout)."""
    policy = policy or DeliveryPolicy(poll_seconds=settings.worker_poll_seconds)
    active = sender or TelegramSender(settings.telegram_api_base)
    outage = OutageLog("notification worker", log)
    try:
        while not stop.is_set():
            pause = policy.poll_seconds
            try:
                claimed = await deliver_due(db, active, policy, stop)
            except Exception as exc:  # noqa: BLE001 - the loop outlives any round; OutageLog logs it
                claimed = 0
                pause = outage.failed(exc, policy.poll_seconds)
            else:
                outage.succeeded()
            if claimed < policy.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
    finally:
        if sender is None:
            await active.aclose()
