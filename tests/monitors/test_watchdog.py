"""An always-firing Watchdog alert keeps its monitor up and opens no incident; its silence does."""

from __future__ import annotations

from typing import Any

import httpx

from awooop.core.db import Database
from awooop.monitors.evaluator import evaluate_once
from tests.factories import Factory
from tests.monitors.helpers import PLATFORM, Clock, bearer, incidents_of, messages


def _alertmanager(alertname: str, fingerprint: str) -> dict[str, Any]:
    alert = {
        "status": "firing",
        "labels": {"alertname": alertname, "severity": "none", "prometheus": "monitoring/k8s"},
        "annotations": {"summary": "An alert that should always be firing to certify that Alertmanager works."},
        "startsAt": "2026-08-20T09:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=vector%281%29",
        "fingerprint": fingerprint,
    }
    return {"receiver": "awooop", "status": "firing", "alerts": [alert], "version": "4", "groupKey": "{}:{}"}


async def test_watchdog_deliveries_keep_the_monitor_up_and_open_no_incident(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, clean_db: Database
) -> None:
    token = (await factory.project("acme")).intake_token
    admin = await factory.operator_headers()
    body = _alertmanager("Watchdog", "e1a2b3c4d5e6f708")
    # Alertmanager repeats the same firing alert: the repeats are duplicates and still count.
    for _ in range(3):
        sent = await client.post("/api/v1/hub/acme/alertmanager", json=body, headers=bearer(token))
        assert sent.status_code == 202, sent.text
    monitor = (await client.get(f"{PLATFORM}/monitors/acme/alertmanager-watchdog", headers=admin)).json()
    assert monitor["kind"] == "watchdog"
    assert monitor["state"] == "up"
    assert monitor["ping_count"] == 3
    incidents = await client.get(f"{PLATFORM}/incidents", params={"project_id": "acme"}, headers=admin)
    assert incidents.json()["items"] == []
    assert await messages(clean_db, "incident_opened") == []
    # Stored as events all the same.
    recent = await client.get(f"{PLATFORM}/events/recent", params={"project_id": "acme"}, headers=admin)
    assert len(recent.json()["events"]) == 3
    assert await evaluate_once(clean_db) == 0

    # Any other alert in the same delivery path still opens its incident.
    other = _alertmanager("KubePodCrashLooping", "0102030405060708")
    assert (await client.post("/api/v1/hub/acme/alertmanager", json=other, headers=bearer(token))).status_code == 202
    incidents = await client.get(f"{PLATFORM}/incidents", params={"project_id": "acme"}, headers=admin)
    assert len(incidents.json()["items"]) == 1

    # The pipeline dies: past interval + grace (defaults 300 + 300 s) the watchdog monitor alerts once.
    clock.advance(700)  # (the hub stamps deliveries with real time, a little after the clock started)
    assert await evaluate_once(clean_db) == 1
    [incident] = await incidents_of(clean_db, "hb:acme:alertmanager-watchdog")
    assert incident.status == "open"
    assert len(await messages(clean_db, "monitor_expired")) == 1
    # It comes back: the next Watchdog delivery resolves it.
    assert (await client.post("/api/v1/hub/acme/alertmanager", json=body, headers=bearer(token))).status_code == 202
    assert [i.status for i in await incidents_of(clean_db, "hb:acme:alertmanager-watchdog")] == ["resolved"]
    assert len(await messages(clean_db, "monitor_recovered")) == 1


async def test_the_watchdog_alertname_is_configurable_and_per_provider(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, app: Any
) -> None:
    from awooop.monitors import watchdog  # noqa: PLC0415 - reconfigured for this test only

    token = (await factory.project("acme")).intake_token
    admin = await factory.operator_headers()
    watchdog.configure(app.state.settings.model_copy(update={"watchdog_alertname": "DeadMansSwitch"}))
    try:
        body = _alertmanager("DeadMansSwitch", "aa00aa00aa00aa00")
        assert (await client.post("/api/v1/hub/acme/signoz", json=body, headers=bearer(token))).status_code == 202
        plain = _alertmanager("Watchdog", "bb00bb00bb00bb00")
        assert (
            await client.post("/api/v1/hub/acme/alertmanager", json=plain, headers=bearer(token))
        ).status_code == 202
    finally:
        watchdog.configure(app.state.settings)
    listed = (await client.get(f"{PLATFORM}/monitors", params={"project_id": "acme"}, headers=admin)).json()
    assert [m["name"] for m in listed["items"]] == ["signoz-watchdog"]
    incidents = (await client.get(f"{PLATFORM}/incidents", params={"project_id": "acme"}, headers=admin)).json()
    assert len(incidents["items"]) == 1  # "Watchdog" is an ordinary alert under another configured name
