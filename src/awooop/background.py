"""The background loops of a worker node, in one list: outbox delivery, monitor expiry, release of
what silences held back, scheduled retention. The API process starts them when ``AWOOOP_RUN_WORKER`` is on, and
``awooop worker`` runs them alone; both go through here, so a new loop is added in one place.
Every loop coordinates through the database only (leases, ``SKIP LOCKED``, conditional updates),
so any number of nodes may run them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from awooop.config import Settings
from awooop.core.db import Database
from awooop.monitors.evaluator import run_evaluator
from awooop.notify.worker import run_worker
from awooop.remediation.release import run_release_worker
from awooop.retention.worker import run_retention_worker

Loop = Callable[[Database, Settings, asyncio.Event], Coroutine[Any, Any, None]]

LOOPS: tuple[tuple[str, Loop], ...] = (
    ("awooop-notifications", run_worker),
    ("awooop-monitor-evaluator", run_evaluator),
    ("awooop-silence-release", run_release_worker),
    ("awooop-retention", run_retention_worker),
)
STOP_TIMEOUT_SECONDS = 10.0


def start(db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(loop(db, settings, stop), name=name) for name, loop in LOOPS]


async def wait_stopped(tasks: list[asyncio.Task[None]]) -> None:
    """After ``stop`` is set: each loop finishes its current step (one send at most)."""
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=STOP_TIMEOUT_SECONDS)


async def run_all(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    await asyncio.gather(*(loop(db, settings, stop) for _, loop in LOOPS))
