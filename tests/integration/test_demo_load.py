"""`awooop demo`: a realistic week in project demo, through the real APIs, loaded once."""

from __future__ import annotations

from datetime import timedelta

import httpx

from awooop.app import create_app
from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.demo.loader import load_demo
from awooop.demo.retime import Timeline
from tests.factories import Factory

PLATFORM = "/api/v1/platform"


async def _all_runs(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        params = {"project_id": "demo", "limit": 200} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{PLATFORM}/runs", params=params, headers=headers)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_demo_week_has_something_on_every_page_and_loads_once(
    settings: Settings, clean_db: Database, client: httpx.AsyncClient, factory: Factory
) -> None:
    started = utcnow()
    summary = await load_demo(settings, create_app)
    assert summary is not None
    assert summary.skipped == []
    headers = await factory.operator_headers(projects_spec="demo")

    runs = await _all_runs(client, headers)
    states = {str(r["state"]) for r in runs}
    assert states == {"queued", "awaiting_approval", "running", "completed", "failed", "cancelled"}
    assert any(r["agent_id"] == "awooop-heartbeat" and r["mode"] == "shadow" for r in runs)
    assert any(r["repair_outcome"] == "verified" for r in runs)
    assert all(str(r["created_at"]) < started.isoformat() for r in runs)

    incidents = (await client.get(f"{PLATFORM}/incidents", params={"limit": 200}, headers=headers)).json()["items"]
    assert {i["status"] for i in incidents} == {"open", "resolved"}

    recurrence = await client.get(
        f"{PLATFORM}/events/dossier/recurrence", params={"project_id": "demo", "limit": 300}, headers=headers
    )
    statuses = {(item["work_item"] or {}).get("status") for item in recurrence.json()["items"]}
    assert {"manual_gate", "failed_repair", "verified_repair", "automation_gap", "open"} <= statuses

    recent = await client.get(f"{PLATFORM}/events/recent", params={"project_id": "demo", "limit": 100}, headers=headers)
    events = recent.json()["events"]
    assert {e["channel_type"] for e in events} == {"alert", "chat"}
    dossier = await client.get(
        f"{PLATFORM}/events/dossier/coverage", params={"project_id": "demo", "limit": 200}, headers=headers
    )
    providers = {p["provider"] for p in dossier.json()["providers"]}
    assert {"alertmanager", "signoz", "grafana", "sentry", "generic"} <= providers
    # The crash-loop alerts carry a leaked connection string: the demo shows redaction at work.
    assert dossier.json()["summary"]["redacted_total"] > 0
    oldest = min(e["received_at"] for e in events)
    assert oldest < (started - timedelta(hours=12)).isoformat()  # the newest 100 already span hours

    again = await load_demo(settings, create_app)
    assert again is None
    assert len(await _all_runs(client, headers)) == len(runs)


def test_the_time_mapping_keeps_order_and_lands_on_the_virtual_times() -> None:
    now = utcnow()
    real = [now, now + timedelta(milliseconds=5), now + timedelta(milliseconds=9)]
    virtual = [now - timedelta(days=6), now - timedelta(days=2), now - timedelta(minutes=3)]
    timeline = Timeline(list(zip(real, virtual, strict=True)))
    assert timeline.virtual(real[1]) == virtual[1]
    assert timeline.virtual(real[1] + timedelta(milliseconds=1)) == virtual[1] + timedelta(milliseconds=1)
    samples = [now + timedelta(milliseconds=m) for m in range(12)]
    mapped = [timeline.virtual(s) or now for s in samples]
    assert mapped == sorted(mapped)
    assert timeline.virtual(None) is None
