"""Outbox worker (placeholder: the remediation-loop issue fills it in)."""

from __future__ import annotations

import asyncio

from awooop.config import Settings
from awooop.core.db import Database


async def run_worker(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    await stop.wait()
