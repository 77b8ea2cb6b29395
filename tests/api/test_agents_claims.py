"""Agent API: claim the oldest queued run, report on it, stay in scope, never double-claim."""

from __future__ import annotations

import asyncio

import httpx

from awooop.core.db import Database
from tests.factories import Factory
from tests.fakes.events import alert, ingest, load_playbooks, seed_runs

AGENTS = "/api/v1/agents"


async def _agent(factory: Factory, agent_id: str = "k8s-remediator", projects: str = "acme") -> dict[str, str]:
    return {"X-AwoooP-Agent-Key": await factory.key(role="agent", operator_id=agent_id, projects_spec=projects)}


async def _setup(factory: Factory, db: Database, *projects: str) -> None:
    for project_id in projects:
        await factory.project(project_id)
        await load_playbooks(db, project_id)


async def test_claim_gives_the_oldest_run_with_its_context_then_204(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    older, newer = await seed_runs(clean_db, "acme", 2)
    headers = await _agent(factory)
    response = await client.post(f"{AGENTS}/k8s-remediator/claim", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["run"]["id"] == str(older.id)
    assert body["run"]["state"] == "running"
    assert body["run"]["started_at"] is not None
    assert body["trigger_event"]["id"] == str(older.trigger_event_id)
    assert body["trigger_event"]["alertname"] == "KubePodCrashLooping"
    assert body["trigger_event"]["source_refs"] == {"alert": {"generator_url": "http://prometheus.example/graph"}}
    assert body["trigger_event"]["log_correlation"] == {"pod": "checkout-api-7d9f8b6c5-x2kqz"}
    assert body["incident"]["id"] == older.incident_id
    assert body["dossier_path"] == f"/api/v1/platform/events/dossier?project_id=acme&run_id={older.id}"
    second = await client.post(f"{AGENTS}/k8s-remediator/claim", headers=headers)
    assert second.json()["run"]["id"] == str(newer.id)
    third = await client.post(f"{AGENTS}/k8s-remediator/claim", headers=headers)
    assert third.status_code == 204
    assert third.content == b""


async def test_runs_waiting_for_approval_or_of_other_agents_are_not_claimed(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    await seed_runs(clean_db, "acme", 1, alertname="GatedLatency")
    await seed_runs(clean_db, "acme", 1, alertname="DiskFull", start=3)
    response = await client.post(f"{AGENTS}/k8s-remediator/claim", headers=await _agent(factory))
    assert response.status_code == 204
    janitor = await client.post(f"{AGENTS}/node-janitor/claim", headers=await _agent(factory, "node-janitor"))
    assert janitor.json()["run"]["action"] == "prune-images"


async def test_an_agent_key_acts_only_as_its_agent_and_in_its_projects(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme", "beta")
    await seed_runs(clean_db, "beta", 1)
    headers = await _agent(factory, projects="acme")
    response = await client.post(f"{AGENTS}/node-janitor/claim", headers=headers)
    assert response.status_code == 403
    assert "'k8s-remediator'" in response.json()["detail"]
    assert (await client.post(f"{AGENTS}/k8s-remediator/claim", headers=headers)).status_code == 204
    operator = {"X-AwoooP-Agent-Key": await factory.key(role="operator")}
    assert (await client.post(f"{AGENTS}/k8s-remediator/claim", headers=operator)).status_code == 403
    assert (await client.post(f"{AGENTS}/k8s-remediator/claim")).status_code == 401
    admin = {"Authorization": f"Bearer {await factory.key(role='admin')}"}
    claimed = await client.post(f"{AGENTS}/k8s-remediator/claim", headers=admin)
    assert claimed.status_code == 200
    assert claimed.json()["run"]["project_id"] == "beta"


async def test_report_finishes_the_run_and_a_second_report_is_409(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    (run,) = await seed_runs(clean_db, "acme", 1)
    headers = await _agent(factory)
    await client.post(f"{AGENTS}/k8s-remediator/claim", headers=headers)
    progress = await client.post(
        f"{AGENTS}/runs/{run.id}/report", json={"state": "running", "note": "restarted, waiting"}, headers=headers
    )
    assert progress.status_code == 200
    assert progress.json()["state"] == "running"
    done = await client.post(
        f"{AGENTS}/runs/{run.id}/report",
        json={"state": "completed", "repair_outcome": "verified", "note": "pods healthy"},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["repair_outcome"]) == ("completed", "verified")
    assert done.json()["finished_at"] is not None
    again = await client.post(f"{AGENTS}/runs/{run.id}/report", json={"state": "failed"}, headers=headers)
    assert again.status_code == 409
    assert again.json()["current_state"] == "completed"
    operator = await factory.operator_headers()
    detail = (await client.get(f"/api/v1/platform/runs/{run.id}", headers=operator)).json()
    assert [(t["to_state"], t["actor"], t["note"]) for t in detail["transitions"]][1:] == [
        ("running", "k8s-remediator", "claimed"),
        ("running", "k8s-remediator", "restarted, waiting"),
        ("completed", "k8s-remediator", "pods healthy"),
    ]


async def test_report_is_checked(client: httpx.AsyncClient, factory: Factory, clean_db: Database) -> None:
    await _setup(factory, clean_db, "acme")
    (run,) = await seed_runs(clean_db, "acme", 1)
    headers = await _agent(factory)
    queued_done = await client.post(f"{AGENTS}/runs/{run.id}/report", json={"state": "completed"}, headers=headers)
    assert queued_done.status_code == 409
    assert queued_done.json()["current_state"] == "queued"
    outcome_without_end = await client.post(
        f"{AGENTS}/runs/{run.id}/report", json={"state": "running", "repair_outcome": "verified"}, headers=headers
    )
    assert outcome_without_end.status_code == 422
    assert "repair_outcome" in outcome_without_end.json()["detail"]
    unknown = await client.post(f"{AGENTS}/runs/{run.id}/report", json={"state": "paused"}, headers=headers)
    assert unknown.status_code == 422
    assert "state" in unknown.json()["detail"]
    other = await client.post(
        f"{AGENTS}/runs/{run.id}/report", json={"state": "running"}, headers=await _agent(factory, "node-janitor")
    )
    assert other.status_code == 403
    assert "k8s-remediator" in other.json()["detail"]
    outside = await client.post(
        f"{AGENTS}/runs/{run.id}/report", json={"state": "running"}, headers=await _agent(factory, projects="beta")
    )
    assert outside.status_code == 404


async def test_concurrent_claims_take_each_run_exactly_once(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _setup(factory, clean_db, "acme")
    await ingest(clean_db, "acme", [alert(fingerprint=f"race-{n}") for n in range(10)])
    headers = await _agent(factory)
    responses = await asyncio.gather(
        *(client.post(f"{AGENTS}/k8s-remediator/claim", headers=headers) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [204] * 10
    claimed = [r.json()["run"]["id"] for r in responses if r.status_code == 200]
    assert len(set(claimed)) == 10
    operator = await factory.operator_headers()
    page = (await client.get("/api/v1/platform/runs", headers=operator)).json()
    assert {item["state"] for item in page["items"]} == {"running"}
    for item in page["items"]:
        detail = (await client.get(f"/api/v1/platform/runs/{item['id']}", headers=operator)).json()
        assert [t["to_state"] for t in detail["transitions"]].count("running") == 1
