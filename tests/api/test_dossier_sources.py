"""GET /events/dossier and /events/dossier/coverage: source envelopes, summaries, scope."""

from __future__ import annotations

import uuid

import httpx

from awooop.core.db import Database
from awooop.core.ids import uuid7
from tests.api.dossier_data import (
    am_alert,
    am_body,
    generic_body,
    insert_legacy,
    link_to_run,
    minutes_ago,
    record,
    telegram_body,
)
from tests.factories import Factory

DOSSIER = "/api/v1/platform/events/dossier"
COVERAGE = "/api/v1/platform/events/dossier/coverage"
SECRET_URL = "https://grafana.example.com/d/abc?api_key=AKIAIOSFODNN7EXAMPLE"


async def _crash_loop_with_duplicate(db: Database) -> tuple[list[uuid.UUID], str]:
    """An Alertmanager alert delivered twice (original + duplicate), linked to one run."""
    alert = am_alert(
        "KubePodCrashLooping",
        fingerprint="b4b99d28110359b4",
        labels={"pod": "checkout-api-7d9f8b6c5-x2kqz", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
        annotations={"runbook_url": "https://runbooks.example.com/crashloop", "dashboard": SECRET_URL},
    )
    first = await record(db, "acme", "alertmanager", am_body(alert), received_at=minutes_ago(10))
    repeat = await record(db, "acme", "alertmanager", am_body(alert), received_at=minutes_ago(9))
    return [first[0].event_id, repeat[0].event_id], first[0].provider_event_id


async def test_dossier_of_a_run_lists_its_events_with_envelopes(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    event_ids, provider_event_id = await _crash_loop_with_duplicate(clean_db)
    await record(clean_db, "acme", "generic", generic_body("unrelated"), received_at=minutes_ago(1))
    run_id = uuid7()
    await link_to_run(clean_db, event_ids, run_id)
    response = await client.get(DOSSIER, params={"run_id": str(run_id)}, headers=await factory.operator_headers())
    assert response.status_code == 200
    body = response.json()
    assert [e["event_id"] for e in body["events"]] == [str(event_ids[1]), str(event_ids[0])]
    assert [e["is_duplicate"] for e in body["events"]] == [True, False]
    original = body["events"][1]
    assert original["provider"] == "alertmanager"
    assert original["stage"] == "firing"
    assert original["provider_event_id"] == provider_event_id
    assert original["alertname"] == "KubePodCrashLooping"
    assert original["fingerprint"] == "b4b99d28110359b4"
    assert original["source_refs"]["alert"]["runbook_url"] == "https://runbooks.example.com/crashloop"
    assert original["source_ref_count"] == sum(len(group) for group in original["source_refs"].values())
    assert original["log_correlation"]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert original["has_redacted_content"] is True
    assert "AKIAIOSFODNN7EXAMPLE" not in original["content_redacted"]
    assert len(original["content_sha256"]) == 64
    assert body["summary"] == {
        "source_count": 2,
        "duplicate_total": 1,
        "redacted_total": 2,
        "source_ref_total": 2 * original["source_ref_count"],
    }
    assert (body["total"], body["limit"]) == (2, 20)


async def test_dossier_by_exact_provider_event_id(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    _, provider_event_id = await _crash_loop_with_duplicate(clean_db)
    await record(clean_db, "acme", "generic", generic_body(provider_event_id + "-later"), received_at=minutes_ago(1))
    headers = await factory.operator_headers()
    body = (await client.get(DOSSIER, params={"provider_event_id": provider_event_id}, headers=headers)).json()
    assert [e["provider_event_id"] for e in body["events"]] == [provider_event_id] * 2
    assert body["summary"]["duplicate_total"] == 1
    prefix_only = provider_event_id[:10]
    assert (await client.get(DOSSIER, params={"provider_event_id": prefix_only}, headers=headers)).json()[
        "events"
    ] == []


async def test_dossier_run_and_provider_event_id_combine(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    event_ids, _ = await _crash_loop_with_duplicate(clean_db)
    other = await record(clean_db, "acme", "generic", generic_body("other"), received_at=minutes_ago(1))
    run_id = uuid7()
    await link_to_run(clean_db, [*event_ids, other[0].event_id], run_id)
    headers = await factory.operator_headers()
    params = {"run_id": str(run_id), "provider_event_id": "other"}
    body = (await client.get(DOSSIER, params=params, headers=headers)).json()
    assert [e["event_id"] for e in body["events"]] == [str(other[0].event_id)]


async def test_dossier_without_filters_is_the_newest_events_and_limit_bounds(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    for index in range(3):
        await record(clean_db, "acme", "generic", generic_body(f"e{index}"), received_at=minutes_ago(10 - index))
    headers = await factory.operator_headers()
    body = (await client.get(DOSSIER, params={"limit": 2}, headers=headers)).json()
    assert [e["provider_event_id"] for e in body["events"]] == ["e2", "e1"]
    assert body["summary"]["source_count"] == 2
    assert (await client.get(DOSSIER, params={"limit": 50}, headers=headers)).status_code == 200
    for bad in (0, 51):
        response = await client.get(DOSSIER, params={"limit": bad}, headers=headers)
        assert response.status_code == 422, bad
        assert "limit" in response.json()["detail"]
    bad_run = await client.get(DOSSIER, params={"run_id": "run-1"}, headers=headers)
    assert bad_run.status_code == 422
    assert "run_id" in bad_run.json()["detail"]


async def test_dossier_respects_project_scope(client: httpx.AsyncClient, factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    await factory.project("beta")
    event_ids, provider_event_id = await _crash_loop_with_duplicate(clean_db)
    beta = await record(clean_db, "beta", "generic", generic_body(provider_event_id), received_at=minutes_ago(1))
    run_id = uuid7()
    await link_to_run(clean_db, [*event_ids, beta[0].event_id], run_id)
    beta_only = await factory.operator_headers(projects_spec="beta")
    for params in ({"run_id": str(run_id)}, {"provider_event_id": provider_event_id}, {}):
        body = (await client.get(DOSSIER, params=params, headers=beta_only)).json()
        assert [e["event_id"] for e in body["events"]] == [str(beta[0].event_id)], params
    response = await client.get(DOSSIER, params={"project_id": "acme"}, headers=beta_only)
    assert response.status_code == 403


async def test_coverage_counts_envelopes_refs_and_providers(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    await _crash_loop_with_duplicate(clean_db)
    await record(
        clean_db,
        "acme",
        "generic",
        generic_body("g1", source_url="https://ci.example.com/job/1"),
        received_at=minutes_ago(8),
    )
    await record(clean_db, "acme", "generic", generic_body("g2"), received_at=minutes_ago(7))
    await insert_legacy(clean_db, "acme", "legacy-1", received_at=minutes_ago(6), provider="sentry")
    await record(clean_db, "acme", "telegram", telegram_body(5), received_at=minutes_ago(1))  # chat: not counted
    response = await client.get(COVERAGE, params={"project_id": "acme"}, headers=await factory.operator_headers())
    assert response.status_code == 200
    body = response.json()
    assert body["project_id"] == "acme"
    assert body["limit"] == 100
    summary = body["summary"]
    assert summary["source_count"] == 5
    assert summary["source_envelope_total"] == 4
    assert summary["missing_source_envelope_total"] == 1
    assert summary["with_source_refs_total"] == 3
    assert summary["missing_source_refs_total"] == 2
    assert summary["duplicate_total"] == 1
    assert summary["redacted_total"] == 2
    assert summary["alert_ref_total"] == 3
    assert (summary["sentry_ref_total"], summary["signoz_ref_total"]) == (0, 0)
    providers = {p["provider"]: p for p in body["providers"]}
    assert list(providers) == ["alertmanager", "generic", "sentry"]
    assert providers["alertmanager"]["total"] == 2
    assert providers["alertmanager"]["duplicate_total"] == 1
    assert providers["generic"]["missing_source_refs_total"] == 1
    assert providers["sentry"]["missing_source_refs_total"] == 1
    assert providers["sentry"]["latest_received_at"] == summary["latest_received_at"] == "2026-08-20T11:54:00Z"
    assert providers["generic"]["latest_received_at"] == "2026-08-20T11:53:00Z"


async def test_coverage_of_one_provider_and_limit(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    await _crash_loop_with_duplicate(clean_db)
    await record(clean_db, "acme", "generic", generic_body("g1"), received_at=minutes_ago(1))
    headers = await factory.operator_headers()
    body = (await client.get(COVERAGE, params={"provider": "alertmanager"}, headers=headers)).json()
    assert body["project_id"] == "*"
    assert [p["provider"] for p in body["providers"]] == ["alertmanager"]
    assert body["summary"]["source_count"] == 2
    newest_one = (await client.get(COVERAGE, params={"limit": 1}, headers=headers)).json()
    assert [p["provider"] for p in newest_one["providers"]] == ["generic"]
    assert (await client.get(COVERAGE, params={"limit": 200}, headers=headers)).status_code == 200
    for bad in (0, 201):
        assert (await client.get(COVERAGE, params={"limit": bad}, headers=headers)).status_code == 422
    unknown = await client.get(COVERAGE, params={"provider": "telegram"}, headers=headers)
    assert unknown.status_code == 422
    assert "provider must be an alert provider" in unknown.json()["detail"]


async def test_coverage_with_nothing_stored_is_all_zero(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    body = (await client.get(COVERAGE, headers=await factory.operator_headers())).json()
    assert body["providers"] == []
    assert body["summary"]["source_count"] == 0
    assert body["summary"]["latest_received_at"] is None


async def test_coverage_scope(client: httpx.AsyncClient, factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    await factory.project("beta")
    await _crash_loop_with_duplicate(clean_db)
    await record(clean_db, "beta", "generic", generic_body("b1"), received_at=minutes_ago(1))
    beta_only = await factory.operator_headers(projects_spec="beta")
    for params in ({}, {"provider": "alertmanager"}):
        body = (await client.get(COVERAGE, params=params, headers=beta_only)).json()
        assert body["project_id"] == "*"
        assert all(p["provider"] == "generic" for p in body["providers"]), params
    assert (await client.get(COVERAGE, params={"project_id": "acme"}, headers=beta_only)).status_code == 403
