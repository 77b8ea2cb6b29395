"""The work-item guarantees, proven on full table snapshots: preview writes nothing at all; dry-run and
handoff append their history record and change no incident, run, run transition or notification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from awooop.core.db import Database
from awooop.models import Base
from tests.api.test_workitem_lifecycle import build_every_status
from tests.api.test_workitem_scenario import DRY_RUN, HANDOFF, PREVIEW, Scenario
from tests.factories import Factory

MODES = ("auto", "auto_repair", "manual_review", "ticket")
REMEDIATION_TABLES = ("incidents", "runs", "run_transitions", "notification_outbox")
Snapshot = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
async def scenario(client: httpx.AsyncClient, factory: Factory, fixtures_dir: Path) -> Scenario:
    return await Scenario(client, factory, fixtures_dir).setup()


async def snapshot(db: Database, only: tuple[str, ...] | None = None) -> Snapshot:
    """Every row of every (or the named) table, in primary-key order."""
    taken: Snapshot = {}
    async with db.reader() as session:
        for table in Base.metadata.sorted_tables:
            if only is not None and table.name not in only:
                continue
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            taken[table.name] = [tuple(row) for row in rows.all()]
    return taken


async def work_item_ids(scenario: Scenario) -> list[str]:
    items = (await scenario.recurrence())["items"]
    return [item["work_item"]["work_item_id"] for item in items if item["work_item"]]


async def test_preview_writes_nothing_at_all(scenario: Scenario, clean_db: Database) -> None:
    await build_every_status(scenario)
    ids = await work_item_ids(scenario)  # also records the key's last use, before the snapshot
    assert len(ids) == 6
    response = await scenario.client.post(DRY_RUN, json={"work_item_id": ids[0]}, headers=scenario.operator)
    assert response.status_code == 200
    before = await snapshot(clean_db)
    for table in (*REMEDIATION_TABLES, "work_item_records", "channel_events"):
        assert before[table], f"{table} should hold rows for this test to mean anything"

    for work_item_id in ids:
        for mode in MODES:
            answer = await scenario.client.get(
                PREVIEW, params={"work_item_id": work_item_id, "mode": mode}, headers=scenario.operator
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["guarantees"]["read_only"] is True

    assert await snapshot(clean_db) == before


async def test_dry_run_and_handoff_change_only_their_history(scenario: Scenario, clean_db: Database) -> None:
    await build_every_status(scenario)
    ids = await work_item_ids(scenario)
    before = await snapshot(clean_db)
    calls = 0
    for work_item_id in ids:
        for mode in MODES:
            dry_run = {"work_item_id": work_item_id, "mode": mode}
            assert (await scenario.client.post(DRY_RUN, json=dry_run, headers=scenario.operator)).status_code == 200
            calls += 1
        for kind in ("ticket_proposal", "manual_takeover"):
            handoff = {"work_item_id": work_item_id, "handoff_kind": kind}
            assert (await scenario.client.post(HANDOFF, json=handoff, headers=scenario.operator)).status_code == 200
            calls += 1
    after = await snapshot(clean_db)

    for table in (*REMEDIATION_TABLES, "channel_events", "playbooks", "projects", "intake_rejections"):
        assert after[table] == before[table], f"{table} changed"
    assert before["work_item_records"] == []
    assert len(after["work_item_records"]) == calls
    changed = {name for name in after if after[name] != before[name]}
    assert changed <= {"work_item_records", "api_keys"}  # api_keys: the key's last use, once a minute
