"""Group commit for intake: concurrent deliveries share one transaction.

Requests authenticate, parse and build their rows first, then ``submit`` them and await their own
future. Flusher tasks take whatever is queued (up to ``intake_batch_max`` deliveries and
``BATCH_MAX_ROWS`` rows), write it with multi-row inserts in ONE transaction, and resolve the
futures only after the commit, so a 202 always means "durably stored". No timer: a batch is
whatever arrived while the previous commit was in flight, so an idle hub answers at once and a
busy one amortises each commit over more deliveries.

Failures: a deadlock or serialization failure (40P01 / 40001: nothing was committed) runs the
batch's transaction again, up to ``CONFLICT_RETRIES`` times, before anyone is answered. A database
that is down or locked fails the whole batch with 503 + Retry-After. Any other failure retries
each delivery of the batch alone, so one bad delivery cannot fail the
others. The queue is bounded; when full, ``submit`` answers 503 at once instead of growing.

The committer owns the hub's per-process state (``state``: hub/state.py — credentials, known
work-item keys, routing's caches) and the rejection recorder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from awooop.config import Settings
from awooop.core.db import Database, is_retryable_error
from awooop.core.metrics import INTAKE_BATCH_SIZE, INTAKE_LATENCY
from awooop.errors import ServiceUnavailable
from awooop.hub.outage import database_unavailable
from awooop.hub.rejections import RejectionRecorder
from awooop.hub.service import RecordedEvent, Row, count_stored, recorded, store_rows
from awooop.hub.sources import CredentialCache
from awooop.hub.state import HubState

log = logging.getLogger(__name__)

# One transaction stays short enough to keep p99 low even when a backlog builds up.
BATCH_MAX_ROWS = 4000
# Rows waiting for a flusher; beyond this the hub sheds load (503) to bound memory and latency.
QUEUE_MAX_ROWS = 20_000
RETRY_AFTER_SECONDS = 1
# A flusher keeps its connection while batches arrive at least this often (see _WriteConnection).
HOLD_IDLE_SECONDS = 5.0
# A request gives up waiting for its commit after this long (503); the rows may still be written
# later, so the sender's retry is then stored as a duplicate: never a loss, at worst a repeat.
COMMIT_WAIT_SECONDS = 10.0
# A transaction chosen as a deadlock victim (or a serialization failure) is run again this often,
# after a short random pause that lets the winner commit first.
CONFLICT_RETRIES = 5
CONFLICT_PAUSE_SECONDS = 0.005
_JITTER = random.Random()  # noqa: S311 - spreads retries, not a secret


def _give_up(future: asyncio.Future[list[RecordedEvent]]) -> None:
    if not future.done():
        future.set_exception(
            ServiceUnavailable(
                f"not committed within {COMMIT_WAIT_SECONDS:.0f}s; retry (a repeat is stored as a duplicate)",
                retry_after=RETRY_AFTER_SECONDS,
            )
        )


class _WriteConnection:
    """A flusher's own connection, kept between batches while they keep coming.

    Checking a connection out of the pool per batch costs a round trip (PostgreSQL pre-ping) and
    a reset on return; a busy flusher skips both. After ``HOLD_IDLE_SECONDS`` without a batch the
    connection goes back to the pool, so the next batch gets a pre-pinged one (a connection that
    died overnight must not cost the first delivery of the morning). After an outage it is dropped.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._connection: AsyncConnection | None = None
        self._last_used = 0.0

    async def session(self) -> AsyncSession:
        now = time.monotonic()
        if self._connection is not None and now - self._last_used > HOLD_IDLE_SECONDS:
            await self.release()
        if self._connection is None:
            self._connection = await self._db.write_engine.connect()
        self._last_used = now
        return AsyncSession(bind=self._connection, expire_on_commit=False, info=self._db.session_info)

    async def release(self, *, broken: bool = False) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            if broken:
                await connection.invalidate()
            await connection.close()


class _NotCommitted(Exception):
    """The batch failed before its COMMIT was sent: nothing of it is stored, a retry is safe."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, ConnectionError)


async def _write_once(rows: list[Row], connection: _WriteConnection, state: HubState) -> None:
    """One transaction; failures before the commit come out as _NotCommitted, the commit's own as is."""
    try:
        session = await connection.session()
    except Exception as exc:
        raise _NotCommitted(exc) from exc
    async with session:
        transaction = await session.begin()
        try:
            await store_rows(session, rows, state.known_keys, state.routing)
        except Exception as exc:
            with contextlib.suppress(Exception):
                await transaction.rollback()
            raise _NotCommitted(exc) from exc
        await transaction.commit()


@dataclass(slots=True)
class _Pending:
    rows: Sequence[Row]
    started: float
    future: asyncio.Future[list[RecordedEvent]]


class IntakeCommitter:
    def __init__(self, db: Database, settings: Settings, *, flushers: int | None = None) -> None:
        self.db = db
        self.settings = settings
        self.state = HubState.for_database(db)
        self.rejections = RejectionRecorder(db)
        # SQLite has one writer; on PostgreSQL a second flusher overlaps one batch's commit with
        # the next batch's inserts.
        self._flusher_count = flushers or (1 if db.is_sqlite else 2)
        self._batch_max = settings.intake_batch_max
        self._queue: deque[_Pending] = deque()
        self._queued_rows = 0
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False

    async def start(self) -> None:
        self._running = True
        self._tasks = [
            asyncio.create_task(self._run(), name=f"awooop-intake-flusher-{index}")
            for index in range(self._flusher_count)
        ]

    async def stop(self) -> None:
        """Refuse new deliveries, write everything already accepted into the queue, then return."""
        self._running = False
        self._wake.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.rejections.drain()
        self.state.close()

    @property
    def credentials(self) -> CredentialCache:
        """The project credentials intake authenticates against (``state.credentials``)."""
        return self.state.credentials

    async def submit(self, rows: Sequence[Row], started: float) -> list[RecordedEvent]:
        """Queue one delivery's rows; returns once they are committed (raises 503 when they cannot be)."""
        if not self._running:
            raise ServiceUnavailable("intake is shutting down; retry", retry_after=RETRY_AFTER_SECONDS)
        if self._queued_rows and self._queued_rows + len(rows) > QUEUE_MAX_ROWS:
            raise ServiceUnavailable("intake is saturated; retry", retry_after=RETRY_AFTER_SECONDS)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[RecordedEvent]] = loop.create_future()
        self._queue.append(_Pending(rows, started, future))
        self._queued_rows += len(rows)
        self._wake.set()
        deadline = loop.call_later(COMMIT_WAIT_SECONDS, _give_up, future)
        try:
            return await future
        finally:
            deadline.cancel()

    async def _run(self) -> None:
        connection = _WriteConnection(self.db)
        try:
            while True:
                if not self._queue:
                    if not self._running:
                        return
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                batch = self._take_batch()
                try:
                    await self._flush(batch, connection)
                except Exception as exc:  # a bug in the flusher itself: fail this batch, keep serving
                    log.exception("intake flusher failed")
                    self._fail(batch, exc)
        finally:
            await connection.release()

    def _take_batch(self) -> list[_Pending]:
        batch = [self._queue.popleft()]
        rows = len(batch[0].rows)
        while self._queue and len(batch) < self._batch_max and rows + len(self._queue[0].rows) <= BATCH_MAX_ROWS:
            pending = self._queue.popleft()
            batch.append(pending)
            rows += len(pending.rows)
        self._queued_rows -= rows
        return batch

    async def _flush(self, batch: list[_Pending], connection: _WriteConnection) -> None:
        INTAKE_BATCH_SIZE.observe(len(batch))
        try:
            await self._write(batch, connection)
        except Exception as exc:
            if database_unavailable(exc):
                await connection.release(broken=True)
            if database_unavailable(exc) or len(batch) == 1:
                self._fail(batch, exc)
                return
            log.warning("intake batch of %d deliveries failed; retrying each alone", len(batch), exc_info=exc)
            for pending in batch:
                try:
                    await self._write([pending], connection)
                except Exception as single:  # noqa: BLE001 - reported to that delivery only
                    if database_unavailable(single):
                        await connection.release(broken=True)
                    self._fail([pending], single)

    async def _write(self, batch: list[_Pending], connection: _WriteConnection) -> None:
        rows = [row for pending in batch for row in pending.rows]
        conflicts = 0
        reconnected = False
        while True:
            try:
                await _write_once(rows, connection, self.state)
                break
            except _NotCommitted as failure:
                if is_retryable_error(failure.cause) and conflicts < CONFLICT_RETRIES:
                    conflicts += 1
                    first_line = str(failure.cause).split("\n", 1)[0]
                    log.info("intake batch hit a write conflict; running it again: %s", first_line)
                    await asyncio.sleep(_JITTER.uniform(0, CONFLICT_PAUSE_SECONDS * 2**conflicts))
                    continue
                if reconnected or not _connection_lost(failure.cause):
                    raise failure.cause from None
                # Nothing was committed and only the connection failed (e.g. a failover while it was
                # held): once more on a fresh, pre-pinged one before anyone is told to retry.
                reconnected = True
                await connection.release(broken=True)
        count_stored(rows)
        now = time.perf_counter()
        for pending in batch:
            INTAKE_LATENCY.observe(now - pending.started)
            if not pending.future.done():  # the request may have been cancelled (client gone)
                pending.future.set_result(recorded(pending.rows))

    def _fail(self, batch: list[_Pending], exc: BaseException) -> None:
        # Conflicts that outlasted CONFLICT_RETRIES stored nothing either: the sender retries (503).
        unavailable = database_unavailable(exc) or is_retryable_error(exc)
        if not unavailable:
            log.error("intake delivery could not be stored", exc_info=exc)
        for pending in batch:
            if pending.future.done():
                continue
            if unavailable:
                error: BaseException = ServiceUnavailable(
                    "database busy or unreachable; retry", retry_after=RETRY_AFTER_SECONDS
                )
                error.__cause__ = exc
                pending.future.set_exception(error)
            else:
                pending.future.set_exception(exc)
