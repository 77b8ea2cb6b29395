"""Per-monitor metrics on /metrics, and the evaluator as the task the app starts beside the worker."""

from __future__ import annotations

import asyncio
import re

import httpx

from awooop import background
from awooop.config import Settings
from awooop.core.db import Database
from tests.factories import Factory
from tests.monitors.helpers import PLATFORM, Clock, bearer, messages


async def test_metrics_report_last_ping_age_and_state(
    client: httpx.AsyncClient, factory: Factory, clock: Clock
) -> None:
    token = (await factory.project("acme")).intake_token
    admin = await factory.operator_headers()
    for name in ("etl", "never-pinged"):
        made = await client.post(
            f"{PLATFORM}/monitors/acme", json={"name": name, "interval_seconds": 60}, headers=admin
        )
        assert made.status_code == 201
    assert (await client.post("/api/v1/hub/acme/heartbeats/etl/ping", headers=bearer(token))).status_code == 202
    clock.advance(42)
    text = (await client.get("/metrics")).text
    age = re.search(r'awooop_monitor_last_ping_age_seconds\{monitor="etl",project_id="acme"\} (\S+)', text)
    assert age is not None
    assert float(age.group(1)) == 42.0
    assert 'awooop_monitor_state{monitor="etl",project_id="acme",state="up"} 1.0' in text
    assert 'awooop_monitor_state{monitor="etl",project_id="acme",state="expired"} 0.0' in text
    assert 'awooop_monitor_state{monitor="never-pinged",project_id="acme",state="new"} 1.0' in text
    assert 'awooop_monitor_last_ping_age_seconds{monitor="never-pinged"' not in text


async def test_the_background_evaluator_expires_due_monitors_and_stops_when_asked(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, clean_db: Database, settings: Settings
) -> None:
    token = (await factory.project("acme")).intake_token
    admin = await factory.operator_headers()
    body = {"name": "etl", "interval_seconds": 60, "grace_seconds": 0}
    assert (await client.post(f"{PLATFORM}/monitors/acme", json=body, headers=admin)).status_code == 201
    assert (await client.post("/api/v1/hub/acme/heartbeats/etl/ping", headers=bearer(token))).status_code == 202
    clock.advance(61)
    stop = asyncio.Event()
    tasks = background.start(clean_db, settings, stop)
    assert "awooop-monitor-evaluator" in {task.get_name() for task in tasks}
    for _ in range(500):  # the first pass runs at once; wait for its commit, not for a time
        if await messages(clean_db, "monitor_expired"):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await background.wait_stopped(tasks)
    assert all(task.done() for task in tasks)
    assert len(await messages(clean_db, "monitor_expired")) == 1
