"""GET /events/dossier/freshness and the provider gauges on /metrics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from awooop.cli.heartbeat import LocalOperator
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.dossier.service import fetch_provider_freshness, record_provider_heartbeats
from tests.api.dossier_data import NOW, am_alert, am_body, record, telegram_body
from tests.factories import Factory

FRESHNESS = "/api/v1/platform/events/dossier/freshness"
HEARTBEAT = "/api/v1/platform/events/dossier/provider-heartbeat"


async def _heartbeat(db: Database, project_id: str, provider: str, minutes_before: float) -> None:
    async with db.transaction() as session:
        await record_provider_heartbeats(
            session,
            project_id=project_id,
            providers=[provider],
            reason="test",
            run_ref=None,
            operator=LocalOperator("cli:test"),
            now=utcnow() - timedelta(minutes=minutes_before),
        )


async def _acme(db: Database, factory: Factory) -> None:
    """alertmanager: real 5 min ago; sentry: heartbeat only; signoz: real 30 min ago and a heartbeat
    2 min ago; telegram: a chat message; grafana and generic: nothing."""
    await factory.project("acme")
    now = utcnow()
    alert = am_body(am_alert("HighErrorRate", fingerprint="aa11"))
    await record(db, "acme", "alertmanager", alert, received_at=now - timedelta(minutes=5))
    await record(db, "acme", "signoz", alert, received_at=now - timedelta(minutes=30))
    await record(db, "acme", "telegram", telegram_body(9), received_at=now - timedelta(minutes=1))
    await _heartbeat(db, "acme", "sentry", 3)
    await _heartbeat(db, "acme", "signoz", 2)


def _by_provider(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["provider"]: item for item in body["items"]}


async def test_freshness_reports_real_events_and_heartbeats_separately(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _acme(clean_db, factory)
    response = await client.get(FRESHNESS, params={"project_id": "acme"}, headers=await factory.operator_headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["project_id"] == "acme"
    assert body["limit_seconds"] == 900
    items = _by_provider(body)
    assert list(items) == ["alertmanager", "signoz", "grafana", "sentry", "generic", "telegram"]
    statuses = {name: (item["status"], item["pipeline_status"]) for name, item in items.items()}
    assert statuses == {
        "alertmanager": ("fresh", "fresh"),  # a real event proves the intake path too
        "signoz": ("stale", "fresh"),  # the source went quiet, the intake path still works
        "grafana": ("never", "never"),
        "sentry": ("never", "fresh"),  # a heartbeat never makes the source fresh
        "generic": ("never", "never"),
        "telegram": ("fresh", "fresh"),
    }
    assert items["telegram"]["channel_type"] == "chat"
    assert items["sentry"]["last_event_at"] is None
    assert items["sentry"]["last_event_age_seconds"] is None
    assert 170 <= items["sentry"]["last_heartbeat_age_seconds"] < 900
    assert 1790 <= items["signoz"]["last_event_age_seconds"] < 3600
    assert body["summary"] == {
        "project_total": 1,
        "provider_total": 6,
        "fresh_total": 2,
        "stale_total": 1,
        "never_total": 3,
        "pipeline_fresh_total": 4,
        "pipeline_stale_total": 0,
        "pipeline_never_total": 2,
    }


async def test_freshness_limit_can_be_overridden(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _acme(clean_db, factory)
    headers = await factory.operator_headers()
    body = (await client.get(FRESHNESS, params={"limit_seconds": 60}, headers=headers)).json()
    assert body["limit_seconds"] == 60
    assert _by_provider(body)["alertmanager"]["status"] == "stale"
    assert (await client.get(FRESHNESS, params={"limit_seconds": 9}, headers=headers)).status_code == 422


async def test_freshness_lists_only_projects_in_scope(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _acme(clean_db, factory)
    await factory.project("beta")
    beta_only = await factory.operator_headers(projects_spec="beta,gamma")
    body = (await client.get(FRESHNESS, headers=beta_only)).json()
    assert body["project_id"] == "*"
    assert {item["project_id"] for item in body["items"]} == {"beta"}
    assert body["summary"]["project_total"] == 1  # gamma does not exist (yet)
    assert (await client.get(FRESHNESS, params={"project_id": "acme"}, headers=beta_only)).status_code == 403
    everyone = await factory.operator_headers()
    missing = await client.get(FRESHNESS, params={"project_id": "nope"}, headers=everyone)
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]


async def test_status_moves_from_fresh_to_stale_and_never_is_never(factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    await record(clean_db, "acme", "generic", {"event_id": "e1", "title": "Disk full"}, received_at=NOW)
    async with clean_db.reader() as session:
        at_once = (await fetch_provider_freshness(session, projects=("acme",), limit_seconds=600, now=NOW)).model_dump()
        edge = (
            await fetch_provider_freshness(
                session, projects=("acme",), limit_seconds=600, now=NOW + timedelta(seconds=600)
            )
        ).model_dump()
        later = (
            await fetch_provider_freshness(
                session, projects=("acme",), limit_seconds=600, now=NOW + timedelta(seconds=601)
            )
        ).model_dump()
    assert _by_provider(at_once)["generic"]["status"] == "fresh"
    assert _by_provider(at_once)["generic"]["last_event_age_seconds"] == 0
    assert _by_provider(edge)["generic"]["status"] == "fresh"
    assert _by_provider(later)["generic"]["status"] == "stale"
    assert _by_provider(later)["generic"]["last_event_age_seconds"] == 601
    assert _by_provider(later)["grafana"]["status"] == "never"


async def test_heartbeat_through_the_api_makes_the_pipeline_fresh(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    before = _by_provider((await client.get(FRESHNESS, headers=headers)).json())
    assert before["grafana"]["pipeline_status"] == "never"
    posted = await client.post(HEARTBEAT, json={"project_id": "acme", "providers": ["grafana"]}, headers=headers)
    assert posted.status_code == 200
    after = _by_provider((await client.get(FRESHNESS, headers=headers)).json())
    assert (after["grafana"]["status"], after["grafana"]["pipeline_status"]) == ("never", "fresh")
    assert after["grafana"]["last_heartbeat_at"] is not None


async def test_metrics_export_provider_freshness(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _acme(clean_db, factory)
    response = await client.get("/metrics")
    assert response.status_code == 200
    lines = response.text.splitlines()

    def value(metric: str, provider: str) -> float | None:
        prefix = f'{metric}{{project_id="acme",provider="{provider}"}} '
        found = [line[len(prefix) :] for line in lines if line.startswith(prefix)]
        return float(found[0]) if found else None

    assert value("awooop_provider_fresh", "alertmanager") == 1.0
    assert value("awooop_provider_fresh", "signoz") == 0.0
    assert value("awooop_provider_fresh", "sentry") == 0.0
    assert value("awooop_provider_last_event_age_seconds", "sentry") is None  # never sent: no age
    heartbeat_age = value("awooop_provider_last_heartbeat_age_seconds", "sentry")
    assert heartbeat_age is not None
    assert 170 <= heartbeat_age < 900
    event_age = value("awooop_provider_last_event_age_seconds", "alertmanager")
    assert event_age is not None
    assert 290 <= event_age < 900
