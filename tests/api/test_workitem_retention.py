"""Work items stay addressable by id: outside the recurrence window (found through work_item_keys, which
intake writes) and after retention purged every raw event (history, lifetime, a failing
recurrence_active check — never 404). The recurrence endpoint keeps its ``limit`` semantics."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import orjson

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.hub.envelope import work_item_id
from awooop.models import ChannelEvent
from awooop.operators import projects
from awooop.retention import service as retention
from awooop.retention.pacing import Pacing
from tests.factories import Factory
from tests.fakes.events import alert
from tests.retention_data import count, store

TOKEN = "ait_retention-token-3f1a"
BASE = "/api/v1/platform/events/dossier/recurrence"
PREVIEW, DRY_RUN, HANDOFF, HISTORY = (f"{BASE}/work-item/{p}" for p in ("preview", "dry-run", "handoff", "history"))


def _alertmanager(fingerprint: str, starts_at: str) -> bytes:
    alert_body = {
        "status": "firing",
        "labels": {"alertname": "DiskFilling", "severity": "critical", "namespace": "db", "pod": "pg-0"},
        "annotations": {"summary": "disk filling"},
        "startsAt": starts_at,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": fingerprint,
    }
    return orjson.dumps({"receiver": "r", "status": "firing", "alerts": [alert_body], "version": "4"})


def _check(body: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(check for check in body["checks"] if check["id"] == check_id)


async def test_a_work_item_outside_the_window_is_found_by_id(
    client: httpx.AsyncClient, clean_db: Database, factory: Factory
) -> None:
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme", intake_token=TOKEN)
    headers = await factory.operator_headers()
    fingerprint = f"old{uuid.uuid4().hex[:10]}"
    for starts_at in ("2026-08-20T09:00:00Z", "2026-08-20T10:00:00Z"):
        response = await client.post(
            "/api/v1/hub/acme/alertmanager",
            content=_alertmanager(fingerprint, starts_at),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 202
    newer = utcnow() + timedelta(minutes=1)
    await store(clean_db, [alert(fingerprint=f"new{n}", received_at=newer + timedelta(seconds=n)) for n in range(301)])
    item_id = work_item_id("acme", f"fp:{fingerprint}")

    window = (await client.get(BASE, params={"limit": 300}, headers=headers)).json()
    assert window["summary"]["source_event_total"] == 300
    assert all(item["recurrence_key"] != f"fp:{fingerprint}" for item in window["items"])

    preview = await client.get(PREVIEW, params={"work_item_id": item_id}, headers=headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["aged_out"] is False
    assert body["group"]["occurrence_total"] == 2
    assert body["work_item"]["recurrence_key"] == f"fp:{fingerprint}"
    assert _check(body, "recurrence_active")["status"] == "pass"
    assert body["lifetime"]["occurrence_total"] == 2
    dry_run = await client.post(DRY_RUN, json={"work_item_id": item_id}, headers=headers)
    assert dry_run.status_code == 200, dry_run.text


async def test_an_aged_out_work_item_answers_with_history_and_lifetime(
    client: httpx.AsyncClient, clean_db: Database, factory: Factory, settings: Settings
) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    now = utcnow()
    fingerprint = f"aged{uuid.uuid4().hex[:10]}"
    firings = [alert(fingerprint=fingerprint, received_at=now - timedelta(days=40, hours=h)) for h in (3, 2, 1)]
    await store(clean_db, firings)
    item_id = work_item_id("acme", f"fp:{fingerprint}")
    recorded = await client.post(DRY_RUN, json={"work_item_id": item_id}, headers=headers)
    assert recorded.status_code == 200, recorded.text

    report = await retention.run_pass(clean_db, settings, now=now, pacing=Pacing(batch_rows=100, pause_seconds=0))
    assert report.total("raw_events") == 3
    assert await count(clean_db, ChannelEvent) == 0

    preview = await client.get(PREVIEW, params={"work_item_id": item_id}, headers=headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["aged_out"] is True
    assert body["work_item"]["work_item_id"] == item_id
    assert _check(body, "recurrence_active")["status"] == "fail"
    assert _check(body, "work_item_found")["status"] == "pass"
    assert body["outcome"] == "blocked"
    assert body["evidence"] == []
    assert body["lifetime"]["occurrence_total"] == 3
    assert body["lifetime"]["compacted_days"] >= 1
    assert body["lifetime"]["first_seen_at"] is not None

    history = (await client.get(HISTORY, params={"work_item_id": item_id}, headers=headers)).json()
    assert history["total"] == 1
    assert history["records"][0]["id"] == recorded.json()["dry_run_id"]
    assert history["lifetime"]["occurrence_total"] == 3

    dry_run = await client.post(DRY_RUN, json={"work_item_id": item_id}, headers=headers)
    assert dry_run.status_code == 200
    assert "recurrence_active" in dry_run.json()["blocked_by"]
    handoff = await client.post(HANDOFF, json={"work_item_id": item_id}, headers=headers)
    assert handoff.status_code == 200
    assert handoff.json()["based_on_id"] == dry_run.json()["dry_run_id"]

    # Scope still holds: another project's key cannot reach it.
    await factory.project("beta")
    beta_only = await factory.operator_headers(projects_spec="beta")
    missing = await client.get(PREVIEW, params={"work_item_id": item_id}, headers=beta_only)
    assert missing.status_code == 404
