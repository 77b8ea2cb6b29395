"""Dedup through the real app: sequential repeats, repeats inside one delivery, concurrent identical
deliveries; one transaction per delivery; heartbeats that arrive over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, select

from awooop.core.db import Database
from awooop.hub.providers.heartbeat import build_heartbeat_delivery
from awooop.models import ChannelEvent
from awooop.operators import projects

TOKEN = "ait_test-token-77c2"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AM = "/api/v1/hub/acme/alertmanager"


@pytest.fixture
async def acme(clean_db: Database) -> str:
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme", intake_token=TOKEN)
    return "acme"


async def stored(db: Database) -> dict[uuid.UUID, ChannelEvent]:
    async with db.reader() as session:
        return {row.id: row for row in await session.scalars(select(ChannelEvent))}


def alerts_body(count: int, *, prefix: str = "fp") -> bytes:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "QueueBacklog", "severity": "warning", "namespace": "jobs", "pod": f"w-{i}"},
            "annotations": {"summary": f"backlog on w-{i}"},
            "startsAt": "2026-08-20T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": f"{prefix}{i:06d}",
        }
        for i in range(count)
    ]
    return orjson.dumps({"receiver": "r", "status": "firing", "alerts": alerts, "version": "4", "groupKey": "{}:{}"})


@pytest.mark.usefixtures("acme")
async def test_sequential_repeat_is_a_duplicate_of_the_original(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    raw = (fixtures_dir / "alertmanager_firing_single.json").read_bytes()
    first = (await client.post(AM, content=raw, headers=AUTH)).json()["events"]
    second = (await client.post(AM, content=raw, headers=AUTH)).json()["events"]
    assert [e["is_duplicate"] for e in first + second] == [False, True]
    assert first[0]["provider_event_id"] == second[0]["provider_event_id"]
    assert first[0]["event_id"] != second[0]["event_id"]  # a repeat is a new event
    rows = await stored(clean_db)
    duplicate = rows[uuid.UUID(second[0]["event_id"])]
    assert duplicate.is_duplicate is True
    assert duplicate.duplicate_of == uuid.UUID(first[0]["event_id"])
    original = rows[uuid.UUID(first[0]["event_id"])]
    assert (original.is_duplicate, original.duplicate_of) == (False, None)


@pytest.mark.usefixtures("acme")
async def test_repeat_inside_one_delivery_is_a_duplicate(client: httpx.AsyncClient, clean_db: Database) -> None:
    body = orjson.loads(alerts_body(2))
    body["alerts"].append(body["alerts"][0])  # Alertmanager HA peers can merge like this
    response = await client.post(AM, content=orjson.dumps(body), headers=AUTH)
    assert response.status_code == 202
    answered = response.json()["events"]
    assert [e["is_duplicate"] for e in answered] == [False, False, True]
    assert answered[2]["provider_event_id"] == answered[0]["provider_event_id"]
    rows = await stored(clean_db)
    assert rows[uuid.UUID(answered[2]["event_id"])].duplicate_of == uuid.UUID(answered[0]["event_id"])


@pytest.mark.usefixtures("acme")
async def test_concurrent_identical_deliveries_yield_exactly_one_original(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    raw = (fixtures_dir / "alertmanager_group_mixed_5.json").read_bytes()
    responses = await asyncio.gather(*(client.post(AM, content=raw, headers=AUTH) for _ in range(20)))
    assert {r.status_code for r in responses} == {202}
    rows = list((await stored(clean_db)).values())
    assert len(rows) == 20 * 5
    originals = {r.provider_event_id: r.id for r in rows if not r.is_duplicate}
    assert len(originals) == 5  # one per alert, whatever the interleaving
    for row in rows:
        if row.is_duplicate:
            assert row.duplicate_of == originals[row.provider_event_id]
    answered = [e for r in responses for e in r.json()["events"]]
    assert sum(not e["is_duplicate"] for e in answered) == 5


@pytest.mark.usefixtures("acme")
async def test_same_event_in_two_projects_is_two_originals(client: httpx.AsyncClient, clean_db: Database) -> None:
    async with clean_db.transaction() as session:
        await projects.create_project(session, "beta", intake_token=TOKEN)
    raw = alerts_body(1)
    a = await client.post(AM, content=raw, headers=AUTH)
    b = await client.post("/api/v1/hub/beta/alertmanager", content=raw, headers=AUTH)
    assert [a.json()["events"][0]["is_duplicate"], b.json()["events"][0]["is_duplicate"]] == [False, False]


@pytest.fixture
def statements(clean_db: Database) -> Iterator[list[str]]:
    """SQL statements and COMMITs issued on the write engine while the test runs."""
    seen: list[str] = []
    engine = clean_db.write_engine.sync_engine

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()[:3]))

    def on_commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    yield seen
    event.remove(engine, "before_cursor_execute", on_execute)
    event.remove(engine, "commit", on_commit)


@pytest.mark.usefixtures("acme")
async def test_hundred_alert_delivery_is_one_transaction_and_one_insert(
    client: httpx.AsyncClient, clean_db: Database, statements: list[str]
) -> None:
    response = await client.post(AM, content=alerts_body(100), headers=AUTH)
    assert response.status_code == 202
    assert len(response.json()["events"]) == 100
    assert statements.count("COMMIT") == 1
    # Events go in with one multi-row INSERT (routing adds its own rows to other tables).
    assert statements.count("INSERT INTO channel_events") == 1
    assert len(await stored(clean_db)) == 100


@pytest.mark.usefixtures("acme")
async def test_stored_events_are_counted(client: httpx.AsyncClient) -> None:
    def count(duplicate: str) -> float:
        labels = {"project_id": "acme", "provider": "alertmanager", "duplicate": duplicate}
        return REGISTRY.get_sample_value("awooop_intake_events_total", labels) or 0.0

    batches = REGISTRY.get_sample_value("awooop_intake_batch_deliveries_count") or 0.0
    before = count("false"), count("true")
    raw = alerts_body(3, prefix="metric")
    await client.post(AM, content=raw, headers=AUTH)
    await client.post(AM, content=raw, headers=AUTH)
    assert (count("false"), count("true")) == (before[0] + 3, before[1] + 3)
    assert (REGISTRY.get_sample_value("awooop_intake_batch_deliveries_count") or 0.0) >= batches + 2


@pytest.mark.usefixtures("acme")
async def test_heartbeat_over_http_is_recorded_as_heartbeat(client: httpx.AsyncClient, clean_db: Database) -> None:
    """A synthetic heartbeat posted through the real route (end-to-end check) never pages anyone."""
    now = datetime.now(UTC)
    raw, headers = build_heartbeat_delivery(
        "alertmanager",
        project_id="acme",
        reason="e2e",
        run_ref=None,
        operator_id="cron",
        auth_method="operator_key",
        now=now,
    )
    before = now.strftime("heartbeat-%Y%m%dT%H%M%SZ")
    response = await client.post(AM, content=raw, headers={**headers, **AUTH})
    assert response.status_code == 202, response.text
    (row,) = (await stored(clean_db)).values()
    assert row.stage == "heartbeat"
    assert row.provider_event_id.startswith("heartbeat-")
    assert row.provider_event_id >= before
    assert row.incident_id is None
