"""Ping → up; a missed deadline → exactly one incident and one notification, even with two
evaluators (two engines, as two nodes) racing; the next ping → resolved and one notification; a
paused monitor never alerts. Time is the controlled clock; the database is real (both engines)."""

from __future__ import annotations

import asyncio
import base64

import httpx
from sqlalchemy import select

from awooop.core.db import Database
from awooop.models import IntakeRejection
from awooop.monitors.evaluator import evaluate_once
from tests.factories import Factory
from tests.monitors.helpers import PLATFORM, Clock, bearer, incidents_of, messages

KEY = "hb:acme:nightly-backup"
PING = "/api/v1/hub/acme/heartbeats/nightly-backup/ping"


async def _setup(client: httpx.AsyncClient, factory: Factory, **extra: object) -> tuple[str, dict[str, str]]:
    token = (await factory.project("acme")).intake_token
    admin = await factory.operator_headers()
    body = {"name": "nightly-backup", "interval_seconds": 600, "grace_seconds": 60, "alert_message": "backup silent"}
    created = await client.post(f"{PLATFORM}/monitors/acme", json={**body, **extra}, headers=admin)
    assert created.status_code == 201, created.text
    return token, admin


async def _state(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, object]:
    answer = await client.get(f"{PLATFORM}/monitors/acme/nightly-backup", headers=admin)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


async def test_a_ping_in_any_token_form_moves_the_monitor_up(
    client: httpx.AsyncClient, factory: Factory, clock: Clock
) -> None:
    token, admin = await _setup(client, factory)
    assert (await _state(client, admin))["state"] == "new"
    first = await client.get(PING, headers=bearer(token))
    assert first.status_code == 202, first.text
    assert first.json() == {"status": "pong", "project_id": "acme", "monitor": "nightly-backup", "state": "up"}
    basic = base64.b64encode(f"cron:{token}".encode()).decode()
    for method, kwargs in (
        ("POST", {"headers": {"Authorization": f"Basic {basic}"}}),
        ("PUT", {"params": {"token": token}}),
        ("PATCH", {"headers": bearer(token), "content": b"ignored body"}),
    ):
        answer = await client.request(method, PING, **kwargs)  # type: ignore[arg-type]
        assert answer.status_code == 202, (method, answer.text)
    state = await _state(client, admin)
    assert state["state"] == "up"
    assert state["ping_count"] == 4
    assert state["last_ping_at"] is not None
    assert state["deadline"] is not None


async def test_pings_are_refused_without_the_token_and_for_unknown_monitors(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, clean_db: Database
) -> None:
    token, admin = await _setup(client, factory)
    assert (await client.post(PING)).status_code == 401
    assert (await client.post(PING, headers=bearer("not-the-token"))).status_code == 401
    unknown = await client.post("/api/v1/hub/acme/heartbeats/no-such-job/ping", headers=bearer(token))
    assert unknown.status_code == 404
    assert unknown.json()["reason"] == "monitor_not_found"
    elsewhere = await client.post("/api/v1/hub/nowhere/heartbeats/nightly-backup/ping", headers=bearer(token))
    assert elsewhere.status_code == 404
    assert (await _state(client, admin))["state"] == "new"
    async with clean_db.reader() as session:
        rows = (await session.scalars(select(IntakeRejection).order_by(IntakeRejection.received_at))).all()
    assert [(r.provider, r.status_code) for r in rows] == [("monitor-ping", s) for s in (401, 401, 404, 404)]
    assert {r.reason for r in rows} >= {"missing_credentials", "bad_credentials", "monitor_not_found"}


async def test_missed_deadline_opens_one_incident_and_one_notification_with_racing_evaluators(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, clean_db: Database, database_url: str
) -> None:
    token, admin = await _setup(client, factory)
    assert (await client.post(PING, headers=bearer(token))).status_code == 202
    clock.advance(600 + 60 - 1)  # a second before interval + grace: still up
    assert await evaluate_once(clean_db) == 0
    assert (await _state(client, admin))["state"] == "up"
    clock.advance(2)  # one second past the deadline
    other_node = Database.connect(database_url, pool_size=2)
    try:
        results = await asyncio.gather(*(evaluate_once(db) for db in (clean_db, other_node, clean_db, other_node)))
    finally:
        await other_node.dispose()
    assert sum(results) == 1
    assert await evaluate_once(clean_db) == 0
    incidents = await incidents_of(clean_db, KEY)
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.status == "open"
    assert "nightly-backup" in incident.title
    assert "backup silent" in incident.title
    expired = await messages(clean_db, "monitor_expired")
    assert len(expired) == 1
    assert expired[0].payload["incident_id"] == incident.id
    state = await _state(client, admin)
    assert state["state"] == "expired"
    assert state["open_incident_id"] == incident.id
    listed = await client.get(f"{PLATFORM}/incidents", params={"project_id": "acme", "status": "open"}, headers=admin)
    assert [i["id"] for i in listed.json()["items"]] == [incident.id]

    # The next ping resolves it: one recovered notification, the monitor is up again.
    clock.advance(30)
    assert (await client.post(PING, headers=bearer(token))).status_code == 202
    assert (await client.post(PING, headers=bearer(token))).status_code == 202
    resolved = await incidents_of(clean_db, KEY)
    assert [(i.id, i.status) for i in resolved] == [(incident.id, "resolved")]
    recovered = await messages(clean_db, "monitor_recovered")
    assert len(recovered) == 1
    assert recovered[0].payload["incident_id"] == incident.id
    state = await _state(client, admin)
    assert state["state"] == "up"
    assert state["open_incident_id"] is None

    # Silent again: a second, separate incident and notification.
    clock.advance(661)
    assert await evaluate_once(clean_db) == 1
    assert len(await incidents_of(clean_db, KEY)) == 2
    assert len(await messages(clean_db, "monitor_expired")) == 2


async def test_a_paused_monitor_never_alerts(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, clean_db: Database
) -> None:
    token, admin = await _setup(client, factory)
    assert (await client.post(PING, headers=bearer(token))).status_code == 202
    paused = await client.post(f"{PLATFORM}/monitors/acme/nightly-backup/pause", headers=admin)
    assert paused.status_code == 200
    assert paused.json()["state"] == "paused"
    for _ in range(3):
        clock.advance(86_400)
        assert await evaluate_once(clean_db) == 0
    # A ping while paused is recorded; the monitor stays paused and still never alerts.
    assert (await client.post(PING, headers=bearer(token))).json()["state"] == "paused"
    clock.advance(86_400)
    assert await evaluate_once(clean_db) == 0
    assert await incidents_of(clean_db, KEY) == []
    assert await messages(clean_db, "monitor_expired") == []
    # Resumed: a fresh interval from now, then it alerts as usual.
    resumed = await client.post(f"{PLATFORM}/monitors/acme/nightly-backup/resume", headers=admin)
    assert resumed.json()["state"] == "up"
    clock.advance(659)
    assert await evaluate_once(clean_db) == 0
    clock.advance(2)
    assert await evaluate_once(clean_db) == 1


async def test_a_monitor_created_disabled_or_never_pinged_does_not_alert(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, clean_db: Database
) -> None:
    await _setup(client, factory)
    clock.advance(10 * 86_400)
    assert await evaluate_once(clean_db) == 0
    assert (await _state(client, {**await factory.operator_headers()}))["state"] == "new"
