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
    (second,) = await ingest(clean_db, "acme", [alert(fingerprint="second")])
    (beta,) = await ingest(clean_db, "beta", [alert("beta", fingerprint="other")])
    # Numbered per project: both projects have an INC-000001.
    assert (firing.incident_id, second.incident_id, beta.incident_id) == ("INC-000001", "INC-000002", "INC-000001")
    headers = await factory.operator_headers()
    ambiguous = await client.get(f"{INCIDENTS}/INC-000001", headers=headers)
    assert ambiguous.status_code == 400
    assert ambiguous.json()["code"] == "bad_request"
    assert "acme" in ambiguous.json()["detail"]
    assert "beta" in ambiguous.json()["detail"]
    response = await client.get(f"{INCIDENTS}/INC-000001", params={"project_id": "acme"}, headers=headers)
    detail = response.json()
    assert (detail["project_id"], detail["title"]) == ("acme", "KubePodCrashLooping on payments/checkout-api")
    assert [r["agent_id"] for r in detail["runs"]] == ["k8s-remediator"]
    assert {e["id"] for e in detail["events"]} == {str(firing.id), str(again.id)}
    # An id only one project has needs no project_id.
    assert (await client.get(f"{INCIDENTS}/INC-000002", headers=headers)).json()["project_id"] == "acme"
    beta_only = await factory.operator_headers(projects_spec="beta")
    own = (await client.get(f"{INCIDENTS}/INC-000001", headers=beta_only)).json()
    assert (own["project_id"], [e["id"] for e in own["events"]]) == ("beta", [str(beta.id)])
    response = await client.get(f"{INCIDENTS}/INC-000002", headers=beta_only)
    assert response.status_code == 404
    assert "INC-000002" in response.json()["detail"]
    named = await client.get(f"{INCIDENTS}/INC-000001", params={"project_id": "acme"}, headers=beta_only)
    assert named.status_code == 403
    listed = (await client.get(INCIDENTS, headers=beta_only)).json()["items"]
    assert [i["project_id"] for i in listed] == ["beta"]
    assert (await client.get(INCIDENTS, params={"project_id": "acme"}, headers=beta_only)).status_code == 403
    assert (await client.get(f"{INCIDENTS}/INC-999999", headers=headers)).status_code == 404
