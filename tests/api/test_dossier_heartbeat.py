"""POST /events/dossier/provider-heartbeat and `awooop heartbeat`: synthetic deliveries through
each provider's real parser; one completed shadow run each; no incident, no notification."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from awooop.cli import heartbeat as heartbeat_cli
from awooop.cli.main import app as cli_app
from awooop.core.db import Database
from awooop.hub import providers
from awooop.hub.providers import ParsedItem
from awooop.models import ChannelEvent, Incident, OutboxMessage, Run
from tests.factories import Factory

HEARTBEAT = "/api/v1/platform/events/dossier/provider-heartbeat"
ALERT_PROVIDERS = ["alertmanager", "signoz", "grafana", "sentry", "generic"]


async def _count(db: Database, model: Any) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _events(db: Database) -> list[ChannelEvent]:
    async with db.reader() as session:
        return list((await session.scalars(select(ChannelEvent).order_by(ChannelEvent.provider))).all())


async def test_heartbeat_of_every_alert_provider_is_recorded_through_its_parser(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    payload = {"project_id": "acme", "providers": ALERT_PROVIDERS, "reason": "nightly smoke", "run_ref": "ci-42"}
    response = await client.post(HEARTBEAT, json=payload, headers=await factory.operator_headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "recorded"
    assert body["project_id"] == "acme"
    assert [item["provider"] for item in body["items"]] == ALERT_PROVIDERS
    assert all(item["event_id"].startswith("heartbeat-20") for item in body["items"])
    events = await _events(clean_db)
    assert sorted(e.provider or "" for e in events) == sorted(ALERT_PROVIDERS)
    by_id = {str(e.id): e for e in events}
    for item in body["items"]:
        event = by_id[item["conversation_event_id"]]
        assert event.provider == item["provider"]
        assert event.stage == "heartbeat"
        assert event.provider_event_id == item["event_id"]
        assert event.channel_type == "alert"
        assert event.has_source_envelope
        assert event.content_sha256
        assert "nightly smoke" in (event.content_redacted or "")
        assert event.alertname == "SourceProviderHeartbeat"


async def test_heartbeat_defaults_to_sentry_and_signoz_in_project_default(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("default")
    response = await client.post(HEARTBEAT, json={}, headers=await factory.operator_headers())
    assert response.status_code == 200, response.text
    assert response.json()["project_id"] == "default"
    assert [item["provider"] for item in response.json()["items"]] == ["sentry", "signoz"]


async def test_heartbeat_makes_one_completed_shadow_run_and_no_incident_or_notification(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    response = await client.post(HEARTBEAT, json={"project_id": "acme", "providers": ["sentry"]}, headers=headers)
    assert response.status_code == 200, response.text
    (event,) = await _events(clean_db)
    assert event.run_id is not None
    async with clean_db.reader() as session:
        runs = list((await session.scalars(select(Run))).all())
    assert [(run.id, run.mode, run.state, run.agent_id) for run in runs] == [
        (event.run_id, "shadow", "completed", "awooop-heartbeat")
    ]
    assert await _count(clean_db, Incident) == 0
    assert await _count(clean_db, OutboxMessage) == 0
    dossier = await client.get("/api/v1/platform/events/dossier", params={"run_id": str(event.run_id)}, headers=headers)
    assert [e["event_id"] for e in dossier.json()["events"]] == [str(event.id)]


async def test_a_failing_parser_answers_500_and_stores_nothing(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factory.project("acme")

    def broken(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
        raise KeyError("data")

    monkeypatch.setitem(providers.PARSERS, "signoz", broken)
    payload = {"project_id": "acme", "providers": ["sentry", "signoz"]}
    response = await client.post(HEARTBEAT, json=payload, headers=await factory.operator_headers())
    assert response.status_code == 500
    assert response.json()["detail"] == "signoz provider heartbeat was not recorded"
    assert await _count(clean_db, ChannelEvent) == 0  # sentry's heartbeat was rolled back too
    assert await _count(clean_db, Run) == 0


async def test_heartbeat_scope_and_unknown_project(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    await factory.project("beta")
    beta_only = await factory.operator_headers(projects_spec="beta")
    forbidden = await client.post(HEARTBEAT, json={"project_id": "acme"}, headers=beta_only)
    assert forbidden.status_code == 403
    assert "acme" in forbidden.json()["detail"]
    missing = await client.post(HEARTBEAT, json={"project_id": "nope"}, headers=await factory.operator_headers())
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]
    assert (await client.post(HEARTBEAT, json={"project_id": "acme"})).status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"providers": []}, "providers"),
        ({"providers": ["telegram"]}, "providers"),
        ({"providers": ["sentry", "signoz", "grafana", "generic", "alertmanager", "sentry"]}, "providers"),
        ({"reason": ""}, "reason"),
        ({"run_ref": "x" * 121}, "run_ref"),
        ({"project_id": "Acme!"}, "project_id"),
    ],
)
async def test_heartbeat_request_validation_names_the_field(
    client: httpx.AsyncClient, factory: Factory, payload: dict[str, Any], field: str
) -> None:
    response = await client.post(HEARTBEAT, json=payload, headers=await factory.operator_headers())
    assert response.status_code == 422
    assert field in response.json()["detail"]


async def test_repeated_provider_is_recorded_once(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    payload = {"project_id": "acme", "providers": ["sentry", "sentry"]}
    response = await client.post(HEARTBEAT, json=payload, headers=await factory.operator_headers())
    assert [item["provider"] for item in response.json()["items"]] == ["sentry"]


def _invoke(args: list[str], database_url: str) -> Any:
    return CliRunner().invoke(cli_app, args, env={"AWOOOP_DATABASE_URL": database_url})


async def test_cli_records_heartbeats_and_prints_them(factory: Factory, clean_db: Database, database_url: str) -> None:
    await factory.project("acme")
    # The CLI runs its own event loop, so it gets a thread of its own.
    result = await asyncio.to_thread(
        _invoke, ["heartbeat", "--project", "acme", "--providers", "grafana,generic"], database_url
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split("\t")[1] for line in lines] == ["grafana", "generic"]
    events = await _events(clean_db)
    assert sorted(str(e.id) for e in events) == sorted(line.split("\t")[3] for line in lines)
    assert all("cli:" in (e.content_redacted or "") for e in events)


async def test_cli_refuses_unknown_providers_and_projects(factory: Factory, database_url: str) -> None:
    await factory.project("acme")
    bad_provider = await asyncio.to_thread(
        _invoke, ["heartbeat", "--project", "acme", "--providers", "sentry,pagerduty"], database_url
    )
    assert bad_provider.exit_code == 2
    assert "pagerduty" in bad_provider.output
    missing = await asyncio.to_thread(_invoke, ["heartbeat", "--project", "nope"], database_url)
    assert missing.exit_code == 1
    assert "project 'nope' not found" in missing.output


async def test_heartbeat_loop_records_each_round_until_stopped(factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    stop = asyncio.Event()
    printed: list[str] = []
    errors: list[str] = []

    def report(line: str) -> None:
        printed.append(line)
        stop.set()  # one round, then the loop must end on its own

    await heartbeat_cli.heartbeat_loop(
        clean_db,
        project_id="acme",
        providers=["signoz"],
        reason="sidecar",
        actor=heartbeat_cli.LocalOperator("cli:test"),
        every=3600,
        stop=stop,
        report=report,
        report_error=errors.append,
    )
    assert len(printed) == 1
    assert printed[0].split("\t")[:2] == ["acme", "signoz"]
    assert errors == []
    assert await _count(clean_db, ChannelEvent) == 1


async def test_heartbeat_loop_reports_a_failed_round_without_raising(factory: Factory, clean_db: Database) -> None:
    stop = asyncio.Event()
    errors: list[str] = []

    def report_error(line: str) -> None:
        errors.append(line)
        stop.set()

    await heartbeat_cli.heartbeat_loop(
        clean_db,
        project_id="ghost",
        providers=["signoz"],
        reason="sidecar",
        actor=heartbeat_cli.LocalOperator("cli:test"),
        every=3600,
        stop=stop,
        report=lambda line: None,
        report_error=report_error,
    )
    assert errors == ["heartbeat failed: project 'ghost' not found"]
