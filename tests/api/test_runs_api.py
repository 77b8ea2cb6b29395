"""Operator runs API: newest-first pages with filters, scope, detail, approve / reject / cancel."""

from __future__ import annotations

import uuid

import httpx

from awooop.core.db import Database
from awooop.runs import service
from awooop.runs.service import HEARTBEAT_AGENT, NewRun
from tests.factories import Factory
from tests.fakes.events import alert, ingest, load_playbooks, seed_runs

RUNS = "/api/v1/platform/runs"


async def _setup(factory: Factory, db: Database, *projects: str) -> None:
    for project_id in projects:
        await factory.project(project_id)
        await load_playbooks(db, project_id)


async def test_pages_walk_every_run_once_newest_first(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    created = await seed_runs(clean_db, "acme", 7)
    headers = await factory.operator_headers()
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(RUNS, params=params, headers=headers)).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [str(r.id) for r in reversed(created)]


async def test_filters_by_state_agent_and_recurrence_key(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    await seed_runs(clean_db, "acme", 2)
    (gated,) = await seed_runs(clean_db, "acme", 1, alertname="GatedLatency", start=10)
    (disk,) = await seed_runs(clean_db, "acme", 1, alertname="DiskFull", start=20)
    headers = await factory.operator_headers()

    async def ids(**params: str) -> list[str]:
        response = await client.get(RUNS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(state="awaiting_approval") == [str(gated.id)]
    assert await ids(agent_id="node-janitor") == [str(disk.id)]
    assert await ids(recurrence_key=disk.recurrence_key or "", project_id="acme") == [str(disk.id)]
    assert len(await ids(state="queued")) == 3
    assert await ids(state="completed") == []


async def test_bad_filters_are_named(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await factory.operator_headers()
    response = await client.get(RUNS, params={"state": "paused"}, headers=headers)
    assert response.status_code == 422
    assert "state" in response.json()["detail"]
    response = await client.get(RUNS, params={"cursor": "not-a-cursor"}, headers=headers)
    assert response.status_code == 400
    assert response.json()["field"] == "cursor"


async def test_a_key_sees_only_its_projects(client: httpx.AsyncClient, factory: Factory, clean_db: Database) -> None:
    await _setup(factory, clean_db, "acme", "beta")
    (acme_run,) = await seed_runs(clean_db, "acme", 1)
    (beta_run,) = await seed_runs(clean_db, "beta", 1)
    beta = await factory.operator_headers(projects_spec="beta")
    items = (await client.get(RUNS, headers=beta)).json()["items"]
    assert [i["id"] for i in items] == [str(beta_run.id)]
    response = await client.get(RUNS, params={"project_id": "acme"}, headers=beta)
    assert response.status_code == 403
    assert "acme" in response.json()["detail"]
    for path in (f"{RUNS}/{acme_run.id}", f"{RUNS}/{acme_run.id}/approve"):
        method = "GET" if path.endswith(str(acme_run.id)) else "POST"
        response = await client.request(method, path, headers=beta)
        assert response.status_code == 404
        assert response.json()["detail"] == "run not found"


async def test_detail_has_history_linked_events_and_incident(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    first, second = await ingest(clean_db, "acme", [alert(), alert()])
    headers = await factory.operator_headers()
    (run,) = (await client.get(RUNS, headers=headers)).json()["items"]
    detail = (await client.get(f"{RUNS}/{run['id']}", headers=headers)).json()
    assert detail["state"] == "queued"
    assert [(t["from_state"], t["to_state"], t["actor"]) for t in detail["transitions"]] == [
        (None, "queued", "awooop-router")
    ]
    assert {e["id"] for e in detail["events"]} == {str(first.id), str(second.id)}
    assert detail["events"][0]["preview"].startswith("[firing] KubePodCrashLooping")
    assert detail["events_truncated"] is False
    assert detail["incident"]["id"] == detail["incident_id"]
    assert detail["incident"]["status"] == "open"
    response = await client.get(f"{RUNS}/00000000-0000-7000-8000-000000000000", headers=headers)
    assert response.status_code == 404


async def test_approve_queues_the_run_and_records_who(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    (run,) = await seed_runs(clean_db, "acme", 1, alertname="GatedLatency")
    headers = await factory.operator_headers()
    response = await client.post(f"{RUNS}/{run.id}/approve", json={"note": "go ahead"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "queued"
    assert body["transitions"][-1] == body["transitions"][-1] | {
        "from_state": "awaiting_approval",
        "to_state": "queued",
        "actor": "alice",
        "note": "go ahead",
    }
    again = await client.post(f"{RUNS}/{run.id}/approve", headers=headers)
    assert again.status_code == 409
    assert again.json()["current_state"] == "queued"
    assert again.json()["code"] == "invalid_transition"
    rejected_late = await client.post(f"{RUNS}/{run.id}/reject", headers=headers)
    assert rejected_late.status_code == 409
    assert "queued" in rejected_late.json()["detail"]


async def test_reject_cancels_and_cancel_withdraws(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    (gated,) = await seed_runs(clean_db, "acme", 1, alertname="GatedLatency")
    (plain,) = await seed_runs(clean_db, "acme", 1, start=5)
    headers = await factory.operator_headers()
    response = await client.post(f"{RUNS}/{gated.id}/reject", headers=headers)
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert response.json()["finished_at"] is not None
    assert response.json()["transitions"][-1]["note"] == "rejected"
    response = await client.post(f"{RUNS}/{plain.id}/cancel", json={"note": "duplicate of INC-1"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    response = await client.post(f"{RUNS}/{plain.id}/cancel", headers=headers)
    assert response.status_code == 409
    assert response.json()["current_state"] == "cancelled"
    assert "final" in response.json()["detail"]


async def test_heartbeat_runs_can_be_left_out_and_pages_stay_full(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    created = []
    for n in range(4):  # heartbeats interleaved with alert runs, newest first in the list
        await ingest(clean_db, "acme", [alert(stage="heartbeat", alertname="Heartbeat", fingerprint=f"hb-{n}")])
        created += await seed_runs(clean_db, "acme", 1, start=n)
    headers = await factory.operator_headers()
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "exclude_agent_id": HEARTBEAT_AGENT} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(RUNS, params=params, headers=headers)).json()
        assert len(body["items"]) == 2  # full pages: the filter is in the query, not after it
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(r.id) for r in reversed(created)]
    everything = (await client.get(RUNS, headers=headers)).json()["items"]
    assert sum(item["agent_id"] == HEARTBEAT_AGENT for item in everything) == 4


async def test_alert_labels_name_each_runs_alert_in_one_call(factory: Factory, clean_db: Database) -> None:
    await _setup(factory, clean_db, "acme", "beta")
    (fired,) = await seed_runs(clean_db, "acme", 1, alertname="HighErrorRate")
    (other,) = await seed_runs(clean_db, "beta", 1)
    async with clean_db.transaction() as session:
        # A run with an incident but no trigger event: the incident's title names it.
        manual = await service.create_run(
            session,
            NewRun(
                project_id="acme",
                agent_id="k8s-remediator",
                mode="live",
                actor="alice",
                at=fired.created_at,
                incident_id=fired.incident_id,
            ),
        )
        bare = await service.create_run(
            session,
            NewRun(project_id="acme", agent_id="k8s-remediator", mode="live", actor="alice", at=fired.created_at),
        )
    async with clean_db.reader() as session:
        labels = await service.run_alert_labels(
            session, [fired.id, other.id, manual.id, bare.id, uuid.uuid4()], projects={"acme"}
        )
        assert await service.run_alert_labels(session, [fired.id], projects=set()) == {}
    assert set(labels) == {fired.id, manual.id}  # beta's run is out of scope; the bare run names no alert
    first = labels[fired.id]
    assert (first.alertname, first.severity, first.namespace, first.target_resource) == (
        "HighErrorRate",
        "warning",
        "payments",
        "checkout-api",
    )
    assert labels[manual.id].alertname is None
    assert labels[manual.id].incident_title == first.incident_title
    assert "HighErrorRate" in (first.incident_title or "")
