"""Every provider sample goes through the real route with its real headers and is stored with the
documented envelope (the one the parser and envelope builder produce for it)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from awooop.core.db import Database
from awooop.hub.envelope import build_envelope
from awooop.hub.providers import parse_delivery
from awooop.models import ChannelEvent, IntakeRejection
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets

SENTRY_SECRET = "test-sentry-client-secret-9f2c41d7e8b3a6055c1e0d94b7a2f3e8"
GRAFANA_SECRET = "test-grafana-hmac-secret-5b1d"
TELEGRAM_SECRET = "tg-test-secret_7Qw9-LmZ2"
# Tokens the samples' own Authorization headers carry; each project is created with that token.
SAMPLE_TOKENS = {
    "alertmanager": "test-am-bearer-token-3c8e",
    "signoz": "test-password",  # Basic alert-intake:test-password
    "grafana": "test-grafana-bearer-77aa",
}
TRANSPORT_HEADERS = {"host", "content-length", "connection", "accept-encoding"}
SAMPLES = [
    "alertmanager_firing_single.json",
    "alertmanager_firing_trace_annotations.json",
    "alertmanager_group_mixed_5.json",
    "alertmanager_resolved.json",
    "alertmanager_truncated_max_alerts.json",
    "signoz_firing.json",
    "signoz_resolved.json",
    "grafana_firing_two_alerts.json",
    "sentry_issue_created.json",
    "sentry_issue_resolved.json",
    "sentry_event_alert.json",
    "sentry_metric_alert_critical.json",
    "sentry_metric_alert_resolved.json",
    "sentry_legacy_webhook_plugin.json",
    "telegram_message_text.json",
    "telegram_edited_message.json",
    "telegram_channel_post.json",
]
ENVELOPE_FIELDS = (
    "provider",
    "channel_type",
    "stage",
    "provider_event_id",
    "channel_chat_id",
    "content_preview",
    "content_redacted",
    "has_redacted_content",
    "redaction_version",
    "source_url",
    "content_sha256",
    "content_length",
    "source_refs",
    "source_ref_count",
    "log_correlation",
    "alertname",
    "severity",
    "namespace",
    "target_resource",
    "fingerprint",
    "recurrence_key",
    "labels",
    "provider_ts",
)


def sample_headers(fixtures_dir: Path, sample: str) -> dict[str, str]:
    provider = sample.split("_", maxsplit=1)[0]
    specific = fixtures_dir / sample.replace(".json", ".headers.json")
    path = specific if specific.exists() else fixtures_dir / f"{provider}.headers.json"
    headers = json.loads(path.read_text())["headers"]
    return {name: value for name, value in headers.items() if name.lower() not in TRANSPORT_HEADERS}


async def sample_project(db: Database, provider: str) -> tuple[str, str]:
    """A project set up the way the sample's sender is configured; returns (project id, intake token)."""
    project_id = f"p-{uuid.uuid4().hex[:8]}"
    token = SAMPLE_TOKENS.get(provider, f"tok-{uuid.uuid4().hex}")
    secrets = ProjectSecrets(
        sentry_client_secret=SENTRY_SECRET, grafana_secret=GRAFANA_SECRET, telegram_secret_token=TELEGRAM_SECRET
    )
    async with db.transaction() as session:
        await projects.create_project(session, project_id, intake_token=token)
        await projects.set_secrets(session, project_id, secrets)
    return project_id, token


def expected_envelopes(provider: str, raw: bytes, headers: dict[str, str]) -> list[dict[str, Any]]:
    lowered = {name.lower(): value for name, value in headers.items()}
    items = parse_delivery(provider, orjson.loads(raw), lowered)
    return [{name: getattr(build_envelope(provider, item), name) for name in ENVELOPE_FIELDS} for item in items]


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def has_key(value: Any, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(has_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(has_key(v, key) for v in value)
    return False


@pytest.mark.parametrize("sample", SAMPLES)
async def test_sample_is_stored_with_its_envelope(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path, sample: str
) -> None:
    provider = sample.split("_", maxsplit=1)[0]
    raw = (fixtures_dir / sample).read_bytes()
    headers = sample_headers(fixtures_dir, sample)
    project_id, token = await sample_project(clean_db, provider)
    # The legacy Sentry plugin signs nothing: its callback URL carries the intake token.
    params = {"token": token} if sample == "sentry_legacy_webhook_plugin.json" else None

    response = await client.post(f"/api/v1/hub/{project_id}/{provider}", content=raw, headers=headers, params=params)

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "accepted"
    assert body["project_id"] == project_id
    assert not has_key(body, "method")  # Telegram would execute it as a Bot API call
    expected = expected_envelopes(provider, raw, headers)
    assert len(expected) >= 1
    assert [e["provider_event_id"] for e in body["events"]] == [e["provider_event_id"] for e in expected]
    assert not any(e["is_duplicate"] for e in body["events"])
    async with clean_db.reader() as session:
        stored = {row.id: row for row in await session.scalars(select(ChannelEvent))}
        rejections = (await session.scalars(select(IntakeRejection))).all()
    assert rejections == []
    assert len(stored) == len(expected)
    for answered, envelope in zip(body["events"], expected, strict=True):
        row = stored[uuid.UUID(answered["event_id"])]
        assert row.project_id == project_id
        assert row.has_source_envelope is True
        assert row.is_duplicate is False
        assert row.duplicate_of is None
        assert {name: getattr(row, name) for name in ENVELOPE_FIELDS} == envelope


async def test_alertmanager_envelope_values(client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path) -> None:
    """Spot-check the documented rules on one sample, independently of the envelope builder."""
    sample = "alertmanager_firing_single.json"
    project_id, _ = await sample_project(clean_db, "alertmanager")
    raw = (fixtures_dir / sample).read_bytes()
    response = await client.post(
        f"/api/v1/hub/{project_id}/alertmanager", content=raw, headers=sample_headers(fixtures_dir, sample)
    )
    assert response.status_code == 202, response.text
    async with clean_db.reader() as session:
        row = (await session.scalars(select(ChannelEvent))).one()
    assert row.provider_event_id == "b4b99d28110359b4:2026-08-20T09:41:07.318476211Z:firing"
    assert (row.channel_type, row.stage, row.severity) == ("alert", "firing", "warning")
    assert (row.alertname, row.namespace, row.fingerprint) == ("KubePodCrashLooping", "payments", "b4b99d28110359b4")
    assert row.recurrence_key == "fp:b4b99d28110359b4"
    # generatorURL arrives as `\u0026` in the raw bytes and is stored decoded.
    assert row.source_url is not None
    assert row.source_url.endswith("&g0.tab=1")
    assert row.content_preview is not None
    assert row.content_preview.startswith("[firing] KubePodCrashLooping warning payments/")
    assert row.content_sha256 is not None
    assert len(row.content_sha256) == 64
    assert row.received_at.tzinfo is not None


async def test_telegram_answer_is_not_a_bot_api_call(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    project_id, _ = await sample_project(clean_db, "telegram")
    raw = (fixtures_dir / "telegram_message_text.json").read_bytes()
    headers = sample_headers(fixtures_dir, "telegram_message_text.json")
    response = await client.post(f"/api/v1/hub/{project_id}/telegram", content=raw, headers=headers)
    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"status", "project_id", "events"}
    assert response.json()["events"][0]["provider_event_id"] == "update:874512301"


async def test_ignored_deliveries_answer_202_with_no_events(client: httpx.AsyncClient, clean_db: Database) -> None:
    project_id, _ = await sample_project(clean_db, "sentry")
    installation = orjson.dumps({"action": "created", "installation": {"uuid": "abc"}, "data": {}})
    signature = sign(SENTRY_SECRET, installation)
    sentry = await client.post(
        f"/api/v1/hub/{project_id}/sentry",
        content=installation,
        headers={"Sentry-Hook-Resource": "installation", "Sentry-Hook-Signature": signature},
    )
    poll = orjson.dumps({"update_id": 1, "poll": {"id": "1", "question": "?", "options": []}})
    telegram = await client.post(
        f"/api/v1/hub/{project_id}/telegram", content=poll, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    )
    for response in (sentry, telegram):
        assert response.status_code == 202, response.text
        assert response.json() == {"status": "accepted", "project_id": project_id, "events": []}
    async with clean_db.reader() as session:
        assert (await session.scalars(select(ChannelEvent))).all() == []


async def test_grafana_accepts_put(client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path) -> None:
    """Grafana's webhook contact point may be configured with httpMethod=PUT."""
    project_id, _ = await sample_project(clean_db, "grafana")
    sample = "grafana_firing_two_alerts.json"
    response = await client.put(
        f"/api/v1/hub/{project_id}/grafana",
        content=(fixtures_dir / sample).read_bytes(),
        headers=sample_headers(fixtures_dir, sample),
    )
    assert response.status_code == 202, response.text
    assert len(response.json()["events"]) == 2


async def test_openapi_lists_every_provider(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for provider in ("alertmanager", "signoz", "grafana", "sentry", "telegram", "generic"):
        operation = paths[f"/api/v1/hub/{{project_id}}/{provider}"]["post"]
        assert "202" in operation["responses"]
        assert "422" in operation["responses"]
        assert {p["name"] for p in operation["parameters"]} == {"project_id", "token"}
    assert "put" in paths["/api/v1/hub/{project_id}/grafana"]
