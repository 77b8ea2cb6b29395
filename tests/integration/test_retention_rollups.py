"""Compaction: rollups equal the raw counts of their day before the purge, a second pass never counts
twice, and a work item's lifetime is the same before and after its raw events are gone."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from awooop.config import Settings
from awooop.core.db import Database
from awooop.hub.envelope import work_item_id
from awooop.models import ChannelEvent, EventRollup, WorkItemKey
from awooop.retention import service
from awooop.retention.lifetime import work_item_lifetime
from awooop.retention.pacing import Pacing
from tests.factories import Factory
from tests.fakes.events import alert
from tests.retention_data import NOW, ago, count, duplicate_of, store

PACING = Pacing(batch_rows=3, pause_seconds=0)
RANK = {"info": 1, "warning": 2, "error": 3, "critical": 4}


def _events() -> list[Any]:
    rows: list[Any] = []
    for days, severity, stage in (
        (40.5, "warning", "firing"),
        (40.2, "critical", "firing"),
        (40.1, "info", "resolved"),
    ):
        rows.append(alert(fingerprint="aaa", severity=severity, stage=stage, received_at=ago(days)))
    rows += [duplicate_of(rows[0], received_at=ago(40.05)), duplicate_of(rows[0], received_at=ago(39.9))]
    rows += [alert(fingerprint="aaa", received_at=ago(days)) for days in (35, 20, 8.5, 2)]
    rows += [alert(fingerprint="bbb", severity="error", received_at=ago(days)) for days in (40, 12)]
    rows.append(alert(fingerprint="hb", stage="heartbeat", received_at=ago(40)))  # never rolled up
    return rows


async def _raw_by_day(db: Database) -> dict[tuple[str, Any], dict[str, Any]]:
    """What the rollups must say, computed in Python from every raw row."""
    async with db.reader() as session:
        events = (await session.scalars(select(ChannelEvent))).all()
    days: dict[tuple[str, Any], dict[str, Any]] = defaultdict(
        lambda: {"occurrence_total": 0, "duplicate_total": 0, "original_firing_total": 0, "times": [], "rank": 0}
    )
    for event in events:
        if event.stage == "heartbeat" or event.recurrence_key is None:
            continue
        entry = days[(work_item_id(event.project_id, event.recurrence_key), event.received_at.date())]
        entry["occurrence_total"] += 1
        entry["duplicate_total"] += event.is_duplicate
        entry["original_firing_total"] += event.stage == "firing" and not event.is_duplicate
        entry["times"].append(event.received_at)
        entry["rank"] = max(entry["rank"], RANK.get(event.severity or "", 0))
    return days


async def _rollups(db: Database) -> dict[tuple[str, Any], dict[str, Any]]:
    async with db.reader() as session:
        rows = (await session.scalars(select(EventRollup))).all()
    return {
        (row.work_item_id, row.day): {
            "occurrence_total": row.occurrence_total,
            "duplicate_total": row.duplicate_total,
            "original_firing_total": row.original_firing_total,
            "first": row.first_seen_at,
            "last": row.last_seen_at,
            "worst": row.worst_severity,
        }
        for row in rows
    }


async def test_rollups_equal_raw_counts_and_lifetime_survives_the_purge(
    clean_db: Database, factory: Factory, settings: Settings
) -> None:
    await factory.project("acme")
    await store(clean_db, _events())
    raw = await _raw_by_day(clean_db)
    async with clean_db.reader() as session:
        before = await work_item_lifetime(session, project_id="acme", recurrence_key="fp:aaa")
    assert before["occurrence_total"] == 9
    aaa = work_item_id("acme", "fp:aaa")
    assert before["days_active"] == len({day for item, day in raw if item == aaa}) == 5

    report = await service.run_pass(clean_db, settings, now=NOW, pacing=PACING)
    assert report.total("raw_events") > 0
    rollups = await _rollups(clean_db)
    compaction_day = (NOW - timedelta(days=7)).date()
    expected = {key: value for key, value in raw.items() if key[1] < compaction_day}
    assert set(rollups) == set(expected)
    for key, entry in expected.items():
        rollup = rollups[key]
        assert rollup["occurrence_total"] == entry["occurrence_total"], key
        assert rollup["duplicate_total"] == entry["duplicate_total"], key
        assert rollup["original_firing_total"] == entry["original_firing_total"], key
        assert (rollup["first"], rollup["last"]) == (min(entry["times"]), max(entry["times"])), key
        assert RANK.get(rollup["worst"] or "", 0) == entry["rank"], key
    # Every rolled-up key is addressable by id from now on.
    assert await count(clean_db, WorkItemKey, WorkItemKey.recurrence_key == "fp:bbb") == 1

    async with clean_db.reader() as session:
        after = await work_item_lifetime(session, project_id="acme", recurrence_key="fp:aaa")
    assert after == {**before, "compacted_days": after["compacted_days"]}
    assert after["compacted_days"] > 0

    # Later passes (the same day again, then a day later) replace rollups, never add to them.
    await service.run_pass(clean_db, settings, now=NOW, pacing=PACING)
    await service.run_pass(clean_db, settings, now=NOW + timedelta(days=1), pacing=PACING)
    later = await _rollups(clean_db)
    assert {key: later[key] for key in rollups} == rollups
    async with clean_db.reader() as session:
        assert (await work_item_lifetime(session, project_id="acme", recurrence_key="fp:aaa"))[
            "occurrence_total"
        ] == before["occurrence_total"]
