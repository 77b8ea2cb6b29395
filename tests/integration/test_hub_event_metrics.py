"""`awooop_intake_events_total` counts committed events only (record_items runs in the caller's
transaction, which may still roll back — e.g. a heartbeat request whose second provider fails)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
from prometheus_client import REGISTRY

from awooop.core.db import Database
from awooop.hub.providers import parse_delivery
from awooop.hub.service import record_items
from tests.factories import Factory


def _stored(project_id: str) -> float:
    labels = {"project_id": project_id, "provider": "alertmanager", "duplicate": "false"}
    return REGISTRY.get_sample_value("awooop_intake_events_total", labels) or 0.0


async def test_events_are_counted_when_committed_never_when_rolled_back(
    clean_db: Database, factory: Factory, fixtures_dir: Path
) -> None:
    project = await factory.project(f"metrics-{datetime.now(UTC):%H%M%S%f}")
    body = orjson.loads((fixtures_dir / "alertmanager_group_mixed_5.json").read_bytes())
    items = parse_delivery("alertmanager", body, {})
    before = _stored(project.id)

    async with clean_db.writer() as session:
        await session.begin()
        await record_items(session, project_id=project.id, provider="alertmanager", items=items)
        await session.rollback()
    assert _stored(project.id) == before

    async with clean_db.transaction() as session:
        await record_items(session, project_id=project.id, provider="alertmanager", items=items)
    assert _stored(project.id) == before + len(items)
