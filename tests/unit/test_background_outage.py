"""Every background loop rides out a database outage the same way: one warning when it starts,
backoff meanwhile, no traceback per poll (docs/operations.md)."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from awooop import background
from awooop.config import Settings
from awooop.core.db import Database
from awooop.core.outage import OutageLog

LOG = logging.getLogger("tests.outage")


def test_an_outage_is_logged_once_and_its_end_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOG.name)
    outage = OutageLog("loop", LOG)
    pauses = [outage.failed(ConnectionRefusedError("refused"), 1.0) for _ in range(7)]
    assert pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]  # doubling, capped
    outage.succeeded()
    outage.succeeded()  # nothing more to say
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("loop: database unavailable (ConnectionRefusedError)")
    assert messages[1].startswith("loop: database reachable again after")
    assert all(r.exc_info is None for r in caplog.records)


def test_a_bug_keeps_its_traceback_and_no_backoff(caplog: pytest.LogCaptureFixture) -> None:
    outage = OutageLog("loop", LOG)
    assert outage.failed(ValueError("a bug"), 1.5) == 1.5
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert caplog.records[0].exc_info is not None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_every_background_loop_reports_a_refused_database_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    refused = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/none"
    database = Database.connect(refused, pool_size=len(background.LOOPS))  # one connection per loop
    fast = settings.model_copy(update={"worker_poll_seconds": 0.01, "retention_interval_seconds": 0.01})
    stop = asyncio.Event()
    tasks = background.start(database, fast, stop)
    try:
        await asyncio.sleep(1.5)  # dozens of polls for the fastest loops
    finally:
        stop.set()
        await background.wait_stopped(tasks)
        await database.dispose()
    warnings = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    loops = sorted(message.split(":", 1)[0] for message in warnings)
    assert loops == ["monitor evaluator", "notification worker", "retention", "silence release"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
