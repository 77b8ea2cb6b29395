"""Bodies the hub refuses (400, 413, 422): the answer names what was wrong, the refusal is counted
and kept as a rejection row (hash and length, never the body); NUL characters are stored alike on
SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from awooop.config import Settings
from awooop.core.db import Database
from awooop.hub import repository
from awooop.models import ChannelEvent, IntakeRejection
from awooop.operators import projects

TOKEN = "ait_test-token-9a0b"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AM = "/api/v1/hub/acme/alertmanager"


@pytest.fixture
async def acme(clean_db: Database) -> str:
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme", intake_token=TOKEN)
    return "acme"


async def rejections(db: Database) -> list[IntakeRejection]:
    async with db.reader() as session:
        return list((await session.scalars(select(IntakeRejection))).all())


async def events(db: Database) -> list[ChannelEvent]:
    async with db.reader() as session:
        return list((await session.scalars(select(ChannelEvent))).all())


def alert_body(**alert_overrides: object) -> dict[str, object]:
    alert: dict[str, object] = {
        "status": "firing",
        "labels": {"alertname": "DiskFull", "severity": "critical", "namespace": "prod"},
        "annotations": {"summary": "disk is full"},
        "startsAt": "2026-08-20T09:41:07Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": "0123456789abcdef",
    }
    alert.update(alert_overrides)
    return {"receiver": "r", "status": "firing", "alerts": [alert], "version": "4", "groupKey": "{}:{}"}


@pytest.mark.usefixtures("acme")
@pytest.mark.parametrize(
    ("body", "reason", "mentions"),
    [
        pytest.param(b'{"version": "4", "alerts": [', "not_json", "not JSON", id="truncated"),
        pytest.param(b"alertname=DiskFull", "not_json", "not JSON", id="form-encoded"),
        pytest.param(b"", "not_json", "not JSON", id="empty"),
        pytest.param(b'{"receiver": "\xff\xfe"}', "not_utf8", "UTF-8", id="latin-1"),
        pytest.param(b'{"a": "\\ud800"}', "not_json", "not JSON", id="lone-surrogate"),
    ],
)
async def test_body_that_is_not_json_is_400(
    client: httpx.AsyncClient, clean_db: Database, body: bytes, reason: str, mentions: str
) -> None:
    response = await client.post(AM, content=body, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["reason"] == reason
    assert mentions in response.json()["detail"]
    (rejection,) = await rejections(clean_db)
    assert (rejection.reason, rejection.status_code) == (reason, 400)
    assert rejection.body_sha256 == hashlib.sha256(body).hexdigest()
    assert rejection.body_length == len(body)
    assert await events(clean_db) == []


@pytest.mark.usefixtures("acme")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"receiver": "r", "alerts": []}, "version", id="no-version"),
        pytest.param({"version": "4", "alerts": {}}, "alerts", id="alerts-not-list"),
        pytest.param(alert_body(labels={"alertname": "X", "replicas": 3}), "alerts[0].labels.replicas", id="label"),
        pytest.param(alert_body(status="burning"), "alerts[0].status", id="status"),
        pytest.param(alert_body(startsAt="yesterday"), "alerts[0].startsAt", id="timestamp"),
        pytest.param([1, 2], "body", id="array"),
    ],
)
async def test_json_that_does_not_fit_the_schema_is_422_naming_the_field(
    client: httpx.AsyncClient, clean_db: Database, body: object, field: str
) -> None:
    raw = orjson.dumps(body)
    response = await client.post(AM, content=raw, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["detail"].startswith(f"{field}: ")
    (rejection,) = await rejections(clean_db)
    assert (rejection.reason, rejection.status_code) == ("schema_mismatch", 422)
    assert field in (rejection.detail or "")
    assert rejection.body_sha256 == hashlib.sha256(raw).hexdigest()
    assert await events(clean_db) == []


@pytest.mark.usefixtures("acme")
async def test_body_over_the_limit_is_413_from_content_length(
    client: httpx.AsyncClient, clean_db: Database, settings: Settings
) -> None:
    raw = b" " * (settings.max_body_bytes + 1)
    response = await client.post(AM, content=raw, headers=AUTH)
    assert response.status_code == 413
    assert response.json()["limit"] == settings.max_body_bytes
    assert str(settings.max_body_bytes) in response.json()["detail"]
    (rejection,) = await rejections(clean_db)
    assert (rejection.reason, rejection.status_code) == ("body_too_large", 413)
    assert rejection.body_sha256 is None  # never read whole, so never hashed
    assert rejection.body_length == len(raw)


@pytest.mark.usefixtures("acme")
async def test_streamed_body_is_cut_off_at_the_limit(
    client: httpx.AsyncClient, clean_db: Database, settings: Settings
) -> None:
    """Chunked upload without Content-Length: refused as soon as the running total passes the limit."""
    chunk = b" " * 65_536
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(settings.max_body_bytes // len(chunk) + 8):
            sent += len(chunk)
            yield chunk

    response = await client.post(AM, content=chunks(), headers=AUTH)
    assert response.status_code == 413
    (rejection,) = await rejections(clean_db)
    assert settings.max_body_bytes < rejection.body_length <= settings.max_body_bytes + len(chunk)


@pytest.mark.usefixtures("acme")
async def test_rejections_are_counted_in_metrics(client: httpx.AsyncClient) -> None:
    def count(project_id: str, reason: str) -> float:
        labels = {"project_id": project_id, "provider": "alertmanager", "reason": reason}
        return REGISTRY.get_sample_value("awooop_intake_rejections_total", labels) or 0.0

    before = count("acme", "bad_credentials"), count("_unknown", "unknown_project")
    await client.post(AM, content=b"{}", headers={"Authorization": "Bearer wrong"})
    await client.post("/api/v1/hub/nobody/alertmanager", content=b"{}")
    assert count("acme", "bad_credentials") == before[0] + 1
    # Unknown projects share one label value, so a scanner cannot blow up metric cardinality.
    assert count("_unknown", "unknown_project") == before[1] + 1


@pytest.mark.usefixtures("acme")
async def test_refusal_is_answered_even_when_the_rejection_cannot_be_stored(
    client: httpx.AsyncClient, clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> None:
        raise ConnectionRefusedError("database went away")

    monkeypatch.setattr(repository, "insert_rejection", broken)
    response = await client.post(AM, content=b"{}", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert await rejections(clean_db) == []


@pytest.mark.usefixtures("acme")
async def test_nul_characters_are_stored_as_replacement_characters(
    client: httpx.AsyncClient, clean_db: Database
) -> None:
    """PostgreSQL refuses NUL in text and jsonb; both engines store U+FFFD instead, identically."""
    body = alert_body(
        labels={"alertname": "Disk\u0000Full", "severity": "critical", "pod\u0000": "api-0"},
        annotations={"summary": "nul \u0000 inside"},
        fingerprint="ab\u0000cd",
    )
    raw = orjson.dumps(body)
    assert b"\\u0000" in raw
    response = await client.post(AM, content=raw, headers=AUTH)
    assert response.status_code == 202, response.text
    assert response.json()["events"][0]["provider_event_id"].startswith("ab\ufffdcd:")
    (event,) = await events(clean_db)
    assert event.alertname == "Disk\ufffdFull"
    assert event.labels["pod\ufffd"] == "api-0"
    assert event.fingerprint == "ab\ufffdcd"
    assert event.content_redacted is not None
    assert "\x00" not in event.content_redacted
    assert "nul \ufffd inside" in orjson.loads(event.content_redacted)["alert"]["annotations"]["summary"]


@pytest.mark.usefixtures("acme")
async def test_byte_order_mark_is_tolerated(client: httpx.AsyncClient, clean_db: Database, fixtures_dir: Path) -> None:
    raw = b"\xef\xbb\xbf" + (fixtures_dir / "alertmanager_firing_single.json").read_bytes()
    response = await client.post(AM, content=raw, headers=AUTH)
    assert response.status_code == 202, response.text
    assert len(await events(clean_db)) == 1
