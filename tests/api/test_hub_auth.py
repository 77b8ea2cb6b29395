"""Source authentication: every accepted credential form, every refusal (401, nothing stored but
a rejection row), unknown projects and providers (404)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import event, select

from awooop.core.db import Database
from awooop.models import ChannelEvent, IntakeRejection
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets

TOKEN = "ait_test-token-4d1f"
SENTRY_SECRET = "test-sentry-client-secret-9f2c41d7e8b3a6055c1e0d94b7a2f3e8"
GRAFANA_SECRET = "test-grafana-hmac-secret-5b1d"
TELEGRAM_SECRET = "tg-test-secret_7Qw9-LmZ2"
AM = "/api/v1/hub/acme/alertmanager"


async def make_project(db: Database, project_id: str = "acme", **secrets: str) -> None:
    async with db.transaction() as session:
        await projects.create_project(session, project_id, intake_token=TOKEN)
        if secrets:
            await projects.set_secrets(session, project_id, ProjectSecrets(**secrets))


async def stored(db: Database) -> tuple[list[ChannelEvent], list[IntakeRejection]]:
    async with db.reader() as session:
        events = list((await session.scalars(select(ChannelEvent))).all())
        rejections = list((await session.scalars(select(IntakeRejection))).all())
    return events, rejections


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sample(fixtures_dir: Path, name: str) -> tuple[bytes, dict[str, str]]:
    raw = (fixtures_dir / name).read_bytes()
    headers = json.loads((fixtures_dir / name.replace(".json", ".headers.json")).read_text())["headers"]
    return raw, headers


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        pytest.param({"Authorization": f"Bearer {TOKEN}"}, None, id="bearer"),
        pytest.param({"Authorization": f"bearer   {TOKEN}"}, None, id="bearer-lowercase"),
        pytest.param({"Authorization": basic("alertmanager", TOKEN)}, None, id="basic-any-username"),
        pytest.param({"Authorization": basic("", TOKEN)}, None, id="basic-empty-username"),
        pytest.param({}, {"token": TOKEN}, id="query"),
    ],
)
async def test_intake_token_forms(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path, headers: dict[str, str], params: dict[str, str]
) -> None:
    await make_project(clean_db)
    raw = (fixtures_dir / "alertmanager_firing_single.json").read_bytes()
    response = await client.post(AM, content=raw, headers=headers, params=params)
    assert response.status_code == 202, response.text
    events, rejections = await stored(clean_db)
    assert len(events) == 1
    assert rejections == []


@pytest.mark.parametrize(
    ("headers", "params", "reason", "mentions"),
    [
        pytest.param({}, None, "missing_credentials", "Bearer", id="none"),
        pytest.param({"Authorization": "Bearer wrong"}, None, "bad_credentials", "acme", id="wrong-bearer"),
        pytest.param({"Authorization": basic("u", "wrong")}, None, "bad_credentials", "acme", id="wrong-basic"),
        pytest.param({"Authorization": "Basic !!notbase64"}, None, "bad_authorization", "base64", id="bad-basic"),
        pytest.param({"Authorization": basic("user-only", "")}, None, "bad_authorization", "password", id="no-pass"),
        pytest.param({"Authorization": f"Token {TOKEN}"}, None, "bad_authorization", "Bearer", id="scheme"),
        pytest.param({}, {"token": "wrong"}, "bad_credentials", "acme", id="wrong-query"),
    ],
)
async def test_wrong_or_missing_token_is_refused(  # noqa: PLR0917 - pytest fixtures and parameters
    client: httpx.AsyncClient,
    clean_db: Database,
    fixtures_dir: Path,
    headers: dict[str, str],
    params: dict[str, str] | None,
    reason: str,
    mentions: str,
) -> None:
    await make_project(clean_db)
    raw = (fixtures_dir / "alertmanager_firing_single.json").read_bytes()
    response = await client.post(AM, content=raw, headers=headers, params=params)
    assert response.status_code == 401
    assert response.json()["reason"] == reason
    assert mentions in response.json()["detail"]
    events, rejections = await stored(clean_db)
    assert events == []
    (rejection,) = rejections
    assert (rejection.project_id, rejection.provider, rejection.reason) == ("acme", "alertmanager", reason)
    assert rejection.status_code == 401
    assert rejection.body_sha256 == hashlib.sha256(raw).hexdigest()
    assert rejection.body_length == len(raw)


async def test_wrong_sentry_signature_stores_only_a_rejection(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    await make_project(clean_db, sentry_client_secret=SENTRY_SECRET)
    raw, headers = sample(fixtures_dir, "sentry_issue_created.json")
    headers["Sentry-Hook-Signature"] = sign("another-secret", raw)
    response = await client.post("/api/v1/hub/acme/sentry", content=raw, headers=headers)
    assert response.status_code == 401
    assert response.json()["reason"] == "bad_signature"
    events, rejections = await stored(clean_db)
    assert events == []
    (rejection,) = rejections
    assert rejection.reason == "bad_signature"
    assert rejection.body_sha256 == hashlib.sha256(raw).hexdigest()
    assert rejection.body_length == len(raw)


async def test_sentry_signature_covers_the_raw_bytes(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    """Re-serialised JSON (same data, other bytes) must not pass: the signature is over the wire bytes."""
    await make_project(clean_db, sentry_client_secret=SENTRY_SECRET)
    raw, headers = sample(fixtures_dir, "sentry_issue_created.json")
    reserialised = json.dumps(json.loads(raw)).encode()
    assert reserialised != raw
    response = await client.post("/api/v1/hub/acme/sentry", content=reserialised, headers=headers)
    assert response.status_code == 401
    ok = await client.post("/api/v1/hub/acme/sentry", content=raw, headers=headers)
    assert ok.status_code == 202


async def test_sentry_without_a_configured_secret_explains_it(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    await make_project(clean_db)
    raw, headers = sample(fixtures_dir, "sentry_issue_created.json")
    response = await client.post("/api/v1/hub/acme/sentry", content=raw, headers=headers)
    assert response.status_code == 401
    assert response.json()["reason"] == "sentry_secret_not_configured"
    assert "no Sentry client secret configured" in response.json()["detail"]


async def test_legacy_sentry_plugin_needs_the_intake_token(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    await make_project(clean_db, sentry_client_secret=SENTRY_SECRET)
    raw = (fixtures_dir / "sentry_legacy_webhook_plugin.json").read_bytes()
    refused = await client.post("/api/v1/hub/acme/sentry", content=raw)
    assert refused.status_code == 401
    assert "?token=" in refused.json()["detail"]
    wrong = await client.post("/api/v1/hub/acme/sentry", content=raw, params={"token": "nope"})
    assert wrong.status_code == 401
    accepted = await client.post("/api/v1/hub/acme/sentry", content=raw, params={"token": TOKEN})
    assert accepted.status_code == 202


async def test_telegram_secret_token(client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path) -> None:
    raw = (fixtures_dir / "telegram_message_text.json").read_bytes()
    url = "/api/v1/hub/acme/telegram"
    await make_project(clean_db)
    not_configured = await client.post(url, content=raw, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert not_configured.status_code == 401
    assert not_configured.json()["reason"] == "telegram_secret_not_configured"
    async with clean_db.transaction() as session:
        await projects.set_secrets(session, "acme", ProjectSecrets(telegram_secret_token=TELEGRAM_SECRET))
    missing = await client.post(url, content=raw, headers={"Authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == 401  # the intake token is not a Telegram credential
    wrong = await client.post(url, content=raw, headers={"X-Telegram-Bot-Api-Secret-Token": "tg-wrong"})
    assert wrong.status_code == 401
    ok = await client.post(url, content=raw, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert ok.status_code == 202, ok.text


async def test_grafana_signature_is_required_once_a_secret_is_set(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    raw, headers = sample(fixtures_dir, "grafana_firing_two_alerts.json")
    token_only = {"Authorization": f"Bearer {TOKEN}"}
    url = "/api/v1/hub/acme/grafana"
    await make_project(clean_db, grafana_secret=GRAFANA_SECRET)
    # The sample's signature (PROVIDERS.md §3.1 test vector) covers "<timestamp>:<body>".
    signed = {**token_only, **{k: v for k, v in headers.items() if k.startswith("X-Grafana")}}
    assert (await client.post(url, content=raw, headers=signed)).status_code == 202

    unsigned = await client.post(url, content=raw, headers=token_only)
    assert unsigned.status_code == 401
    assert unsigned.json()["reason"] == "missing_signature"
    tampered = {**signed, "X-Grafana-Alerting-Timestamp": "1787221381"}
    assert (await client.post(url, content=raw, headers=tampered)).status_code == 401
    # Without a timestamp header the signature covers the body alone (the sample's second vector).
    no_timestamp = {**token_only, "X-Grafana-Alerting-Signature": sign(GRAFANA_SECRET, raw)}
    assert no_timestamp["X-Grafana-Alerting-Signature"] == (
        "4e64d762eb913a02b9f6ece53c557213cbdfffcd50df30a4995ae7089703bf9d"
    )
    assert (await client.post(url, content=raw, headers=no_timestamp)).status_code == 202
    # The token is required in addition to the signature.
    no_token = {k: v for k, v in signed.items() if k != "Authorization"}
    assert (await client.post(url, content=raw, headers=no_token)).status_code == 401


async def test_grafana_without_secret_needs_only_the_token(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    await make_project(clean_db)
    raw = (fixtures_dir / "grafana_firing_two_alerts.json").read_bytes()
    response = await client.post("/api/v1/hub/acme/grafana", content=raw, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 202


async def test_unknown_project_is_404_and_recorded(client: httpx.AsyncClient, clean_db: Database) -> None:
    body = orjson.dumps({"version": "4", "alerts": []})
    for project_id in ("ghost", "Not_A_Valid_Id"):
        response = await client.post(f"/api/v1/hub/{project_id}/alertmanager", content=body)
        assert response.status_code == 404
        assert project_id in response.json()["detail"]
    _, rejections = await stored(clean_db)
    assert sorted(r.project_id for r in rejections) == ["Not_A_Valid_Id", "ghost"]
    assert {r.reason for r in rejections} == {"unknown_project"}
    assert {r.body_length for r in rejections} == {len(body)}


async def test_unknown_provider_is_404_naming_the_known_ones(client: httpx.AsyncClient, clean_db: Database) -> None:
    await make_project(clean_db)
    response = await client.post(
        "/api/v1/hub/acme/pagerduty", content=b"{}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 404
    detail = response.json()["detail"]
    for provider in ("alertmanager", "signoz", "grafana", "sentry", "generic", "telegram"):
        assert provider in detail
    _, rejections = await stored(clean_db)
    assert [(r.provider, r.reason) for r in rejections] == [("pagerduty", "unknown_provider")]


async def test_rotated_token_takes_effect_at_once(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    """The credential cache never refuses a token that the database already accepts."""
    await make_project(clean_db)
    raw = (fixtures_dir / "alertmanager_firing_single.json").read_bytes()
    assert (await client.post(AM, content=raw, headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 202
    async with clean_db.transaction() as session:
        new_token = await projects.rotate_intake_token(session, "acme")
    response = await client.post(AM, content=raw, headers={"Authorization": f"Bearer {new_token}"})
    assert response.status_code == 202, response.text


async def test_a_burst_on_a_cold_cache_reads_the_project_once(
    client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path
) -> None:
    """Senders retrying together after an outage share one credentials read."""
    await make_project(clean_db)
    raw = (fixtures_dir / "alertmanager_firing_single.json").read_bytes()
    reads: list[str] = []

    def on_execute(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM projects" in statement:
            reads.append(statement)

    engine = clean_db.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        responses = await asyncio.gather(
            *(client.post(AM, content=raw, headers={"Authorization": f"Bearer {TOKEN}"}) for _ in range(20))
        )
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert {r.status_code for r in responses} == {202}
    assert len(reads) == 1
