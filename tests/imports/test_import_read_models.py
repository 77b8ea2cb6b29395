"""Imported history in the read models: one recurrence group with live alerts of the same
problem, counted as missing envelopes in coverage, never routed; and the JSONL round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from awooop.core.db import Database
from awooop.imports import export, repository
from awooop.models import ChannelEvent
from awooop.runs import playbooks
from tests.factories import CreatedProject, Factory
from tests.imports.helpers import LEGACY, cli, events, import_files, routed_counts

FINGERPRINT = "e4f09956d1a08ce6"  # the TargetDown alert in alerta_alert_detail.json's rawData
MATCH_EVERYTHING = """
playbooks:
  - id: fix-anything
    match: {}
    agent_id: k8s-remediator
    action: rollout-restart
"""


@pytest.fixture
async def project(factory: Factory) -> CreatedProject:
    created = await factory.project("acme")
    async with factory.db.transaction() as session:
        await playbooks.replace_playbooks(session, "acme", playbooks.parse_playbooks(MATCH_EVERYTHING))
    return created


@pytest.fixture
def env(database_url: str, tmp_path: Path, project: CreatedProject) -> dict[str, str]:
    del project
    return {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}


def _live_target_down(minute: int) -> bytes:
    """The same TargetDown alert, as Alertmanager now sends it to AwoooP."""
    raw = json.loads((LEGACY / "alerta_alert_detail.json").read_text())["alert"]["rawData"]
    alert = json.loads(raw)
    alert["startsAt"] = f"2026-12-01T22:{minute:02d}:00Z"
    body = {
        "version": "4",
        "status": "firing",
        "receiver": "awooop",
        "groupKey": '{}:{alertname="TargetDown"}',
        "groupLabels": {"alertname": "TargetDown"},
        "commonLabels": alert["labels"],
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.monitoring.svc:9093",
        "alerts": [alert],
    }
    return json.dumps(body).encode()


async def _get(client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/api/v1/platform/events/dossier/{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_imported_and_live_events_of_one_problem_share_a_recurrence_group(
    env: dict[str, str], client: httpx.AsyncClient, factory: Factory, project: CreatedProject, clean_db: Database
) -> None:
    imported = await import_files(env, "alerta", "acme", "alerta_alert_detail.json", "alerta_alerts_history.json")
    assert imported.exit_code == 0, imported.output
    assert await routed_counts(clean_db) == {"incidents": 0, "runs": 0, "outbox": 0, "linked": 0}

    response = await client.post(
        "/api/v1/hub/acme/alertmanager",
        content=_live_target_down(5),
        headers={"Authorization": f"Bearer {project.intake_token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text
    live = await routed_counts(clean_db)
    assert live["incidents"] == 1  # live alerts are routed as always
    assert live["runs"] == 1

    headers = await factory.operator_headers()
    body = await _get(client, headers, "recurrence", project_id="acme")
    group = next(item for item in body["items"] if item["recurrence_key"] == f"fp:{FINGERPRINT}")
    assert group["occurrence_total"] == 2  # imported history + the live alert
    assert group["work_item"] is not None  # recurrent: two non-duplicate occurrences
    assert group["linked_run_total"] == 1  # the live alert's run; the imported event has none
    async with clean_db.reader() as session:
        stored = (await session.scalars(select(ChannelEvent).where(ChannelEvent.fingerprint == FINGERPRINT))).all()
    assert sorted(e.origin_system or "live" for e in stored) == ["alerta", "live"]
    assert next(e for e in stored if e.origin_system).run_id is None


async def test_coverage_counts_imported_events_without_an_envelope_as_missing(
    env: dict[str, str], client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    result = await import_files(env, "alerta", "acme", "alerta_alerts_history.json", "alerta_alert_detail.json")
    assert result.exit_code == 0, result.output
    result = await import_files(env, "oncall", "acme", "oncall_alert_groups.json")
    assert result.exit_code == 0, result.output

    headers = await factory.operator_headers()
    body = await _get(client, headers, "coverage", project_id="acme")
    summary = body["summary"]
    stored = await events(clean_db, "acme")
    with_envelope = sum(e.has_source_envelope for e in stored)
    assert summary["source_count"] == len(stored) == 13
    assert with_envelope == 1  # OnCall's firing with its Alertmanager payload (Alerta's entry was skipped)
    assert summary["source_envelope_total"] == with_envelope
    assert summary["missing_source_envelope_total"] == len(stored) - with_envelope
    providers = {row["provider"]: row["total"] for row in body["providers"]}
    # The provider is the alert source when the original payload was known (OnCall got it from
    # Alertmanager); the legacy system otherwise. The origin says where the record came from.
    assert providers == {"alerta": 10, "alertmanager": 2, "oncall": 1}
    assert await routed_counts(clean_db) == {"incidents": 0, "runs": 0, "outbox": 0, "linked": 0}


async def test_export_then_import_moves_history_to_another_project(
    env: dict[str, str], factory: Factory, clean_db: Database, tmp_path: Path
) -> None:
    await import_files(env, "alerta", "acme", "alerta_alert_detail.json")
    await import_files(env, "opsgenie", "acme", "opsgenie_list_alerts.json")
    await factory.project("other")
    exported = tmp_path / "acme.jsonl"
    result = await cli(["export", "--project", "acme", "--output", str(exported)], env)
    assert result.exit_code == 0, result.output
    assert "exported 4 event(s)" in result.output
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert len(lines) == 4
    assert all(line["awooop_export"] == 1 for line in lines)

    moved = await import_files(env, "jsonl", "other", str(exported))
    assert moved.exit_code == 0, moved.output
    assert "read 4 record(s): 4 event(s) imported" in moved.output
    again = await import_files(env, "jsonl", "other", str(exported))
    assert "0 event(s) imported, 4 skipped as already imported" in again.output

    fields = (
        "stage", "provider", "provider_event_id", "content_redacted", "content_sha256", "has_source_envelope",
        "source_refs", "labels", "alertname", "severity", "fingerprint", "recurrence_key", "received_at",
        "origin_system", "origin_id", "origin_occurrences",
    )  # fmt: skip
    source = [tuple(getattr(e, f) for f in fields) for e in await events(clean_db, "acme")]
    target = [tuple(getattr(e, f) for f in fields) for e in await events(clean_db, "other")]
    assert target == source
    # The Alerta history is still Alerta's: importing the Alerta file into `other` adds nothing.
    direct = await import_files(env, "alerta", "other", "alerta_alert_detail.json")
    assert "0 event(s) imported, 1 skipped" in direct.output
    assert await routed_counts(clean_db) == {"incidents": 0, "runs": 0, "outbox": 0, "linked": 0}


async def test_export_since_and_a_live_event_round_trip(
    env: dict[str, str], client: httpx.AsyncClient, project: CreatedProject, factory: Factory, clean_db: Database
) -> None:
    await import_files(env, "alerta", "acme", "alerta_alert_detail.json")  # 2026-12-01T21:01:50Z
    response = await client.post(
        "/api/v1/hub/acme/alertmanager",
        content=_live_target_down(7),
        headers={"Authorization": f"Bearer {project.intake_token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 202
    [live] = [e for e in await events(clean_db, "acme") if e.origin_system is None]
    since = live.received_at.isoformat()
    result = await cli(["export", "--project", "acme", "--since", since], env)
    assert result.exit_code == 0, result.output
    [line] = [json.loads(text) for text in result.stdout.splitlines() if text.startswith("{")]
    assert line["event_id"] == str(live.id)
    assert line["origin_system"] is None
    await factory.project("other")
    moved = await cli(["import", "--from", "jsonl", "--project", "other", "-"], env, stdin=result.stdout.encode())
    assert moved.exit_code == 0, moved.output
    [copy] = await events(clean_db, "other")
    assert (copy.origin_system, copy.origin_id) == ("awooop", str(live.id))
    assert (copy.provider_event_id, copy.recurrence_key) == (live.provider_event_id, live.recurrence_key)
    assert copy.run_id is None
    assert copy.incident_id is None


async def test_the_export_pages_through_the_project_in_time_order(
    env: dict[str, str], clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await import_files(env, "alerta", "acme", "alerta_alerts_history.json")
    monkeypatch.setattr(repository, "EXPORT_PAGE", 3)  # 10 events: four pages
    async with clean_db.reader() as session:
        lines = [json.loads(line) async for line in export.export_lines(session, "acme", None)]
    stored = await events(clean_db, "acme")
    assert [line["event_id"] for line in lines] == [
        str(e.id) for e in sorted(stored, key=lambda e: (e.received_at, e.id))
    ]
