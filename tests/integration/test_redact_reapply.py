"""`awooop redact --reapply`: rows stored under an older rule set are redacted further with the
installed one, in batches, per project; rows keep their version until then."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from awooop.cli.main import app
from awooop.core.db import Database
from awooop.hub.reapply import Cursor, reapply_batch
from awooop.hub.redaction import REDACTION_VERSION
from awooop.models import ChannelEvent, Incident
from tests.factories import Factory

runner = CliRunner()
CLIENT_IP = "203.0.113.58"
AWS_SECRET = "wJalrFAKEuTnFEMI/K7MDENG+bPxRfiCYzEXAMPL"
COOKIE = "FAKEold-cookie-77"


def _event(index: int) -> dict[str, Any]:
    return {
        "alertname": f"RateLimited{index}",
        "summary": f"client {index} throttled",
        "severity": "warning",
        "labels": {"team": "edge"},
    }


async def _ingest(client: httpx.AsyncClient, factory: Factory, project_id: str, count: int) -> None:
    project = await factory.project(project_id)
    headers = {"Authorization": f"Bearer {project.intake_token}"}
    for index in range(count):
        answer = await client.post(f"/api/v1/hub/{project_id}/generic", json=_event(index), headers=headers)
        assert answer.status_code == 202, answer.text


async def _as_stored_by_r1(db: Database, project_id: str) -> None:
    """What r1 kept of such alerts: it left public IPs, whole-cookie-free text and the AWS secret
    next to a redacted key id alone (r1 ran at intake; the raw body is not stored)."""
    async with db.transaction() as session:
        rows = (await session.scalars(select(ChannelEvent).where(ChannelEvent.project_id == project_id))).all()
        for row in rows:
            content = orjson.loads(row.content_redacted or "{}")
            content["summary"] = f"client {CLIENT_IP} throttled, key [REDACTED:aws_key] {AWS_SECRET}"
            content["headers"] = {"cookie": f"session={COOKIE}; lang=en"}
            row.content_redacted = orjson.dumps(content, option=orjson.OPT_SORT_KEYS).decode()
            row.content_preview = f"[firing] {row.alertname} warning: client {CLIENT_IP} throttled"
            row.labels = {**row.labels, "client_ip": CLIENT_IP}
            row.redaction_version = "r1"
        incidents = (await session.scalars(select(Incident).where(Incident.project_id == project_id))).all()
        for incident in incidents:
            incident.title = f"{incident.title} from {CLIENT_IP}"


async def _rows(db: Database, project_id: str) -> list[ChannelEvent]:
    async with db.reader() as session:
        stmt = select(ChannelEvent).where(ChannelEvent.project_id == project_id)
        return list((await session.scalars(stmt)).all())


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, clean_db: Database) -> dict[str, str]:
    del clean_db
    return {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}


async def test_reapply_redacts_old_rows_further_for_one_project(
    client: httpx.AsyncClient, clean_db: Database, factory: Factory, cli_env: dict[str, str]
) -> None:
    await _ingest(client, factory, "edge", 3)
    await _ingest(client, factory, "other", 1)
    assert {row.redaction_version for row in await _rows(clean_db, "edge")} == {REDACTION_VERSION}
    await _as_stored_by_r1(clean_db, "edge")
    await _as_stored_by_r1(clean_db, "other")

    result = await asyncio.to_thread(runner.invoke, app, ["redact", "--reapply", "--project", "edge"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "3 stored event(s) checked, 3 redacted further, 3 incident title(s)" in result.output

    for row in await _rows(clean_db, "edge"):
        stored = " ".join(str(value) for value in (row.content_redacted, row.content_preview, row.labels))
        assert CLIENT_IP not in stored
        assert AWS_SECRET not in stored
        assert COOKIE not in stored
        assert "lang=en" in (row.content_redacted or "")  # benign cookies stay
        assert row.redaction_version == REDACTION_VERSION
        assert row.has_redacted_content is True
    async with clean_db.reader() as session:
        titles = (await session.scalars(select(Incident.title).where(Incident.project_id == "edge"))).all()
    assert titles
    assert all(CLIENT_IP not in title for title in titles)
    # The other project keeps its version (and its text) until it is reapplied too.
    (other,) = await _rows(clean_db, "other")
    assert other.redaction_version == "r1"
    assert CLIENT_IP in (other.content_redacted or "")

    again = await asyncio.to_thread(runner.invoke, app, ["redact", "--reapply", "--project", "edge"], env=cli_env)
    assert "0 stored event(s) checked" in again.output


async def test_reapply_walks_in_small_batches(client: httpx.AsyncClient, clean_db: Database, factory: Factory) -> None:
    await _ingest(client, factory, "edge", 5)
    await _as_stored_by_r1(clean_db, "edge")
    cursor: Cursor | None = None
    sizes = []
    while True:
        async with clean_db.transaction() as session:
            batch = await reapply_batch(session, project_id="edge", after=cursor, limit=2)
        sizes.append(batch.scanned)
        if batch.cursor is None:
            break
        cursor = batch.cursor
    assert sizes == [2, 2, 1]
    assert {row.redaction_version for row in await _rows(clean_db, "edge")} == {REDACTION_VERSION}
    assert all(CLIENT_IP not in (row.content_redacted or "") for row in await _rows(clean_db, "edge"))
