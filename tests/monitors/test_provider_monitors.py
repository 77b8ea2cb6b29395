"""Provider freshness as monitors: "no real event from alertmanager for N" and "no successful
synthetic heartbeat for N" expire, notify and recover like any monitor, fed by the evaluator."""

from __future__ import annotations

import httpx
import pytest

from awooop.core.db import Database
from awooop.dossier import heartbeat as dossier_heartbeat
from awooop.hub import service as hub_service
from awooop.monitors.evaluator import evaluate_once
from tests.factories import Factory
from tests.monitors.helpers import PLATFORM, Clock, bearer, incidents_of, messages


@pytest.fixture
def hub_clock(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The hub and the synthetic heartbeat stamp events with the same controlled time."""
    monkeypatch.setattr(hub_service, "utcnow", clock)
    monkeypatch.setattr(dossier_heartbeat, "utcnow", clock)
    return clock


def _alert(fingerprint: str, starts_at: str) -> dict[str, object]:
    alert = {
        "status": "firing",
        "labels": {"alertname": "HighLatency", "severity": "warning"},
        "annotations": {"summary": "p99 high"},
        "startsAt": starts_at,
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }
    return {"receiver": "awooop", "status": "firing", "alerts": [alert], "version": "4"}


async def test_no_real_event_for_the_interval_alerts_and_the_next_event_recovers(
    client: httpx.AsyncClient, factory: Factory, hub_clock: Clock, clean_db: Database
) -> None:
    token = (await factory.project("acme")).intake_token
    admin = await factory.operator_headers()
    spec = {"name": "alertmanager-silent", "kind": "freshness", "provider": "alertmanager", "interval_seconds": 900}
    made = await client.post(f"{PLATFORM}/monitors/acme", json={**spec, "grace_seconds": 0}, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["provider"] == "alertmanager"
    assert await evaluate_once(clean_db) == 0  # the provider never sent: nothing to miss yet
    hub = "/api/v1/hub/acme/alertmanager"
    assert (await client.post(hub, json=_alert("f1", "2026-08-20T09:00:00Z"), headers=bearer(token))).status_code == 202
    assert await evaluate_once(clean_db) == 0
    state = (await client.get(f"{PLATFORM}/monitors/acme/alertmanager-silent", headers=admin)).json()
    assert state["state"] == "up"
    # A synthetic heartbeat is not a real event: it does not keep this monitor up.
    hb = {"project_id": "acme", "providers": ["alertmanager"]}
    hub_clock.advance(600)
    assert (
        await client.post(f"{PLATFORM}/events/dossier/provider-heartbeat", json=hb, headers=admin)
    ).status_code == 200
    hub_clock.advance(301)
    assert await evaluate_once(clean_db) == 1
    [incident] = await incidents_of(clean_db, "hb:acme:alertmanager-silent")
    assert incident.status == "open"
    assert len(await messages(clean_db, "monitor_expired")) == 1
    hub_clock.advance(60)
    assert (await client.post(hub, json=_alert("f2", "2026-08-20T09:30:00Z"), headers=bearer(token))).status_code == 202
    assert await evaluate_once(clean_db) == 0
    assert [i.status for i in await incidents_of(clean_db, "hb:acme:alertmanager-silent")] == ["resolved"]
    assert len(await messages(clean_db, "monitor_recovered")) == 1
    assert await evaluate_once(clean_db) == 0
    assert len(await messages(clean_db, "monitor_recovered")) == 1


async def test_no_successful_synthetic_heartbeat_for_the_interval_alerts(
    client: httpx.AsyncClient, factory: Factory, hub_clock: Clock, clean_db: Database
) -> None:
    await factory.project("acme")
    admin = await factory.operator_headers()
    spec = {"name": "signoz-intake", "kind": "synthetic", "provider": "signoz", "interval_seconds": 300}
    assert (await client.post(f"{PLATFORM}/monitors/acme", json=spec, headers=admin)).status_code == 201
    hb = {"project_id": "acme", "providers": ["signoz"]}
    assert (
        await client.post(f"{PLATFORM}/events/dossier/provider-heartbeat", json=hb, headers=admin)
    ).status_code == 200
    assert await evaluate_once(clean_db) == 0
    hub_clock.advance(300 + 60 + 1)  # interval + the default 60 s grace
    assert await evaluate_once(clean_db) == 1
    assert len(await messages(clean_db, "monitor_expired")) == 1
    hub_clock.advance(1)
    assert (
        await client.post(f"{PLATFORM}/events/dossier/provider-heartbeat", json=hb, headers=admin)
    ).status_code == 200
    assert await evaluate_once(clean_db) == 0
    assert [i.status for i in await incidents_of(clean_db, "hb:acme:signoz-intake")] == ["resolved"]


async def test_provider_monitors_need_a_provider(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    admin = await factory.operator_headers()
    bad = await client.post(
        f"{PLATFORM}/monitors/acme", json={"name": "x", "kind": "freshness", "interval_seconds": 60}, headers=admin
    )
    assert bad.status_code == 422
