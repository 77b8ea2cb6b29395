"""How the app wires monitors in (kept here so app.py gains three lines): routers, the evaluator task."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

from awooop.config import Settings
from awooop.core.db import Database
from awooop.monitors import api, opsgenie, ping_api, watchdog
from awooop.monitors.evaluator import run_evaluator


def include(app: FastAPI, settings: Settings, guarded: Sequence[Any]) -> None:
    watchdog.configure(settings)
    app.include_router(ping_api.router, prefix="/api/v1/hub", tags=["monitors"])
    app.include_router(opsgenie.router, prefix="/api/v1/opsgenie", tags=["opsgenie-compatible"])
    app.include_router(api.router, prefix="/api/v1/platform", tags=["monitors"], dependencies=list(guarded))


def start(db: Database, settings: Settings, stop: asyncio.Event) -> asyncio.Task[None] | None:
    """The evaluator runs wherever the notification worker runs (``settings.run_worker``)."""
    if not settings.run_worker:
        return None
    return asyncio.create_task(run_evaluator(db, settings, stop), name="awooop-monitor-evaluator")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=10)
