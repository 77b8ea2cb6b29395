"""Operator incidents API: pages, status filter, scope, detail with runs and events."""

from __future__ import annotations

from datetime import timedelta

import httpx

from awooop.core.clock import utcnow
from awooop.core.db import Database
from tests.factories import Factory
from tests.fakes.events import alert, ingest, load_playbooks

INCIDENTS = "/api/v1/platform/incidents"


async def test_list_newest_first_with_status_filter_and_cursor(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    start = utcnow() - timedelta(hours=1)
    for n in range(5):
        await ingest(clean_db, "acme", [alert(fingerprint=f"fp{n}", received_at=start + timedelta(minutes=n))])
    await ingest(clean_db, "acme", [alert(stage="resolved", fingerprint="fp1", received_at=utcnow())])
    headers = await factory.operator_headers()
    first = (await client.get(INCIDENTS, params={"limit": 2}, headers=headers)).json()
    second = (await client.get(INCIDENTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers)).json()
    third = (await client.get(INCIDENTS, params={"limit": 2, "cursor": second["next_cursor"]}, headers=headers)).json()
    keys = [i["recurrence_key"] for page in (first, second, third) for i in page["items"]]
    assert keys == ["fp:fp4", "fp:fp3", "fp:fp2", "fp:fp1", "fp:fp0"]
    assert third["next_cursor"] is None
    resolved = (await client.get(INCIDENTS, params={"status": "resolved"}, headers=headers)).json()["items"]
    assert [(i["recurrence_key"], i["status"]) for i in resolved] == [("fp:fp1", "resolved")]
    assert resolved[0]["resolved_at"] is not None
    open_ones = (await client.get(INCIDENTS, params={"status": "open"}, headers=headers)).json()["items"]
    assert len(open_ones) == 4
    bad = await client.get(INCIDENTS, params={"status": "closed"}, headers=headers)
    assert bad.status_code == 422


async def test_detail_lists_runs_and_events_and_hides_other_projects(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    await load_playbooks(clean_db, "acme")
    firing, again = await ingest(clean_db, "acme", [alert(), alert()])
    await ingest(clean_db, "beta", [alert("beta", fingerprint="other")])
    headers = await factory.operator_headers()
    detail = (await client.get(f"{INCIDENTS}/{firing.incident_id}", headers=headers)).json()
    assert detail["title"] == "KubePodCrashLooping on payments/checkout-api"
    assert [r["agent_id"] for r in detail["runs"]] == ["k8s-remediator"]
    assert {e["id"] for e in detail["events"]} == {str(firing.id), str(again.id)}
    beta_only = await factory.operator_headers(projects_spec="beta")
    response = await client.get(f"{INCIDENTS}/{firing.incident_id}", headers=beta_only)
    assert response.status_code == 404
    assert firing.incident_id in response.json()["detail"]
    listed = (await client.get(INCIDENTS, headers=beta_only)).json()["items"]
    assert [i["project_id"] for i in listed] == ["beta"]
    assert (await client.get(INCIDENTS, params={"project_id": "acme"}, headers=beta_only)).status_code == 403
    assert (await client.get(f"{INCIDENTS}/INC-999999", headers=headers)).status_code == 404
